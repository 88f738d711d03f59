"""The Ledger's commands, one module per group of facts; each: authorize, get, decide, save."""
