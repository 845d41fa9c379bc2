"""Delivery channel port: SMS and fax recipients (F3, F4), next to SMTP for e-mail ones.

The outbound service gives an adapter an E.164 number and what to send; the adapter
answers with a receipt, or raises `ChannelTemporaryError` (try again later, like an SMTP
4xx) or `ChannelPermanentError` (bounce to the sender, like an SMTP 5xx). `reference` is
the caller's id for this delivery (stable across retries), so that a provider that
deduplicates on it, or a person reading its logs, can match the two.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


class ChannelError(Exception):
    """A delivery the channel did not accept. `status` is the provider's code, if any."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class ChannelTemporaryError(ChannelError):
    """Not delivered this time (provider down, timeout, throttled): retry later."""


class ChannelPermanentError(ChannelError):
    """Refused for good (bad number, rejected content): bounce, do not retry."""


@dataclass(frozen=True, slots=True)
class ChannelReceipt:
    reference: str  # the caller's, echoed back
    provider_id: str | None = None  # the provider's id for the message, when it gives one


class Channel(Protocol):
    async def send_sms(self, number: str, parts: list[str], *, reference: str) -> ChannelReceipt:
        """Send the text `parts` (from `shared.mail.sms.split_sms`) to `number` (E.164) as one
        (concatenated) SMS."""
        ...

    async def send_fax(self, number: str, pdf: bytes, *, reference: str) -> ChannelReceipt:
        """Fax the PDF document `pdf` (from `services.notify.fax.fax_document`) to `number`
        (E.164)."""
        ...
