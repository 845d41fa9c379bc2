"""The JetStream streams, defined once. Every service declares them idempotently at start."""

from __future__ import annotations

from dataclasses import dataclass

from nats.js.api import DiscardPolicy, RetentionPolicy, StorageType

from shared.events import (
    ChannelRequest,
    DeadLetter,
    MailboxChanged,
    MailDeliver,
    MailReceived,
    MailStored,
    OutboundRequest,
)

DAY = 24 * 3600.0


@dataclass(frozen=True)
class StreamSpec:
    name: str
    subjects: tuple[str, ...]
    retention: RetentionPolicy
    max_age: float  # seconds, 0 = forever
    duplicate_window: float = 120.0


# Work queues: each message is removed once its (single) consumer acks it.
MAIL = StreamSpec(
    name="MAIL",
    subjects=(MailReceived.SUBJECT, MailDeliver.SUBJECT),
    retention=RetentionPolicy.WORK_QUEUE,
    max_age=0,
)

# Everything that leaves: consumed by outbound, removed once delivered, bounced or retried
# as a new request.
OUTBOUND = StreamSpec(
    name="OUTBOUND",
    subjects=(OutboundRequest.SUBJECT,),
    retention=RetentionPolicy.WORK_QUEUE,
    max_age=0,
)

# What the notify service does: new-mail notifications for stored mail, and messages to
# SMS and fax recipients handed over by outbound.
NOTIFY = StreamSpec(
    name="NOTIFY",
    subjects=(MailStored.SUBJECT, ChannelRequest.SUBJECT),
    retention=RetentionPolicy.WORK_QUEUE,
    max_age=0,
)

# The change journal as seen on the bus; kept a week so that a consumer down for a
# while catches up, and a new one can start from the journal in the store instead.
MAILBOX = StreamSpec(
    name="MAILBOX",
    subjects=(f"{MailboxChanged.SUBJECT}.>",),
    retention=RetentionPolicy.LIMITS,
    max_age=7 * DAY,
)

DEADLETTER = StreamSpec(
    name="DEADLETTER",
    subjects=(f"{DeadLetter.SUBJECT_PREFIX}.>",),
    retention=RetentionPolicy.LIMITS,
    max_age=30 * DAY,
)

ALL_STREAMS: tuple[StreamSpec, ...] = (MAIL, OUTBOUND, NOTIFY, MAILBOX, DEADLETTER)

STORAGE = StorageType.FILE
DISCARD = DiscardPolicy.OLD
