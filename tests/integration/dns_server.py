"""A tiny authoritative DNS server on loopback (UDP), answering from a dict, for tests of
MX resolution with dnspython's real resolver."""

from __future__ import annotations

import asyncio

import dns.flags
import dns.message
import dns.rcode
import dns.rdatatype
import dns.rrset

from bureau.process import free_port


class ZoneServer(asyncio.DatagramProtocol):
    """`records[(name, type)]` lists the record texts; a name with no record of the type
    asked answers NOERROR with no data; an unknown name answers NXDOMAIN."""

    def __init__(self, records: dict[tuple[str, str], list[str]]) -> None:
        self.records = {(name.rstrip(".").lower(), kind): v for (name, kind), v in records.items()}
        self.port = 0
        self._transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = transport  # type: ignore[assignment]  # a datagram transport

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        query = dns.message.from_wire(data)
        response = dns.message.make_response(query)
        question = query.question[0]
        name = question.name.to_text().rstrip(".").lower()
        kind = dns.rdatatype.to_text(question.rdtype)
        if (name, kind) in self.records:
            response.answer.append(
                dns.rrset.from_text_list(question.name, 300, "IN", kind, self.records[(name, kind)])
            )
        elif not any(known == name for known, _ in self.records):
            response.set_rcode(dns.rcode.NXDOMAIN)
        response.flags |= dns.flags.AA
        assert self._transport is not None
        self._transport.sendto(response.to_wire(), addr)

    async def start(self) -> None:
        self.port = free_port()
        loop = asyncio.get_running_loop()
        await loop.create_datagram_endpoint(lambda: self, local_addr=("127.0.0.1", self.port))

    def stop(self) -> None:
        if self._transport is not None:
            self._transport.close()
