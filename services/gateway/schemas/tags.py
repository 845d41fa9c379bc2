"""Tags (F50) and private comments (F51)."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field, RootModel, StringConstraints, model_validator

from services.gateway.schemas.core import Request, Schema
from shared.model import MAX_TAG_NAME, tag_name

Color = Annotated[
    str,
    StringConstraints(strip_whitespace=True, pattern=r"^#[0-9a-fA-F]{6}$"),
    AfterValidator(str.lower),
    Field(description='"#rrggbb"', examples=["#d93f0b"]),
]
MAX_COMMENT = 10_000


# The store's rule (no control or bidirectional characters, spaces made one); the length
# is also the schema's, for the API's description.
TagName = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_TAG_NAME),
    AfterValidator(tag_name),
]


class TagCreate(Request):
    name: TagName
    color: Color


class TagUpdate(Request):
    color: Color | None = None
    name: str | None = Field(default=None, description="refused (422): tags cannot be renamed")

    @model_validator(mode="after")
    def _color_not_null(self) -> TagUpdate:
        if "color" in self.model_fields_set and self.color is None:
            raise ValueError("color cannot be null")
        return self


class TagOut(Schema):
    id: str
    name: str
    color: str


class TagList(RootModel[list[TagOut]]):
    pass


class CommentIn(Request):
    comment: str = Field(max_length=MAX_COMMENT, description='"" removes the comment')


class CommentOut(Schema):
    id: str = Field(description="the message")
    comment: str | None
