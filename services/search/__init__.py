"""search: keeps the full-text index from `mailbox.changed` and answers queries."""
