"""SMS and fax recipients of an outbound request (F3, F4): neither local nor remote.

Outbound does not speak to SMS or fax providers; it hands each such recipient to the
notify service as one `channel.request`, and from then on the notify service owns it
(retries, credit, a bounce when the channel fails). A number that is not valid by now (a
request queued by something other than `shared.workflows.sending`, such as a filter's forward)
bounces at once, as an unknown address does.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from services.outbound.transport import Reply
from shared.events import ChannelRequest, OutboundRequest, derived_id
from shared.mail.phones import ChannelRecipient, InvalidNumber, parse_channel_recipient


@dataclass
class Sorted:
    """A request's pending recipients by how they leave."""

    channels: list[ChannelRecipient] = field(default_factory=list)
    refused: dict[str, Reply] = field(default_factory=dict)  # bad numbers: bounced at once
    addresses: list[str] = field(default_factory=list)  # e-mail: local or remote


def sort_recipients(recipients: list[str]) -> Sorted:
    """Tell SMS and fax recipients from e-mail addresses, in the order given."""
    out = Sorted()
    for recipient in recipients:
        try:
            channel = parse_channel_recipient(recipient)
        except InvalidNumber as exc:
            out.refused[recipient] = Reply(553, f"5.1.3 {exc.reason}")
            continue
        if channel is None:
            out.addresses.append(recipient)
        else:
            out.channels.append(channel)
    return out


def channel_request(event: OutboundRequest, recipient: ChannelRecipient) -> ChannelRequest:
    """The `channel.request` for one recipient of `event`. Its id derives from the request
    and the number, so a redelivered request (or the same number written two ways in one
    message) publishes the same id, which JetStream drops."""
    event_id = derived_id(event.event_id, "channel", recipient.canonical_address)
    return ChannelRequest(
        event_id=event_id,
        kind=recipient.kind,
        reference=event_id,
        account_id=event.account_id,
        mail_from=event.mail_from,
        recipient=recipient.address,
        number=recipient.number,
        blob_id=event.blob_id,
        size=event.size,
        queued_at=event.queued_at,
    )
