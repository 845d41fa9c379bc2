"""The base models, errors, session and health models of the HTTP API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, StringConstraints


class Schema(BaseModel):
    # `from` is a Python keyword: such fields are named `sender` and written as `from`.
    model_config = ConfigDict(serialize_by_alias=True)


class Request(Schema):
    """A request body: unknown fields are refused, so a misspelt one is never ignored."""

    model_config = ConfigDict(extra="forbid")


# --- requests -------------------------------------------------------------------------
class LoginRequest(Schema):
    address: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=320)]
    password: SecretStr = Field(min_length=1, max_length=1024)


# --- responses ------------------------------------------------------------------------
class ErrorBody(Schema):
    code: str
    message: str
    position: int | None = Field(
        default=None,
        description="invalid_query only: where the syntax error starts (0: first character)",
    )


class ErrorResponse(Schema):
    error: ErrorBody


class Health(Schema):
    status: Literal["ok"]


class SessionToken(Schema):
    token: str
    token_type: Literal["Bearer"] = "Bearer"
    expires_at: datetime
