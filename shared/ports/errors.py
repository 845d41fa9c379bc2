"""What the mailbox store's roles raise: one set of refusals for every role and adapter, so
that callers map them to protocol answers in one place (IMAP `commands/common.py`, the
API's error handlers)."""

from __future__ import annotations


class NotFound(LookupError):
    """The thing does not exist for this account (other accounts' ids look the same)."""


class AccountExists(ValueError):
    """An account with this address already exists."""


class Conflict(ValueError):
    """The name is taken (a sibling folder, a tag)."""


class Refused(ValueError):
    """The operation breaks a rule of the mailbox (a system folder renamed, a subfolder
    under Inbox, a folder moved into itself, a tag renamed…); the message says which."""


class LimitExceeded(Refused):
    """The change would pass a bound of the mailbox (`TagLimits`, a name's length); nothing
    was changed. IMAP answers NO [LIMIT] (RFC 5530), the API 422 `limit_exceeded`."""


class Busy(RuntimeError):
    """The account kept changing under this change, attempt after attempt, so nothing was
    written: the caller may try again shortly. The API answers 503 `busy` with
    Retry-After, IMAP NO [INUSE] (RFC 5530), SMTP 451 4.3.0 (any failure there)."""


class Unusable(RuntimeError):
    """A storage engine answers but cannot serve as it is set up (a standalone MongoDB
    where the store needs a replica set): the process stops, saying what to change."""
