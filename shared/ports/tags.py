"""Tags role of the mailbox store: an account's tags (F50, IMAP keywords) and the bounds
they are kept within. Putting tags on messages is `Messages.tag_messages` /
`change_flags`."""

from __future__ import annotations

from typing import Protocol

from shared.model import Tag, TagLimits


class Tags(Protocol):
    """An account's set of tags, and the store's bounds of tags."""

    @property
    def tag_limits(self) -> TagLimits:
        """The bounds this store keeps tags within (IMAP announces `\\*` by them)."""
        ...

    async def tags(self, account_id: str) -> list[Tag]: ...

    async def create_tag(self, account_id: str, name: str, color: str) -> Tag:
        """`Conflict` if the account has a tag of that name; `Refused` for a name no tag can
        have (`shared.model.tag_name`); `LimitExceeded` once the account has
        `tag_limits.per_account` tags."""
        ...

    async def set_tag_color(self, account_id: str, tag_id: str, color: str) -> Tag: ...

    async def delete_tag(self, account_id: str, tag_id: str) -> None:
        """Delete the tag and take it off every message (each journals message.updated)."""
        ...
