"""The login records contract: subclasses provide an async `records` fixture."""

from __future__ import annotations

from shared.ports.logins import LoginRecords

NOW = 1_000_000.0
WINDOW = 300.0
PAIR = "pair a@example.test 192.0.2.1"


class LoginRecordsContract:
    async def test_failures_are_kept_newest_last_and_bounded(self, records: LoginRecords) -> None:
        for n in range(6):
            await records.add_failure(PAIR, NOW + n, since=NOW - 1, keep=4)
        assert await records.failures(PAIR, NOW - 1) == [NOW + 2, NOW + 3, NOW + 4, NOW + 5]
        assert await records.failures(PAIR, NOW + 3) == [NOW + 4, NOW + 5]
        assert await records.failures("pair b@example.test 192.0.2.1", NOW - 1) == []

    async def test_old_failures_are_dropped_when_adding(self, records: LoginRecords) -> None:
        await records.add_failure("k", NOW, since=NOW - WINDOW, keep=10)
        await records.add_failure("k", NOW + 400, since=NOW + 400 - WINDOW, keep=10)
        assert await records.failures("k", 0.0) == [NOW + 400]

    async def test_clear_forgets_and_counting_starts_again(self, records: LoginRecords) -> None:
        await records.add_failure("k", NOW, since=0.0, keep=10)
        await records.clear("k")
        assert await records.failures("k", 0.0) == []
        await records.add_failure("k", NOW + 1, since=0.0, keep=10)
        assert await records.failures("k", 0.0) == [NOW + 1]
        await records.clear("never-written")

    async def test_known_marks(self, records: LoginRecords) -> None:
        assert await records.known_at("alice 192.0.2.1", 0.0) is None
        await records.mark_known("alice 192.0.2.1", NOW)
        assert await records.known_at("alice 192.0.2.1", NOW - 10) == NOW
        assert await records.known_at("alice 192.0.2.1", NOW + 10) is None  # too long ago
        assert await records.known_at("alice 192.0.2.2", 0.0) is None
        await records.mark_known("alice 192.0.2.1", NOW + 5)
        assert await records.known_at("alice 192.0.2.1", NOW) == NOW + 5
