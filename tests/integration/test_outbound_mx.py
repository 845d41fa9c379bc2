"""MX resolution (RFC 5321 §5.1, RFC 7505) with dnspython against a DNS server on loopback,
and direct delivery to the MX it names."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from services.outbound.mx import NoMailService, mail_hosts, make_resolver
from services.outbound.transport import SmtpTransport
from tests.factories import make_raw
from tests.integration.dns_server import ZoneServer
from tests.integration.smarthost import Smarthost


@pytest.fixture
async def zone() -> AsyncIterator[ZoneServer]:
    server = ZoneServer(
        {
            ("remote.test", "MX"): ["20 backup.remote.test.", "10 localhost."],
            ("remote.test", "A"): ["127.0.0.1"],
            ("plain.test", "A"): ["127.0.0.1"],
            ("nomail.test", "MX"): ["0 ."],
        }
    )
    await server.start()
    yield server
    server.stop()


async def test_mx_hosts_by_preference_implicit_and_null_mx(zone: ZoneServer) -> None:
    resolver = make_resolver([f"127.0.0.1:{zone.port}"])
    assert await mail_hosts("remote.test", resolver) == ["localhost", "backup.remote.test"]
    assert await mail_hosts("plain.test", resolver) == ["plain.test"]  # no MX: the domain
    with pytest.raises(NoMailService):
        await mail_hosts("nomail.test", resolver)  # null MX
    with pytest.raises(NoMailService):
        await mail_hosts("absent.test", resolver)  # NXDOMAIN


async def test_direct_delivery_to_the_first_mx_that_answers(zone: ZoneServer) -> None:
    mx = Smarthost()
    await mx.start()
    try:
        resolver = make_resolver([f"127.0.0.1:{zone.port}"])
        hosts = [(h, mx.port) for h in await mail_hosts("remote.test", resolver)]
        transport = SmtpTransport(hostname="mail.example.test", tls="opportunistic", timeout=10)
        replies = await transport.send(hosts, "alice@example.test", ["carol@remote.test"],
                                       make_raw(to="carol@remote.test"))  # fmt: skip
        assert replies["carol@remote.test"].delivered
        assert [a.recipients for a in mx.accepted] == [["carol@remote.test"]]
    finally:
        await mx.stop()


async def test_unreachable_hosts_are_a_temporary_failure() -> None:
    transport = SmtpTransport(hostname="mail.example.test", tls="opportunistic", timeout=2)
    replies = await transport.send([("127.0.0.1", 9)], "a@example.test", ["b@x.test"], b"x")
    reply = replies["b@x.test"]
    assert not reply.delivered and not reply.permanent and reply.status == "4.4.1"
