"""SMS and fax through an HTTP provider: one JSON request per message to a configured
endpoint.

The payload is a JSON template whose string values may hold the placeholders `{number}`
(E.164), `{text}` (the SMS text, its parts joined: providers split it again themselves),
`{reference}` and `{pdf_base64}` (the fax document). The template is parsed as JSON when
the settings are read and the values are substituted inside the parsed strings, so a text
with quotes or newlines can never break or inject into the payload. A string that is
exactly `"{parts}"` becomes the JSON list of the SMS parts, for providers that want them.

Answers: 2xx → a receipt (with the provider's id read at `id_key`, a dotted path in the
JSON answer, when there is one); 5xx, timeouts and connection errors → temporary; 4xx →
permanent, except the codes in `temporary_statuses` (by default 401, 408, 425, 429:
our credentials or the provider's throttling, not the recipient's fault — bouncing every
message while a token is renewed would be worse than retrying). Any other code (a 3xx:
redirects are not followed, a POST must not be replayed elsewhere) → temporary.
Credentials are `SecretStr` and are never logged nor put in an error message; the endpoint
is shown without its query string (some providers put a key there).
"""

from __future__ import annotations

import base64
import json
import logging
import re
from collections.abc import Mapping
from types import TracebackType
from typing import Any, Literal

import aiohttp
from pydantic import BaseModel, Field, SecretStr, field_validator, model_validator
from yarl import URL

from shared.ports.channels import (
    ChannelPermanentError,
    ChannelReceipt,
    ChannelTemporaryError,
)

log = logging.getLogger(__name__)

PLACEHOLDERS = frozenset({"number", "text", "reference", "pdf_base64", "parts"})
_PLACEHOLDER = re.compile(r"\{(\w+)\}")

DEFAULT_SMS_TEMPLATE = '{"to": "{number}", "text": "{text}", "reference": "{reference}"}'
DEFAULT_FAX_TEMPLATE = (
    '{"to": "{number}", "document": "{pdf_base64}", "content_type": "application/pdf",'
    ' "reference": "{reference}"}'
)


def _check_template(template: str) -> str:
    try:
        parsed = json.loads(template)
    except json.JSONDecodeError as exc:
        raise ValueError(f"the payload template is not JSON: {exc}") from exc
    unknown = sorted(_names(parsed) - PLACEHOLDERS)
    if unknown:
        raise ValueError(
            f"unknown placeholder(s) {', '.join('{' + n + '}' for n in unknown)} in the payload"
            f" template; known: {', '.join('{' + n + '}' for n in sorted(PLACEHOLDERS))}"
        )
    return template


def _names(value: Any) -> set[str]:
    if isinstance(value, str):
        return set(_PLACEHOLDER.findall(value))
    if isinstance(value, dict):
        return set().union(*(_names(k) | _names(v) for k, v in value.items()))
    if isinstance(value, list):
        return set().union(*(_names(v) for v in value))
    return set()


def render_payload(template: str, values: Mapping[str, str], parts: list[str]) -> Any:
    """The JSON value of `template` with its placeholders replaced by `values`."""

    def fill(value: Any) -> Any:
        if isinstance(value, str):
            if value == "{parts}":
                return list(parts)
            return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), value)
        if isinstance(value, dict):
            return {fill(k): fill(v) for k, v in value.items()}
        if isinstance(value, list):
            return [fill(v) for v in value]
        return value

    return fill(json.loads(template))


class HttpProviderSettings(BaseModel):
    """How to reach the provider. Either `bearer_token`, or `username` and `password`
    (HTTP basic), or neither (a key in the template or the URL)."""

    endpoint: str = Field(description="URL the SMS are POSTed to")
    fax_endpoint: str | None = Field(default=None, description="URL for faxes; default endpoint")
    method: Literal["POST", "PUT"] = "POST"
    bearer_token: SecretStr | None = None
    username: str | None = None
    password: SecretStr | None = None
    sms_template: str = DEFAULT_SMS_TEMPLATE
    fax_template: str = DEFAULT_FAX_TEMPLATE
    id_key: str | None = Field(
        default="id", description="dotted path of the provider's message id in its answer"
    )
    timeout: float = Field(default=30.0, gt=0, description="seconds for the whole request")
    temporary_statuses: frozenset[int] = frozenset({401, 408, 425, 429})

    @field_validator("endpoint", "fax_endpoint")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None:
            url = URL(value)
            if url.scheme not in ("http", "https") or not url.host:
                raise ValueError(f"expected an http(s) URL, got {_shown(value)!r}")
        return value

    @field_validator("sms_template", "fax_template")
    @classmethod
    def _template(cls, value: str) -> str:
        return _check_template(value)

    @model_validator(mode="after")
    def _credentials(self) -> HttpProviderSettings:
        if self.bearer_token is not None and (self.username or self.password):
            raise ValueError("give either bearer_token or username/password, not both")
        if (self.username is None) != (self.password is None):
            raise ValueError("basic authentication needs both username and password")
        if self.username is not None and ":" in self.username:
            raise ValueError("a basic authentication username cannot contain ':'")
        return self


def _shown(url: str) -> str:
    """The URL without credentials nor query string, for logs and messages."""
    try:
        u = URL(url)
        return str(u.with_user(None).with_query(None).with_fragment(None))
    except (ValueError, TypeError):
        return "<invalid URL>"


def _lookup(answer: Any, path: str) -> str | None:
    value = answer
    for key in path.split("."):
        if isinstance(value, dict) and key in value:
            value = value[key]
        elif isinstance(value, list) and key.isdigit() and int(key) < len(value):
            value = value[int(key)]
        else:
            return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    return str(value)


class HttpProviderChannel:
    """The `Channel` port over an HTTP provider. Use as an async context manager, or call
    `close()`; a session passed in is left open for its owner."""

    def __init__(
        self, settings: HttpProviderSettings, *, session: aiohttp.ClientSession | None = None
    ) -> None:
        self._settings = settings
        self._session = session
        self._owns_session = session is None

    async def __aenter__(self) -> HttpProviderChannel:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        if self._owns_session and self._session is not None:
            await self._session.close()
            self._session = None

    def _headers(self) -> dict[str, str]:
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        s = self._settings
        if s.bearer_token is not None:
            headers["Authorization"] = "Bearer " + s.bearer_token.get_secret_value()
        elif s.username is not None and s.password is not None:
            pair = f"{s.username}:{s.password.get_secret_value()}".encode()
            headers["Authorization"] = "Basic " + base64.b64encode(pair).decode("ascii")
        return headers

    async def send_sms(self, number: str, parts: list[str], *, reference: str) -> ChannelReceipt:
        values = {
            "number": number,
            "text": "".join(parts),
            "reference": reference,
            "pdf_base64": "",
        }
        payload = render_payload(self._settings.sms_template, values, parts)
        return await self._send("sms", self._settings.endpoint, payload, reference)

    async def send_fax(self, number: str, pdf: bytes, *, reference: str) -> ChannelReceipt:
        values = {
            "number": number,
            "text": "",
            "reference": reference,
            "pdf_base64": base64.b64encode(pdf).decode("ascii"),
        }
        payload = render_payload(self._settings.fax_template, values, [])
        endpoint = self._settings.fax_endpoint or self._settings.endpoint
        return await self._send("fax", endpoint, payload, reference)

    async def _send(self, kind: str, endpoint: str, payload: Any, reference: str) -> ChannelReceipt:
        s = self._settings
        where = _shown(endpoint)
        if self._session is None:
            self._session = aiohttp.ClientSession()
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        try:
            async with self._session.request(
                s.method,
                endpoint,
                data=body,
                headers=self._headers(),
                timeout=aiohttp.ClientTimeout(total=s.timeout),
                allow_redirects=False,
            ) as response:
                status = response.status
                text = await response.text(errors="replace")
        except TimeoutError as exc:
            raise ChannelTemporaryError(
                f"{kind} provider {where}: no answer within {s.timeout:g} s"
            ) from exc
        except aiohttp.ClientError as exc:
            # The exception's text names host and port only, never the headers.
            raise ChannelTemporaryError(
                f"{kind} provider {where}: {type(exc).__name__}: {exc}"
            ) from exc
        if 200 <= status < 300:
            provider_id = None
            if s.id_key:
                try:
                    provider_id = _lookup(json.loads(text), s.id_key)
                except ValueError:
                    provider_id = None
            log.info(
                "%s accepted by %s: reference %s, provider id %s",
                kind,
                where,
                reference,
                provider_id,
            )
            return ChannelReceipt(reference=reference, provider_id=provider_id)
        detail = " ".join(text.split())[:300]
        message = f"{kind} provider {where} answered {status}" + (f": {detail}" if detail else "")
        log.warning("%s reference %s: %s", kind, reference, message)
        if 400 <= status < 500 and status not in s.temporary_statuses:
            raise ChannelPermanentError(message, status=status)
        raise ChannelTemporaryError(message, status=status)


__all__ = [
    "DEFAULT_FAX_TEMPLATE",
    "DEFAULT_SMS_TEMPLATE",
    "HttpProviderChannel",
    "HttpProviderSettings",
    "render_payload",
]
