"""Tags (F50, `shared.ports.tags.Tags`) and their bounds as IMAP keywords: changes of flags
and tags that cost what they change, names no folder or tag may have.

The bounds' tests use `open_store` (see `mailbox_support.OpenStore`) to open stores with
the `TagLimits` they need."""

from __future__ import annotations

import pytest

from shared.events import ChangeKind
from shared.model import FlagChange, FolderRole, Selection, TagChange, TagLimits
from shared.ports.mailbox import Conflict, LimitExceeded, MailboxStore, NotFound, Refused
from tests.contracts.mailbox_support import OpenStore, account_with_mail
from tests.factories import make_raw, new_message

SMALL = TagLimits(per_message=4, per_account=6, per_change=20)


async def _updates(store: MailboxStore, account_id: str, after: int) -> list[str]:
    """The ids of the messages journaled as updated since modseq `after`."""
    return [
        c.message_id or ""
        for c in await store.changes_since(account_id, after)
        if c.kind is ChangeKind.MESSAGE_UPDATED
    ]


class TagsContract:
    """The contract of `Tags`."""

    async def test_tags(self, store: MailboxStore) -> None:
        account, _, ids = await account_with_mail(store, 3)
        urgent = await store.create_tag(account.id, "urgent", "#ff0000")
        later = await store.create_tag(account.id, "later", "#00ff00")
        with pytest.raises(Conflict):
            await store.create_tag(account.id, "urgent", "#000000")
        assert [t.name for t in await store.tags(account.id)] == ["later", "urgent"]
        assert (
            await store.tag_messages(account.id, Selection.of(*ids[:2]), urgent.id, add=True)
            == ids[:2]
        )
        assert await store.tag_messages(account.id, Selection.of(ids[0]), urgent.id, add=True) == []
        await store.tag_messages(account.id, Selection.of(ids[0]), later.id, add=True)
        assert (await store.message(account.id, ids[0])).tags == ["urgent", "later"]
        page = await store.tagged(account.id, urgent.id)
        assert page.total == 2 and {m.id for m in page.items} == set(ids[:2])
        recolored = await store.set_tag_color(account.id, urgent.id, "#aa0000")
        assert recolored.color == "#aa0000" and recolored.name == "urgent"
        start = (await store.changes_since(account.id, 0))[-1].modseq
        await store.delete_tag(account.id, urgent.id)
        assert (await store.message(account.id, ids[0])).tags == ["later"]
        assert (await store.message(account.id, ids[1])).tags == []
        updates = await store.changes_since(account.id, start)
        assert {c.message_id for c in updates if c.kind == ChangeKind.MESSAGE_UPDATED} == set(
            ids[:2]
        )
        with pytest.raises(NotFound):
            await store.tagged(account.id, urgent.id)
        other = await store.create_account("bob@example.test", "hash")
        with pytest.raises(NotFound):
            await store.tag_messages(other.id, Selection.of(*ids), later.id, add=True)

    async def test_one_change_writes_each_message_once(self, open_store: OpenStore) -> None:
        store = await open_store(TagLimits())
        account, _, ids = await account_with_mail(store, 3)
        start = await store.highest_modseq(account.id)
        names = [f"kw{i}" for i in range(10)]
        changed = await store.change_flags(
            account.id,
            Selection.of(*ids),
            FlagChange(unread=False),
            TagChange(add=names, create=True),
        )
        assert changed == ids
        # One entry per message, carrying its whole new state, however many tags.
        assert await _updates(store, account.id, start) == ids
        assert await store.highest_modseq(account.id) == start + 3
        entry = (await store.changes_since(account.id, start))[0]
        assert entry.message is not None and entry.message.tags == names
        assert entry.message.unread is False
        assert sorted(t.name for t in await store.tags(account.id)) == sorted(names)
        message = await store.message(account.id, ids[0])
        assert message.tags == names and not message.unread
        inbox = await store.folder_by_role(account.id, FolderRole.INBOX)
        assert (await store.folder(account.id, inbox.id)).unread == 0
        # What changes nothing journals nothing.
        again = await store.change_flags(
            account.id, Selection.of(*ids), FlagChange(unread=False), TagChange(add=names[:3])
        )
        assert again == [] and await store.highest_modseq(account.id) == start + 3

    async def test_replace_and_remove(self, open_store: OpenStore) -> None:
        store = await open_store(TagLimits())
        account, _, ids = await account_with_mail(store, 2)
        sel = Selection.of(*ids)
        await store.change_flags(
            account.id, Selection.of(ids[0]), FlagChange(), TagChange(add=["a", "b"], create=True)
        )
        start = await store.highest_modseq(account.id)
        changed = await store.change_flags(
            account.id, sel, FlagChange(flagged=True), TagChange(replace=["c", "b"], create=True)
        )
        assert changed == ids
        assert (await store.message(account.id, ids[0])).tags == ["b", "c"]  # kept, then new
        assert (await store.message(account.id, ids[1])).tags == ["c", "b"]
        assert await _updates(store, account.id, start) == ids
        start = await store.highest_modseq(account.id)
        # Names without a tag are nothing to take off.
        changed = await store.change_flags(
            account.id, sel, FlagChange(), TagChange(remove=["b", "never"])
        )
        assert changed == ids and await _updates(store, account.id, start) == ids
        assert [(await store.message(account.id, i)).tags for i in ids] == [["c"], ["c"]]
        # FLAGS () of IMAP: every tag off.
        await store.change_flags(account.id, sel, FlagChange(), TagChange(replace=[]))
        assert [(await store.message(account.id, i)).tags for i in ids] == [[], []]

    async def test_tags_per_message(self, open_store: OpenStore) -> None:
        store = await open_store(SMALL)
        account, _, ids = await account_with_mail(store, 3)
        await store.change_flags(
            account.id,
            Selection.of(ids[0]),
            FlagChange(),
            TagChange(add=["a", "b", "c"], create=True),
        )
        start = await store.highest_modseq(account.id)
        with pytest.raises(LimitExceeded):  # more names than a message may carry
            await store.change_flags(
                account.id,
                Selection.of(ids[1]),
                FlagChange(),
                TagChange(add=["a", "b", "c", "d", "e"], create=True),
            )
        with pytest.raises(LimitExceeded):  # ids[0] would carry five: nothing changes
            await store.change_flags(
                account.id,
                Selection.of(*ids),
                FlagChange(flagged=True),
                TagChange(add=["d", "e"], create=True),
            )
        assert await store.highest_modseq(account.id) == start
        assert sorted(t.name for t in await store.tags(account.id)) == ["a", "b", "c"]
        assert not any([(await store.message(account.id, i)).flagged for i in ids])
        d = await store.create_tag(account.id, "d", "#000000")
        e = await store.create_tag(account.id, "e", "#000000")
        await store.tag_messages(account.id, Selection.of(*ids), d.id, add=True)
        with pytest.raises(LimitExceeded):
            await store.tag_messages(account.id, Selection.of(*ids), e.id, add=True)
        assert (await store.message(account.id, ids[1])).tags == ["d"]
        assert (await store.message(account.id, ids[0])).tags == ["a", "b", "c", "d"]

    async def test_tags_past_a_lowered_bound_keep_working(self, open_store: OpenStore) -> None:
        generous = await open_store(TagLimits())
        account, _, ids = await account_with_mail(generous, 1)
        names = [f"t{i}" for i in range(8)]
        await generous.change_flags(
            account.id, Selection.of(*ids), FlagChange(), TagChange(add=names, create=True)
        )
        strict = await open_store(SMALL)
        # Past both bounds already: taking off, flags, and tags it has all still work.
        await strict.change_flags(
            account.id, Selection.of(*ids), FlagChange(), TagChange(remove=["t0"])
        )
        assert (
            await strict.set_flags(account.id, Selection.of(*ids), FlagChange(flagged=True)) == ids
        )
        await strict.change_flags(
            account.id, Selection.of(*ids), FlagChange(), TagChange(add=["t1", "t2"])
        )
        assert (await strict.message(account.id, ids[0])).tags == names[1:]
        with pytest.raises(LimitExceeded):
            await strict.change_flags(
                account.id, Selection.of(*ids), FlagChange(), TagChange(add=["t0"])
            )
        with pytest.raises(LimitExceeded):
            await strict.create_tag(account.id, "new", "#000000")
        # Arriving mail is trimmed to the bound, never refused.
        inbox = await strict.folder_by_role(account.id, FolderRole.INBOX)
        arriving = new_message(account.id, inbox.id, make_raw(subject="filtered")).model_copy(
            update={"tags": names}
        )
        delivered = await strict.deliver(arriving)
        assert (await strict.message(account.id, delivered.message_id)).tags == names[:4]

    async def test_tags_per_account(self, open_store: OpenStore) -> None:
        store = await open_store(SMALL)
        account, _, ids = await account_with_mail(store, 2)
        made = [await store.create_tag(account.id, f"t{i}", "#000000") for i in range(5)]
        with pytest.raises(LimitExceeded):  # two new ones would make seven
            await store.change_flags(
                account.id, Selection.of(*ids), FlagChange(), TagChange(add=["x", "y"], create=True)
            )
        assert len(await store.tags(account.id)) == 5
        await store.change_flags(
            account.id, Selection.of(*ids), FlagChange(), TagChange(add=["t0", "x"], create=True)
        )
        assert len(await store.tags(account.id)) == 6
        with pytest.raises(LimitExceeded):
            await store.create_tag(account.id, "z", "#000000")
        await store.tag_messages(account.id, Selection.of(*ids), made[1].id, add=True)
        assert (await store.message(account.id, ids[0])).tags == ["t0", "x", "t1"]
        other = await store.create_account("bob@example.test", "hash")
        await store.create_tag(other.id, "z", "#000000")  # the bound is each account's
        await store.delete_tag(account.id, made[4].id)
        await store.create_tag(account.id, "z", "#000000")

    async def test_size_of_one_change(self, open_store: OpenStore) -> None:
        store = await open_store(SMALL)
        account, inbox, ids = await account_with_mail(store, 6)
        start = await store.highest_modseq(account.id)
        with pytest.raises(LimitExceeded):  # 6 messages by 4 tags: 24 pairs, 20 at most
            await store.change_flags(
                account.id,
                Selection(folder_id=inbox.id),
                FlagChange(),
                TagChange(add=["a", "b", "c", "d"], create=True),
            )
        assert (
            await store.highest_modseq(account.id) == start and await store.tags(account.id) == []
        )
        await store.change_flags(
            account.id,
            Selection.of(*ids[:5]),
            FlagChange(),
            TagChange(add=list("abcd"), create=True),
        )
        # System flags alone name no tag: a whole folder at once.
        assert (
            len(
                await store.set_flags(
                    account.id, Selection(folder_id=inbox.id), FlagChange(unread=False)
                )
            )
            == 6
        )

    async def test_bad_names_are_refused(self, open_store: OpenStore) -> None:
        store = await open_store(TagLimits())
        account, _, ids = await account_with_mail(store, 1)
        bad = [
            "a\x00b",
            "tab\there",
            "\x7f",
            "a\x85b",
            "evil\u202etxt",
            "x\u2066y",
            "\u200fz",
            "\ud800",
        ]
        for name in bad:
            with pytest.raises(Refused):
                await store.create_tag(account.id, name, "#000000")
            with pytest.raises(Refused):
                await store.create_folder(account.id, name, None)
            with pytest.raises(Refused):
                await store.change_flags(
                    account.id, Selection.of(*ids), FlagChange(), TagChange(add=[name], create=True)
                )
        with pytest.raises(LimitExceeded):
            await store.create_tag(account.id, "x" * 65, "#000000")
        with pytest.raises(Refused):
            await store.create_folder(account.id, "x" * 256, None)
        work = await store.create_folder(account.id, "  Café   ✓ ", None)
        assert work.name == "Café ✓"
        with pytest.raises(Refused):
            await store.rename_folder(account.id, work.id, "Caf\u202ee")
        assert (await store.create_tag(account.id, " 🏷 x ", "#000000")).name == "🏷 x"
        assert await store.tags(account.id) != [] and len(await store.folders(account.id)) == 7
