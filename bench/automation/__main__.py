"""Automation benchmark: the price of filters and a vacation reply on incoming mail.

One `bureau run`, two accounts: `plain` has no automation (its mail goes to the Inbox
without the message being read by the filters service) and `automated` has 20 filters —
conditions on the sender, subject, a header, the body and the size, most of them not
matching, some tagging, flagging or filing — and a vacation reply switched on. The same
number of messages is sent to each, one account after the other, over K parallel SMTP
connections; the figures are accepted messages per second and the time from the SMTP 250
to the message being found by the search API, for each account, and their ratios
(automated / plain) measured in the same run.

    python -m bench.automation --messages 1000 --connections 8
"""

from __future__ import annotations

import asyncio
import statistics
from typing import Any

import aiohttp

from bench.ingest.__main__ import percentile, run_cli, send_all, watch_searchable
from bench.ingest.corpus import corpus
from bench.ingest.stack import EmbeddedStack

PASSWORD = "bench-password-1"
PLAIN, AUTOMATED = "plain@example.test", "automated@example.test"


def filters() -> list[dict[str, Any]]:
    """Twenty filters of the kinds users write: most look for what bench mail lacks."""

    def rule(name: str, field: str, operator: str, value: str, *actions: dict[str, Any],
             header: str | None = None) -> dict[str, Any]:  # fmt: skip
        condition = {"field": field, "operator": operator, "value": value, "header": header}
        return {"name": name, "conditions": [condition], "actions": list(actions)}

    tag = {"kind": "tag", "tag": "bench"}
    out = [
        rule(f"sender {n}", "from", "contains", f"nobody{n}@lists.example.org", tag)
        for n in range(6)
    ]
    out += [rule(f"subject {n}", "subject", "starts_with", f"[project-{n}]", tag) for n in range(4)]
    out += [
        rule("newsletters", "list", "exists", "", {"kind": "mark_read"}),
        rule("invoices", "body", "regex", r"invoice\s+#?\d{4,}", {"kind": "flag"}),
        rule("big", "size", "over", "5000000", {"kind": "tag", "tag": "big"}),
        rule("spam score", "header", "matches", "*****", tag, header="X-Spam-Level"),
        rule("priority", "priority", "is", "high", {"kind": "flag"}),
        rule("words", "subject", "contains", "the", {"kind": "tag", "tag": "the"}),
        rule("body words", "body", "contains", "meeting", {"kind": "tag", "tag": "meeting"}),
        rule("mine", "to_cc", "contains", AUTOMATED, {"kind": "tag", "tag": "direct"}),
        rule("example", "from", "matches", "*@example.net", {"kind": "comment", "text": "seen"}),
    ]
    out.append(
        {
            "name": "attachments",
            "conditions": [{"field": "has_attachment"}],
            "actions": [{"kind": "tag", "tag": "files"}],
        }
    )
    return out


async def sign_in(http: aiohttp.ClientSession, api: str, address: str) -> str:
    async with http.post(f"{api}/session", json={"address": address, "password": PASSWORD}) as r:
        token = (await r.json())["token"]
        assert isinstance(token, str)
        return token


async def automate(http: aiohttp.ClientSession, api: str, token: str) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    for body in filters():
        async with http.post(f"{api}/filters", json=body, headers=headers) as resp:
            if resp.status != 201:
                raise RuntimeError(f"filter {body['name']!r}: {await resp.text()}")
    vacation = {"enabled": True, "subject": "Away", "text": "Back on Monday.", "days": 7}
    async with http.put(f"{api}/vacation", json=vacation, headers=headers) as resp:
        if resp.status != 200:
            raise RuntimeError(f"vacation: {await resp.text()}")


async def measure(
    stack: EmbeddedStack, address: str, token: str, connections: int, messages: int, seed: int
) -> dict[str, float]:
    mail = corpus(messages, address, seed)
    accepted: dict[str, float] = {}
    found: dict[str, float] = {}
    stop = asyncio.Event()
    sending = asyncio.create_task(
        asyncio.to_thread(send_all, stack.smtp_port, mail, connections, accepted, address)
    )
    watcher = asyncio.create_task(
        watch_searchable(stack.api, token, accepted, len(mail), found, stop)
    )
    seconds = await sending
    try:
        await asyncio.wait_for(watcher, timeout=300)
    except TimeoutError:
        stop.set()
    lags = [found[t] - accepted[t] for t in found]
    return {
        "msgs_per_s": round(len(mail) / seconds, 1),
        "searchable": len(found),
        "p50_ms": round(statistics.median(lags) * 1000, 1) if lags else -1,
        "p99_ms": round(percentile(lags, 0.99) * 1000, 1) if lags else -1,
    }


async def main(messages: int, connections: int, seed: int) -> dict[str, float]:
    async with EmbeddedStack() as stack:
        stack.create_account(PLAIN, PASSWORD)
        stack.create_account(AUTOMATED, PASSWORD)
        async with aiohttp.ClientSession() as http:
            plain_token = await sign_in(http, stack.api, PLAIN)
            automated_token = await sign_in(http, stack.api, AUTOMATED)
            await automate(http, stack.api, automated_token)
        plain = await measure(stack, PLAIN, plain_token, connections, messages, seed)
        automated = await measure(
            stack, AUTOMATED, automated_token, connections, messages, seed + 1
        )
    result: dict[str, float] = {"messages": messages, "connections": connections}
    result |= {f"plain_{k}": v for k, v in plain.items()}
    result |= {f"automated_{k}": v for k, v in automated.items()}
    result["ratio_throughput_automated_to_plain"] = round(
        automated["msgs_per_s"] / plain["msgs_per_s"], 3
    )
    if plain["p50_ms"] > 0 and automated["p50_ms"] > 0:
        result["ratio_p50_automated_to_plain"] = round(automated["p50_ms"] / plain["p50_ms"], 3)
        result["ratio_p99_automated_to_plain"] = round(automated["p99_ms"] / plain["p99_ms"], 3)
    return result


def cli() -> None:
    run_cli(main, __doc__ or "", 1000)


if __name__ == "__main__":
    cli()
