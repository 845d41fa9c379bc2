"""Stateless session tokens: HMAC-SHA256 over (account id, expiry, password fingerprint).

Any gateway replica holding the same secret can check a token without shared state.
The fingerprint of the account's password hash makes a password change end every
session issued before it; rotating the secret ends all of them.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import time
from collections.abc import Callable
from dataclasses import dataclass

from shared.model import Account

_DOMAIN = b"bureau.session.v1."


@dataclass(frozen=True)
class Claims:
    account_id: str
    expires: int  # Unix time, seconds
    fingerprint: str


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class SessionTokens:
    """Issues and checks bearer tokens of the form `payload.signature` (base64url)."""

    def __init__(self, secret: bytes, ttl: int, *, clock: Callable[[], float] = time.time) -> None:
        if len(secret) < 16:
            raise ValueError("the token secret must be at least 16 bytes")
        if ttl <= 0:
            raise ValueError("token_ttl must be positive")
        self._secret = secret
        self._ttl = ttl
        self._clock = clock

    def issue(self, account: Account) -> tuple[str, int]:
        """A token for `account` and its expiry (Unix time)."""
        expires = int(self._clock()) + self._ttl
        claims = {"sub": account.id, "exp": expires, "pwf": self.fingerprint(account)}
        payload = _b64(json.dumps(claims, separators=(",", ":")).encode())
        return f"{payload}.{self._sign(payload)}", expires

    def verify(self, token: str) -> Claims | None:
        """The claims of a well-signed, unexpired token, else None."""
        payload, dot, signature = token.partition(".")
        if not dot or not token.isascii():
            return None
        if not hmac.compare_digest(signature.encode(), self._sign(payload).encode()):
            return None
        try:
            data = json.loads(_unb64(payload))
        except (ValueError, binascii.Error):
            return None
        if not isinstance(data, dict):
            return None
        sub, exp, pwf = data.get("sub"), data.get("exp"), data.get("pwf")
        if not (isinstance(sub, str) and isinstance(exp, int) and isinstance(pwf, str)):
            return None
        if exp <= self._clock():
            return None
        return Claims(account_id=sub, expires=exp, fingerprint=pwf)

    def fingerprint(self, account: Account) -> str:
        """Short keyed digest of the password hash (never the hash itself)."""
        digest = hmac.new(self._secret, b"pwf." + account.password_hash.encode(), hashlib.sha256)
        return _b64(digest.digest()[:12])

    def _sign(self, payload: str) -> str:
        return _b64(hmac.new(self._secret, _DOMAIN + payload.encode(), hashlib.sha256).digest())
