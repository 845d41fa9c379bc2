"""Password logins for every protocol (HTTP, IMAP, POP3, submission): one check, one
throttle.

Wrong address and wrong password fail alike after comparable work: an unknown address is
checked against a dummy Argon2 hash. Before any of that, the shared `LoginThrottle` may
refuse the attempt, whatever the password (`LoginThrottled`, with the seconds to wait).
Secrets are never logged.
"""

from __future__ import annotations

import logging
import secrets

from shared.model import Account
from shared.ports.directory import Directory
from shared.ports.logins import LoginRecords, MemoryLoginRecords
from shared.runtime.metrics import Registry, bounded
from shared.runtime.passwords import check_password_async, hash_password_async
from shared.runtime.ratelimit import Budgets, LoginThrottle
from shared.settings import CommonSettings

log = logging.getLogger("bureau.login")


class LoginFailed(Exception):
    """Wrong address or password (the two are not told apart)."""


class LoginThrottled(Exception):
    """Too many failures lately: try again in `retry_after` seconds."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many failed logins; try again in {retry_after} s")
        self.retry_after = retry_after


def login_throttle(settings: CommonSettings, records: LoginRecords) -> LoginThrottle:
    """The throttle with the budgets of `BUREAU_LOGIN_*`, over the shared records."""
    return LoginThrottle(records, Budgets.from_settings(settings))


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
        self.logins.declare(protocol=protocol, result=RESULTS)

    def count(self, protocol: str, result: str) -> None:
        self.logins.inc(protocol=bounded(protocol.lower(), PROTOCOLS), result=result)


class PasswordLogin:
    def __init__(
        self,
        mailbox: Directory,
        throttle: LoginThrottle | None = None,
        metrics: LoginMetrics | None = None,
    ) -> None:
        self._mailbox = mailbox
        # Alone (tests, one process): its own records. The services pass the shared ones.
        self._throttle = throttle or LoginThrottle(MemoryLoginRecords())
        self._metrics = metrics or LoginMetrics(Registry())
        self._dummy: str | None = None

    async def prepare(self) -> None:
        """Make the dummy hash now, so the first unknown address costs no extra hashing,
        and open the throttle's records."""
        if self._dummy is None:
            self._dummy = await hash_password_async(secrets.token_urlsafe(16))
        await self._throttle.prepare()

    async def login(self, address: str, password: str, client: str, protocol: str) -> Account:
        """The account these credentials open. Raises `LoginThrottled` before checking
        anything when the throttle refuses this client for this address, else
        `LoginFailed`."""
        verdict = await self._throttle.check(address, client)
        if verdict.retry_after is not None:
            log.info(
                "%s login for %r from %s refused for %d s: %s",
                protocol,
                verdict.account,
                client,
                verdict.retry_after,
                verdict.reason,
            )
            self._metrics.count(protocol, "throttled")
            raise LoginThrottled(verdict.retry_after)
        account = await self._mailbox.account_by_address(address.strip())
        if account is None:
            if self._dummy is None:
                self._dummy = await hash_password_async(secrets.token_urlsafe(16))
            await check_password_async(self._dummy, password)
        elif await check_password_async(account.password_hash, password):
            await self._throttle.succeeded(verdict)
            self._metrics.count(protocol, "success")
            return account
        await self._throttle.failed(verdict)
        self._metrics.count(protocol, "failure")
        log.info("failed login (%s) for %r from %s", protocol, verdict.account, client)
        raise LoginFailed
