"""The client behind trusted proxies (X-Forwarded-For), the BUREAU_TRUSTED_PROXIES
setting, and the key the login throttle counts a client under."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from shared.runtime.clients import TrustedProxies, client_key
from shared.settings import CommonSettings

PROXIES = TrustedProxies.parse("10.0.0.0/8, 192.0.2.1 ,2001:db8::/32")


def test_the_setting_lists_addresses_and_networks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BUREAU_TRUSTED_PROXIES", "10.1.0.0/16,192.0.2.1")
    proxies = CommonSettings().proxies
    assert proxies.trusts("10.1.2.3") and proxies.trusts("192.0.2.1")
    assert not proxies.trusts("10.2.0.1") and not proxies.trusts("192.0.2.2")
    assert proxies.trusts("::ffff:10.1.2.3")  # an IPv4 peer on a dual-stack socket
    assert not CommonSettings(trusted_proxies="").proxies


def test_a_bad_entry_is_refused_by_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BUREAU_TRUSTED_PROXIES", "10.0.0.0/8,proxy.example")
    with pytest.raises(ValidationError, match=r"proxy\.example"):
        CommonSettings()


@pytest.mark.parametrize(
    ("peer", "forwarded", "client"),
    [
        # Not from a trusted proxy: the header is whatever the client wrote.
        ("198.51.100.1", ["203.0.113.9"], "198.51.100.1"),
        # One trusted proxy: the address it appended.
        ("10.0.0.5", ["203.0.113.9"], "203.0.113.9"),
        # A forged entry left of the real one is not believed.
        ("10.0.0.5", ["1.2.3.4, 203.0.113.9"], "203.0.113.9"),
        # Two proxies, trusted both: the first untrusted from the right.
        ("10.0.0.5", ["1.2.3.4, 203.0.113.9, 10.9.9.9"], "203.0.113.9"),
        ("10.0.0.5", ["1.2.3.4", "203.0.113.9, 192.0.2.1"], "203.0.113.9"),  # two headers
        # Only proxies: the farthest one.
        ("10.0.0.5", ["10.1.1.1, 10.2.2.2"], "10.1.1.1"),
        # No header, or an empty one: the proxy itself.
        ("10.0.0.5", [], "10.0.0.5"),
        ("10.0.0.5", [" , "], "10.0.0.5"),
        # Garbage stops the walk at the last good hop.
        ("10.0.0.5", ["203.0.113.9, unknown"], "10.0.0.5"),
        ("10.0.0.5", ["garbage, 203.0.113.9"], "203.0.113.9"),
        ("2001:db8::1", ["2001:db8:ffff::2, 2a00::1"], "2a00::1"),
    ],
)
def test_forwarded_client_is_the_rightmost_untrusted_hop(
    peer: str, forwarded: list[str], client: str
) -> None:
    assert PROXIES.forwarded_client(peer, forwarded) == client


def test_client_keys() -> None:
    assert client_key("192.0.2.1") == "192.0.2.1"
    assert client_key("::ffff:192.0.2.1") == "192.0.2.1"
    assert client_key("2001:db8:1:2:3:4:5:6") == "2001:db8:1:2::/64"
    assert client_key("fe80::1%eth0") == "fe80::/64"
    assert client_key("unknown") == "unknown"
