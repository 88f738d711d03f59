"""The fold and its figures: pure functions of events and rules (no SQL, no I/O)."""
