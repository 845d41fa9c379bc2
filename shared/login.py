"""Password logins for every protocol (HTTP, IMAP, POP3, submission): one check, one
throttle.

Wrong address and wrong password fail alike after comparable work: an unknown address is
checked against a dummy Argon2 hash. After `LoginLimiter`'s budget of failures for one
address from one client, that pair is locked out for the rest of the window, whatever
the password. Secrets are never logged.
"""

from __future__ import annotations

import logging
import secrets

from shared.metrics import Registry, bounded
from shared.model import Account
from shared.passwords import check_password_async, hash_password_async
from shared.ports import MailboxStore
from shared.ratelimit import LoginLimiter

log = logging.getLogger("bureau.login")


class LoginFailed(Exception):
    """Wrong address or password (the two are not told apart)."""


class LoginThrottled(Exception):
    """Too many failures lately: try again in `retry_after` seconds."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many failed logins; try again in {retry_after} s")
        self.retry_after = retry_after


PROTOCOLS = frozenset({"http", "imap", "pop3", "submission"})
RESULTS = ("success", "failure", "throttled")


class LoginMetrics:
    """`bureau_logins_total{protocol, result}` (the gateway and ingest share the family)."""

    def __init__(self, registry: Registry) -> None:
        self.logins = registry.counter(
            "bureau_logins_total",
            "Password logins by protocol and result (throttled: refused by the lockout"
            " before any check)",
            ("protocol", "result"),
        )

    def declare(self, protocol: str) -> None:
        for result in RESULTS:
            self.logins.labels(protocol=protocol, result=result)

    def count(self, protocol: str, result: str) -> None:
        self.logins.inc(protocol=bounded(protocol.lower(), PROTOCOLS), result=result)


class PasswordLogin:
    def __init__(
        self, mailbox: MailboxStore, limiter: LoginLimiter, metrics: LoginMetrics | None = None
    ) -> None:
        self._mailbox = mailbox
        self._limiter = limiter
        self._metrics = metrics or LoginMetrics(Registry())
        self._dummy: str | None = None

    async def prepare(self) -> None:
        """Make the dummy hash now, so the first unknown address costs no extra hashing."""
        if self._dummy is None:
            self._dummy = await hash_password_async(secrets.token_urlsafe(16))

    async def login(self, address: str, password: str, client: str, protocol: str) -> Account:
        """The account these credentials open. Raises `LoginThrottled` before checking
        anything when the (address, client) pair is locked out, else `LoginFailed`."""
        key = (address.strip().lower(), client)
        wait = self._limiter.retry_after(key)
        if wait is not None:
            log.info("%s login for %r from %s refused: locked out", protocol, key[0], client)
            self._metrics.count(protocol, "throttled")
            raise LoginThrottled(wait)
        account = await self._mailbox.account_by_address(address.strip())
        if account is None:
            await self.prepare()
            assert self._dummy is not None
            await check_password_async(self._dummy, password)
        elif await check_password_async(account.password_hash, password):
            self._limiter.succeeded(key)
            self._metrics.count(protocol, "success")
            return account
        self._limiter.failed(key)
        self._metrics.count(protocol, "failure")
        log.info("failed login (%s) for %r from %s", protocol, key[0], client)
        raise LoginFailed
