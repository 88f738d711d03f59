"""The assessment rules and the aggregates that record the facts."""
