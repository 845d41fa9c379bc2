"""The one error the search language raises, with where in the input it happened."""

from __future__ import annotations


class QuerySyntaxError(ValueError):
    """A query that cannot be searched.

    `message` is plain English for the user; `position` the 0-based character offset into
    the text where the problem starts; `field` names the advanced-search form field the
    text came from (None for the search box).
    """

    def __init__(self, message: str, position: int = 0, *, field: str | None = None) -> None:
        self.message = message
        self.position = position
        self.field = field
        where = f"{field}: " if field else ""
        super().__init__(f"{where}{message} (at position {position})")
