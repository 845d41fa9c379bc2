"""The advanced-search form (FEATURES F29), as JSON, turned into the same query tree."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from shared.mail.query.ast import (
    MAX_DEPTH,
    After,
    And,
    Before,
    Flag,
    HasAttachment,
    InFolder,
    Is,
    Larger,
    Node,
    Smaller,
    TagIs,
    TextField,
)
from shared.mail.query.combine import all_of, is_searchable, negate, too_deep
from shared.mail.query.errors import QuerySyntaxError
from shared.mail.query.parser import parse
from shared.mail.query.terms import MAX_SIZE, collapse, phrase_term


class AdvancedQuery(BaseModel):
    """Every criterion given must hold. Blank strings count as not given; `words` and
    `exclude` use the search-box language, the field strings are phrases."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    words: str | None = None
    from_: str | None = Field(None, alias="from")
    to: str | None = None
    cc: str | None = None
    subject: str | None = None
    body: str | None = None
    attachment: str | None = None
    tag: str | None = None
    folder: str | None = None  # a name or "Parent/Child" path, resolved later
    folder_id: str | None = None
    unread: bool | None = None  # False: read messages only
    flagged: bool | None = None  # False: unflagged messages only
    has_attachment: bool | None = None  # False: messages without attachments
    before: date | None = None
    after: date | None = None
    larger: int | None = Field(None, ge=0, le=MAX_SIZE)  # bytes
    smaller: int | None = Field(None, ge=0, le=MAX_SIZE)
    exclude: str | None = None  # words none of which may appear

    def to_query(self) -> Node:
        """The tree for the form; QuerySyntaxError (naming the form field) when a text
        does not parse, nothing is given, or only exclusions are."""
        criteria = [*self._words(), *self._fields(), *self._states(), *self._excluded()]
        if not criteria:
            raise QuerySyntaxError("empty query")
        query = all_of(criteria)
        if too_deep(query) is not None:  # an excluded group one level below the limit
            raise QuerySyntaxError(f"groups and exclusions nest at most {MAX_DEPTH} deep")
        if not is_searchable(query):
            raise QuerySyntaxError("nothing to match: add a criterion that is not excluded")
        return query

    def _words(self) -> list[Node]:
        return [_parse(self.words, "words")] if _given(self.words) else []

    def _fields(self) -> list[Node]:
        phrases = [
            phrase_term(value, field)
            for value, field in (
                (self.from_, TextField.FROM),
                (self.to, TextField.TO),
                (self.cc, TextField.CC),
                (self.subject, TextField.SUBJECT),
                (self.body, TextField.BODY),
                (self.attachment, TextField.ATTACHMENT),
            )
            if value is not None
        ]
        nodes: list[Node] = [p for p in phrases if p is not None]
        if _given(self.tag):
            nodes.append(TagIs(_clean(self.tag)))
        if _given(self.folder):
            nodes.append(InFolder(_clean(self.folder)))
        if _given(self.folder_id):
            nodes.append(InFolder("", ((self.folder_id or "").strip(),)))
        return nodes

    def _states(self) -> list[Node]:
        nodes: list[Node] = []
        if self.unread is not None:
            nodes.append(Is(Flag.UNREAD if self.unread else Flag.READ))
        if self.flagged is not None:
            nodes.append(Is(Flag.FLAGGED if self.flagged else Flag.UNFLAGGED))
        if self.has_attachment is not None:
            nodes.append(HasAttachment() if self.has_attachment else negate(HasAttachment()))
        if self.before is not None:
            nodes.append(Before(self.before))
        if self.after is not None:
            nodes.append(After(self.after))
        if self.larger is not None:
            nodes.append(Larger(self.larger))
        if self.smaller is not None:
            nodes.append(Smaller(self.smaller))
        return nodes

    def _excluded(self) -> list[Node]:
        if not _given(self.exclude):
            return []
        excluded = _parse(self.exclude, "exclude")
        items = excluded.items if isinstance(excluded, And) else (excluded,)
        return [negate(item) for item in items]


def _given(text: str | None) -> bool:
    return text is not None and bool(text.strip())


def _clean(text: str | None) -> str:
    return collapse(text or "")


def _parse(text: str | None, field: str) -> Node:
    try:
        return parse(text or "")
    except QuerySyntaxError as err:
        raise QuerySyntaxError(err.message, err.position, field=field) from None
