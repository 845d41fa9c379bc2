"""Actions on a selection of messages (F38, F39, F50) and emptying the Trash."""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime, ConfigDict, Field, model_validator

from services.gateway.schemas.core import Request, Schema
from shared.model import Selection

Action = Literal[
    "read",
    "unread",
    "flag",
    "unflag",
    "move",
    "copy",
    "delete",
    "restore",
    "destroy",
    "tag",
    "untag",
]
# What each action needs beside the selection.
_TARGETS: dict[str, str] = {
    "move": "folder_id",
    "copy": "folder_id",
    "tag": "tag_id",
    "untag": "tag_id",
}


class SelectionIn(Selection):
    """Some messages by id, or a whole folder, or its messages dated before `before`."""

    model_config = ConfigDict(extra="forbid")
    message_ids: list[str] | None = Field(default=None, max_length=10_000)
    before: AwareDatetime | None = Field(default=None, description="with folder_id only")

    def plain(self) -> Selection:
        return Selection(message_ids=self.message_ids, folder_id=self.folder_id, before=self.before)


class ActionRequest(Request):
    action: Action
    selection: SelectionIn
    folder_id: str | None = Field(default=None, description="target of move and copy")
    tag_id: str | None = Field(default=None, description="the tag of tag and untag")

    @model_validator(mode="after")
    def _target_given(self) -> ActionRequest:
        needed = _TARGETS.get(self.action)
        if needed is not None and getattr(self, needed) is None:
            raise ValueError(f"{self.action} needs {needed}")
        return self


class ActionResult(Schema):
    action: Action
    affected: list[str] = Field(description="ids changed; for copy, the new ids")
    count: int


class TrashEmptied(Schema):
    removed_messages: int
    removed_folders: int
    freed_bytes: int
