"""Assessment Ledger: an event-sourced ledger of procurement agency assessments."""
