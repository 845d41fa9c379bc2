"""Mail filters (F25-F27) and their Sieve import and export (B2), the vacation setting
(F24) included.

The models subclass those of `shared.filters` under names of their own (the OpenAPI
components are named after the classes, and `Action` is already the message actions').
Request models refuse unknown fields at every level and check what the store cannot:
regular expressions compile, forward and notification addresses are e-mail addresses,
tags are names. Folder ids are checked against the account by the handlers.
"""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field, model_validator

from services.gateway.schemas.core import Request, Schema
from shared.filters import Action, ActionKind, Condition, FilterFields
from shared.mail.addresses import InvalidAddress, normalize
from shared.mail.filtering.matching import validate
from shared.model import Vacation, tag_name

MAX_FILTERS = 500  # ids in one reorder
MAX_SCRIPT = 1_000_000  # characters of a Sieve script
_EMAILED = frozenset({ActionKind.FORWARD, ActionKind.NOTIFY_EMAIL})


# --- responses (and the base of the requests) ---------------------------------------------
class FilterCondition(Condition):
    model_config = ConfigDict(serialize_by_alias=True)


class FilterAction(Action):
    model_config = ConfigDict(serialize_by_alias=True)


class FilterOut(Schema):
    id: str
    name: str
    enabled: bool
    match: Literal["all", "any"]
    conditions: list[FilterCondition]
    actions: list[FilterAction]
    position: int = Field(description="0 runs first")


class FilterList(Schema):
    filters: list[FilterOut] = Field(description="in the order they run")


# --- requests -----------------------------------------------------------------------------
class FilterConditionIn(FilterCondition, Request):
    @model_validator(mode="after")
    def _compiles(self) -> FilterConditionIn:
        problem = validate(self)
        if problem is not None:
            raise ValueError(problem)
        return self


class FilterActionIn(FilterAction, Request):
    @model_validator(mode="after")
    def _targets(self) -> FilterActionIn:
        if self.kind in _EMAILED:
            try:
                self.addresses = [normalize(a) for a in self.addresses]
            except InvalidAddress:
                raise ValueError("not an e-mail address") from None  # the input is not echoed
        if self.tag is not None:
            self.tag = tag_name(self.tag)  # the store's rule of names
        return self


class FilterIn(FilterFields, Request):
    """Every field of a filter (PUT replaces them all; the position stays)."""

    # Narrower than FilterFields' lists (their items are Condition and Action subclasses).
    conditions: list[FilterConditionIn] = Field(  # type: ignore[assignment]
        default_factory=list, max_length=50
    )
    actions: list[FilterActionIn] = Field(min_length=1, max_length=20)  # type: ignore[assignment]

    def fields(self) -> FilterFields:
        return FilterFields.model_validate(self.model_dump(exclude={"position"}))


class FilterCreate(FilterIn):
    position: int | None = Field(
        default=None, ge=0, description="where it runs (0 first); null or past the end: last"
    )


class FilterOrder(Request):
    ids: list[str] = Field(
        max_length=MAX_FILTERS, description="every filter's id exactly once (else 422)"
    )


class FilterTestIn(Request):
    message_id: str = Field(description="one of the account's messages")


class ConditionResult(FilterCondition):
    held: bool


class FilterExplanation(Schema):
    id: str
    name: str
    matched: bool = Field(description="its conditions hold (whether or not it would run)")
    skipped: Literal["disabled", "stopped"] | None = Field(
        description="why it would not run: disabled, or after a filter that stops; null: it runs"
    )
    conditions: list[ConditionResult]
    actions: list[FilterAction] = Field(description="what it would do: empty unless it acts")


class FilterTestOut(Schema):
    message_id: str
    filters: list[FilterExplanation] = Field(description="every filter, in the order they run")


# --- Sieve --------------------------------------------------------------------------------
class SieveQuery(Request):
    format: Literal["sieve", "json"] = Field(
        default="sieve", description="json: the script and the notes as a SieveExportOut"
    )


class SieveExportOut(Schema):
    script: str = Field(description="the filters in order, then the vacation reply if it is on")
    notes: list[str] = Field(description="what other servers will not run as Bureau does")


class SieveImportIn(Request):
    script: str = Field(max_length=MAX_SCRIPT)
    replace: bool = Field(
        default=False, description="true: the script's filters replace all; false: appended"
    )


class SieveImportOut(Schema):
    filters: list[FilterOut] = Field(description="the filters imported, in order")
    skipped: list[str] = Field(description="each part left out, with its line or filter")
    vacation: Vacation | None = Field(
        default=None,
        description="the script's vacation reply, now the account's vacation setting;"
        " null: the script has none and the setting is unchanged",
    )
