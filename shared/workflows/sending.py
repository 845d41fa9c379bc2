"""Sending a finished message on behalf of an account, the same for the HTTP API and SMTP
submission: the account's right to send, the plan's limits (F58: recipients per message,
messages per day in a sliding 24 hours), the copy in Sent, and the `outbound.request`.
Each front end turns a `Refusal` into its protocol's answer.

Recipients may be e-mail addresses or SMS and fax numbers (`+32475123456@SMS`,
`322123456@fax`, F3, F4), mixed freely: the numbers are checked here, before anything is
kept, so a message never goes out to part of its recipients because one number is wrong.
They count toward the plan's recipients per message like any other recipient.

Nothing is acknowledged before the Sent copy and the request are durable. A caller that
retries with the same `event_id` sends once: the Sent copy, the count against the daily
limit and the request (JetStream's `Nats-Msg-Id`) are all keyed by it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from shared.events import OutboundRequest, derived_id
from shared.mail.mime import parse_message
from shared.mail.phones import ChannelRecipient, InvalidNumber, parse_channel_recipient
from shared.model import Account, FolderRole, NewMessage, Plan
from shared.ports import BlobStore, EventPublisher
from shared.ports.uses import SendingMailbox

DAY = timedelta(days=1)


class Refusal(Exception):
    """The message may not be sent; `code` says why:

    - `submission_blocked`: an administrator stopped the account sending (permanent),
    - `no_recipients`,
    - `invalid_recipient`: an SMS or fax recipient whose number is not valid (permanent),
    - `recipients_per_message`: more recipients than the plan allows (permanent),
    - `messages_per_day`: the plan's daily count is reached (temporary),
    - `mailbox_full`: no room for the Sent copy, even after emptying Trash (temporary).
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Sent:
    message_id: str  # the store id of the copy in Sent


class Sender:
    def __init__(
        self, *, mailbox: SendingMailbox, blobs: BlobStore, publisher: EventPublisher
    ) -> None:
        self._mailbox = mailbox
        self._blobs = blobs
        self._publisher = publisher

    async def check(self, account: Account, recipients: int) -> Plan | None:
        """Refuse early what the plan can never allow; returns the account's plan (its
        imposed signature goes into the message before `submit`)."""
        if account.submission_blocked:
            raise Refusal(
                "submission_blocked", "sending is blocked for this account; ask your provider"
            )
        if recipients == 0:
            raise Refusal("no_recipients", "give at least one recipient")
        plan = await self._mailbox.account_plan(account.id)
        most = plan.recipients_per_message if plan else None
        if most is not None and recipients > most:
            raise Refusal(
                "recipients_per_message",
                f"your plan allows {most} recipients per message; this message has {recipients}",
            )
        return plan

    async def submit(
        self,
        account: Account,
        *,
        mail_from: str,
        recipients: list[str],
        kept: bytes,
        wire: bytes,
        event_id: str,
        now: datetime,
    ) -> Sent:
        """Send `wire` (the bytes recipients get) and keep `kept` (the same message with
        its Bcc, for its author) in Sent. Checks again what `check` checks, and the SMS
        and fax numbers among `recipients`."""
        channel_recipients(recipients)
        plan = await self.check(account, len(recipients))
        await make_room(self._mailbox, account, len(kept))
        per_day = plan.messages_per_day if plan else None
        if not await self._mailbox.admit_submission(
            account.id, event_id, now, since=now - DAY, limit=per_day
        ):
            raise Refusal(
                "messages_per_day",
                f"your plan allows {per_day} messages a day: the limit is reached, try later",
            )
        wire_blob = await self._blobs.put(wire)
        sent_folder = await self._mailbox.folder_by_role(account.id, FolderRole.SENT)
        delivery = await self._mailbox.deliver(
            NewMessage(
                event_id=derived_id(event_id, "sent"),
                account_id=account.id,
                folder_id=sent_folder.id,
                blob_id=await self._blobs.put(kept),
                size=len(kept),
                received_at=now,
                unread=False,
                parsed=parse_message(kept),
            )
        )
        await self._publisher.publish(
            OutboundRequest(
                event_id=event_id,
                account_id=account.id,
                mail_from=mail_from,
                recipients=recipients,
                blob_id=wire_blob,
                size=len(wire),
                queued_at=now,
            )
        )
        return Sent(delivery.message_id)


def channel_recipients(recipients: list[str]) -> list[ChannelRecipient]:
    """The SMS and fax recipients among `recipients`, their numbers validated; e-mail
    addresses are left to the caller. `Refusal("invalid_recipient")` names the first
    number that is not valid and why (a national number without its country code, a
    number too short for its country...)."""
    found: list[ChannelRecipient] = []
    for recipient in recipients:
        try:
            channel = parse_channel_recipient(recipient)
        except InvalidNumber as exc:
            raise Refusal("invalid_recipient", invalid_number_message(exc)) from None
        if channel is not None:
            found.append(channel)
    return found


def invalid_number_message(error: InvalidNumber) -> str:
    """What a user is told about a number that cannot be sent to: the address, then why."""
    return f"invalid recipient {error.address}: {error.reason}"


async def make_room(mailbox: SendingMailbox, account: Account, size: int) -> None:
    """Room for `size` more bytes in the account's storage, emptying Trash oldest first if
    that is what it takes (F40); `Refusal("mailbox_full")` when even that is not enough."""
    quota = await mailbox.quota(account.id)
    if not quota.admits(size):
        raise Refusal("mailbox_full", "the mailbox is full: delete messages first")
    if quota.limit_bytes is not None and quota.used_bytes + size > quota.limit_bytes:
        await mailbox.make_room(account.id, size)
