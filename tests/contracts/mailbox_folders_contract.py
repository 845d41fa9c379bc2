"""Folder rules (F35-F37, `shared.ports.folders.Folders`) every mailbox adapter keeps, and
UIDVALIDITY never given twice (the test uses `open_store`)."""

from __future__ import annotations

import pytest

from shared.events import ChangeKind
from shared.model import MAX_FOLDER_DEPTH, FlagChange, FolderRole, Selection, TagLimits
from shared.ports.mailbox import Conflict, MailboxStore, NotFound, Refused
from tests.contracts.mailbox_support import OpenStore, account_with_mail, folder_named, role


class FoldersContract:
    """The contract of `Folders`."""

    async def test_create_nested_rename_move(self, store: MailboxStore) -> None:
        account, _, _ = await account_with_mail(store, 0)
        work = await store.create_folder(account.id, "Work", None)
        clients = await store.create_folder(account.id, "Clients", work.id)
        assert clients.parent_id == work.id and clients.role is None
        assert clients.uidvalidity > 0 and clients.uidnext == 1
        renamed = await store.rename_folder(account.id, clients.id, "Customers")
        assert renamed.name == "Customers"
        moved = await store.move_folder(account.id, clients.id, None)
        assert moved.parent_id is None
        # Renaming to the same name, or moving to where it is, changes and journals nothing.
        await store.rename_folder(account.id, clients.id, "Customers")
        await store.move_folder(account.id, clients.id, None)
        names = {f.name for f in await store.folders(account.id)}
        assert {"Work", "Customers"} <= names
        kinds = [c.kind for c in await store.changes_since(account.id, 0)]
        assert kinds.count(ChangeKind.FOLDER_CHANGED) == 4

    async def test_sibling_names_are_unique(self, store: MailboxStore) -> None:
        account, _, _ = await account_with_mail(store, 0)
        work = await store.create_folder(account.id, "Work", None)
        with pytest.raises(Conflict):
            await store.create_folder(account.id, "work", None)
        await store.create_folder(account.id, "Work", work.id)  # same name, other parent
        other = await store.create_folder(account.id, "Home", None)
        with pytest.raises(Conflict):
            await store.rename_folder(account.id, other.id, "WORK")

    async def test_system_folders_are_fixed(self, store: MailboxStore) -> None:
        account, inbox, _ = await account_with_mail(store, 0)
        work = await store.create_folder(account.id, "Work", None)
        with pytest.raises(Refused):
            await store.rename_folder(account.id, inbox.id, "In")
        with pytest.raises(Refused):
            await store.move_folder(account.id, inbox.id, work.id)
        with pytest.raises(Refused):
            await store.delete_folder(account.id, inbox.id)

    @pytest.mark.parametrize("parent", [FolderRole.INBOX, FolderRole.SENT, FolderRole.SPAM])
    async def test_no_subfolders_under_inbox_sent_spam(
        self, store: MailboxStore, parent: FolderRole
    ) -> None:
        account, _, _ = await account_with_mail(store, 0)
        target = await role(store, account, parent)
        with pytest.raises(Refused):
            await store.create_folder(account.id, "Sub", target.id)
        work = await store.create_folder(account.id, "Work", None)
        with pytest.raises(Refused):
            await store.move_folder(account.id, work.id, target.id)

    async def test_subfolders_allowed_under_drafts_and_templates(self, store: MailboxStore) -> None:
        account, _, _ = await account_with_mail(store, 0)
        for which in (FolderRole.DRAFTS, FolderRole.TEMPLATES):
            parent = await role(store, account, which)
            made = await store.create_folder(account.id, "Sub", parent.id)
            assert made.parent_id == parent.id

    async def test_no_cycles_and_bad_names(self, store: MailboxStore) -> None:
        account, _, _ = await account_with_mail(store, 0)
        a = await store.create_folder(account.id, "A", None)
        b = await store.create_folder(account.id, "B", a.id)
        c = await store.create_folder(account.id, "C", b.id)
        for target in (a.id, c.id):
            with pytest.raises(Refused):
                await store.move_folder(account.id, a.id, target)
        for bad in ("", "   ", "a/b", "x" * 300):
            with pytest.raises(Refused):
                await store.create_folder(account.id, bad, None)

    async def test_folders_nest_at_most_max_depth_levels(self, store: MailboxStore) -> None:
        account, _, _ = await account_with_mail(store, 0)
        parent = None
        chain = []
        for level in range(MAX_FOLDER_DEPTH):
            folder = await store.create_folder(account.id, f"L{level}", parent)
            chain.append(folder)
            parent = folder.id
        with pytest.raises(Refused, match="nest at most"):
            await store.create_folder(account.id, "Deeper", parent)
        # A subtree moves only where all of it fits.
        branch = await store.create_folder(account.id, "Branch", None)
        await store.create_folder(account.id, "Leaf", branch.id)
        with pytest.raises(Refused, match="nest at most"):
            await store.move_folder(account.id, branch.id, chain[-2].id)
        await store.move_folder(account.id, branch.id, chain[-3].id)

    async def test_other_accounts_folders_are_not_found(self, store: MailboxStore) -> None:
        alice, _, _ = await account_with_mail(store, 0)
        bob, _, _ = await account_with_mail(store, 0, "bob@example.test")
        work = await store.create_folder(alice.id, "Work", None)
        with pytest.raises(NotFound):
            await store.create_folder(bob.id, "Sub", work.id)
        with pytest.raises(NotFound):
            await store.rename_folder(bob.id, work.id, "Mine")
        with pytest.raises(NotFound):
            await store.delete_folder(bob.id, work.id)

    async def test_unread_below_marks_ancestors(self, store: MailboxStore) -> None:
        account, _, ids = await account_with_mail(store, 1)
        top = await store.create_folder(account.id, "Top", None)
        mid = await store.create_folder(account.id, "Mid", top.id)
        await store.move_messages(account.id, Selection.of(*ids), mid.id)
        by_id = {f.id: f for f in await store.folders(account.id)}
        assert by_id[top.id].unread_below and not by_id[mid.id].unread_below
        assert by_id[mid.id].unread == 1 and by_id[top.id].unread == 0
        await store.set_flags(account.id, Selection.of(*ids), FlagChange(unread=False))
        by_id = {f.id: f for f in await store.folders(account.id)}
        assert not by_id[top.id].unread_below and by_id[mid.id].unread == 0

    async def test_deleted_tree_goes_to_trash_and_empty_removes_it(
        self, store: MailboxStore
    ) -> None:
        account, _, ids = await account_with_mail(store, 3)
        top = await store.create_folder(account.id, "Projects", None)
        sub = await store.create_folder(account.id, "2026", top.id)
        await store.move_messages(account.id, Selection.of(ids[0]), top.id)
        await store.move_messages(account.id, Selection.of(ids[1]), sub.id)
        trash = await role(store, account, FolderRole.TRASH)
        deleted = await store.delete_folder(account.id, top.id)
        assert deleted.parent_id == trash.id
        again_deleted = await store.delete_folder(account.id, top.id)  # already there: no-op
        assert again_deleted.name == "Projects" and again_deleted.parent_id == trash.id
        # A second folder of the same name deleted later does not collide in Trash.
        again = await store.create_folder(account.id, "Projects", None)
        assert (await store.delete_folder(account.id, again.id)).name != "Projects"
        with pytest.raises(Refused):
            await store.create_folder(account.id, "Inside", top.id)  # no new folders in Trash
        before = (await store.quota(account.id)).used_bytes
        removal = await store.empty_trash(account.id)
        assert set(removal.message_ids) == {ids[0], ids[1]}
        assert {top.id, sub.id, again.id} <= set(removal.folder_ids)
        assert await folder_named(store, account, "2026") is None
        assert (await store.quota(account.id)).used_bytes < before
        assert (await store.select(account.id, Selection.of(*ids))) == [ids[2]]
        kinds = [c.kind for c in await store.changes_since(account.id, 0)]
        assert kinds.count(ChangeKind.FOLDER_REMOVED) == 3
        assert kinds.count(ChangeKind.MESSAGE_REMOVED) == 2

    async def test_uidvalidity_is_never_given_twice(self, open_store: OpenStore) -> None:
        store = await open_store(TagLimits())
        account, _, _ = await account_with_mail(store, 0)
        seen = [f.uidvalidity for f in await store.folders(account.id)]
        for _ in range(3):  # deleted for good and made again, within the same second
            folder = await store.create_folder(account.id, "Reports", None)
            seen.append(folder.uidvalidity)
            await store.delete_folder(account.id, folder.id)
            await store.empty_trash(account.id)
        assert len(set(seen)) == len(seen), seen
        assert all(0 < v < 2**32 for v in seen)
        assert seen[6:] == sorted(seen[6:])
