"""Read receipts across the web and desktop clients (F48, RFC 3503 `$MDNSent`): whichever
client settles a receipt first, the other does not send one again."""

from __future__ import annotations

import asyncio

import pytest

from shared.model import Account, FolderRole, MessageSummary
from tests.factories import make_raw
from tests.integration.imap_support import (  # noqa: F401 - imap_stack_fixture: a fixture
    ImapStack,
    http_as,
    imap_stack_fixture,
)
from tests.integration.test_pipeline import eventually, send

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def asking(imap: ImapStack, account: Account, subject: str) -> MessageSummary:
    """A message that asks for a read receipt, received over SMTP."""
    raw = make_raw(to=account.address, subject=subject).replace(
        b"\nSubject:", b"\nDisposition-Notification-To: bob@example.net\nSubject:", 1
    )
    await asyncio.to_thread(send, imap.stack.smtp_port, raw, [account.address])
    inbox = await imap.store.folder_by_role(account.id, FolderRole.INBOX)

    async def arrived() -> MessageSummary | None:
        items = (await imap.store.messages(account.id, inbox.id)).items
        return next((m for m in items if m.subject == subject), None)

    message = await eventually(arrived)
    assert message.receipt == "pending"
    return message


async def test_a_desktop_client_marking_mdnsent_settles_the_receipt(
    imap_stack: ImapStack,
) -> None:
    account = await imap_stack.account()
    message = await asking(imap_stack, account, "Please confirm")
    client = await imap_stack.login(account)
    await client.ok("SELECT INBOX")
    await client.ok(f"UID STORE {message.uid} +FLAGS ($MDNSent)")

    async with http_as(imap_stack, account) as http:
        resp = await http.get("/api/v1/receipts")
        assert (await resp.json())["receipts"] == []
        resp = await http.post(f"/api/v1/receipts/{message.id}/send")
        assert resp.status == 409  # the client took care of it: the web never sends one
    assert (await imap_stack.store.message(account.id, message.id)).receipt == "dismissed"


async def test_a_receipt_settled_on_the_web_shows_as_mdnsent_to_desktop_clients(
    imap_stack: ImapStack,
) -> None:
    account = await imap_stack.account()
    dismissed = await asking(imap_stack, account, "Dismiss me")
    sent = await asking(imap_stack, account, "Send me one")
    untouched = await asking(imap_stack, account, "Still pending")
    async with http_as(imap_stack, account) as http:
        assert (await http.post(f"/api/v1/receipts/{dismissed.id}/dismiss")).status == 204
        assert (await http.post(f"/api/v1/receipts/{sent.id}/send")).status == 202

    client = await imap_stack.login(account)
    await client.ok("SELECT INBOX")
    for message, marked in ((dismissed, True), (sent, True), (untouched, False)):
        fetched = await client.ok(f"UID FETCH {message.uid} (FLAGS)")
        (line,) = fetched.untagged
        assert (b"$MDNSent" in line) is marked, line
