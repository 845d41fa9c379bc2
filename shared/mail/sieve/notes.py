"""What the Sieve importer's readers share: how a part Bureau cannot run is told."""

from __future__ import annotations

from collections.abc import Callable

# Records "line N: message" among the parts of a script left out.
Note = Callable[[int, str], None]

VACATION_IN_FILTER = (
    "vacation under conditions other than dates cannot be imported; use the vacation setting"
)


class Unsupported(Exception):
    """Valid Sieve that Bureau cannot run: the part (a test, an action) is reported."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message
