"""IMAP benchmark: SELECT, then FETCH of the headers of every message of a folder, against
Dovecot (Debian's dovecot-imapd) holding the same mail on the same machine, in the same
run, through the same client (imaplib, one connection per round, plaintext on loopback).

Bureau runs as `bureau run` (the embedded default: SQLite, blobs on disk); its mailbox is
filled through the store's port before it starts, Dovecot's Maildir by writing files.
Both are warmed by one untimed round (Dovecot builds its index then); then each round
times SELECT and FETCH 1:* (UID FLAGS RFC822.SIZE INTERNALDATE BODY.PEEK[HEADER.FIELDS
(...)]) and the medians are compared.

    python -m bench.imap --messages 10000 --rounds 5
"""

from __future__ import annotations

import argparse
import asyncio
import imaplib
import json
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.imap.dovecot import Dovecot, available
from bench.ingest.corpus import corpus
from bench.ingest.stack import EmbeddedStack
from services.store.adapters.fs_blobs import FsBlobStore
from services.store.adapters.sqlite import SqliteMailboxStore
from shared.events import new_event_id
from shared.mail.mime import parse_message
from shared.model import FolderRole, NewMessage
from shared.runtime.passwords import hash_password_async

USER, PASSWORD = "bench@example.test", "bench-password-1"
FETCH = "(UID FLAGS RFC822.SIZE INTERNALDATE BODY.PEEK[HEADER.FIELDS (FROM TO CC SUBJECT DATE MESSAGE-ID)])"  # noqa: E501


def one_round(port: int, user: str) -> tuple[float, float, int]:
    """Seconds for SELECT and for the FETCH, and how many messages the FETCH returned."""
    client = imaplib.IMAP4("127.0.0.1", port)
    try:
        client.login(user, PASSWORD)
        start = time.perf_counter()
        status, data = client.select("INBOX", readonly=True)
        selected = time.perf_counter()
        assert status == "OK", data
        status, fetched = client.fetch("1:*", FETCH)
        done = time.perf_counter()
        assert status == "OK", fetched
        count = sum(1 for item in fetched if isinstance(item, tuple))
        return selected - start, done - selected, count
    finally:
        client.logout()


def timed(port: int, user: str, rounds: int, expected: int) -> dict[str, float]:
    one_round(port, user)  # warm-up, untimed
    selects, fetches = [], []
    for _ in range(rounds):
        select, fetch, count = one_round(port, user)
        assert count == expected, f"fetched {count} of {expected}"
        selects.append(select)
        fetches.append(fetch)
    return {
        "select_ms": statistics.median(selects) * 1000,
        "fetch_ms": statistics.median(fetches) * 1000,
    }


async def fill_bureau(data_dir: Path, messages: list[bytes]) -> None:
    store = await SqliteMailboxStore.open(data_dir / "mailboxes.sqlite3")
    blobs = FsBlobStore(data_dir / "blobs")
    try:
        account = await store.create_account(USER, await hash_password_async(PASSWORD))
        inbox = await store.folder_by_role(account.id, FolderRole.INBOX)
        start = datetime(2026, 1, 1, tzinfo=UTC)
        for i, raw in enumerate(messages):
            await store.deliver(
                NewMessage(
                    event_id=new_event_id(),
                    account_id=account.id,
                    folder_id=inbox.id,
                    blob_id=await blobs.put(raw),
                    size=len(raw),
                    received_at=start + timedelta(minutes=i),
                    unread=i % 3 != 0,
                    parsed=parse_message(raw),
                )
            )
    finally:
        await store.close()
        await blobs.close()


async def main(messages: int, rounds: int, seed: int) -> dict[str, float]:
    reason = available()
    if reason is not None:
        raise SystemExit(f"the baseline cannot run: {reason}")
    mail = [raw for _, raw in corpus(messages, USER, seed)]
    result: dict[str, float] = {"messages": messages, "rounds": rounds}
    with tempfile.TemporaryDirectory(prefix="bureau-bench-imap-") as tmp:
        with Dovecot(Path(tmp) / "dovecot", "bench", PASSWORD) as dovecot:
            for i, raw in enumerate(mail):
                dovecot.add(i, raw, seen=i % 3 == 0)
            baseline = timed(dovecot.port, "bench", rounds, messages)
    stack = EmbeddedStack()
    await fill_bureau(stack.data_dir, mail)
    async with stack:
        bureau = await asyncio.to_thread(timed, stack.imap_port, USER, rounds, messages)
    for key in ("select_ms", "fetch_ms"):
        result[f"bureau_{key}"] = round(bureau[key], 1)
        result[f"dovecot_{key}"] = round(baseline[key], 1)
        result[f"ratio_{key.removesuffix('_ms')}"] = round(bureau[key] / baseline[key], 2)
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(main(args.messages, args.rounds, args.seed)), indent=2))
