"""Every event on the bus: one pydantic model each, with its subject beside it.

Publishers set `Nats-Msg-Id` to `event_id`, so JetStream drops duplicates inside its
window; consumers are idempotent by `event_id` anyway, since redelivery happens.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import ClassVar, Literal

from pydantic import BaseModel, Field

from shared.model import Folder, MessageSummary

# Namespace for ids derived from other ids (uuid5), so a retried step derives the same id.
_DERIVED = uuid.UUID("6b1f1b3e-6a59-4f0e-9a0c-2f6d3c1b7e52")


def new_event_id() -> str:
    return uuid.uuid4().hex


def derived_id(*parts: str) -> str:
    """A stable id computed from `parts`: the same inputs always give the same id."""
    return uuid.uuid5(_DERIVED, "/".join(parts)).hex


class Event(BaseModel):
    SUBJECT: ClassVar[str]
    event_id: str


class MailReceived(Event):
    """ingest → filters: a message was accepted and its raw bytes are durable in the blob store."""

    SUBJECT: ClassVar[str] = "mail.received"

    blob_id: str
    size: int
    mail_from: str  # envelope sender, "" for the null reverse-path
    rcpt_to: list[str]
    received_at: datetime
    peer: str = ""  # client address, for trace and abuse handling
    helo: str = ""


class NotifyRequest(BaseModel):
    """A filter's "notify" action (F27, F57): tell the user about this message by e-mail
    or SMS. No addresses: the default address (e-mail) or the profile's mobile (SMS)."""

    channel: Literal["email", "sms"]
    addresses: list[str] = Field(default_factory=list)


class MailDeliver(Event):
    """filters → store: put one received message into one account's folder, with what the
    user's filters decided (F25-F27): the folder (`folder_id`, else `folder_role`), flags,
    tags (by name, created when missing), a comment, and the filters that matched."""

    SUBJECT: ClassVar[str] = "mail.deliver"

    received_event_id: str
    account_id: str
    recipient: str  # the envelope recipient as given, plus-tag included
    folder_role: str = "inbox"
    folder_id: str | None = None  # a filter's folder; the role's folder when absent or gone
    unread: bool = True
    flagged: bool = False
    tags: list[str] = Field(default_factory=list)
    comment: str | None = None
    filters: list[str] = Field(default_factory=list)
    notify: list[NotifyRequest] = Field(default_factory=list)  # filters' notify actions
    blob_id: str
    size: int
    received_at: datetime
    mail_from: str = ""


class MailStored(Event):
    """store → notify: a delivered message is durable in an account's folder (F57).

    Published after every `mail.deliver` the store completed (again on a redelivery, with
    the same `event_id`, derived from the delivery's). `folder_role` is the role of the
    folder the message is in ("inbox", "trash", ...; None for a user folder).
    `automatic` is true for mail that says it was sent by a program (Auto-Submitted
    other than "no", Precedence bulk/list/junk, a list's List-Id), which never triggers
    new-mail notifications by preference; `generated` for mail Bureau wrote itself
    (`shared/mail/automatic.py`), which triggers no notification at all, not even a filter's
    (so a notification cannot notify about itself).
    """

    SUBJECT: ClassVar[str] = "mail.stored"

    deliver_event_id: str
    account_id: str
    message_id: str
    folder_id: str
    folder_role: str | None = None
    unread: bool = True
    sender: str = ""  # the From header as displayed ("Name <addr>" or addr)
    subject: str = ""
    automatic: bool = False
    generated: bool = False
    notify: list[NotifyRequest] = Field(default_factory=list)
    received_at: datetime


class ChannelRequest(Event):
    """outbound → notify: carry one message to one SMS or fax recipient (F3, F4).

    `recipient` is the address as the sender gave it (`+32475123456@sms`); `number` its
    E.164 number. SMS sends the text body (attachments are not sent); fax sends the body
    as a cover page followed by the attachments, as one PDF. Temporary channel failures
    are retried as new requests (derived id, `attempt` + 1, due at `not_before`); a
    permanent one, or the end of the retry period from `queued_at`, bounces to
    `mail_from` (nothing when it is "").
    """

    SUBJECT: ClassVar[str] = "channel.request"

    kind: Literal["sms", "fax"]
    reference: str  # stable across retries: the first request's event_id
    account_id: str | None = None
    mail_from: str
    recipient: str
    number: str
    blob_id: str
    size: int
    queued_at: datetime
    attempt: int = 0
    not_before: datetime | None = None


class OutboundRequest(Event):
    """anyone → outbound: carry a message to recipients, local or remote.

    `blob_id` holds the message as it must leave (headers complete). `queued_at` is when
    the message was first queued: temporary failures are retried until the retry period
    from then has passed. A retry is a new request (derived id) for the recipients still
    pending, due at `not_before`.
    """

    SUBJECT: ClassVar[str] = "outbound.request"

    account_id: str | None = None  # the sender's account; None for the platform's own mail
    mail_from: str  # envelope sender; "" (the null reverse-path) for bounces
    recipients: list[str]
    blob_id: str
    size: int
    queued_at: datetime
    attempt: int = 0
    not_before: datetime | None = None


class ChangeKind(StrEnum):
    MESSAGE_ADDED = "message.added"
    MESSAGE_UPDATED = "message.updated"  # flags, folder (move), tags, comment
    MESSAGE_REMOVED = "message.removed"  # permanently: expunged, Trash emptied or purged
    FOLDER_CHANGED = "folder.changed"  # created, renamed, moved (deleting moves it to Trash)
    FOLDER_REMOVED = "folder.removed"


class MailboxChanged(Event):
    """store → everyone: one entry of an account's change journal (`event_id` = journal id).

    `modseq` grows with every change of the account (RFC 7162 style). Message changes
    carry the message's state after the change in `message` (absent when it was removed);
    folder changes carry the folder in `folder`. `folder_id` is the folder the change
    concerns: for a move, the destination, with the origin in `previous_folder_id`.
    """

    SUBJECT: ClassVar[str] = "mailbox.changed"

    account_id: str
    modseq: int
    kind: ChangeKind
    message_id: str | None = None
    folder_id: str
    previous_folder_id: str | None = None
    message: MessageSummary | None = None
    folder: Folder | None = None
    at: datetime

    @staticmethod
    def subject_for(account_id: str) -> str:
        return f"{MailboxChanged.SUBJECT}.{account_id}"


class DeadLetter(BaseModel):
    """A message that failed `max_deliver` times, kept with its error for an operator."""

    SUBJECT_PREFIX: ClassVar[str] = "deadletter"

    subject: str
    stream: str
    consumer: str
    deliveries: int
    error: str
    payload: str  # original body, decoded as UTF-8 with replacement
    headers: dict[str, str] = Field(default_factory=dict)
    at: datetime

    @staticmethod
    def subject_for(original_subject: str) -> str:
        return f"{DeadLetter.SUBJECT_PREFIX}.{original_subject}"
