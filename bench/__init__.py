"""Benchmarks of the ledger: `python -m bench` (see docs/PERFORMANCE.md)."""
