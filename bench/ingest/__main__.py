"""Ingest benchmark: N messages over K parallel SMTP connections to `bureau run`.

Prints accepted messages per second, set against an SMTP sink on the same library that
stores nothing (the baseline, measured in the same run), the p50/p99 time from the 250
reply to the message being found by the search API, and the p50/p99 time from a change
made over HTTP (marked read) to the search API seeing it.

    python -m bench.ingest --messages 2000 --connections 8
"""

from __future__ import annotations

import argparse
import asyncio
import json
import smtplib
import statistics
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor

import aiohttp

from bench.ingest.corpus import corpus
from bench.ingest.stack import EmbeddedStack, Sink

ADDRESS, PASSWORD = "bench@example.test", "bench-password-1"


def send_all(
    port: int,
    messages: list[tuple[str, bytes]],
    connections: int,
    accepted: dict[str, float],
    recipient: str = ADDRESS,
) -> float:
    """Send over `connections` parallel sessions, noting in `accepted` when each got its 250;
    return the elapsed seconds."""

    def worker(share: list[tuple[str, bytes]]) -> None:
        with smtplib.SMTP("127.0.0.1", port, timeout=120) as client:
            for token, raw in share:
                client.sendmail("sender@example.net", [recipient], raw)
                accepted[token] = time.monotonic()

    shares = [messages[i::connections] for i in range(connections)]
    start = time.monotonic()
    with ThreadPoolExecutor(connections) as pool:
        for future in [pool.submit(worker, share) for share in shares]:
            future.result()
    return time.monotonic() - start


async def watch_searchable(
    api: str,
    token: str,
    accepted: dict[str, float],
    total: int,
    found: dict[str, float],
    stop: asyncio.Event,
) -> None:
    """Poll the search API for each accepted, not yet found token (8 queries in flight)."""
    headers = {"Authorization": f"Bearer {token}"}
    async with aiohttp.ClientSession(headers=headers) as http:

        async def probe(word: str) -> None:
            query = {"q": word, "remember": "false"}
            async with http.get(f"{api}/search", params=query) as resp:
                if (await resp.json())["total"]:
                    found.setdefault(word, time.monotonic())

        while len(found) < total and not stop.is_set():
            pending = [w for w in list(accepted) if w not in found][:8]
            if pending:
                await asyncio.gather(*(probe(w) for w in pending))
            else:
                await asyncio.sleep(0.005)


CHANGES = 100  # messages marked read, one after the other, for the change latency


async def change_to_searchable(api: str, token: str, words: list[str]) -> list[float]:
    """For each message: mark it read over HTTP, then time until `WORD is:read` finds it."""
    lags: list[float] = []
    async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {token}"}) as http:
        for word in words:
            async with http.get(f"{api}/search", params={"q": word}) as resp:
                message_id = (await resp.json())["items"][0]["id"]
            async with http.patch(f"{api}/messages/{message_id}", json={"unread": False}):
                changed = time.monotonic()
            deadline = changed + 30
            while time.monotonic() < deadline:
                query = {"q": f"{word} is:read", "remember": "false"}
                async with http.get(f"{api}/search", params=query) as resp:
                    if (await resp.json())["total"]:
                        lags.append(time.monotonic() - changed)
                        break
                await asyncio.sleep(0.005)
    return lags


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def main(messages: int, connections: int, seed: int) -> dict[str, float]:
    mail = corpus(messages, ADDRESS, seed)
    with Sink() as sink:
        sink_seconds = await asyncio.to_thread(send_all, sink.port, mail, connections, {})
    async with EmbeddedStack() as stack:
        stack.create_account(ADDRESS, PASSWORD)
        async with aiohttp.ClientSession() as http:
            async with http.post(
                f"{stack.api}/session", json={"address": ADDRESS, "password": PASSWORD}
            ) as resp:
                token = (await resp.json())["token"]
        found: dict[str, float] = {}
        accepted: dict[str, float] = {}
        stop = asyncio.Event()
        # `accepted` is filled by the sender threads while the watcher reads it.
        sending = asyncio.create_task(
            asyncio.to_thread(send_all, stack.smtp_port, mail, connections, accepted)
        )
        watcher = asyncio.create_task(
            watch_searchable(stack.api, token, accepted, messages, found, stop)
        )
        bureau_seconds = await sending
        try:
            await asyncio.wait_for(watcher, timeout=300)
        except TimeoutError:
            stop.set()
        changes = await change_to_searchable(stack.api, token, list(found)[:CHANGES])
    lags = [found[t] - accepted[t] for t in found]
    size = sum(len(raw) for _, raw in mail)
    result = {
        "messages": messages,
        "connections": connections,
        "mean_size_kb": round(size / messages / 1024, 1),
        "baseline_sink_msgs_per_s": round(messages / sink_seconds, 1),
        "bureau_msgs_per_s": round(messages / bureau_seconds, 1),
        "ratio_bureau_to_baseline": round(sink_seconds / bureau_seconds, 3),
        "searchable": len(found),
        "p50_250_to_searchable_ms": round(statistics.median(lags) * 1000, 1) if lags else -1,
        "p99_250_to_searchable_ms": round(percentile(lags, 0.99) * 1000, 1) if lags else -1,
        "p50_change_to_searchable_ms": round(statistics.median(changes) * 1000, 1)
        if changes
        else -1,
        "p99_change_to_searchable_ms": round(percentile(changes, 0.99) * 1000, 1)
        if changes
        else -1,
    }
    return result


def run_cli(
    measure: Callable[[int, int, int], Awaitable[dict[str, float]]], doc: str, messages: int
) -> None:
    """The command line of a benchmark measuring `--messages` over `--connections`: the
    figures one per line, then as one JSON line."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--messages", type=int, default=messages)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    result = asyncio.run(measure(args.messages, args.connections, args.seed))
    width = max(map(len, result))
    for key, value in result.items():
        print(f"{key:<{width}}  {value}")
    print(json.dumps(result))


def cli() -> None:
    run_cli(main, __doc__ or "", 2000)


if __name__ == "__main__":
    cli()
