"""Mailbox store on SQLite: the embedded default adapter of the `MailboxStore` port."""

from services.store.adapters.sqlite.store import SqliteMailboxStore

__all__ = ["SqliteMailboxStore"]
