"""SMS and fax recipients: `NUMBER@SMS`, `NUMBER@fax`."""

from __future__ import annotations

import pytest

from shared.mail.phones import (
    ChannelKind,
    ChannelRecipient,
    InvalidNumber,
    mobile_number,
    parse_channel_recipient,
)
from shared.model import Phone


@pytest.mark.parametrize(
    ("address", "kind", "number"),
    [
        ("+32475123456@SMS", "sms", "+32475123456"),
        ("+32475123456@sms", "sms", "+32475123456"),
        ("32475123456@Sms", "sms", "+32475123456"),  # no +: country code, then the number
        ("3225123456@fax", "fax", "+3225123456"),  # Brussels, +32 2 512 34 56
        ("+32 2 512 34 56@FAX", "fax", "+3225123456"),
        ("0032475123456@sms", "sms", "+32475123456"),  # international prefix 00
        ("+1 (650) 253-0000@fax", "fax", "+16502530000"),
        # The help page's own example: +32 2 123 456, a digit short of today's Brussels
        # numbers, but a fax line may be older than the numbering tables.
        ("322123456@fax", "fax", "+322123456"),
        ("+33.6.12.34.56.78@sms", "sms", "+33612345678"),
        ("<+447911123456@SMS>", "sms", "+447911123456"),
    ],
)
def test_recognised(address: str, kind: ChannelKind, number: str) -> None:
    recipient = parse_channel_recipient(address)
    assert recipient == ChannelRecipient(kind=kind, number=number, address=address)
    assert recipient.canonical_address == f"{number}@{kind}"


@pytest.mark.parametrize(
    "address",
    ["alice@example.com", "+32475123456@example.com", "32475123456@sms.example.com", "sms", "@sms"],
)
def test_email_addresses_are_not_channels(address: str) -> None:
    assert parse_channel_recipient(address) is None


@pytest.mark.parametrize(
    ("address", "said"),
    [
        ("alice@sms", "must be an international phone number"),
        ("+32 47x 12@SMS", "must be an international phone number"),
        ("322123456@sms", "too short"),  # +32 2 123 456: a digit short of a Brussels number
        ("+3212345@fax", "too short"),  # five national digits: no fax line anywhere
        ("+999123456@fax", "known country code"),
        ("+324751234567@sms", "too long"),
        ("475123456@sms", "not a valid number for country code +47"),  # national, without 32
        ("+999123456@sms", "known country code"),
        ("+1234567890123456@sms", "more digits"),
        ("٣٢٤٧٥١٢٣٤٥٦@sms", "must be an international phone number"),  # Arabic-Indic digits
    ],
)
def test_invalid_numbers(address: str, said: str) -> None:
    with pytest.raises(InvalidNumber) as caught:
        parse_channel_recipient(address)
    assert said in str(caught.value)
    assert caught.value.address == address
    assert address in str(caught.value)


def test_the_mobile_number_is_the_first_valid_mobile_phone() -> None:
    phones = [
        Phone(kind="work", number="+3222345678"),
        Phone(kind="mobile", number="0475 12 34 56"),  # national: no country to read it in
        Phone(kind="mobile", number="+32 475 12 34 56"),
        Phone(kind="mobile", number="+33612345678"),
    ]
    assert mobile_number(phones) == "+32475123456"
    assert mobile_number(phones[:2]) is None
    assert mobile_number([]) is None
