"""Keyword benchmark: what one bulk STORE of keywords costs on the running platform.

Bureau runs as `bureau run` (SQLite, blobs on disk, its private nats-server); a folder
of `--messages` messages is filled through the store's port before it starts. Then,
through imaplib over loopback: LOGIN, SELECT, one `STORE 1:* +FLAGS (kw0 … kwN)` with
`--keywords` keywords, timed; the growth of the mailbox database (with its WAL) and of
the nats-server's data once the journal relay has published every change; the time until
the search index has the last keyword on every message (through the HTTP API); and LOGIN
and SELECT timed again once all is quiet. The baseline, in the same run: Dovecot
(Debian's dovecot-imapd, Maildir) holding the same mail, given the same STORE.

    python -m bench.keywords --messages 2000 --keywords 50
"""

from __future__ import annotations

import argparse
import asyncio
import imaplib
import json
import sqlite3
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

from bench.imap.__main__ import PASSWORD, USER, fill_bureau
from bench.imap.dovecot import Dovecot, available
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


def _login(port: int, user: str) -> tuple[imaplib.IMAP4, float]:
    start = time.perf_counter()
    client = imaplib.IMAP4("127.0.0.1", port)
    client.login(user, PASSWORD)
    return client, time.perf_counter() - start


def _select(client: imaplib.IMAP4) -> float:
    start = time.perf_counter()
    status, data = client.select("INBOX")
    assert status == "OK", data
    return time.perf_counter() - start


def store_keywords(
    port: int, user: str, keywords: int, timeout: float
) -> tuple[imaplib.IMAP4, dict[str, float | str]]:
    """LOGIN, SELECT and the one timed STORE of `keywords` keywords on every message."""
    result: dict[str, float | str] = {}
    client, result["login_before_ms"] = _login(port, user)
    result["select_before_ms"] = _select(client)
    names = " ".join(f"kw{i}" for i in range(keywords))
    start = time.perf_counter()
    client.sock.settimeout(timeout)
    try:
        status, data = client.store("1:*", "+FLAGS.SILENT", f"({names})")
        result["store_status"] = f"{status} {data[0]!r}"
    except (imaplib.IMAP4.error, TimeoutError, OSError) as exc:
        result["store_status"] = f"failed: {exc}"
    result["store_ms"] = time.perf_counter() - start
    return client, result


def again(port: int, user: str, client: imaplib.IMAP4, result: dict[str, float | str]) -> None:
    """LOGIN and SELECT once more, after the change settled."""
    try:
        client.logout()
    except (imaplib.IMAP4.error, OSError):
        pass
    client, result["login_after_ms"] = _login(port, user)
    result["select_after_ms"] = _select(client)
    client.logout()


def run_bureau(
    stack: EmbeddedStack, messages: int, keywords: int, timeout: float
) -> dict[str, float | str]:
    data_dir = stack.data_dir
    db_before, nats_before = _database_size(data_dir), _size(data_dir / "nats")
    start = time.perf_counter()
    client, result = store_keywords(stack.imap_port, USER, keywords, timeout)
    deadline = time.monotonic() + timeout
    while _unpublished(data_dir) and time.monotonic() < deadline:
        time.sleep(0.2)
    result["relayed_ms"] = time.perf_counter() - start
    result["unpublished_left"] = _unpublished(data_dir)
    result["storage_growth_mb"] = (_database_size(data_dir) - db_before) / 1e6
    result["nats_growth_mb"] = (_size(data_dir / "nats") - nats_before) / 1e6
    if _indexed(stack.api, f"kw{keywords - 1}", messages, time.monotonic() + timeout):
        result["indexed_ms"] = time.perf_counter() - start
    again(stack.imap_port, USER, client, result)
    return _rounded(result)


def run_dovecot(dovecot: Dovecot, keywords: int, timeout: float) -> dict[str, float | str]:
    before = _size(dovecot.maildir)
    client, result = store_keywords(dovecot.port, "bench", keywords, timeout)
    result["storage_growth_mb"] = (_size(dovecot.maildir) - before) / 1e6
    again(dovecot.port, "bench", client, result)
    return _rounded(result)


def _rounded(result: dict[str, float | str]) -> dict[str, float | str]:
    for key, value in result.items():
        if key.endswith("_ms") and isinstance(value, float):
            result[key] = round(value * 1000, 1)
        elif isinstance(value, float):
            result[key] = round(value, 2)
    return result


async def main(messages: int, keywords: int, timeout: float) -> dict[str, object]:
    mail = [raw for _, raw in corpus(messages, USER, 1)]
    out: dict[str, object] = {"messages": messages, "keywords": keywords}
    reason = available()
    if reason is None:  # the baseline: Dovecot holding the same mail, the same STORE
        with tempfile.TemporaryDirectory(prefix="bureau-bench-keywords-") as tmp:
            with Dovecot(Path(tmp) / "dovecot", "bench", PASSWORD) as dovecot:
                for i, raw in enumerate(mail):
                    dovecot.add(i, raw)
                out["dovecot"] = await asyncio.to_thread(run_dovecot, dovecot, keywords, timeout)
    else:
        out["dovecot"] = f"not measured: {reason}"
    stack = EmbeddedStack()
    await fill_bureau(stack.data_dir, mail)
    async with stack:
        out["bureau"] = await asyncio.to_thread(run_bureau, stack, messages, keywords, timeout)
    return out


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--keywords", type=int, default=50)
    parser.add_argument("--timeout", type=float, default=600, help="seconds the STORE may take")
    args = parser.parse_args()
    print(json.dumps(asyncio.run(main(args.messages, args.keywords, args.timeout)), indent=2))
