"""Real IMAP client programs against the server: Python's imaplib and IMAPClient, and
mbsync (isync) syncing a whole account both ways with a Maildir."""

from __future__ import annotations

import asyncio
import imaplib
import shutil
from pathlib import Path

import imapclient
import pytest

from shared.model import Account, FolderRole
from tests.factories import make_raw
from tests.integration.imap_support import (  # noqa: F401 - imap_stack_fixture: a fixture
    PASSWORD,
    ImapStack,
    client_context,
    imap_stack_fixture,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def test_imaplib_over_implicit_tls(imap_stack: ImapStack) -> None:
    account = await imap_stack.account()
    raw = make_raw(to=account.address, subject="Through imaplib")

    def conversation() -> None:
        client = imaplib.IMAP4_SSL("127.0.0.1", imap_stack.imaps_port, ssl_context=client_context())
        try:
            assert client.login(account.address, PASSWORD)[0] == "OK"
            status, folders = client.list()
            assert status == "OK" and any(b"\\Sent" in f for f in folders if isinstance(f, bytes))
            assert client.append("INBOX", "(\\Flagged)", None, raw)[0] == "OK"
            status, data = client.select("INBOX")
            assert (status, data) == ("OK", [b"1"])
            status, found = client.uid("SEARCH", "FLAGGED")
            assert found == [b"1"]
            status, fetched = client.fetch("1", "(RFC822)")
            assert status == "OK" and isinstance(fetched[0], tuple) and fetched[0][1] == raw
            assert client.store("1", "+FLAGS", "\\Deleted")[0] == "OK"
            assert client.expunge() == ("OK", [b"1"])
        finally:
            client.logout()

    await asyncio.to_thread(conversation)


async def test_imapclient_with_starttls(imap_stack: ImapStack) -> None:
    account = await imap_stack.account()

    def conversation() -> None:
        client = imapclient.IMAPClient("127.0.0.1", port=imap_stack.imap_port, ssl=False)
        try:
            client.starttls(client_context())
            client.login(account.address, PASSWORD)
            assert client.find_special_folder(imapclient.imapclient.SENT) == "Sent"
            assert client.find_special_folder(imapclient.imapclient.JUNK) == "Spam"
            client.create_folder("Clients/ACME")
            assert client.folder_exists("Clients/ACME")
            client.append(
                "Clients/ACME", make_raw(subject="Order 1"), flags=[imapclient.imapclient.SEEN]
            )
            client.append("Clients/ACME", make_raw(subject="Order 2"))
            status = client.folder_status("Clients/ACME", [b"MESSAGES", b"UNSEEN"])
            assert status == {b"MESSAGES": 2, b"UNSEEN": 1}
            client.select_folder("Clients/ACME")
            unseen = client.search(["UNSEEN"])
            assert unseen == [2]
            data = client.fetch(unseen, ["ENVELOPE", "FLAGS"])
            assert data[2][b"ENVELOPE"].subject == b"Order 2" and data[2][b"FLAGS"] == ()
            client.add_flags([1], [imapclient.imapclient.FLAGGED])
            assert client.get_flags([1]) == {1: (b"\\Seen", b"\\Flagged")} or client.get_flags(
                [1]
            ) == {1: (b"\\Flagged", b"\\Seen")}
            client.move([2], "INBOX")
            assert client.search(["ALL"]) == [1]
            client.rename_folder("Clients/ACME", "Clients/ACME Corp")
            assert client.folder_exists("Clients/ACME Corp")
            _, quotas = client.get_quota_root("INBOX")
            assert quotas == []  # no plan, no limit
        finally:
            client.logout()

    await asyncio.to_thread(conversation)
    inbox = await imap_stack.store.folder_by_role(account.id, FolderRole.INBOX)
    assert [m.subject for m in (await imap_stack.store.messages(account.id, inbox.id)).items] == [
        "Order 2"
    ]


# --- mbsync -------------------------------------------------------------------------------

MBSYNC = shutil.which("mbsync")


def mbsyncrc(imap: ImapStack, account: Account, maildir: Path, *, tls: bool) -> str:
    security = (
        f"Port {imap.imaps_port}\nSSLType IMAPS\nCertificateFile {imap.cert}\n"
        if tls
        else f"Port {imap.imap_port}\nSSLType None\n"
    )
    return (
        f"IMAPAccount bureau\nHost 127.0.0.1\n{security}"
        f'User {account.address}\nPass "{PASSWORD}"\nAuthMechs PLAIN\n\n'
        "IMAPStore remote\nAccount bureau\n\n"
        f"MaildirStore local\nPath {maildir}/\nInbox {maildir}/INBOX\nSubFolders Verbatim\n\n"
        "Channel mail\nFar :remote:\nNear :local:\nPatterns *\nCreate Both\n"
        "Expunge Both\nSyncState *\n"
    )


async def mbsync(config: Path) -> str:
    process = await asyncio.create_subprocess_exec(
        MBSYNC or "mbsync", "-c", str(config), "-a",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    out, _ = await asyncio.wait_for(process.communicate(), 60)
    text = out.decode(errors="replace")
    assert process.returncode == 0, text
    return text


def local_messages(folder: Path) -> dict[str, str]:
    """Subject → Maildir flag letters of the messages of a Maildir folder."""
    out: dict[str, str] = {}
    for sub in ("cur", "new"):
        for path in (folder / sub).glob("*"):
            subject = next(
                line.split(b":", 1)[1].strip().decode()
                for line in path.read_bytes().splitlines()
                if line.lower().startswith(b"subject:")
            )
            out[subject] = path.name.partition(":2,")[2]
    return out


@pytest.mark.skipif(MBSYNC is None, reason="mbsync (Debian package isync) is not installed")
@pytest.mark.parametrize("tls", [True, False], ids=["imaps", "plain-loopback"])
async def test_mbsync_syncs_an_account_both_ways(
    imap_stack: ImapStack, tmp_path: Path, tls: bool
) -> None:
    account = await imap_stack.account("sync")
    setup = await imap_stack.login(account)
    await setup.append("INBOX", make_raw(subject="Read one"), "\\Seen")
    await setup.append("INBOX", make_raw(subject="Unread one"))
    await setup.append("INBOX", make_raw(subject="Doomed"))
    await setup.ok('CREATE "Projects/2026"')
    await setup.append("Projects/2026", make_raw(subject="Plan"), "\\Flagged")
    await setup.append("Sent", make_raw(subject="Sent one"), "\\Seen")

    maildir = tmp_path / "mail"
    maildir.mkdir()
    config = tmp_path / "mbsyncrc"
    config.write_text(mbsyncrc(imap_stack, account, maildir, tls=tls))
    await mbsync(config)
    assert local_messages(maildir / "INBOX") == {"Read one": "S", "Unread one": "", "Doomed": ""}
    assert local_messages(maildir / "Projects" / "2026") == {"Plan": "F"}
    assert local_messages(maildir / "Sent") == {"Sent one": "S"}
    assert (maildir / "Trash").is_dir() and (maildir / "Spam").is_dir()

    # Local changes: flag one, delete one, a new message, a new folder with mail.
    inbox = maildir / "INBOX"
    for path in [*(inbox / "cur").glob("*"), *(inbox / "new").glob("*")]:
        text = path.read_bytes()
        if b"Subject: Unread one" in text:
            path.rename(inbox / "cur" / (path.name.partition(":2,")[0] + ":2,F"))
        if b"Subject: Doomed" in text:
            path.unlink()
    (inbox / "new" / "local-1").write_bytes(make_raw(subject="Written locally"))
    for sub in ("cur", "new", "tmp"):
        (maildir / "Local" / sub).mkdir(parents=True)
    (maildir / "Local" / "new" / "local-2").write_bytes(make_raw(subject="In a local folder"))
    # Server changes: a flag, new mail, a new folder.
    await setup.ok("SELECT INBOX")
    await setup.ok("STORE 1 -FLAGS.SILENT (\\Seen)")
    await setup.append("Projects/2026", make_raw(subject="Plan B"))
    await setup.ok("CREATE Remote")
    await setup.append("Remote", make_raw(subject="Made on the server"), "\\Seen")

    await mbsync(config)
    await mbsync(config)  # a second run has nothing left to do
    server = await _server_view(imap_stack, account)
    assert server["INBOX"] == {
        "Read one": "",
        "Unread one": "F",
        "Written locally": "",
    }
    assert server["Local"] == {"In a local folder": ""}
    assert server["Projects/2026"] == {"Plan": "F", "Plan B": ""}
    assert local_messages(maildir / "INBOX") == server["INBOX"]
    assert local_messages(maildir / "Local") == server["Local"]
    assert local_messages(maildir / "Projects" / "2026") == server["Projects/2026"]
    assert local_messages(maildir / "Remote") == {"Made on the server": "S"}
    await setup.close()


async def _server_view(imap: ImapStack, account: Account) -> dict[str, dict[str, str]]:
    """Folder path → subject → Maildir flag letters, from the store."""
    folders = await imap.store.folders(account.id)
    by_id = {f.id: f for f in folders}

    def path(folder_id: str) -> str:
        folder = by_id[folder_id]
        if folder.role is FolderRole.INBOX:
            return "INBOX"
        return f"{path(folder.parent_id)}/{folder.name}" if folder.parent_id else folder.name

    out: dict[str, dict[str, str]] = {}
    for folder in folders:
        items = (await imap.store.messages(account.id, folder.id, limit=500)).items
        out[path(folder.id)] = {
            m.subject: "".join(
                letter
                for letter, on in (
                    ("D", m.draft),
                    ("F", m.flagged),
                    ("R", m.answered),
                    ("S", not m.unread),
                    ("T", m.deleted),
                )
                if on
            )
            for m in items
        }
    return out
