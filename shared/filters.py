"""A user's mail filters (F25-F27): ordered rules of conditions and actions, as the HTTP API,
the filters service and Sieve import/export (B2) all see them.

A filter matches when all (or any, by `match`) of its conditions hold; its actions then
apply in order. Filters run in the user's order, top first; `stop` ends the run. A filter
with no conditions matches every message.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, Field, model_validator


class FieldName(StrEnum):
    """What a condition looks at."""

    FROM = "from"
    TO_CC = "to_cc"  # the To and Cc headers
    RECIPIENT = "recipient"  # any recipient: To, Cc and the envelope recipient
    SUBJECT = "subject"
    HEADER = "header"  # the header named in `header`
    BODY = "body"  # the text of the message (text part, or the HTML's text)
    SIZE = "size"  # bytes; operators `over` / `under` with `value` a number
    HAS_ATTACHMENT = "has_attachment"  # no operator: true when the message has one
    PRIORITY = "priority"  # high, normal or low (X-Priority / Importance)
    LIST = "list"  # the mailing list (List-Id); `exists` for any list


class Operator(StrEnum):
    CONTAINS = "contains"
    IS = "is"
    STARTS_WITH = "starts_with"
    MATCHES = "matches"  # wildcards: * any run, ? one character (Sieve :matches)
    REGEX = "regex"  # Python `re` syntax, searched, case-insensitive
    EXISTS = "exists"  # the field is present (headers, list)
    OVER = "over"  # size
    UNDER = "under"  # size


TEXT_OPERATORS = frozenset(
    {Operator.CONTAINS, Operator.IS, Operator.STARTS_WITH, Operator.MATCHES, Operator.REGEX}
)


class Condition(BaseModel):
    field: FieldName
    operator: Operator | None = None  # None only for has_attachment
    value: str = Field(default="", max_length=1000)
    header: str | None = Field(default=None, max_length=200)  # for field == header
    negate: bool = False

    @model_validator(mode="after")
    def _coherent(self) -> Condition:
        if self.field is FieldName.HAS_ATTACHMENT:
            if self.operator is not None:
                raise ValueError("has_attachment takes no operator")
            return self
        if self.operator is None:
            raise ValueError(f"{self.field} needs an operator")
        if self.field is FieldName.SIZE:
            if self.operator not in (Operator.OVER, Operator.UNDER):
                raise ValueError("size compares with over or under")
            if not self.value.isdigit():
                raise ValueError("size takes a number of bytes")
        elif self.operator in (Operator.OVER, Operator.UNDER):
            raise ValueError(f"{self.operator} is for size")
        if self.field is FieldName.HEADER and not self.header:
            raise ValueError("a header condition names its header")
        with_presence = (FieldName.HEADER, FieldName.LIST)
        if self.operator is Operator.EXISTS and self.field not in with_presence:
            raise ValueError("exists is for a header or the mailing list")
        if self.field is FieldName.PRIORITY and self.value not in ("high", "normal", "low"):
            raise ValueError("priority is high, normal or low")
        return self


class ActionKind(StrEnum):
    MOVE = "move"  # to `folder_id`
    COPY = "copy"  # to `folder_id`, the message also stays where it goes
    TAG = "tag"  # `tag` (a name; created when missing)
    COMMENT = "comment"  # `text`
    MARK_READ = "mark_read"
    FLAG = "flag"
    FORWARD = "forward"  # to `addresses`
    NOTIFY_EMAIL = "notify_email"  # to `addresses` (default: the account's address)
    NOTIFY_SMS = "notify_sms"  # to the profile's mobile number, or `addresses` (numbers)
    DELETE = "delete"  # to Trash
    DISCARD = "discard"  # dropped: never stored
    STOP = "stop"  # no further filter runs


class Action(BaseModel):
    kind: ActionKind
    folder_id: str | None = None
    tag: str | None = Field(default=None, max_length=100)
    text: str | None = Field(default=None, max_length=10_000)
    addresses: list[str] = Field(default_factory=list, max_length=20)

    @model_validator(mode="after")
    def _coherent(self) -> Action:
        needs = {
            ActionKind.MOVE: self.folder_id,
            ActionKind.COPY: self.folder_id,
            ActionKind.TAG: self.tag,
            ActionKind.COMMENT: self.text,
            ActionKind.FORWARD: self.addresses or None,
        }
        if self.kind in needs and not needs[self.kind]:
            raise ValueError(f"{self.kind} needs its target")
        return self


MAX_CONDITIONS = 50  # of one filter


class FilterFields(BaseModel):
    """What a user sets on a filter."""

    name: str = Field(min_length=1, max_length=200)
    enabled: bool = True
    match: Literal["all", "any"] = "all"
    conditions: list[Condition] = Field(default_factory=list, max_length=MAX_CONDITIONS)
    actions: list[Action] = Field(min_length=1, max_length=20)


class Filter(FilterFields):
    id: str
    account_id: str
    position: int  # 0 runs first
