"""Mailbox store and blob store adapters (SQLite and files embedded; MongoDB distributed)."""
