"""Filters (F25-F27): an account's ordered rules, their positions always 0..n-1, and the
filters that matched a message on arrival."""

from __future__ import annotations

import pytest

from shared.filters import Action, ActionKind, Condition, FieldName, Filter, FilterFields, Operator
from shared.model import FolderRole, Selection
from shared.ports.mailbox import MailboxStore, NotFound, Refused
from tests.contracts.mailbox_support import role
from tests.factories import make_raw, new_message


def fields(name: str, *, tag: str = "work") -> FilterFields:
    return FilterFields(
        name=name,
        conditions=[Condition(field=FieldName.FROM, operator=Operator.CONTAINS, value="boss")],
        actions=[Action(kind=ActionKind.TAG, tag=tag), Action(kind=ActionKind.STOP)],
    )


def names(filters: list[Filter]) -> list[str]:
    return [f.name for f in filters]


def contiguous(filters: list[Filter]) -> bool:
    return [f.position for f in filters] == list(range(len(filters)))


class FilterRulesContract:
    """The contract of `FilterRules`."""

    async def test_create_read_update_delete(self, store: MailboxStore) -> None:
        alice = await store.create_account("alice@example.test", "hash")
        assert await store.filters(alice.id) == []
        first = await store.create_filter(alice.id, fields("first"))
        assert (first.account_id, first.position, first.name) == (alice.id, 0, "first")
        assert first.actions[0].tag == "work" and first.conditions[0].value == "boss"
        assert len(first.id) == 32
        second = await store.create_filter(alice.id, fields("second"))
        assert second.position == 1 and second.id != first.id
        assert await store.filters(alice.id) == [first, second]

        changed = FilterFields(
            name="renamed", enabled=False, match="any", actions=[Action(kind=ActionKind.FLAG)]
        )
        updated = await store.update_filter(alice.id, first.id, changed)
        assert updated.id == first.id and updated.position == 0
        assert FilterFields.model_validate(updated.model_dump()) == changed
        assert (await store.filters(alice.id))[0] == updated

        await store.delete_filter(alice.id, first.id)
        [left] = await store.filters(alice.id)
        assert (left.id, left.position) == (second.id, 0)
        with pytest.raises(NotFound):
            await store.delete_filter(alice.id, first.id)
        with pytest.raises(NotFound):
            await store.update_filter(alice.id, first.id, changed)

    async def test_insert_at_a_position(self, store: MailboxStore) -> None:
        alice = await store.create_account("alice@example.test", "hash")
        for name in ("b", "d"):
            await store.create_filter(alice.id, fields(name))
        await store.create_filter(alice.id, fields("a"), position=0)
        await store.create_filter(alice.id, fields("c"), position=2)
        await store.create_filter(alice.id, fields("e"), position=99)  # clamped: last
        await store.create_filter(alice.id, fields("first"), position=-3)  # clamped: first
        listed = await store.filters(alice.id)
        assert names(listed) == ["first", "a", "b", "c", "d", "e"]
        assert contiguous(listed)

    async def test_positions_close_up_after_a_delete(self, store: MailboxStore) -> None:
        alice = await store.create_account("alice@example.test", "hash")
        made = [await store.create_filter(alice.id, fields(n)) for n in "abcd"]
        await store.delete_filter(alice.id, made[1].id)
        listed = await store.filters(alice.id)
        assert names(listed) == ["a", "c", "d"] and contiguous(listed)
        await store.delete_filter(alice.id, made[0].id)
        listed = await store.filters(alice.id)
        assert names(listed) == ["c", "d"] and contiguous(listed)
        added = await store.create_filter(alice.id, fields("e"))
        assert added.position == 2

    async def test_reorder_is_a_permutation(self, store: MailboxStore) -> None:
        alice = await store.create_account("alice@example.test", "hash")
        a, b, c = [await store.create_filter(alice.id, fields(n)) for n in "abc"]
        reordered = await store.reorder_filters(alice.id, [c.id, a.id, b.id])
        assert names(reordered) == ["c", "a", "b"] and contiguous(reordered)
        assert await store.filters(alice.id) == reordered
        for wrong in (
            [c.id, a.id],  # one missing
            [c.id, a.id, b.id, a.id],  # one twice
            [c.id, a.id, a.id],  # one twice, one missing
            [c.id, a.id, "nope"],  # an unknown id
            [],
        ):
            with pytest.raises(Refused):
                await store.reorder_filters(alice.id, wrong)
        assert await store.filters(alice.id) == reordered  # unchanged

    async def test_reorder_of_no_filters(self, store: MailboxStore) -> None:
        alice = await store.create_account("alice@example.test", "hash")
        assert await store.reorder_filters(alice.id, []) == []

    async def test_replace_all(self, store: MailboxStore) -> None:
        alice = await store.create_account("alice@example.test", "hash")
        old = await store.create_filter(alice.id, fields("old"))
        replaced = await store.replace_filters(alice.id, [fields("x"), fields("y", tag="home")])
        assert names(replaced) == ["x", "y"] and contiguous(replaced)
        assert replaced[1].actions[0].tag == "home"
        assert old.id not in {f.id for f in replaced}
        assert await store.filters(alice.id) == replaced
        assert await store.replace_filters(alice.id, []) == []
        assert await store.filters(alice.id) == []

    async def test_other_accounts_filters_are_not_found(self, store: MailboxStore) -> None:
        alice = await store.create_account("alice@example.test", "hash")
        bob = await store.create_account("bob@example.test", "hash")
        mine = await store.create_filter(alice.id, fields("mine"))
        theirs = await store.create_filter(bob.id, fields("theirs"))
        assert theirs.position == 0  # each account numbers its own
        with pytest.raises(NotFound):
            await store.update_filter(bob.id, mine.id, fields("taken"))
        with pytest.raises(NotFound):
            await store.delete_filter(bob.id, mine.id)
        with pytest.raises(Refused):
            await store.reorder_filters(bob.id, [mine.id])
        await store.replace_filters(bob.id, [fields("new")])
        assert await store.filters(alice.id) == [mine]
        assert names(await store.filters(bob.id)) == ["new"]

    async def test_unknown_account(self, store: MailboxStore) -> None:
        with pytest.raises(NotFound):
            await store.create_filter("nobody", fields("x"))
        with pytest.raises(NotFound):
            await store.replace_filters("nobody", [fields("x")])
        assert await store.filters("nobody") == []

    async def test_matched_filters_are_kept_with_the_message(self, store: MailboxStore) -> None:
        alice = await store.create_account("alice@example.test", "hash")
        inbox = await role(store, alice, FolderRole.INBOX)
        archive = await role(store, alice, FolderRole.SENT)
        message = new_message(alice.id, inbox.id, make_raw()).model_copy(
            update={"filters": ["f1", "f2"]}
        )
        delivery = await store.deliver(message)
        assert (await store.message(alice.id, delivery.message_id)).filters == ["f1", "f2"]
        [copy_id] = await store.copy_messages(
            alice.id, Selection.of(delivery.message_id), archive.id
        )
        assert (await store.message(alice.id, copy_id)).filters == ["f1", "f2"]
        plain = await store.deliver(new_message(alice.id, inbox.id, make_raw()))
        assert (await store.message(alice.id, plain.message_id)).filters == []
