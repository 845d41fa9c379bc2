"""Mail to postmaster (RFC 5321 §4.5.1, §4.1.1.3) over SMTP, through the real stack:
every hosted domain takes it, in any case and without a domain, and it reaches a person."""

from __future__ import annotations

import asyncio
import smtplib

from shared.runtime.passwords import hash_password
from tests.conftest import Stack
from tests.factories import make_raw
from tests.integration.test_outbound import accounts, inbox_subjects
from tests.integration.test_pipeline import eventually


def rcpt(port: int, recipient: str) -> tuple[int, bytes]:
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
        client.ehlo("client.example.net")
        client.mail("reporter@example.net")
        code, text = client.rcpt(recipient)
        if code == 250:
            client.data(make_raw(to=recipient, subject=f"To {recipient}"))
        return code, text


async def test_postmaster_of_each_hosted_domain_reaches_its_first_account(stack: Stack) -> None:
    store = await accounts(stack, "alice@example.test", "bob@example.test")
    try:
        carol = await store.create_account("carol@other.test", hash_password("correct horse"))
        answers = {
            to: await asyncio.to_thread(rcpt, stack.smtp_port, to)
            for to in ("postmaster@example.test", "PostMaster@Other.Test", "Postmaster")
        }
        assert all(code == 250 for code, _ in answers.values()), answers
        unknown = await asyncio.to_thread(rcpt, stack.smtp_port, "postmaster@nowhere.test")
        assert unknown[0] == 550

        async def alice_has_two() -> list[str] | None:
            subjects = await inbox_subjects(store, "alice@example.test")
            return subjects if len(subjects) == 2 else None

        # The platform's first account takes the bare Postmaster.
        assert sorted(await eventually(alice_has_two)) == [
            "To Postmaster", "To postmaster@example.test",
        ]  # fmt: skip
        assert await eventually(lambda: inbox_subjects(store, carol.address)) == [
            "To PostMaster@Other.Test"
        ]
        assert await inbox_subjects(store, "bob@example.test") == []

        # An alias postmaster@ on another account takes over for its domain.
        bob = await store.account_by_address("bob@example.test")
        assert bob is not None
        await store.add_alias(bob.id, "postmaster@example.test")
        assert (await asyncio.to_thread(rcpt, stack.smtp_port, "postmaster@example.test"))[0] == 250
        assert await eventually(lambda: inbox_subjects(store, "bob@example.test")) == [
            "To postmaster@example.test"
        ]
    finally:
        await store.close()
