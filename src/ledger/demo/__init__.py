"""Synthetic but realistic histories for demonstrations and benchmarks (`ledger demo`)."""
