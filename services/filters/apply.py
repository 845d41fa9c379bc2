"""What the filters service publishes for one account, from what its filters decided
(F25-F27): a pure function, no storage, no bus.

Every event gets an id derived from the received event and the account (and, for extra
deliveries, the copy folder or "forward"), so a redelivered `mail.received` publishes the
same ids and JetStream drops the copies.

- `discard`: nothing is stored for the account, not even the copies; forwards still go
  (the "forward, keep no copy" rule is forward + discard).
- `delete`: stored in Trash (a MOVE's folder is ignored), with the filters' flags, tags and
  comment; copies are still made, being explicit actions.
- otherwise: the MOVE's folder (the Inbox without one), then one delivery per COPY folder.
- `forwards`: one `OutboundRequest` of the original bytes with the account's trace field
  on top (`forwarding.py`, loop protection), from the account's address (the envelope
  sender, so bounces come back to the account, not to a third party), to the forward
  addresses.
- notifications: the filters' notify actions ride on the main delivery (`MailDeliver.
  notify`), not on copies, so the notify service tells the user once, about the message
  where the filters put it. Discarded mail (no delivery) notifies nobody.
"""

from __future__ import annotations

from shared.events import MailDeliver, MailReceived, NotifyRequest, OutboundRequest, derived_id
from shared.mail.filtering.engine import Outcome
from shared.model import Account, FolderRole


def decisions(
    event: MailReceived,
    account: Account,
    recipient: str,
    outcome: Outcome | None = None,
    *,
    forward_blob: tuple[str, int] | None = None,
) -> list[MailDeliver | OutboundRequest]:
    """The events for `account`, reached at `recipient`, given its filters' `outcome`
    (None: the account has no filters, the message goes to the Inbox as it is).
    `forward_blob` (id, size) is the copy forwards send: the message with the account's
    trace (`forwarding.traced`); the received bytes without it."""
    if outcome is None:
        outcome = Outcome()
    published: list[MailDeliver | OutboundRequest] = []
    if not outcome.discard:
        published.append(
            _deliver(
                event,
                account,
                recipient,
                outcome,
                event_id=derived_id(event.event_id, account.id),
                folder_id=None if outcome.delete else outcome.folder_id,
                folder_role=FolderRole.TRASH if outcome.delete else FolderRole.INBOX,
                notify=[
                    NotifyRequest(channel=n.channel, addresses=list(n.addresses))
                    for n in outcome.notifications
                ],
            )
        )
        main_folder = None if outcome.delete else outcome.folder_id
        for folder_id in outcome.copies:
            if folder_id == main_folder:
                continue  # a copy to where the message goes anyway
            published.append(
                _deliver(
                    event,
                    account,
                    recipient,
                    outcome,
                    event_id=derived_id(event.event_id, account.id, "copy", folder_id),
                    folder_id=folder_id,
                    folder_role=FolderRole.INBOX,  # where it lands if the folder is gone
                )
            )
    if outcome.forwards:
        published.append(
            OutboundRequest(
                event_id=derived_id(event.event_id, account.id, "forward"),
                account_id=account.id,
                mail_from=account.address,
                recipients=list(outcome.forwards),
                blob_id=forward_blob[0] if forward_blob else event.blob_id,
                size=forward_blob[1] if forward_blob else event.size,
                queued_at=event.received_at,  # deterministic: a redelivery is the same event
            )
        )
    return published


def _deliver(
    event: MailReceived,
    account: Account,
    recipient: str,
    outcome: Outcome,
    *,
    event_id: str,
    folder_id: str | None,
    folder_role: FolderRole,
    notify: list[NotifyRequest] | None = None,
) -> MailDeliver:
    return MailDeliver(
        event_id=event_id,
        received_event_id=event.event_id,
        account_id=account.id,
        recipient=recipient,
        folder_role=folder_role.value,
        folder_id=folder_id,
        unread=not outcome.mark_read,
        flagged=outcome.flag,
        tags=list(outcome.tags),
        comment=outcome.comment or None,
        filters=list(outcome.matched),
        notify=notify or [],
        blob_id=event.blob_id,
        size=event.size,
        received_at=event.received_at,
        mail_from=event.mail_from,
    )
