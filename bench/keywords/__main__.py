"""Keyword benchmark: what one bulk STORE of keywords costs on the running platform.

Bureau runs as `bureau run` (SQLite, blobs on disk, its private nats-server); a folder
of `--messages` messages is filled through the store's port before it starts. Then,
through imaplib over loopback: LOGIN, SELECT, one `STORE 1:* +FLAGS (kw0 … kwN)` with
`--keywords` keywords, timed; the growth of the mailbox database (with its WAL) and of
the nats-server's data once the journal relay has published every change; the time until
the search index has the last keyword on every message (through the HTTP API); and LOGIN
and SELECT timed again once all is quiet.

    python -m bench.keywords --messages 2000 --keywords 50
"""

from __future__ import annotations

import argparse
import asyncio
import imaplib
import json
import sqlite3
import time
import urllib.parse
import urllib.request
from pathlib import Path

from bench.imap.__main__ import PASSWORD, USER, fill_bureau
from bench.ingest.corpus import corpus
from bench.ingest.stack import EmbeddedStack


def _size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def _database_size(data_dir: Path) -> int:
    return sum(_size(data_dir / f"mailboxes.sqlite3{end}") for end in ("", "-wal"))


def _unpublished(data_dir: Path) -> int:
    conn = sqlite3.connect(f"file:{data_dir / 'mailboxes.sqlite3'}?mode=ro", uri=True)
    try:
        return int(conn.execute("SELECT count(*) FROM journal WHERE published = 0").fetchone()[0])
    finally:
        conn.close()


def _indexed(api: str, keyword: str, messages: int, deadline: float) -> bool:
    """Wait until a search for the keyword finds every message (False at the deadline)."""
    body = json.dumps({"address": USER, "password": PASSWORD}).encode()
    request = urllib.request.Request(
        f"{api}/session", body, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=30) as resp:
        token = json.load(resp)["token"]
    query = urllib.parse.urlencode({"q": f"tag:{keyword}"})
    search = urllib.request.Request(
        f"{api}/search?{query}", headers={"Authorization": f"Bearer {token}"}
    )
    while time.monotonic() < deadline:
        with urllib.request.urlopen(search, timeout=30) as resp:
            if json.load(resp)["total"] >= messages:
                return True
        time.sleep(0.5)
    return False


def _login(port: int) -> tuple[imaplib.IMAP4, float]:
    start = time.perf_counter()
    client = imaplib.IMAP4("127.0.0.1", port)
    client.login(USER, PASSWORD)
    return client, time.perf_counter() - start


def _select(client: imaplib.IMAP4) -> float:
    start = time.perf_counter()
    status, data = client.select("INBOX")
    assert status == "OK", data
    return time.perf_counter() - start


def run(
    stack: EmbeddedStack, messages: int, keywords: int, timeout: float
) -> dict[str, float | str]:
    data_dir = stack.data_dir
    result: dict[str, float | str] = {}
    client, result["login_before_ms"] = _login(stack.imap_port)
    result["select_before_ms"] = _select(client)
    db_before, nats_before = _database_size(data_dir), _size(data_dir / "nats")
    names = " ".join(f"kw{i}" for i in range(keywords))
    start = time.perf_counter()
    client.sock.settimeout(timeout)
    try:
        status, data = client.store("1:*", "+FLAGS.SILENT", f"({names})")
        result["store_status"] = f"{status} {data[0]!r}"
    except (imaplib.IMAP4.error, TimeoutError, OSError) as exc:
        result["store_status"] = f"failed: {exc}"
    result["store_ms"] = time.perf_counter() - start
    deadline = time.monotonic() + timeout
    while _unpublished(data_dir) and time.monotonic() < deadline:
        time.sleep(0.2)
    result["relayed_ms"] = time.perf_counter() - start
    result["unpublished_left"] = _unpublished(data_dir)
    result["db_growth_mb"] = (_database_size(data_dir) - db_before) / 1e6
    result["nats_growth_mb"] = (_size(data_dir / "nats") - nats_before) / 1e6
    if _indexed(stack.api, f"kw{keywords - 1}", messages, time.monotonic() + timeout):
        result["indexed_ms"] = time.perf_counter() - start
    try:
        client.logout()
    except (imaplib.IMAP4.error, OSError):
        pass
    client, result["login_after_ms"] = _login(stack.imap_port)
    result["select_after_ms"] = _select(client)
    client.logout()
    for key, value in result.items():
        if key.endswith("_ms") and isinstance(value, float):
            result[key] = round(value * 1000, 1)
        elif isinstance(value, float):
            result[key] = round(value, 2)
    return result


async def main(messages: int, keywords: int, timeout: float) -> dict[str, float | str]:
    mail = [raw for _, raw in corpus(messages, USER, 1)]
    stack = EmbeddedStack()
    await fill_bureau(stack.data_dir, mail)
    async with stack:
        result = await asyncio.to_thread(run, stack, messages, keywords, timeout)
    return {"messages": messages, "keywords": keywords, **result}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--keywords", type=int, default=50)
    parser.add_argument("--timeout", type=float, default=600, help="seconds the STORE may take")
    args = parser.parse_args()
    print(json.dumps(asyncio.run(main(args.messages, args.keywords, args.timeout)), indent=2))
