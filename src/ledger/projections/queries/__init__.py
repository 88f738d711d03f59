"""Queries over the stored rows (no rules: every figure comes from the model)."""
