"""The MongoDB mailbox store's collections and their indexes (created idempotently at start)."""

from __future__ import annotations

from dataclasses import dataclass

from pymongo import ASCENDING, IndexModel
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase

from services.store.adapters.mongo_documents import Doc

DATE_INDEX = "account_folder_date_id"
SORT_INDEXES = {
    "sender_sort": "account_folder_sender",
    "subject_sort": "account_folder_subject",
    "size": "account_folder_size",
}
TAGGED_INDEX = "account_tags_date"
UNPUBLISHED_INDEX = "unpublished_order"
# Indexes of earlier releases that nothing reads any more (dropped by the migration).
RETIRED_INDEXES = {
    "folders": ["pending"],
    # The folder counts were counted on "account_folder_unread": folders keep them now.
    "messages": ["pending", "account_folder_date", "account_folder_unread"],
    "journal": ["published_created"],
}


def _listing(name: str, *fields: str) -> IndexModel:
    """One order of a folder listing; `_id` last makes it total, so pages neither skip nor
    repeat. Read forwards for ascending, backwards for descending."""
    keys = [("account_id", ASCENDING), ("folder_id", ASCENDING)]
    return IndexModel([*keys, *((f, ASCENDING) for f in fields), ("_id", ASCENDING)], name=name)


INDEXES: dict[str, list[IndexModel]] = {
    "accounts": [
        IndexModel([("address", ASCENDING)], unique=True, name="address"),
        # The account's address and its aliases: one address reaches one account. Partial,
        # since documents of earlier releases get the field from the migration.
        IndexModel(
            [("addresses", ASCENDING)],
            unique=True,
            name="addresses",
            partialFilterExpression={"addresses": {"$exists": True}},
        ),
    ],
    "folders": [
        IndexModel([("account_id", ASCENDING), ("role", ASCENDING)], name="account_role"),
        # Sibling names are unique (case-insensitively, by `name_key`); the check before a
        # write gives the error, this index settles races between two writers.
        IndexModel(
            [("account_id", ASCENDING), ("parent_id", ASCENDING), ("name_key", ASCENDING)],
            name="account_parent_name",
            unique=True,
            partialFilterExpression={"name_key": {"$exists": True}},
        ),
    ],
    "messages": [
        IndexModel(
            [("account_id", ASCENDING), ("event_id", ASCENDING)], unique=True, name="account_event"
        ),
        _listing(DATE_INDEX, "date", "date_us"),
        *(_listing(name, field) for field, name in SORT_INDEXES.items()),
        IndexModel(
            [
                ("account_id", ASCENDING),
                ("tags", ASCENDING),
                ("date", ASCENDING),
                ("date_us", ASCENDING),
                ("_id", ASCENDING),
            ],
            name=TAGGED_INDEX,
        ),
        IndexModel(
            [("account_id", ASCENDING), ("message_id_header", ASCENDING)], name="account_msgid"
        ),
        # Pending read receipts, oldest first (RFC 8098, F48): few messages ask for one.
        IndexModel(
            [
                ("account_id", ASCENDING),
                ("received_at", ASCENDING),
                ("received_at_us", ASCENDING),
                ("_id", ASCENDING),
            ],
            name="account_receipt_pending",
            partialFilterExpression={"receipt": "pending"},
        ),
        # IMAP: a folder's messages by UID (SELECT, UID FETCH ranges).
        IndexModel([("folder_id", ASCENDING), ("uid", ASCENDING)], name="folder_uid"),
        # Whether any message of any account still refers to a blob.
        IndexModel([("blob_id", ASCENDING)], name="blob"),
    ],
    "journal": [
        IndexModel([("id", ASCENDING)], unique=True, name="id"),
        # What the relay has still to publish, in its order (see `mongo_documents.entry_doc`).
        IndexModel(
            [("order", ASCENDING), ("account_id", ASCENDING), ("modseq", ASCENDING)],
            name=UNPUBLISHED_INDEX,
            partialFilterExpression={"published": False},
        ),
        # One entry per modseq of an account: the journal has no duplicates, whatever a
        # bug upstream would write.
        IndexModel(
            [("account_id", ASCENDING), ("modseq", ASCENDING)], unique=True, name="account_modseq"
        ),
    ],
    "tags": [
        IndexModel([("account_id", ASCENDING), ("name", ASCENDING)], unique=True, name="name")
    ],
    "orphan_blobs": [IndexModel([("since", ASCENDING), ("_id", ASCENDING)], name="since")],
    "identities": [
        IndexModel(
            [("account_id", ASCENDING), ("address", ASCENDING)], unique=True, name="account_address"
        ),
        IndexModel(
            [
                ("account_id", ASCENDING),
                ("created_at", ASCENDING),
                ("created_at_us", ASCENDING),
                ("_id", ASCENDING),
            ],
            name="account_created",
        ),
    ],
    "submissions": [IndexModel([("account_id", ASCENDING), ("at", ASCENDING)], name="account_at")],
    # Things done once per account (`_id` derived from account and key); released by a
    # prefix of the key.
    "once_marks": [
        IndexModel([("account_id", ASCENDING), ("key", ASCENDING)], unique=True, name="account_key")
    ],
    # Idempotency keys of the HTTP API (`_id` derived from account and key); expired ones
    # are forgotten by the account's next claim.
    "idempotency_keys": [
        IndexModel([("account_id", ASCENDING), ("created_at", ASCENDING)], name="account_created")
    ],
    "uploads": [
        IndexModel([("created_at", ASCENDING), ("created_at_us", ASCENDING)], name="created"),
        # Whether any upload still refers to a blob.
        IndexModel([("blob_id", ASCENDING)], name="blob"),
    ],
}


@dataclass(frozen=True)
class Collections:
    """Every collection of the store, from one database handle."""

    domains: AsyncCollection[Doc]
    accounts: AsyncCollection[Doc]
    preferences: AsyncCollection[Doc]  # one document per account, `_id` = account id
    plans: AsyncCollection[Doc]  # `_id` = plan name
    folders: AsyncCollection[Doc]
    messages: AsyncCollection[Doc]
    tags: AsyncCollection[Doc]
    journal: AsyncCollection[Doc]
    orphan_blobs: AsyncCollection[Doc]  # `_id` = blob id
    searches: AsyncCollection[Doc]  # recent searches, `_id` = account id
    identities: AsyncCollection[Doc]  # sender identities
    profiles: AsyncCollection[Doc]  # one document per account, `_id` = account id
    submissions: AsyncCollection[Doc]  # messages sent, `_id` derived from (account, event)
    uploads: AsyncCollection[Doc]  # `_id` = upload id
    idempotency_keys: AsyncCollection[Doc]  # `_id` derived from (account, key)
    filters: AsyncCollection[Doc]  # one document per account, `_id` = account id (mongo_filters)
    # Automation (mongo_automation): claims done once, SMS parts used per account and month.
    # (A read receipt is settled on its messages, by the core: `receipt_claims`, where the
    # release before kept them, is read no more.)
    once_marks: AsyncCollection[Doc]
    sms_usage: AsyncCollection[Doc]

    @classmethod
    def of(cls, db: AsyncDatabase[Doc]) -> Collections:
        return cls(
            domains=db["domains"],
            accounts=db["accounts"],
            preferences=db["preferences"],
            plans=db["plans"],
            folders=db["folders"],
            messages=db["messages"],
            tags=db["tags"],
            journal=db["journal"],
            orphan_blobs=db["orphan_blobs"],
            searches=db["searches"],
            identities=db["identities"],
            profiles=db["profiles"],
            submissions=db["submissions"],
            uploads=db["uploads"],
            idempotency_keys=db["idempotency_keys"],
            filters=db["filters"],
            once_marks=db["once_marks"],
            sms_usage=db["sms_usage"],
        )

    async def create_indexes(self) -> None:
        db = self.accounts.database
        for name, indexes in INDEXES.items():
            await db[name].create_indexes(indexes)
