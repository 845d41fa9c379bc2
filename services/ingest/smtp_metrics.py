"""What the SMTP listeners (the MX and submission) export: every reply by its code,
messages accepted and their bytes, sessions open.

`CountingSMTP` is aiosmtpd's `SMTP` that counts as it answers: every final reply line
(RFC 5321 §4.2: the last line of a reply, `250 ` rather than `250-`) goes through
`push`, and an accepted message is a 250 to the end of DATA.
"""

from __future__ import annotations

import asyncio
from typing import Any, AnyStr

from aiosmtpd.smtp import SMTP

from shared.runtime.metrics import Registry

LISTENERS = ("mx", "submission")


class SmtpMetrics:
    def __init__(self, registry: Registry) -> None:
        self.replies = registry.counter(
            "bureau_smtp_replies_total",
            "SMTP replies sent, by listener (mx, submission) and reply code",
            ("listener", "code"),
        )
        self.accepted = registry.counter(
            "bureau_smtp_messages_accepted_total",
            "Messages answered 250 at the end of DATA (durably queued)",
            ("listener",),
        )
        self.accepted_bytes = registry.counter(
            "bureau_smtp_accepted_bytes_total",
            "Bytes of the messages accepted, as the client sent them",
            ("listener",),
        )
        self.sessions = registry.gauge(
            "bureau_smtp_sessions_open", "SMTP connections open, by listener", ("listener",)
        )
        for family in (self.accepted, self.accepted_bytes, self.sessions):
            family.declare(listener=LISTENERS)

    def reply(self, listener: str, line: str) -> None:
        code = line[:3]
        if len(line) > 3 and line[3] == "-":
            return  # a continuation line: the reply is counted at its last line
        self.replies.inc(listener=listener, code=code if code.isdigit() else "other")


class CountingSMTP(SMTP):
    """aiosmtpd's SMTP, counting into `metrics` under `listener`."""

    def __init__(
        self, *args: Any, metrics: SmtpMetrics | None = None, listener: str = "mx", **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self._metrics = metrics
        self._listener = listener
        self._counted_open = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # Called again on STARTTLS, for the same session: counted once.
        if self._metrics is not None and not self._counted_open:
            self._metrics.sessions.labels(listener=self._listener).inc()
            self._counted_open = True
        super().connection_made(transport)

    def connection_lost(self, error: Exception | None) -> None:
        if self._metrics is not None and self._counted_open:
            self._metrics.sessions.labels(listener=self._listener).dec()
            self._counted_open = False
        super().connection_lost(error)

    async def push(self, status: AnyStr) -> None:
        if self._metrics is not None:
            text = status if isinstance(status, str) else status.decode("ascii", "replace")
            self._metrics.reply(self._listener, text)
        await super().push(status)

    async def _call_handler_hook(self, command: str, *args: Any) -> Any:
        status = await super()._call_handler_hook(command, *args)
        if (
            self._metrics is not None
            and command == "DATA"
            and isinstance(status, str)
            and status.startswith("250")
        ):
            self._metrics.accepted.inc(listener=self._listener)
            content = self.envelope.original_content if self.envelope is not None else None
            self._metrics.accepted_bytes.inc(len(content or b""), listener=self._listener)
        return status
