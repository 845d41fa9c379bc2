"""Profile and vCard (F22), sender identities and signatures (F5, F21), uploads."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, Field

from services.gateway.schemas.core import Request, Schema
from shared.mail.addresses import InvalidAddress, normalize
from shared.model import IdentityFields, Phone, PostalAddress, Profile


def _address(value: str) -> str:
    try:
        return normalize(value)
    except InvalidAddress:
        raise ValueError("not an e-mail address") from None  # the input is not echoed


def _blank_is_none(value: object) -> object:
    return None if isinstance(value, str) and not value.strip() else value


EmailAddress = Annotated[
    str,
    Field(max_length=320),
    AfterValidator(_address),
    Field(description="an addr-spec, stored lower-cased", examples=["alice@example.com"]),
]


# --- profile ------------------------------------------------------------------------------
class PhoneIn(Phone, Request):
    pass


class PostalAddressIn(PostalAddress, Request):
    pass


class ProfileIn(Profile, Request):
    """The whole profile: fields left out are emptied. Unknown fields are refused at every
    level (hence the nested models), e-mail addresses checked and lower-cased."""

    emails: list[EmailAddress] = Field(default_factory=list, max_length=20)
    # Narrower than Profile's lists (their items are Phone and PostalAddress subclasses).
    phones: list[PhoneIn] = Field(default_factory=list, max_length=20)  # type: ignore[assignment]
    addresses: list[PostalAddressIn] = Field(  # type: ignore[assignment]
        default_factory=list, max_length=10
    )


# --- identities ---------------------------------------------------------------------------
class IdentityIn(IdentityFields, Request):
    """Every field of an identity (PUT replaces them all)."""

    address: EmailAddress = Field(
        description="must be the account's address, one of its aliases or, if the account "
        "may use outside senders, an address of a domain Bureau does not host (else 403)"
    )
    reply_to: Annotated[EmailAddress | None, BeforeValidator(_blank_is_none)] = None
    signature_html: str = Field(
        default="", max_length=100_000, description="sanitised before it is stored"
    )


class IdentityOut(Schema):
    id: str
    address: str
    name: str
    reply_to: str | None
    signature_text: str
    signature_html: str
    signature_auto: bool = Field(description="inserted into new messages, replies, forwards")
    default: bool = Field(description="the identity new messages start from")


class IdentityList(Schema):
    identities: list[IdentityOut]
    default_id: str


class SendableAddresses(Schema):
    addresses: list[str] = Field(description="the account's own address, then its aliases")
    external_allowed: bool = Field(
        description="whether identities may also use addresses of domains Bureau does not host"
    )


# --- signatures -----------------------------------------------------------------------------
class SignatureRequest(Request):
    identity_id: str | None = Field(default=None, description="null: the default identity")
    text: str | None = Field(default=None, description="the text body, if there is one")
    html: str | None = Field(default=None, description="the HTML body, if there is one")
    position: int | None = Field(
        default=None, ge=0, description="character offset in the text body (null: the end)"
    )


class SignatureOut(Schema):
    text: str | None
    html: str | None


# --- uploads ------------------------------------------------------------------------------
class UploadOut(Schema):
    id: str
    filename: str
    content_type: str
    size: int
    created_at: datetime


class UploadList(Schema):
    uploads: list[UploadOut]
