"""One SMTP transaction to a smarthost or a recipient domain's MX (RFC 5321), per domain.

Connection failures move on to the next host; once a server answers, its replies are the
outcome. Every recipient ends with a `Reply`: 2xx delivered, 4xx try again later, 5xx
failed for good. A dropped connection or a timeout after DATA counts as temporary
(RFC 5321 §4.5.4.1: the message may or may not have arrived; resending risks a duplicate,
never a loss).
"""

from __future__ import annotations

import asyncio
import smtplib
import ssl
from dataclasses import dataclass
from typing import Literal

TlsMode = Literal["starttls", "implicit", "opportunistic", "none"]


@dataclass(frozen=True)
class Reply:
    code: int
    text: str
    host: str | None = None

    @property
    def delivered(self) -> bool:
        return 200 <= self.code < 300

    @property
    def permanent(self) -> bool:
        return self.code >= 500

    @property
    def status(self) -> str:
        """The RFC 3463 enhanced status in the text, else one derived from the code."""
        first = self.text.split(" ", 1)[0]
        parts = first.split(".")
        if len(parts) == 3 and all(p.isdigit() for p in parts) and parts[0] in "245":
            return first
        return f"{self.code // 100}.0.0"

    def diagnostic(self) -> str:
        return f"{self.code} {self.text}"


@dataclass(frozen=True)
class Credentials:
    username: str
    password: str


class SmtpTransport:
    def __init__(
        self,
        *,
        hostname: str,
        tls: TlsMode,
        timeout: float,
        credentials: Credentials | None = None,
        tls_context: ssl.SSLContext | None = None,
    ) -> None:
        self._hostname = hostname
        self._tls = tls
        self._timeout = timeout
        self._credentials = credentials
        self._context = tls_context or ssl.create_default_context()

    async def send(
        self, hosts: list[tuple[str, int]], mail_from: str, recipients: list[str], raw: bytes
    ) -> dict[str, Reply]:
        """Deliver `raw` to `recipients` through the first of `hosts` that answers."""
        return await asyncio.to_thread(self._send, hosts, mail_from, recipients, raw)

    def _send(
        self, hosts: list[tuple[str, int]], mail_from: str, recipients: list[str], raw: bytes
    ) -> dict[str, Reply]:
        last = Reply(451, "4.4.1 No answer from any mail server of the domain")
        for host, port in hosts:
            try:
                client = self._connect(host, port)
            except (OSError, smtplib.SMTPException) as exc:
                last = Reply(451, f"4.4.1 Could not connect to {host}:{port}: {exc}", host)
                continue
            try:
                return self._transaction(client, host, mail_from, recipients, raw)
            finally:
                try:
                    client.quit()
                except (OSError, smtplib.SMTPException):
                    client.close()
        return {recipient: last for recipient in recipients}

    def _connect(self, host: str, port: int) -> smtplib.SMTP:
        if self._tls == "implicit":
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                host, port, local_hostname=self._hostname, timeout=self._timeout,
                context=self._context,
            )  # fmt: skip
        else:
            client = smtplib.SMTP(host, port, local_hostname=self._hostname, timeout=self._timeout)
        client.ehlo()
        if self._tls in ("starttls", "opportunistic") and client.has_extn("starttls"):
            client.starttls(context=self._context)
            client.ehlo()
        elif self._tls == "starttls":
            client.close()
            raise smtplib.SMTPException(f"{host} does not offer STARTTLS, which is required")
        if self._credentials is not None:
            client.login(self._credentials.username, self._credentials.password)
        return client

    def _transaction(
        self, client: smtplib.SMTP, host: str, mail_from: str, recipients: list[str], raw: bytes
    ) -> dict[str, Reply]:
        outcome: dict[str, Reply] = {}
        try:
            code, text = client.mail(mail_from)
            if code != 250:
                return {r: Reply(code, _text(text), host) for r in recipients}
            accepted = []
            for recipient in recipients:
                code, text = client.rcpt(recipient)
                if code in (250, 251):
                    accepted.append(recipient)
                else:
                    outcome[recipient] = Reply(code, _text(text), host)
            if accepted:
                code, text = client.data(raw)
                for recipient in accepted:
                    outcome[recipient] = Reply(code, _text(text), host)
        except (OSError, smtplib.SMTPException) as exc:
            code = getattr(exc, "smtp_code", 451)
            reply = Reply(code if 400 <= code < 600 else 451, f"4.4.2 Connection lost: {exc}", host)
            for recipient in recipients:
                outcome.setdefault(recipient, reply)
        return outcome


def _text(raw: bytes | str) -> str:
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
    return " ".join(text.split())
