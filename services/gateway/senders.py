"""The identity a message goes out from (F5), under the rule of `shared.workflows.senders` on which
addresses an account may send as."""

from __future__ import annotations

from services.gateway.errors import ApiError, not_found
from services.gateway.text_html import render_text
from shared.mail.html_text import html_to_text
from shared.model import Account, Identity, Preferences
from shared.ports import NotFound
from shared.ports.uses import GatewayMailbox
from shared.workflows.senders import may_send_as

# The largest message Bureau sends, attachments included (ingest announces the same SIZE
# for mail received); also what one upload request may carry in all, as its files could
# never go out together otherwise.
MAX_MESSAGE = 50 * 1024 * 1024


def sender_not_allowed(address: str) -> ApiError:
    return ApiError(403, "sender_not_allowed", f"this account may not send as {address}")


def default_identity(
    account: Account, identities: list[Identity], preferences: Preferences
) -> Identity:
    """The identity new messages start from: the one chosen in the preferences if it still
    exists, else the one of the account's own address, else the oldest."""
    by_id = {identity.id: identity for identity in identities}
    chosen = preferences.default_identity_id
    if chosen is not None and chosen in by_id:
        return by_id[chosen]
    own = account.address.lower()
    return next((i for i in identities if i.address == own), identities[0])


async def sending_identity(
    mailbox: GatewayMailbox, account: Account, identity_id: str | None
) -> Identity:
    """The identity a message is sent from: the one named (404 `not_found` if it is not
    the account's), or the default one when None. 403 `sender_not_allowed` if its address
    may no longer be used."""
    if identity_id is None:
        identities = await mailbox.identities(account.id)
        if not identities:  # the store keeps at least one; never guess an address
            raise not_found()
        identity = default_identity(account, identities, await mailbox.preferences(account.id))
    else:
        try:
            identity = await mailbox.identity(account.id, identity_id)
        except NotFound:
            raise not_found() from None
        if identity.account_id != account.id:
            raise not_found()
    if not await may_send_as(mailbox, account, identity.address):
        raise sender_not_allowed(identity.address)
    return identity


def signatures(identity: Identity) -> tuple[str, str]:
    """The identity's signature for a text body and for an HTML body. When only one of the
    two is set, the other is made from it: the text one as escaped HTML, the HTML one as
    its text."""
    text, markup = identity.signature_text, identity.signature_html
    if markup.strip() and not text.strip():
        text = html_to_text(markup)
    elif text.strip() and not markup.strip():
        markup = render_text(text)
    return text, markup
