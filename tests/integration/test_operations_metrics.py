"""The seven services as separate processes each answer `/metrics` with Prometheus text
holding the families of what they do, and the counters move as mail flows: SMTP in,
mail sent over HTTP to a local recipient, reads and a search over HTTP, an IMAP login."""

from __future__ import annotations

import asyncio
import imaplib
import poplib
import smtplib
import ssl
from pathlib import Path

import aiohttp
import pytest

from bureau.nats_server import EmbeddedNats
from bureau.process import free_port
from bureau.services import SERVICE_NAMES
from services.store.adapters.sqlite import SqliteMailboxStore
from shared.runtime.passwords import hash_password
from tests import prometheus
from tests.factories import make_raw
from tests.integration.processes import WHOLE_RUN_TIMEOUT, ServiceProcess, service_env

PASSWORD = "correct horse battery"
CONSUMER_FAMILIES = {
    "bureau_consumer_deliveries_total",
    "bureau_consumer_redeliveries_total",
    "bureau_consumer_acks_total",
    "bureau_consumer_naks_total",
    "bureau_consumer_dead_letters_total",
    "bureau_consumer_handle_seconds",
    "bureau_consumer_pending_messages",
    "bureau_consumer_ack_pending_messages",
    "bureau_consumer_redelivered_messages",
}
FAMILIES = {
    "ingest": {
        "bureau_smtp_replies_total",
        "bureau_smtp_messages_accepted_total",
        "bureau_smtp_accepted_bytes_total",
        "bureau_smtp_sessions_open",
        "bureau_logins_total",
    },
    "filters": {"bureau_filters_messages_total", "bureau_filters_automatic_mail_total"}
    | CONSUMER_FAMILIES,
    "store": {
        "bureau_store_deliveries_total",
        "bureau_store_journal_published_total",
        "bureau_store_journal_relay_failures_total",
        "bureau_store_journal_unpublished_entries",
        "bureau_store_journal_oldest_unpublished_age_seconds",
        "bureau_store_housekeeping_removed_total",
        "bureau_store_housekeeping_runs_total",
    }
    | CONSUMER_FAMILIES,
    "search": {"bureau_search_index_lag_seconds", "bureau_search_changes_indexed_total"}
    | CONSUMER_FAMILIES,
    "outbound": {
        "bureau_outbound_recipients_total",
        "bureau_outbound_bounces_total",
        "bureau_outbound_retries_total",
        "bureau_outbound_queue_requests",
        "bureau_outbound_deferred_requests",
    }
    | CONSUMER_FAMILIES,
    "notify": {
        "bureau_notify_notifications_total",
        "bureau_notify_channel_messages_total",
        "bureau_notify_bounces_total",
    }
    | CONSUMER_FAMILIES,
    "gateway": {
        "bureau_http_requests_total",
        "bureau_http_request_duration_seconds",
        "bureau_mail_sessions_open",
        "bureau_mail_command_duration_seconds",
        "bureau_logins_total",
        "bureau_search_query_duration_seconds",
    },
}
STORAGE = {
    "ingest": {"mailbox", "blobs"},
    "filters": {"mailbox", "blobs"},
    "store": {"mailbox", "blobs"},
    "search": {"index", "blobs"},
    "outbound": {"mailbox", "blobs"},
    "notify": {"mailbox", "blobs"},
    "gateway": {"mailbox", "index", "blobs"},
}

Families = dict[str, prometheus.Family]


async def scrape(http: aiohttp.ClientSession, proc: ServiceProcess) -> Families:
    async with http.get(f"http://127.0.0.1:{proc.health_port}/metrics") as resp:
        assert resp.status == 200
        assert resp.headers["Content-Type"].startswith("text/plain; version=0.0.4")
        text = await resp.text()
    assert text.strip(), f"{proc.name}: empty /metrics"
    return prometheus.parse(text)


def count(families: Families, name: str, **labels: str) -> float:
    return prometheus.value(families, name, **labels)


@pytest.mark.timeout(WHOLE_RUN_TIMEOUT)
async def test_each_service_exports_what_it_does(tmp_path: Path, nats_server: EmbeddedNats) -> None:
    data_dir = tmp_path / "var"
    env = service_env(data_dir, nats_server.url)
    smtp_port, http_port = free_port(), free_port()
    env["BUREAU_SMTP_LISTEN"] = f"127.0.0.1:{smtp_port}"
    env["BUREAU_HTTP_LISTEN"] = f"127.0.0.1:{http_port}"
    imap_port, pop3_port, submission_port = (
        int(env[var].rpartition(":")[2])
        for var in ("BUREAU_IMAP_LISTEN", "BUREAU_POP3_LISTEN", "BUREAU_SUBMISSION_LISTEN")
    )
    mailbox = await SqliteMailboxStore.open(data_dir / "mailboxes.sqlite3")
    await mailbox.create_account("alice@example.test", hash_password(PASSWORD))
    await mailbox.close()

    procs = {name: ServiceProcess(name, env, tmp_path) for name in SERVICE_NAMES}
    try:
        await asyncio.gather(*(proc.start(timeout=120) for proc in procs.values()))
        async with aiohttp.ClientSession() as http:
            before = {name: await scrape(http, proc) for name, proc in procs.items()}
            for name, families in before.items():
                missing = FAMILIES[name] - set(families)
                assert not missing, f"{name} lacks {missing}"
                async with http.get(f"http://127.0.0.1:{procs[name].health_port}/readyz") as r:
                    ready = await r.json()
                assert r.status == 200 and ready["ready"] and ready["failed"] == []
                assert set(ready["checks"]) == {"nats", "jetstream"} | STORAGE[name], name

            raw = make_raw(to="alice@example.test", subject="Metered", body="a wombat\n")
            with smtplib.SMTP("127.0.0.1", smtp_port, timeout=30) as client:
                client.sendmail("bob@example.net", ["alice@example.test"], raw)
            await asyncio.to_thread(_submission_login, submission_port)
            api = f"http://127.0.0.1:{http_port}/api/v1"
            async with http.post(
                f"{api}/session", json={"address": "alice@example.test", "password": "wrong"}
            ) as resp:
                assert resp.status == 401
            async with http.post(
                f"{api}/session", json={"address": "alice@example.test", "password": PASSWORD}
            ) as resp:
                assert resp.status == 200
                headers = {"Authorization": f"Bearer {(await resp.json())['token']}"}
            async with http.post(
                f"{api}/send",
                headers=headers,
                json={"to": ["alice@example.test"], "subject": "To myself", "text": "a note"},
            ) as resp:
                assert resp.status == 202, await resp.text()
            await _wait_found(http, api, headers, "wombat")
            async with http.get(f"{api}/folders", headers=headers) as resp:
                assert resp.status == 200
            async with http.get(f"{api}/no-such-thing/{'x' * 40}", headers=headers) as resp:
                assert resp.status == 404
            imap = await asyncio.to_thread(_imap_login, imap_port)
            try:
                during = await scrape(http, procs["gateway"])
            finally:
                await asyncio.to_thread(imap.logout)
            assert count(during, "bureau_mail_sessions_open", protocol="imap") == 1
            await asyncio.to_thread(_pop3_session, pop3_port)
            await _wait_counted(http, procs["notify"], "bureau_consumer_acks_total", 2)
            after = {name: await scrape(http, proc) for name, proc in procs.items()}
    finally:
        for proc in procs.values():
            proc.stop()

    ingest = after["ingest"]
    assert count(ingest, "bureau_smtp_replies_total", listener="mx", code="220") == 1
    assert count(ingest, "bureau_smtp_replies_total", listener="mx", code="250") >= 4
    assert count(ingest, "bureau_smtp_replies_total", listener="mx", code="221") == 1
    assert count(ingest, "bureau_smtp_messages_accepted_total", listener="mx") == 1
    assert count(ingest, "bureau_smtp_accepted_bytes_total", listener="mx") >= len(raw)
    assert count(ingest, "bureau_smtp_replies_total", listener="submission", code="220") == 2
    assert count(ingest, "bureau_smtp_replies_total", listener="submission", code="235") == 1
    assert count(ingest, "bureau_smtp_messages_accepted_total", listener="submission") == 0
    assert count(ingest, "bureau_logins_total", protocol="submission", result="success") == 1

    filters = after["filters"]
    assert count(filters, "bureau_filters_messages_total", outcome="delivered") == 2
    assert count(filters, "bureau_consumer_acks_total", consumer="filters") == 2
    assert count(filters, "bureau_consumer_deliveries_total", consumer="filters") == 2
    assert count(filters, "bureau_consumer_pending_messages", consumer="filters") == 0

    store = after["store"]
    assert count(store, "bureau_store_deliveries_total", result="stored") == 2
    assert count(store, "bureau_store_journal_published_total") >= 3  # both, and the Sent copy
    assert count(store, "bureau_store_journal_unpublished_entries") == 0
    assert count(store, "bureau_store_journal_relay_failures_total") == 0
    assert count(store, "bureau_consumer_acks_total", consumer="store") == 2

    search = after["search"]
    assert count(search, "bureau_search_changes_indexed_total", kind="message.added") >= 3
    assert count(search, "bureau_consumer_acks_total", consumer="search") >= 3

    outbound = after["outbound"]
    assert count(outbound, "bureau_outbound_recipients_total", result="local") == 1
    assert count(outbound, "bureau_consumer_acks_total", consumer="outbound") == 1
    assert count(outbound, "bureau_outbound_queue_requests") == 0

    notify = after["notify"]
    assert count(notify, "bureau_consumer_acks_total", consumer="notify") == 2

    gateway = after["gateway"]
    requests = "bureau_http_requests_total"
    assert count(gateway, requests, route="/api/v1/session", method="POST", status="200") == 1
    assert count(gateway, requests, route="/api/v1/send", method="POST", status="202") == 1
    assert count(gateway, requests, route="/api/v1/folders", method="GET", status="200") == 1
    assert count(gateway, requests, route="/api/v1/search", method="GET") >= 1
    assert count(gateway, requests, route="unmatched", status="404") == 1
    routes = {s.labels["route"] for s in gateway[requests].samples}
    assert not any("x" * 40 in route for route in routes)  # templates, never raw paths
    assert count(gateway, "bureau_http_request_duration_seconds_count", route="/api/v1/send") == 1
    assert count(gateway, "bureau_logins_total", protocol="http", result="success") == 1
    assert count(gateway, "bureau_logins_total", protocol="http", result="failure") == 1
    assert count(gateway, "bureau_logins_total", protocol="pop3", result="success") == 1
    assert count(gateway, "bureau_logins_total", protocol="imap", result="success") == 1
    assert count(gateway, "bureau_logins_total", protocol="imap", result="failure") == 0
    commands = "bureau_mail_command_duration_seconds_count"
    assert count(gateway, commands, protocol="imap", command="LOGIN") == 1
    assert count(gateway, commands, protocol="imap", command="SELECT") == 1
    for command in ("USER", "PASS", "STAT", "QUIT"):
        assert count(gateway, commands, protocol="pop3", command=command) == 1
    assert count(gateway, "bureau_mail_sessions_open", protocol="imap") == 0
    assert count(gateway, "bureau_search_query_duration_seconds_count") >= 1
    for name, families in after.items():
        before_total = sum(s.value for f in before[name].values() for s in f.samples)
        after_total = sum(s.value for f in families.values() for s in f.samples)
        assert after_total > before_total, f"nothing moved in {name}"


def _imap_login(port: int) -> imaplib.IMAP4:
    imap = imaplib.IMAP4("127.0.0.1", port, timeout=30)
    imap.login("alice@example.test", PASSWORD)
    status, _ = imap.select("INBOX")
    assert status == "OK"
    return imap


def _pop3_session(port: int) -> None:
    pop = poplib.POP3("127.0.0.1", port, timeout=30)
    pop.user("alice@example.test")
    pop.pass_(PASSWORD)
    pop.stat()
    pop.quit()


def _submission_login(port: int) -> None:
    """STARTTLS (greeted again: a second 220), AUTH, and nothing sent."""
    tls = ssl.create_default_context()
    tls.check_hostname, tls.verify_mode = False, ssl.CERT_NONE  # the self-signed certificate
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
        client.starttls(context=tls)
        client.login("alice@example.test", PASSWORD)


async def _wait_found(
    http: aiohttp.ClientSession, api: str, headers: dict[str, str], word: str
) -> None:
    deadline = asyncio.get_running_loop().time() + 60
    while asyncio.get_running_loop().time() < deadline:
        async with http.get(f"{api}/search", params={"q": word}, headers=headers) as resp:
            if resp.status == 200 and (await resp.json())["total"] == 1:
                return
        await asyncio.sleep(0.2)
    raise AssertionError(f"{word!r} never found")


async def _wait_counted(
    http: aiohttp.ClientSession, proc: ServiceProcess, name: str, at_least: float
) -> None:
    deadline = asyncio.get_running_loop().time() + 60
    while asyncio.get_running_loop().time() < deadline:
        if count(await scrape(http, proc), name) >= at_least:
            return
        await asyncio.sleep(0.2)
    raise AssertionError(f"{proc.name}: {name} stayed under {at_least}")
