"""How a command is run: its handler and the session states it is valid in."""

from __future__ import annotations

import enum
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from services.gateway.imap.parser import Command

if TYPE_CHECKING:
    from services.gateway.imap.session import Session


# A session idle this long is logged out (RFC 3501 §5.4: at least 30 minutes once logged
# in, IDLE included); before login a client has less time.
AUTOLOGOUT = 30 * 60
LOGIN_TIMEOUT = 3 * 60


class State(enum.IntEnum):
    NOT_AUTHENTICATED = 0
    AUTHENTICATED = 1
    SELECTED = 2


ANY = frozenset(State)
NOT_AUTHENTICATED = frozenset({State.NOT_AUTHENTICATED})
AUTHENTICATED = frozenset({State.AUTHENTICATED, State.SELECTED})
SELECTED = frozenset({State.SELECTED})

# A handler returns the text of its tagged OK (None: "<COMMAND> completed"); it raises
# `No` or `Bad` to end with those.
Handler = Callable[["Session", Command], Awaitable[str | None]]


@dataclass(frozen=True)
class Spec:
    handler: Handler
    states: frozenset[State]
    # Whether EXPUNGE responses may follow (RFC 3501 §7.4.1: not during FETCH, STORE,
    # SEARCH, whose sequence numbers the client relies on; the UID forms may).
    expunges: bool = True

    def refusal(self, state: State) -> str | None:
        """The tagged response of a command sent in a state where it is not valid."""
        if state in self.states:
            return None
        if state is State.NOT_AUTHENTICATED:
            return "BAD Command not allowed before login"
        if self.states == SELECTED:
            return "BAD No mailbox selected"
        return "BAD Command not allowed in this state"
