"""Who is calling: login with address and password, then a bearer token (or HTTP Basic).

Wrong address and wrong password get the same answer after comparable work: an unknown
address is checked against a dummy Argon2 hash. Secrets are never logged.
"""

from __future__ import annotations

import hmac
import logging
import secrets

from aiohttp import BasicAuth, web

from services.gateway.errors import ApiError
from services.gateway.ratelimit import LoginLimiter
from services.gateway.tokens import SessionTokens
from shared.model import Account
from shared.passwords import check_password_async, hash_password_async
from shared.ports import MailboxStore

log = logging.getLogger("bureau.gateway.auth")

_BAD_LOGIN = "wrong address or password"
# A hash of a random, forgotten password: checked when the address is unknown, so both
# failures cost one Argon2 verification. Not a secret; made once per process.
_dummy_hash: str | None = None


def unauthorized(message: str, challenge: str = "Bearer") -> ApiError:
    return ApiError(401, "unauthorized", message, {"WWW-Authenticate": challenge})


class Authenticator:
    def __init__(self, mailbox: MailboxStore, tokens: SessionTokens, limiter: LoginLimiter) -> None:
        self.tokens = tokens
        self._mailbox = mailbox
        self._limiter = limiter

    async def login(self, address: str, password: str, client: str) -> Account:
        """The account these credentials open; 401 if none, 429 after too many failures."""
        key = (address.strip().lower(), client)
        wait = self._limiter.retry_after(key)
        if wait is not None:
            raise ApiError(
                429,
                "rate_limited",
                "too many failed logins; try again later",
                {"Retry-After": str(wait)},
            )
        account = await self._mailbox.account_by_address(address.strip())
        if account is None:
            await check_password_async(await _dummy(), password)
        elif await check_password_async(account.password_hash, password):
            self._limiter.succeeded(key)
            return account
        self._limiter.failed(key)
        log.info("failed login for %r from %s", key[0], client)
        raise unauthorized(_BAD_LOGIN)

    async def authenticate(self, request: web.Request) -> Account:
        """The account of a request's `Authorization` header (Bearer or Basic)."""
        scheme, _, value = request.headers.get("Authorization", "").partition(" ")
        scheme = scheme.lower()
        if scheme == "bearer":
            return await self._bearer(value.strip())
        if scheme == "basic":
            try:
                basic = BasicAuth.decode(f"Basic {value.strip()}", encoding="utf-8")
            except ValueError:
                raise unauthorized("malformed Basic credentials") from None
            return await self.login(basic.login, basic.password, client_of(request))
        raise unauthorized("credentials required")

    async def _bearer(self, token: str) -> Account:
        claims = self.tokens.verify(token)
        account = await self._mailbox.account(claims.account_id) if claims else None
        if (
            claims is None
            or account is None
            or not hmac.compare_digest(claims.fingerprint, self.tokens.fingerprint(account))
        ):
            raise unauthorized("invalid or expired token", 'Bearer error="invalid_token"')
        return account

    async def prepare(self) -> None:
        """Make the dummy hash now, so the first unknown address costs no extra hashing."""
        await _dummy()


async def _dummy() -> str:
    global _dummy_hash
    if _dummy_hash is None:
        _dummy_hash = await hash_password_async(secrets.token_urlsafe(16))
    return _dummy_hash


def client_of(request: web.Request) -> str:
    """The peer address; proxies' X-Forwarded-For is not trusted (yet)."""
    return request.remote or "unknown"
