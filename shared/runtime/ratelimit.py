"""The login throttle: which password logins are refused before the password is checked.

Failed logins are counted over a sliding window (`BUREAU_LOGIN_WINDOW`) three ways, in
records every protocol and every replica shares (`LoginRecords`):

- per account *from one client* (`BUREAU_LOGIN_MAX_FAILURES`): past it, that client is
  refused for that account. A guesser at one address is slowed; the owner elsewhere is
  not affected.
- per client, over all accounts (`BUREAU_LOGIN_CLIENT_MAX_FAILURES`): past it, the
  client is refused for every account it never signed in to (one address spraying
  guesses over many accounts).
- per account, over all clients (`BUREAU_LOGIN_ACCOUNT_MAX_FAILURES`): past it, a client
  that has already failed for the account in the window is refused, unless it signed in
  to it before. A guesser rotating addresses gets one guess per address per window;
  the owner is never locked out by it: a known client (a successful login within
  `BUREAU_LOGIN_KNOWN_CLIENT_TTL`) is exempt, and a new client with no failure of its
  own still gets its try.

A client is its IPv4 address or its IPv6 /64 (`shared.runtime.clients.client_key`). Counts are
read before the password is checked and written after it, so replicas checking at the
same moment may each let one more guess through: the excess is bounded by the logins
in flight, not by time.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from shared.ports.logins import LoginRecords
from shared.runtime.clients import client_key
from shared.settings import CommonSettings

DAY = 86400.0
# A known client's mark is written again on a success at most this often (it only needs
# to outlive its TTL, and every write is a write to the shared store).
KNOWN_REFRESH = DAY


@dataclass(frozen=True)
class Budgets:
    pair: int = 10  # failures for one account from one client
    client: int = 100  # failures from one client, all accounts
    account: int = 30  # failures for one account, all clients
    window: float = 300.0  # seconds over which failures count
    known_for: float = 30 * DAY  # how long a successful login makes a client known

    @classmethod
    def from_settings(cls, settings: CommonSettings) -> Budgets:
        return cls(
            pair=settings.login_max_failures,
            client=settings.login_client_max_failures,
            account=settings.login_account_max_failures,
            window=settings.login_window,
            known_for=settings.login_known_client_ttl,
        )


@dataclass(frozen=True)
class Verdict:
    """What the throttle found for one login attempt, handed back with its outcome."""

    account: str  # the address, lower-cased
    client: str  # the client key
    retry_after: int | None  # whole seconds until it may try, None: it may try now
    reason: str  # why it is refused ("" when it is not)
    pair_failures: int
    known_at: float | None


class LoginThrottle:
    def __init__(
        self,
        records: LoginRecords,
        budgets: Budgets | None = None,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._records = records
        self.budgets = budgets or Budgets()
        self._clock = clock

    async def prepare(self) -> None:
        await self._records.prepare()

    async def check(self, address: str, client: str) -> Verdict:
        account, key = address.strip().lower(), client_key(client)
        b, now = self.budgets, self._clock()
        since = now - b.window
        # All four at once: one round trip to the shared records, not four.
        pair, known_at, spread, everyone = await asyncio.gather(
            self._records.failures(_pair(account, key), since),
            self._records.known_at(_pair(account, key), now - b.known_for),
            self._records.failures(_client(key), since),
            self._records.failures(_account(account), since),
        )
        refusals: list[tuple[float, str]] = []
        if len(pair) >= b.pair:
            refusals.append((pair[-b.pair] + b.window, "too many failures for this account"))
        if known_at is None:
            if len(spread) >= b.client:
                refusals.append((spread[-b.client] + b.window, "too many failures from it"))
            if pair and len(everyone) >= b.account:
                # Free again when its own failures age out or the account's do.
                until = min(pair[-1], everyone[-b.account]) + b.window
                refusals.append((until, "account under attack; client failed already"))
        retry_after, reason = None, ""
        if refusals:
            until, reason = max(refusals)
            retry_after = max(1, math.ceil(until - now))
        return Verdict(account, key, retry_after, reason, len(pair), known_at)

    async def failed(self, verdict: Verdict) -> None:
        b = self.budgets
        now = self._clock()
        since = now - b.window
        await asyncio.gather(
            *(
                self._records.add_failure(record, now, since=since, keep=keep)
                for record, keep in (
                    (_pair(verdict.account, verdict.client), b.pair),
                    (_account(verdict.account), b.account),
                    (_client(verdict.client), b.client),
                )
            )
        )

    async def succeeded(self, verdict: Verdict) -> None:
        now = self._clock()
        pair = _pair(verdict.account, verdict.client)
        if verdict.pair_failures:
            await self._records.clear(pair)
        if verdict.known_at is None or verdict.known_at < now - KNOWN_REFRESH:
            await self._records.mark_known(pair, now)


def _pair(account: str, client: str) -> str:
    return f"pair {account} {client}"


def _account(account: str) -> str:
    return f"account {account}"


def _client(client: str) -> str:
    return f"client {client}"
