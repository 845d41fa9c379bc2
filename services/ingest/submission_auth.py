"""AUTH PLAIN (RFC 4616) and LOGIN for SMTP submission (RFC 4954), checked by the password
login every protocol shares (`shared.runtime.login`: one check, one lockout).

aiosmtpd's own mechanisms call a synchronous authenticator, and checking an Argon2 hash
must not block the event loop; so these replace them (aiosmtpd takes a handler's
`auth_<NAME>` methods as the mechanisms of that name). aiosmtpd answers AUTH in clear
itself (538 5.7.11, as `auth_require_tls` stays on) and never advertises it there.
"""

from __future__ import annotations

import binascii
import logging
from base64 import b64decode

from aiosmtpd.smtp import MISSING, SMTP, AuthResult

from shared.runtime.login import LoginFailed, LoginThrottled, PasswordLogin

log = logging.getLogger(__name__)

PROTOCOL = "submission"
_INVALID = "535 5.7.8 Authentication credentials invalid"


class PasswordAuth:
    """The AUTH mechanisms of a submission handler; a successful one leaves the
    `Account` in `session.auth_data`."""

    def __init__(self, login: PasswordLogin) -> None:
        self._login = login

    async def auth_PLAIN(self, server: SMTP, args: list[str]) -> AuthResult:
        """`AUTH PLAIN [initial-response]`: authzid NUL authcid NUL password, in UTF-8.
        Acting for another user (an authzid that is not the authcid) is not offered."""
        response = await _response(server, args, "")
        if response is None:
            return AuthResult(success=False, handled=True)
        parts = response.split(b"\x00")
        if len(parts) != 3:
            await server.push("501 5.5.2 Malformed PLAIN response")
            return AuthResult(success=False, handled=True)
        authzid, authcid, password = parts
        if authzid and authzid != authcid:
            return AuthResult(success=False, handled=False, message=_INVALID)
        return await self._check(server, authcid, password)

    async def auth_LOGIN(self, server: SMTP, args: list[str]) -> AuthResult:
        """`AUTH LOGIN [user]`, then the password, each base64 in a 334 exchange."""
        user = await _response(server, args, "Username:")
        if user is None:
            return AuthResult(success=False, handled=True)
        password = await server.challenge_auth("Password:")
        if password is MISSING:  # aborted with "*" or not base64: already answered
            return AuthResult(success=False, handled=True)
        assert isinstance(password, bytes)
        return await self._check(server, user, password)

    async def _check(self, server: SMTP, user: bytes, password: bytes) -> AuthResult:
        try:
            address, secret = user.decode("utf-8"), password.decode("utf-8")
        except UnicodeDecodeError:
            return AuthResult(success=False, handled=False, message=_INVALID)
        client = peer_ip(server)
        try:
            account = await self._login.login(address, secret, client, PROTOCOL)
        except LoginThrottled as throttled:
            return AuthResult(
                success=False,
                handled=False,
                message=f"454 4.7.0 Too many failed logins from your address; "
                f"try again in {throttled.retry_after} seconds",
            )
        except LoginFailed:
            return AuthResult(success=False, handled=False, message=_INVALID)
        except Exception:  # the mailbox store unreachable: the client may retry
            log.exception("submission login check failed")
            return AuthResult(
                success=False, handled=False, message="454 4.7.0 Temporary authentication failure"
            )
        log.info("submission login for %s from %s", account.address, client)
        return AuthResult(success=True, auth_data=account)


async def _response(server: SMTP, args: list[str], challenge: str) -> bytes | None:
    """The client's first response: the initial response given with AUTH ("=" is an
    empty one), else the answer to `challenge`. None once the client has been answered
    (aborted, or not base64)."""
    if len(args) > 1:
        if args[1] == "=":
            return b""
        try:
            return b64decode(args[1], validate=True)
        except binascii.Error:
            await server.push("501 5.5.2 Cannot decode base64")
            return None
    answer = await server.challenge_auth(challenge)
    return answer if isinstance(answer, bytes) else None


def peer_ip(server: SMTP) -> str:
    """The client's IP address, as the login throttle and the log know it: the one a
    trusted proxy named, else the peer's."""
    client = getattr(server, "client", None)
    if isinstance(client, str) and client:
        return client
    peer = server.session.peer if server.session is not None else None
    if isinstance(peer, tuple) and peer:
        return str(peer[0])
    return str(peer or "")
