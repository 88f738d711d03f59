"""The row store: tables, the writers of the fold's rows, the runner that feeds them (no rules)."""
