"""Who is calling: login with address and password, then a bearer token (or HTTP Basic).

Passwords are checked and failures throttled by `shared.runtime.login`, as for the mail
protocols. The client a login is counted for is the peer, or, from a trusted proxy, the
address its `X-Forwarded-For` names. Secrets are never logged.
"""

from __future__ import annotations

import hmac
import logging

from aiohttp import BasicAuth, web

from services.gateway.errors import ApiError
from services.gateway.tokens import SessionTokens
from shared.model import Account
from shared.ports.directory import Directory
from shared.runtime.clients import TrustedProxies
from shared.runtime.login import LoginFailed, LoginMetrics, LoginThrottled, PasswordLogin
from shared.runtime.ratelimit import LoginThrottle

log = logging.getLogger("bureau.gateway.auth")

_BAD_LOGIN = "wrong address or password"

# The reverse proxies whose X-Forwarded-For is believed (none unless configured).
PROXIES = web.AppKey("trusted_proxies", TrustedProxies)


def unauthorized(message: str, challenge: str = "Bearer") -> ApiError:
    return ApiError(401, "unauthorized", message, {"WWW-Authenticate": challenge})


class Authenticator:
    def __init__(
        self,
        mailbox: Directory,
        tokens: SessionTokens,
        throttle: LoginThrottle | None = None,
        metrics: LoginMetrics | None = None,
    ) -> None:
        self.tokens = tokens
        self._mailbox = mailbox
        self._passwords = PasswordLogin(mailbox, throttle, metrics)

    async def login(self, address: str, password: str, client: str) -> Account:
        """The account these credentials open; 401 if none, 429 after too many failures."""
        try:
            return await self._passwords.login(address, password, client, "HTTP")
        except LoginThrottled as exc:
            raise ApiError(
                429,
                "rate_limited",
                "too many failed logins; try again later",
                {"Retry-After": str(exc.retry_after)},
            ) from None
        except LoginFailed:
            raise unauthorized(_BAD_LOGIN) from None

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
        await self._passwords.prepare()


def client_of(request: web.Request) -> str:
    """The client's address: the peer's, or, when the peer is a trusted proxy, the
    rightmost address of `X-Forwarded-For` that no trusted proxy added."""
    peer = request.remote or "unknown"
    proxies = request.app.get(PROXIES)
    if not proxies:
        return peer
    return proxies.forwarded_client(peer, request.headers.getall("X-Forwarded-For", []))
