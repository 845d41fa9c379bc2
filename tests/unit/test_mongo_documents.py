"""The MongoDB store's document layout, without a server: what it writes reads back as the
core's records, a batch's patch sets only what changes, and the failures that make a
batch stale are told apart from the others."""

from __future__ import annotations

from datetime import UTC, datetime

from pymongo.errors import BulkWriteError, DuplicateKeyError, OperationFailure

from services.store.adapters.mongo_batch import _duplicate, _write_conflict, patch_fields
from services.store.adapters.mongo_documents import (
    entry_doc,
    folder_fields,
    folder_order,
    folder_record_of,
    message_doc,
    record_of,
    summary_of,
)
from services.store.core.backend import FolderRecord, MessagePatch, NewRow
from services.store.core.journal import message_changed
from services.store.core.records import new_summary
from shared.events import ChangeKind
from tests.factories import make_raw, new_message

# Microseconds that a BSON date (milliseconds) alone would lose.
WHEN = datetime(2026, 3, 1, 12, 30, 15, 123456, tzinfo=UTC)


def _row() -> NewRow:
    raw = make_raw(attachment=("report.pdf", b"%PDF-1.4"), date=WHEN)
    message = new_message("acct", "inbox", raw, received_at=WHEN).model_copy(
        update={"tags": ["work", "urgent", "work"], "receipt_to": "bob@example.net"}
    )
    return NewRow(message_id="m1", message=message, thread_id="t1", uid=7, modseq=12)


def test_a_delivered_message_reads_back_as_its_journal_entry_carries_it() -> None:
    row = _row()
    doc = message_doc(row)
    assert summary_of(doc) == new_summary(row)
    assert (doc["tags"], doc["receipt"], doc["has_attachments"]) == (
        ["work", "urgent"],
        "pending",
        True,
    )
    assert record_of(doc).trashed_at is None and record_of(doc).comment is None


def test_a_folder_reads_back_whole() -> None:
    folder = FolderRecord(
        id="f1",
        account_id="acct",
        name="Projects",
        parent_id="trash",
        total=4,
        unread=2,
        uidvalidity=1_700_000_000,
        uidnext=9,
        trashed_at=WHEN,
        bytes=12_345,
    )
    doc = {"_id": folder.id, **folder_fields(folder), "created": 5}
    assert doc["name_key"] == "projects"
    assert folder_record_of(doc) == folder


def test_the_listing_puts_system_folders_first_then_the_user_folders_as_made() -> None:
    docs = [
        {"_id": "b", "name": "Alpha", "name_key": "alpha", "role": None, "created": 9},
        {"_id": "trash", "name": "Trash", "name_key": "trash", "role": "trash", "created": 0},
        {"_id": "a", "name": "Zulu", "name_key": "zulu", "role": None, "created": 3},
        {"_id": "inbox", "name": "Inbox", "name_key": "inbox", "role": "inbox", "created": 0},
    ]
    assert [d["_id"] for d in sorted(docs, key=folder_order)] == ["inbox", "trash", "a", "b"]


def test_a_patch_sets_only_what_it_changes() -> None:
    assert patch_fields(MessagePatch("m1", 5, flagged=True)) == {"modseq": 5, "flagged": True}
    restored = MessagePatch(
        "m1", 6, folder_id="inbox", uid=3, set_comment=True, receipt="sent", clear_trashed=True
    )
    assert patch_fields(restored) == {
        "modseq": 6,
        "folder_id": "inbox",
        "uid": 3,
        "comment": None,
        "receipt": "sent",
        "trashed_from": None,
        "trashed_at": None,
        "trashed_at_us": 0,
    }
    trashed = patch_fields(MessagePatch("m1", 7, trashed_from="inbox", trashed_at=WHEN))
    assert trashed["trashed_from"] == "inbox"
    assert trashed["trashed_at_us"] == 456 and trashed["trashed_at"].microsecond == 123000


def test_a_journal_entry_is_stored_unpublished_in_the_relay_order_of_its_batch() -> None:
    event = message_changed(ChangeKind.MESSAGE_ADDED, new_summary(_row()), WHEN)
    doc = entry_doc(event, WHEN)
    assert (doc["id"], doc["account_id"], doc["modseq"]) == (event.event_id, "acct", 12)
    assert (doc["published"], doc["order"]) == (False, WHEN)
    assert doc["event"]["message"]["id"] == "m1"


def test_a_write_conflict_or_a_duplicate_is_told_apart_from_other_failures() -> None:
    conflict = BulkWriteError({"writeErrors": [{"index": 0, "code": 112, "errmsg": "conflict"}]})
    duplicate = BulkWriteError({"writeErrors": [{"index": 0, "code": 11000, "errmsg": "dup"}]})
    assert _write_conflict(conflict) and not _duplicate(conflict)
    assert _duplicate(duplicate) and not _write_conflict(duplicate)
    assert _duplicate(DuplicateKeyError("E11000", 11000))
    assert _write_conflict(OperationFailure("WriteConflict", 112))
    assert not _write_conflict(OperationFailure("unauthorized", 13))
