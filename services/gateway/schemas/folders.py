"""Folders (F35-F37)."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field, RootModel, StringConstraints

from services.gateway.schemas.core import Request, Schema
from shared.model import MAX_FOLDER_NAME, FolderRole, folder_name

# The store's rule (no '/', control or bidirectional characters; spaces made one); the
# length is also the schema's, for the API's description.
FolderName = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_FOLDER_NAME),
    AfterValidator(folder_name),
]


class FolderCreate(Request):
    name: FolderName
    parent_id: str | None = Field(default=None, description="absent or null: top level")


class FolderUpdate(Request):
    """Rename and/or move. `parent_id: null` moves to the top level; leaving it out keeps
    the folder where it is."""

    name: FolderName | None = None
    parent_id: str | None = None


class FolderOut(Schema):
    id: str
    name: str
    role: FolderRole | None
    parent_id: str | None
    total: int
    unread: int
    unread_below: bool = Field(description="a subfolder holds unread mail (shown in bold)")


class FolderList(RootModel[list[FolderOut]]):
    pass
