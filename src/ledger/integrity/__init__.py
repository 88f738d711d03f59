"""Trust: the hash-chained, append-only event log, its verifier and signed checkpoints."""
