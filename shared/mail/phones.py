"""Recipients that are phone numbers: `+32475123456@SMS` and `322123456@fax` (F3, F4).

Users mix them with e-mail recipients. The domain part says the channel (case-insensitive);
the local part is an international number, the `+` optional: `322123456` is read as
country code 32 then the national number 2 123 456 — never as a national number, since
there is no "home country" to read it against. `0032…` (the international prefix
dialled from most of Europe) is read as `+32…`. Spaces, dots, dashes and parentheses
between the digits are ignored. The number is checked with `phonenumbers` and returned
in E.164: an SMS number must be a valid number of its country, a fax number only a
dialable one (a known country code, 6 national digits or more).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

import phonenumbers

from shared.model import Phone

ChannelKind = Literal["sms", "fax"]

CHANNEL_DOMAINS: dict[str, ChannelKind] = {"sms": "sms", "fax": "fax"}

# What may stand between the digits of a number written by a person.
_SEPARATORS = re.compile(r"[\s.\-()/]")


_LENGTH_REASONS = {
    phonenumbers.ValidationResult.TOO_SHORT: ": too short",
    phonenumbers.ValidationResult.TOO_LONG: ": too long",
    phonenumbers.ValidationResult.INVALID_LENGTH: ": wrong length",
}


class InvalidNumber(ValueError):
    """An SMS or fax recipient whose local part is not a valid international number."""

    def __init__(self, address: str, reason: str) -> None:
        super().__init__(f"{address!r}: {reason}")
        self.address = address
        self.reason = reason


@dataclass(frozen=True, slots=True)
class ChannelRecipient:
    kind: ChannelKind
    number: str  # E.164: "+32475123456"
    address: str  # as the user wrote it

    @property
    def canonical_address(self) -> str:
        """`+32475123456@sms`: one spelling per recipient, to deduplicate and to record."""
        return f"{self.number}@{self.kind}"


def channel_of(address: str) -> ChannelKind | None:
    """ "sms" or "fax" when the address's domain part names a channel, else None."""
    local, sep, domain = address.strip().strip("<>").rpartition("@")
    if not sep or not local:
        return None
    return CHANNEL_DOMAINS.get(domain.strip().lower())


def parse_channel_recipient(address: str) -> ChannelRecipient | None:
    """The channel and E.164 number of `NUMBER@SMS` / `NUMBER@fax`; None for any other
    address (an ordinary e-mail address). Raises `InvalidNumber` when the domain names a
    channel but the number is not valid."""
    kind = channel_of(address)
    if kind is None:
        return None
    local = address.strip().strip("<>").rpartition("@")[0]
    channel = "an SMS" if kind == "sms" else "a fax"
    digits = _SEPARATORS.sub("", local)
    if digits.startswith("+"):
        digits = digits[1:]
    elif digits.startswith("00"):
        digits = digits[2:]
    if not digits.isascii() or not digits.isdigit():
        raise InvalidNumber(
            address,
            f"{channel} recipient must be an international phone number"
            f" (+, country code, number), not {local!r}",
        )
    if len(digits) > 15:  # E.164 allows at most 15 digits
        raise InvalidNumber(address, f"{local!r} has more digits than a phone number can have")
    try:
        parsed = phonenumbers.parse("+" + digits, None)
    except phonenumbers.NumberParseException as exc:
        raise InvalidNumber(address, f"{local!r} does not start with a known country code") from exc
    if not phonenumbers.is_valid_number(parsed) and not (kind == "fax" and _dialable(parsed)):
        country = parsed.country_code or 0
        region = phonenumbers.region_code_for_country_code(country)
        if region == "ZZ":
            reason = f"{local!r} does not start with a known country code"
        else:
            why = _LENGTH_REASONS.get(phonenumbers.is_possible_number_with_reason(parsed), "")
            reason = (
                f"{local!r} is not a valid number for country code +{country}"
                f" ({region}){why}; write it in international format, e.g. +32475123456"
            )
        raise InvalidNumber(address, reason)
    number = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    return ChannelRecipient(kind=kind, number=number, address=address)


# A fax number the numbering tables do not know may still be a working line: fax machines
# sit on old fixed numbers (the help page's own example, 322123456, is one). Accepted
# with a known country code and a plausible length; the provider has the last word, and
# its refusal bounces to the sender.
FAX_MIN_NATIONAL_DIGITS = 6


def _dialable(parsed: phonenumbers.PhoneNumber) -> bool:
    country = parsed.country_code or 0
    if phonenumbers.region_code_for_country_code(country) == "ZZ":
        return False
    national = phonenumbers.national_significant_number(parsed)
    return FAX_MIN_NATIONAL_DIGITS <= len(national) <= 15 - len(str(country))


def mobile_number(phones: Iterable[Phone]) -> str | None:
    """The first of a profile's mobile phones that is a valid international number, in
    E.164: where SMS notifications go (F57); None when there is none."""
    for phone in phones:
        if phone.kind != "mobile":
            continue
        try:
            recipient = parse_channel_recipient(f"{phone.number}@sms")
        except InvalidNumber:
            continue
        if recipient is not None:
            return recipient.number
    return None
