"""Where mail for a domain goes: its MX hosts by preference (RFC 5321 §5.1), the domain
itself when it has no MX (implicit MX), nowhere when it publishes a null MX (RFC 7505)."""

from __future__ import annotations

import dns.asyncresolver
import dns.exception
import dns.rdatatype
import dns.resolver


class NoMailService(Exception):
    """The domain accepts no mail (null MX, or it does not exist): a permanent failure."""


class LookupFailed(Exception):
    """DNS did not answer: try again later."""


def make_resolver(nameservers: list[str]) -> dns.asyncresolver.Resolver:
    """The system's resolver, or one asking `nameservers` (`ip` or `ip:port`)."""
    if not nameservers:
        return dns.asyncresolver.Resolver()
    resolver = dns.asyncresolver.Resolver(configure=False)
    resolver.nameservers = [ns.rpartition(":")[0] if ":" in ns and "." in ns else ns
                            for ns in nameservers]  # fmt: skip
    ports = {int(ns.rpartition(":")[2]) for ns in nameservers if ":" in ns and "." in ns}
    if ports:
        resolver.port = ports.pop()
    resolver.lifetime = 10.0
    return resolver


async def mail_hosts(domain: str, resolver: dns.asyncresolver.Resolver) -> list[str]:
    try:
        answer = await resolver.resolve(domain, dns.rdatatype.MX)
    except dns.resolver.NXDOMAIN as exc:
        raise NoMailService(f"domain {domain} does not exist") from exc
    except dns.resolver.NoAnswer:
        return [domain]
    except (dns.exception.Timeout, dns.resolver.NoNameservers) as exc:
        raise LookupFailed(f"MX lookup for {domain} failed: {exc}") from exc
    records = sorted(answer, key=lambda r: (r.preference, str(r.exchange)))
    hosts = [str(r.exchange).rstrip(".") for r in records]
    if hosts == [""]:
        raise NoMailService(f"{domain} accepts no mail (null MX, RFC 7505)")
    return [h for h in hosts if h]
