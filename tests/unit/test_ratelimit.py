"""The login throttle's policy, on records in memory and a fake clock: per account from
one client, per client over all accounts, per account over all clients, known clients."""

from __future__ import annotations

import pytest

from shared.ports.logins import MemoryLoginRecords
from shared.runtime.ratelimit import Budgets, LoginThrottle

ALICE = "alice@example.test"


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


def throttle(clock: Clock, **budgets: float) -> LoginThrottle:
    values = {"pair": 3, "client": 100, "account": 100, "window": 300.0, **budgets}
    return LoginThrottle(MemoryLoginRecords(), Budgets(**values), clock=clock)  # type: ignore[arg-type]


async def fail(limiter: LoginThrottle, address: str, client: str, times: int = 1) -> None:
    for _ in range(times):
        verdict = await limiter.check(address, client)
        assert verdict.retry_after is None, verdict.reason
        await limiter.failed(verdict)


async def wait(limiter: LoginThrottle, address: str, client: str) -> int | None:
    return (await limiter.check(address, client)).retry_after


async def succeed(limiter: LoginThrottle, address: str, client: str) -> None:
    verdict = await limiter.check(address, client)
    assert verdict.retry_after is None, verdict.reason
    await limiter.succeeded(verdict)


async def test_one_client_is_refused_for_one_account_until_the_window_passes(
    clock: Clock,
) -> None:
    limiter = throttle(clock)
    for _ in range(2):
        await fail(limiter, ALICE, "192.0.2.1")
        clock.now += 10
    assert await wait(limiter, ALICE, "192.0.2.1") is None
    await fail(limiter, ALICE, "192.0.2.1")
    assert await wait(limiter, ALICE, "192.0.2.1") == 280  # the oldest leaves the window then
    # Another client, and another account from the same client, are not affected.
    assert await wait(limiter, ALICE, "192.0.2.2") is None
    assert await wait(limiter, "bob@example.test", "192.0.2.1") is None
    assert await wait(limiter, ALICE.upper(), "192.0.2.1") == 280  # addresses fold case
    clock.now += 280.5
    assert await wait(limiter, ALICE, "192.0.2.1") is None  # one failure aged out


async def test_success_forgets_the_clients_failures(clock: Clock) -> None:
    limiter = throttle(clock)
    await fail(limiter, ALICE, "192.0.2.1", 2)
    await succeed(limiter, ALICE, "192.0.2.1")
    await fail(limiter, ALICE, "192.0.2.1", 2)
    assert await wait(limiter, ALICE, "192.0.2.1") is None


async def test_a_client_spraying_many_accounts_is_refused_for_all(clock: Clock) -> None:
    limiter = throttle(clock, client=5)
    for n in range(5):
        await fail(limiter, f"user{n}@example.test", "198.51.100.7")
    assert await wait(limiter, "someone-else@example.test", "198.51.100.7") == 300
    assert await wait(limiter, "someone-else@example.test", "198.51.100.8") is None


async def test_a_client_that_signed_in_before_is_not_refused_for_its_account(
    clock: Clock,
) -> None:
    # One address shared by many (a NAT): a guesser sprays from it, the owner signs in.
    limiter = throttle(clock, client=5)
    await succeed(limiter, ALICE, "198.51.100.7")
    for n in range(5):
        await fail(limiter, f"user{n}@example.test", "198.51.100.7")
    assert await wait(limiter, "user9@example.test", "198.51.100.7") == 300
    assert await wait(limiter, ALICE, "198.51.100.7") is None


async def test_rotating_clients_get_one_guess_each_once_the_account_is_over_budget(
    clock: Clock,
) -> None:
    limiter = throttle(clock, account=6)
    await succeed(limiter, ALICE, "192.0.2.200")  # the owner's usual client
    for n in range(3):
        await fail(limiter, ALICE, f"203.0.113.{n}", 2)
    # Over budget: clients that failed already are refused (though under their own 3) ...
    assert await wait(limiter, ALICE, "203.0.113.0") == 300
    # ... a fresh one still gets its one try, and then is refused too ...
    await fail(limiter, ALICE, "203.0.113.50")
    assert await wait(limiter, ALICE, "203.0.113.50") == 300
    # ... while the owner, from a known client or a new one that never failed, gets in.
    await succeed(limiter, ALICE, "192.0.2.200")
    await succeed(limiter, ALICE, "192.0.2.201")
    # A known client is exempt from the account's budget, not from its own.
    await fail(limiter, ALICE, "192.0.2.200", 3)
    assert await wait(limiter, ALICE, "192.0.2.200") == 300


async def test_known_clients_are_forgotten_after_their_ttl(clock: Clock) -> None:
    limiter = throttle(clock, client=2, known_for=3600.0)
    await succeed(limiter, ALICE, "198.51.100.7")
    await fail(limiter, "a@example.test", "198.51.100.7")
    await fail(limiter, "b@example.test", "198.51.100.7")
    assert await wait(limiter, ALICE, "198.51.100.7") is None
    clock.now += 3601
    await fail(limiter, "a@example.test", "198.51.100.7")
    await fail(limiter, "b@example.test", "198.51.100.7")
    assert await wait(limiter, ALICE, "198.51.100.7") == 300


async def test_an_ipv6_client_is_its_slash_64(clock: Clock) -> None:
    limiter = throttle(clock)
    for host in ("1", "2", "3"):
        await fail(limiter, ALICE, f"2001:db8:1:2::{host}")
    assert await wait(limiter, ALICE, "2001:db8:1:2:ffff::9") == 300
    assert await wait(limiter, ALICE, "2001:db8:1:3::1") is None
    # IPv4 mapped into IPv6 is the IPv4 client.
    await fail(limiter, "bob@example.test", "::ffff:192.0.2.9", 3)
    assert await wait(limiter, "bob@example.test", "192.0.2.9") == 300


async def test_memory_records_are_bounded() -> None:
    records = MemoryLoginRecords(max_keys=2)
    for n in range(3):
        await records.add_failure(f"k{n}", 10.0, since=0.0, keep=5)
    assert await records.failures("k0", 0.0) == []  # the oldest key was dropped
    assert await records.failures("k2", 0.0) == [10.0]
    for t in range(10):
        await records.add_failure("k2", 20.0 + t, since=0.0, keep=3)
    assert await records.failures("k2", 0.0) == [27.0, 28.0, 29.0]
