"""Who the client is: its address behind trusted reverse proxies, and the key the login
throttle counts it under.

A proxy's word about the client (`X-Forwarded-For`, the PROXY protocol header) is
believed only when the connection comes from an address in `BUREAU_TRUSTED_PROXIES`:
anyone else could write whatever address they like there.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address

# IPv6 hosts pick new addresses inside their /64 at will (RFC 8981 temporary addresses),
# and any site gets a whole /64: one client is one /64, or every guess could come from
# a fresh address.
IPV6_CLIENT_PREFIX = 64


def parse_address(text: str) -> Address | None:
    """An IP address (IPv4-mapped IPv6 as IPv4; a zone index dropped), None if not one."""
    try:
        address = ipaddress.ip_address(text.strip().split("%", 1)[0])
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


class TrustedProxies:
    """The networks whose connections may tell the client's address."""

    def __init__(self, networks: Iterable[Network] = ()) -> None:
        self.networks = tuple(networks)

    @classmethod
    def parse(cls, text: str) -> TrustedProxies:
        """From a comma-separated list of addresses and CIDR networks; ValueError names
        the first entry that is neither."""
        networks: list[Network] = []
        for item in (part.strip() for part in text.split(",")):
            if not item:
                continue
            try:
                networks.append(ipaddress.ip_network(item, strict=False))
            except ValueError:
                raise ValueError(f"not an IP address or CIDR network: {item!r}") from None
        return cls(networks)

    def __bool__(self) -> bool:
        return bool(self.networks)

    def trusts(self, peer: str) -> bool:
        address = parse_address(peer)
        return address is not None and any(address in network for network in self.networks)

    def forwarded_client(self, peer: str, forwarded_for: Iterable[str]) -> str:
        """The client of an HTTP request from `peer` that carries these
        `X-Forwarded-For` values: the rightmost address no trusted proxy added.

        Each proxy appends the address it received the request from, so only the
        entries right of the first untrusted hop are the proxies' own; whatever is left
        of it the client may have written. An entry that is not an address ends the
        walk at the last hop known good."""
        if not self.trusts(peer):
            return peer
        hops = [hop.strip() for value in forwarded_for for hop in value.split(",")]
        client = peer
        for hop in reversed([hop for hop in hops if hop]):
            address = parse_address(hop)
            if address is None:
                break
            client = str(address)
            if not self.trusts(client):
                break
        return client


def client_key(client: str) -> str:
    """What the login throttle counts a client under: its IPv4 address, or its IPv6 /64."""
    address = parse_address(client)
    if address is None:
        return client.strip().lower() or "unknown"
    if isinstance(address, ipaddress.IPv6Address):
        return str(ipaddress.ip_network(f"{address}/{IPV6_CLIENT_PREFIX}", strict=False))
    return str(address)
