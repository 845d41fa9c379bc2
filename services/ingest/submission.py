"""SMTP submission (RFC 6409) for aiosmtpd: what an authenticated user may send, and the
send itself through `shared.workflows.sending` (the path the HTTP API takes too).

- MAIL FROM: the account is read again (a blocked account is refused here, 550 5.7.1);
  the address must be one of its identities that it may still send as (553 5.7.1); no
  null reverse-path; a declared SIZE that cannot fit the Sent copy is 452 4.2.2.
- RCPT TO: at most the plan's recipients per message (and `max_recipients`): the one
  over gets 452 4.5.3 and the message goes on to those accepted (RFC 5321 §4.5.3.1.10).
  Unknown addresses at the domains Bureau hosts are refused at once (550 5.1.1). SMS and
  fax recipients (`+32475123456@SMS`, `322123456@fax`: F3, F4) are accepted beside
  e-mail ones when their number is valid, else refused with the reason (553 5.1.3); one
  number written two ways is one recipient. Only here: the MX relays nothing.
- end of DATA: the From (and any Sender) addresses are checked like MAIL FROM (550
  5.7.1); Date and Message-ID added when missing, the plan's imposed signature appended,
  a Received line put on top, Bcc kept for the Sent copy only; then `Sender.submit`,
  which counts the message against the plan's messages per day (450 4.7.1 once reached:
  the count can only be taken with the message) and makes room for the Sent copy (452
  4.2.2). 250 only once the Sent copy and the outbound request are durable.

SMTP has no idempotency key: each transaction is a new event id, so a client that
retries after a lost 250 sends twice, as with any SMTP server.
"""

from __future__ import annotations

import contextlib
import logging
from datetime import UTC, datetime
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session

from services.ingest import fixups
from services.ingest.submission_auth import PasswordAuth, peer_ip
from services.ingest.trace import submission_received
from shared.events import new_event_id
from shared.mail.addresses import InvalidAddress, normalize, split
from shared.mail.compose.build import make_message_id
from shared.mail.compose.signature import append_footer_raw
from shared.mail.phones import InvalidNumber, parse_channel_recipient
from shared.model import Account, Plan
from shared.ports.uses import IngestMailbox
from shared.runtime.login import PasswordLogin
from shared.workflows.directory import resolve_recipient
from shared.workflows.senders import may_send_as
from shared.workflows.sending import Refusal, Sender, invalid_number_message

log = logging.getLogger(__name__)

_RETRY = "451 4.3.0 Temporary failure, please try again later"


class SubmissionSession(Session):
    """aiosmtpd's session, with the authenticated account; `login_data` (deprecated,
    still set by aiosmtpd after AUTH) is kept without its warning."""

    @property
    def login_data(self) -> Any:
        return self._login_data

    @login_data.setter
    def login_data(self, value: Any) -> None:
        self._login_data = value

    @property
    def account(self) -> Account | None:
        data = self.auth_data
        return data if self.authenticated and isinstance(data, Account) else None


class SubmissionEnvelope(Envelope):
    """One transaction: the account as read at MAIL FROM, its plan, and the E.164
    numbers of the SMS and fax recipients accepted so far (to spot one named twice)."""

    def __init__(self) -> None:
        super().__init__()
        self.account: Account | None = None
        self.plan: Plan | None = None
        self.channels: set[str] = set()


async def may_use(mailbox: IngestMailbox, account: Account, address: str) -> bool:
    """Whether `account` may send as `address` (envelope or From): one of its identities
    (its own address always is one) that the sending rule still allows, so an alias
    removed since stops the identity it was given to."""
    try:
        address = normalize(address)
    except InvalidAddress:
        return False
    identities = {account.address.lower()}
    identities.update(i.address.lower() for i in await mailbox.identities(account.id))
    return address in identities and await may_send_as(mailbox, account, address)


def refusal_reply(refusal: Refusal) -> str:
    """The SMTP reply for a refusal of `shared.workflows.sending`."""
    match refusal.code:
        case "submission_blocked":
            return "550 5.7.1 Sending is blocked for this account; ask your provider"
        case "messages_per_day":
            return f"450 4.7.1 Messages per day limit reached: {refusal.message}"
        case "mailbox_full":
            return "452 4.2.2 Mailbox full: no room for the copy in Sent; delete messages first"
        case "recipients_per_message":
            return f"550 5.5.3 Too many recipients: {refusal.message}"
        case "invalid_recipient":
            return f"553 5.1.3 {refusal.message}"
        case _:
            return f"554 5.5.1 {refusal.message}"


class SubmissionHandler(PasswordAuth):
    def __init__(
        self,
        *,
        mailbox: IngestMailbox,
        sender: Sender,
        login: PasswordLogin,
        max_recipients: int,
    ) -> None:
        super().__init__(login)
        self._mailbox = mailbox
        self._sender = sender
        self._max_recipients = max_recipients

    async def handle_MAIL(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        mail_options: list[str],
    ) -> str:
        assert isinstance(session, SubmissionSession)
        assert isinstance(envelope, SubmissionEnvelope)
        if session.account is None:  # aiosmtpd asks for AUTH first (auth_required)
            return "530 5.7.0 Authentication required"
        if address in ("", "<>"):
            return "553 5.7.1 A null sender is not allowed for submission"
        try:
            mail_from = normalize(address)
        except InvalidAddress:
            return "553 5.1.7 Bad sender address syntax"
        size = _declared_size(mail_options)
        try:
            account = await self._mailbox.account(session.account.id)
            if account is None:
                return "550 5.7.1 This account no longer exists"
            plan = await self._sender.check(account, 1)  # a blocked account stops here
            allowed = await may_use(self._mailbox, account, mail_from)
            quota = await self._mailbox.quota(account.id) if size else None
        except Refusal as refusal:
            return refusal_reply(refusal)
        except Exception:
            log.exception("sender check failed for %s", session.account.address)
            return _RETRY
        if not allowed:
            return f"553 5.7.1 <{mail_from}>: Sender address not owned by {account.address}"
        if quota is not None and not quota.admits(size):
            return refusal_reply(Refusal("mailbox_full", ""))
        envelope.account, envelope.plan = account, plan
        envelope.mail_from = mail_from
        envelope.mail_options.extend(mail_options)
        return "250 2.1.0 Ok"

    async def handle_RCPT(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        assert isinstance(envelope, SubmissionEnvelope)
        try:
            channel = parse_channel_recipient(address)
            recipient = normalize(address)
        except InvalidNumber as exc:
            return f"553 5.1.3 {invalid_number_message(exc)}"
        except InvalidAddress:
            return "501 5.1.3 Bad recipient address syntax"
        key = channel.canonical_address if channel is not None else recipient
        if recipient in envelope.rcpt_tos or key in envelope.channels:
            return "250 2.1.5 Ok"  # named twice, sent once
        most = envelope.plan.recipients_per_message if envelope.plan else None
        if most is not None and len(envelope.rcpt_tos) >= most:
            return f"452 4.5.3 Too many recipients: your plan allows {most} per message"
        if len(envelope.rcpt_tos) >= self._max_recipients:
            return "452 4.5.3 Too many recipients"
        if channel is not None:  # handed to the notify service by outbound; no mailbox
            envelope.channels.add(key)
            envelope.rcpt_tos.append(recipient)
            return "250 2.1.5 Ok"
        try:
            local = await resolve_recipient(self._mailbox, recipient)
            unknown = local is None and await self._mailbox.hosts_domain(split(recipient)[1])
        except Exception:
            log.exception("recipient lookup failed")
            return _RETRY
        if unknown:
            return f"550 5.1.1 <{recipient}>: Recipient address rejected: User unknown"
        envelope.rcpt_tos.append(recipient)
        return "250 2.1.5 Ok"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        assert isinstance(envelope, SubmissionEnvelope)
        raw, account = envelope.original_content, envelope.account
        if not isinstance(raw, bytes) or account is None or not envelope.mail_from:
            return "554 5.6.0 Message content unavailable"
        authors = fixups.addresses(raw, "From")
        if not authors:
            return "550 5.6.0 The message has no From header field"
        fields = [("From", a) for a in authors] + [
            ("Sender", a) for a in fixups.addresses(raw, "Sender")
        ]
        try:
            for name, author in fields:
                if not await may_use(self._mailbox, account, author):
                    return f"550 5.7.1 {name} address not allowed: <{author}> is not yours"
        except Exception:
            log.exception("author check failed for %s", account.address)
            return _RETRY
        now = datetime.now(UTC)
        event_id = new_event_id()
        message = fixups.add_missing(
            raw, date=now, message_id=_message_id(event_id, envelope.mail_from, server.hostname)
        )
        if envelope.plan is not None and envelope.plan.signature:
            message = append_footer_raw(message, envelope.plan.signature)
        trace = submission_received(
            hostname=server.hostname,
            protocol="ESMTPSA" if session.ssl is not None else "ESMTPA",
            queue_id=event_id,
            when=now,
        )
        try:
            await self._sender.submit(
                account,
                mail_from=envelope.mail_from,
                recipients=list(envelope.rcpt_tos),
                kept=trace + message,  # the author's copy keeps the Bcc
                wire=trace + fixups.without_hidden(message),
                event_id=event_id,
                now=now,
            )
        except Refusal as refusal:
            return refusal_reply(refusal)
        except Exception:  # not durable: the client keeps the message and retries
            log.exception("could not queue message from %s", account.address)
            return _RETRY
        log.info(
            "submitted %s from %s (%s) for %d recipients",
            event_id,
            account.address,
            peer_ip(server),
            len(envelope.rcpt_tos),
        )
        return f"250 2.0.0 Ok: queued as {event_id}"

    async def handle_exception(self, error: Exception) -> str:
        """What aiosmtpd answers for an error nothing above caught: no details out."""
        log.error("submission command failed", exc_info=error)
        return "451 4.3.0 Internal error, please try again later"


def _message_id(event_id: str, mail_from: str, hostname: str) -> str:
    """A Message-ID on the sender's domain, else on this server's name."""
    for domain in (split(mail_from)[1], hostname):
        with contextlib.suppress(ValueError):
            return make_message_id(event_id, domain)
    return make_message_id(event_id, "localhost")


def _declared_size(options: list[str]) -> int:
    """The SIZE= given with MAIL FROM (RFC 1870), else 0."""
    for option in options:
        name, _, value = option.partition("=")
        if name.upper() == "SIZE" and value.isdigit():
            return int(value)
    return 0
