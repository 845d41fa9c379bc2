"""The roles of the mailbox store each of its users is given, combined (Python has no
intersection of Protocols). A service's constructor takes its combination, so mypy proves
it calls nothing else; a module that needs one role takes that role alone. The
composition root passes the same `MailboxStore` object for all of them."""

from __future__ import annotations

from typing import Protocol

from shared.ports.automation import AutomationState
from shared.ports.directory import Directory
from shared.ports.filter_rules import FilterRules
from shared.ports.folders import Folders
from shared.ports.housekeeping import Housekeeping
from shared.ports.identities import Identities
from shared.ports.journal import Journal
from shared.ports.messages import Messages
from shared.ports.outbox import Outbox
from shared.ports.submissions import Submissions
from shared.ports.tags import Tags
from shared.ports.user_settings import UserSettings


class SendingMailbox(Directory, Folders, Messages, Submissions, Protocol):
    """`shared.workflows.sending`: the plan's limits and quota, the copy delivered to Sent."""


class IngestMailbox(SendingMailbox, Identities, Protocol):
    """The MX listener (recipients, quota at RCPT) and submission (logins, identities,
    sending)."""


class FiltersMailbox(
    Directory, Folders, FilterRules, Identities, UserSettings, AutomationState, Protocol
):
    """Recipients, their filters and preferences, vacation replies and warnings once."""


class NotifyMailbox(Directory, Messages, Identities, UserSettings, AutomationState, Protocol):
    """Notifications: the account's preferences, profile and identity, "first unread
    only", claims and the SMS credit."""


class StoreMailbox(
    Directory, Folders, Messages, Tags, UserSettings, Outbox, Housekeeping, Protocol
):
    """Delivery, the journal relay, and housekeeping."""


class GatewayMailbox(
    SendingMailbox,
    Tags,
    Journal,
    AutomationState,
    FilterRules,
    Identities,
    UserSettings,
    Protocol,
):
    """The HTTP API, IMAP and POP3: everything a user does, and nothing of the operator's
    (`AccountAdmin`), the relay's (`Outbox`) or housekeeping."""


class ReindexMailbox(Folders, Messages, Protocol):
    """`bureau search reindex`: every message of an account, folder by folder."""
