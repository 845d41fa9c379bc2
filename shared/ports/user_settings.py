"""User settings role of the mailbox store: preferences, IMAP subscriptions (RFC 3501
§6.3.6) and recent searches (F32)."""

from __future__ import annotations

from typing import Protocol

from shared.model import Preferences


class UserSettings(Protocol):
    """What a user sets and clients remember: preferences, subscriptions, recent searches."""

    async def preferences(self, account_id: str) -> Preferences: ...

    async def set_preferences(self, account_id: str, preferences: Preferences) -> Preferences: ...

    async def subscriptions(self, account_id: str) -> list[str]:
        """Mailbox names the account subscribed to, sorted (they need not exist)."""
        ...

    async def set_subscribed(self, account_id: str, name: str, subscribed: bool) -> None:
        """Subscribe to or unsubscribe from a name; idempotent (`NotFound` for a bad
        account)."""
        ...

    async def remember_search(self, account_id: str, query: str, *, keep: int = 5) -> None:
        """Put `query` first among the account's recent searches (once: a repeat moves it
        up), keeping the `keep` newest."""
        ...

    async def recent_searches(self, account_id: str) -> list[str]:
        """The account's recent searches, newest first."""
        ...
