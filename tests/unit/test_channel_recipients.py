"""SMS and fax recipients in the send path: the check before sending
(`shared.workflows.sending`) and outbound's sorting of a request's recipients into channel
requests, bounces and e-mail."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.outbound.channels import channel_request, sort_recipients
from shared.events import OutboundRequest
from shared.mail.phones import ChannelRecipient
from shared.workflows.sending import Refusal, channel_recipients

MIXED = ["bob@remote.test", "+32475123456@SMS", "Carol@Example.Test", "3225123456@fax"]


def test_mixed_recipients_give_the_sms_and_fax_ones_in_order() -> None:
    assert channel_recipients(MIXED) == [
        ChannelRecipient(kind="sms", number="+32475123456", address="+32475123456@SMS"),
        ChannelRecipient(kind="fax", number="+3225123456", address="3225123456@fax"),
    ]


def test_the_help_pages_fax_example_is_sent() -> None:
    assert channel_recipients(["322123456@fax"]) == [
        ChannelRecipient(kind="fax", number="+322123456", address="322123456@fax")
    ]


def test_only_e_mail_recipients_give_no_channel() -> None:
    assert channel_recipients(["bob@remote.test", "sms@example.test"]) == []


@pytest.mark.parametrize(
    ("address", "said"),
    [
        ("0475123456@sms", "known country code"),  # national Belgian mobile: no country code
        ("475123456@SMS", "not a valid number for country code +47"),
        ("322123456@sms", "too short"),
        ("alice@sms", "must be an international phone number"),
    ],
)
def test_an_invalid_number_refuses_the_whole_message(address: str, said: str) -> None:
    with pytest.raises(Refusal) as caught:
        channel_recipients(["bob@remote.test", "+32475123456@sms", address])
    assert caught.value.code == "invalid_recipient"
    assert address in caught.value.message
    assert said in caught.value.message


def test_outbound_sorts_channels_bad_numbers_and_addresses() -> None:
    by_kind = sort_recipients([*MIXED, "0475123456@sms"])
    assert [c.canonical_address for c in by_kind.channels] == [
        "+32475123456@sms",
        "+3225123456@fax",
    ]
    assert by_kind.addresses == ["bob@remote.test", "Carol@Example.Test"]
    assert list(by_kind.refused) == ["0475123456@sms"]
    reply = by_kind.refused["0475123456@sms"]
    assert reply.permanent and reply.status == "5.1.3"
    assert "country code" in reply.text


def _request(event_id: str = "ev-1") -> OutboundRequest:
    return OutboundRequest(
        event_id=event_id,
        account_id="acc-1",
        mail_from="alice@example.test",
        recipients=MIXED,
        blob_id="sha256-abc",
        size=1234,
        queued_at=datetime(2026, 11, 28, 9, 30, tzinfo=UTC),
        attempt=2,
    )


def test_a_channel_request_carries_the_message_and_the_number() -> None:
    sms = sort_recipients(["+32 475 12 34 56@SMS"]).channels[0]
    request = channel_request(_request(), sms)
    assert request.model_dump() == {
        "event_id": request.event_id,
        "kind": "sms",
        "reference": request.event_id,
        "account_id": "acc-1",
        "mail_from": "alice@example.test",
        "recipient": "+32 475 12 34 56@SMS",
        "number": "+32475123456",
        "blob_id": "sha256-abc",
        "size": 1234,
        "queued_at": datetime(2026, 11, 28, 9, 30, tzinfo=UTC),
        "attempt": 0,
        "not_before": None,
    }


def test_channel_request_ids_are_stable_per_request_and_number() -> None:
    one, same, fax = sort_recipients(
        ["+32475123456@sms", "0032475123456@SMS", "+32475123456@fax"]
    ).channels
    first = channel_request(_request(), one).event_id
    assert channel_request(_request(), one).event_id == first  # a redelivery: the same id
    assert channel_request(_request(), same).event_id == first  # one number, two spellings
    assert channel_request(_request(), fax).event_id != first
    assert channel_request(_request("ev-2"), one).event_id != first
