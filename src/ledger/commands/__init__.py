"""The Ledger's commands, one module per group of facts: plain functions taking the ledger first,
each authorize, get, one domain call, record (see base.py); `Ledger` exposes them as methods."""
