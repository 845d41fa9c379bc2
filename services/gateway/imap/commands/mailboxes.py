"""SELECT, EXAMINE, CREATE, DELETE, RENAME, SUBSCRIBE, UNSUBSCRIBE (RFC 3501 §6.3).

Folders map onto Bureau's folder tree (`names.py`). DELETE really deletes, as IMAP
clients expect: the folder's messages are removed for good (like EXPUNGE), then the empty
folder goes the way of Bureau's deleted folders, into Trash, where an empty folder is not
listed to IMAP; a folder with subfolders is refused, as Dovecot does. RENAME may move a
folder in the hierarchy (creating missing parents); renaming into Trash is Bureau's
delete (what Thunderbird does to delete a folder), renaming INBOX moves its messages into
a new folder (RFC 3501 §6.3.5).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from services.gateway.imap.commands.common import arity, existing, store_errors
from services.gateway.imap.flags import SYSTEM_FLAGS
from services.gateway.imap.names import DELIMITER, Mailbox, MailboxTree, canonical, split
from services.gateway.imap.parser import Command
from services.gateway.imap.responses import Bad, No
from services.gateway.imap.selected import Selected
from shared.model import MAX_FOLDER_DEPTH, Folder, FolderRole, Selection

if TYPE_CHECKING:
    from services.gateway.imap.session import Session


async def select(session: Session, command: Command) -> str | None:
    return await _open(session, command, read_only=False)


async def examine(session: Session, command: Command) -> str | None:
    return await _open(session, command, read_only=True)


async def _open(session: Session, command: Command, *, read_only: bool) -> str:
    if not command.args or len(command.args) > 2:
        raise Bad("Expected a mailbox name")
    if len(command.args) == 2 and command.args[1] != []:
        raise Bad("SELECT parameters are not supported")
    if session.selected is not None:
        session.selected = None
        if session.rev2:
            session.out.untagged("OK [CLOSED] Previous mailbox is now closed")
    mailbox = await existing(session, command.args[0])
    with store_errors():
        selected = await Selected.open(
            session.front.mailbox,
            session.account_id,
            mailbox.folder,
            read_only=read_only,
            floor=session.modseq,
        )
    session.modseq = selected.cursor
    assert session.keywords is not None
    session.keywords.forget()
    flags = " ".join([*SYSTEM_FLAGS, *await session.keywords.all()])
    out = session.out
    out.untagged(f"FLAGS ({flags})")
    if read_only:
        out.untagged("OK [PERMANENTFLAGS ()] Read-only mailbox")
    else:
        out.untagged(f"OK [PERMANENTFLAGS ({await session.keywords.permanent()})] Flags permitted")
    out.untagged(f"{selected.count} EXISTS")
    if not session.rev2:
        out.untagged("0 RECENT")
        unseen = selected.first_unseen()
        if unseen is not None:
            out.untagged(f"OK [UNSEEN {unseen}] First unseen")
    out.untagged(f"OK [UIDVALIDITY {mailbox.folder.uidvalidity}] UIDs valid")
    out.untagged(f"OK [UIDNEXT {selected.uidnext}] Predicted next UID")
    if session.rev2:
        out.untagged(b'LIST () "/" ' + session.name(mailbox.name))
    session.selected = selected
    verb = "EXAMINE" if read_only else "SELECT"
    return f"[{'READ-ONLY' if read_only else 'READ-WRITE'}] {verb} completed"


# --- CREATE ----------------------------------------------------------------------------


def _levels(name: str) -> list[str]:
    levels = name.split(DELIMITER)
    if any(not level.strip() for level in levels):
        raise No("Invalid mailbox name: empty hierarchy level", "CANNOT")
    if any(c in name for c in "*%"):
        raise No("Mailbox names cannot hold * or %", "CANNOT")
    if len(levels) > MAX_FOLDER_DEPTH:  # before any level is made (RFC 5530 LIMIT)
        raise No(f"Mailboxes nest at most {MAX_FOLDER_DEPTH} levels deep", "LIMIT")
    return levels


async def _make(session: Session, tree: MailboxTree, name: str) -> Folder:
    """Create `name` and its missing parents; returns the new folder."""
    mailbox = session.front.mailbox
    parent: str | None = None
    path = ""
    folder: Folder | None = None
    for level in _levels(name):
        path = f"{path}{DELIMITER}{level}" if path else level
        found = tree.find(path)
        if found is not None:
            parent, folder = found.folder.id, found.folder
            continue
        with store_errors():
            folder = await mailbox.create_folder(session.account_id, level, parent)
        parent = folder.id
    assert folder is not None
    return folder


async def create(session: Session, command: Command) -> str | None:
    arity(command.args, 1)
    name = canonical(session.mailbox_arg(command.args[0]))
    tree = await session.tree()
    if tree.find(name) is not None:
        raise No("Mailbox already exists", "ALREADYEXISTS")
    await _make(session, tree, name)
    return None


# --- DELETE ----------------------------------------------------------------------------


async def delete(session: Session, command: Command) -> str | None:
    arity(command.args, 1)
    mailbox = await existing(session, command.args[0])
    if mailbox.folder.role is not None:
        raise No(f"{mailbox.name} is a system mailbox and cannot be deleted", "CANNOT")
    if mailbox.has_children:
        raise No("Mailbox has children, delete them first", "CANNOT")
    store = session.front.mailbox
    with store_errors():
        await store.destroy_messages(session.account_id, Selection(folder_id=mailbox.folder.id))
        await store.delete_folder(session.account_id, mailbox.folder.id)
    await _resubscribe(session, mailbox.name, None)
    if session.selected is not None and session.selected.folder.id == mailbox.folder.id:
        session.selected = None
    return None


# --- RENAME ----------------------------------------------------------------------------


async def rename(session: Session, command: Command) -> str | None:
    arity(command.args, 2)
    source = await existing(session, command.args[0])
    target = canonical(session.mailbox_arg(command.args[1]))
    tree = await session.tree()
    if tree.find(target) is not None:
        raise No("Target mailbox already exists", "ALREADYEXISTS")
    _levels(target)
    if source.folder.role is FolderRole.INBOX:
        await _rename_inbox(session, tree, source, target)
        return None
    if source.folder.role is not None:
        raise No(f"{source.name} is a system mailbox and cannot be renamed", "CANNOT")
    if target == source.name or target.startswith(source.name + DELIMITER):
        raise No("A mailbox cannot move inside itself", "CANNOT")
    parent_name, leaf = split(target)
    parent = tree.find(parent_name) if parent_name is not None else None
    store = session.front.mailbox
    trash = tree.by_role(FolderRole.TRASH)
    if parent is not None and trash is not None and parent.folder.id == trash.folder.id:
        # Into Trash: Bureau's own way of deleting a folder, subfolders and mail included.
        with store_errors():
            if leaf != source.folder.name:
                await store.rename_folder(session.account_id, source.folder.id, leaf)
            await store.delete_folder(session.account_id, source.folder.id)
        await _resubscribe(session, source.name, target)
        return None
    if parent_name is not None and parent is None:
        new_parent: str | None = (await _make(session, tree, parent_name)).id
    else:
        new_parent = parent.folder.id if parent is not None else None
    with store_errors():
        if new_parent != source.folder.parent_id:
            await store.move_folder(session.account_id, source.folder.id, new_parent)
        if leaf != source.folder.name:
            await store.rename_folder(session.account_id, source.folder.id, leaf)
    await _resubscribe(session, source.name, target)
    return None


async def _rename_inbox(session: Session, tree: MailboxTree, inbox: Mailbox, target: str) -> None:
    """RENAME INBOX: a new mailbox gets INBOX's messages; INBOX stays, empty."""
    folder = await _make(session, tree, target)
    with store_errors():
        await session.front.mailbox.move_messages(
            session.account_id, Selection(folder_id=inbox.folder.id), folder.id
        )


async def _resubscribe(session: Session, old: str, new: str | None) -> None:
    """Subscriptions follow a renamed mailbox (and its children); a deleted one's go."""
    store = session.front.mailbox
    for name in await store.subscriptions(session.account_id):
        if name == old or name.startswith(old + DELIMITER):
            await store.set_subscribed(session.account_id, name, False)
            if new is not None:
                await store.set_subscribed(session.account_id, new + name[len(old) :], True)


# --- SUBSCRIBE -------------------------------------------------------------------------


async def subscribe(session: Session, command: Command) -> str | None:
    arity(command.args, 1)
    name = canonical(session.mailbox_arg(command.args[0]))
    if (await session.tree()).find(name) is None:
        raise No("Mailbox doesn't exist: " + name, "NONEXISTENT")
    await session.front.mailbox.set_subscribed(session.account_id, name, True)
    return None


async def unsubscribe(session: Session, command: Command) -> str | None:
    arity(command.args, 1)
    name = canonical(session.mailbox_arg(command.args[0]))
    await session.front.mailbox.set_subscribed(session.account_id, name, False)
    return None
