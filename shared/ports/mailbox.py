"""Mailbox store port: the only owner of accounts, folders, messages and the change journal.

Every mutation writes, in the same transaction, an entry of the account's change journal
with the next modification sequence (modseq). The store service relays unpublished
entries to `mailbox.changed.<account>`; see `services/store/relay.py`.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import datetime, timedelta
from typing import Literal, NamedTuple, Protocol

from shared.events import MailboxChanged
from shared.filters import Filter, FilterFields
from shared.model import (
    Account,
    Delivery,
    FlagChange,
    Folder,
    FolderRole,
    IdempotencyClaim,
    Identity,
    IdentityFields,
    InvalidName,
    MessageSummary,
    NameTooLong,
    NewMessage,
    Page,
    Plan,
    Preferences,
    Profile,
    Quota,
    ReceiptRequest,
    Removal,
    Selection,
    SortKey,
    StoredMessage,
    Tag,
    TagChange,
    TagLimits,
    ThreadKey,
    UidEntry,
    Upload,
    tag_name,
)

BACKLOG_COUNT_LIMIT = 100_000  # a journal backlog is counted up to this, no further


class JournalBacklog(NamedTuple):
    entries: int
    oldest_at: datetime | None  # None when nothing waits


class NotFound(LookupError):
    """The thing does not exist for this account (other accounts' ids look the same)."""


class AccountExists(ValueError):
    """An account with this address already exists."""


class Conflict(ValueError):
    """The name is taken (a sibling folder, a tag)."""


class Refused(ValueError):
    """The operation breaks a rule of the mailbox (a system folder renamed, a subfolder
    under Inbox, a folder moved into itself, a tag renamed…); the message says which."""


class LimitExceeded(Refused):
    """The change would pass a bound of the mailbox (`TagLimits`, a name's length); nothing
    was changed. IMAP answers NO [LIMIT] (RFC 5530), the API 422 `limit_exceeded`."""


def kept_name(rule: Callable[[str], str], name: str) -> str:
    """`rule(name)` (`shared.model.folder_name`, `tag_name`: the name as kept), with its
    refusal as the port's: `LimitExceeded` past the length, else `Refused`."""
    try:
        return rule(name)
    except NameTooLong as exc:
        raise LimitExceeded(str(exc)) from None
    except InvalidName as exc:
        raise Refused(str(exc)) from None


def resolve_tags(change: TagChange, known: Collection[str]) -> tuple[TagChange, list[str]]:
    """A change of tags against the account's tag names `known`: the change in the names
    the tags have, and the new names it makes (`change.create`; else `NotFound`). Only
    new names are held to the rule of names (`kept_name`): existing tags keep working as
    they are. Names to take off that no tag has are dropped."""
    putting = [*change.add, *(change.replace or ())]
    unknown = [n for n in putting if n not in known]
    if unknown and not change.create:
        raise NotFound(f"tag {unknown[0]!r}")
    cleaned = {n: kept_name(tag_name, n) for n in unknown}
    new = [n for n in dict.fromkeys(cleaned.values()) if n not in known]
    resolved = TagChange(
        add=[cleaned.get(n, n) for n in change.add],
        remove=[n for n in change.remove if n in known],
        replace=None if change.replace is None else [cleaned.get(n, n) for n in change.replace],
    )
    return resolved, new


class MailboxStore(Protocol):
    @property
    def tag_limits(self) -> TagLimits:
        """The bounds this store keeps tags within (IMAP announces `\\*` by them)."""
        ...

    # --- accounts -------------------------------------------------------------------
    async def create_account(self, address: str, password_hash: str) -> Account:
        """Create the account (its domain on demand) with its system folders.

        `address` is stored lower-cased. Raises `AccountExists`.
        """
        ...

    async def account_by_address(self, address: str) -> Account | None:
        """The account whose address, or one of whose aliases, is exactly `address`
        (case-insensitive)."""
        ...

    async def account(self, account_id: str) -> Account | None: ...

    async def hosts_domain(self, domain: str) -> bool:
        """Whether Bureau holds accounts or aliases of this domain (case-insensitive): mail
        to an unknown address there is refused, not sent elsewhere."""
        ...

    async def first_account(self, domain: str | None = None) -> Account | None:
        """The oldest account of `domain` (case-insensitive), or of the whole platform when
        None; None when there is none."""
        ...

    # --- aliases and sending rights (F5) -------------------------------------------------
    async def add_alias(self, account_id: str, address: str) -> None:
        """Another address that reaches the account (stored lower-cased, its domain then
        hosted). `AccountExists` if an account or alias already has it; `NotFound`."""
        ...

    async def remove_alias(self, account_id: str, address: str) -> None:
        """`NotFound` if the account has no such alias."""
        ...

    async def aliases(self, account_id: str) -> list[str]:
        """The account's aliases, sorted."""
        ...

    async def set_external_senders(self, account_id: str, allowed: bool) -> None:
        """Whether the account may send as addresses Bureau does not host (`NotFound`)."""
        ...

    async def set_submission_blocked(self, account_id: str, blocked: bool) -> None:
        """Stop (or let again) the account sending mail (`NotFound`)."""
        ...

    async def account_plan(self, account_id: str) -> Plan | None:
        """The plan the account is on, None without one (`NotFound` for a bad account)."""
        ...

    # --- profile and identities (F5, F21, F22) -------------------------------------------
    async def profile(self, account_id: str) -> Profile:
        """The personal profile; an empty one until set (`NotFound` for a bad account)."""
        ...

    async def set_profile(self, account_id: str, profile: Profile) -> Profile: ...

    async def identities(self, account_id: str) -> list[Identity]:
        """The account's sender identities, oldest first. Every account has at least one:
        its own address, created with the account."""
        ...

    async def identity(self, account_id: str, identity_id: str) -> Identity:
        """Raises `NotFound`."""
        ...

    async def create_identity(self, account_id: str, fields: IdentityFields) -> Identity:
        """`Conflict` if the account already has an identity with this address. Whether
        the address may be used is the caller's rule, not the store's."""
        ...

    async def update_identity(
        self, account_id: str, identity_id: str, fields: IdentityFields
    ) -> Identity:
        """Replace every field; `Conflict` on another identity's address; `NotFound`."""
        ...

    async def delete_identity(self, account_id: str, identity_id: str) -> None:
        """`Refused` for the account's last identity; `NotFound`."""
        ...

    # --- sending limits (plan: messages per day) ---------------------------------------
    async def admit_submission(
        self, account_id: str, event_id: str, at: datetime, *, since: datetime, limit: int | None
    ) -> bool:
        """Count a message sent at `at` against the account's limit of `limit` messages
        since `since`; False (and nothing counted) if it would go over. Idempotent by
        `event_id`: a message already counted is admitted again. Concurrent calls never
        admit more than `limit`."""
        ...

    # --- idempotent requests (the HTTP API's Idempotency-Key header) --------------------
    async def claim_idempotency_key(
        self,
        account_id: str,
        key: str,
        digest: str,
        event_id: str,
        now: datetime,
        *,
        expired_before: datetime,
    ) -> IdempotencyClaim:
        """Atomically: the claim of the account's `key`, made now (with `digest`, the
        request's fingerprint, and `event_id`) if the key is unclaimed or its claim was
        made before `expired_before` (such claims are forgotten); else the claim as it is.
        `Conflict` when the key was claimed for a request of another digest. `NotFound`
        for an unknown account."""
        ...

    async def answer_idempotency_key(self, account_id: str, key: str, answer: str) -> None:
        """Keep the answer to the request that claimed `key`, for its retries."""
        ...

    async def release_idempotency_key(self, account_id: str, key: str) -> None:
        """Forget the claim of `key` while it has no answer: its request was refused before
        it did anything, so the key may carry another request."""
        ...

    # --- uploads (attachments of messages being composed) -------------------------------
    async def add_upload(self, upload: Upload) -> Upload: ...

    async def upload(self, account_id: str, upload_id: str) -> Upload:
        """Raises `NotFound` (also for another account's upload)."""
        ...

    async def expire_uploads(self, created_before: datetime, limit: int = 500) -> int:
        """Forget uploads created before `created_before`; their blobs join the orphan
        list (collected after the grace period unless a message or upload uses them).
        Returns how many uploads were forgotten."""
        ...

    # --- folders --------------------------------------------------------------------
    async def folders(self, account_id: str) -> list[Folder]:
        """Every folder of the account with its total and unread counts."""
        ...

    async def folder(self, account_id: str, folder_id: str) -> Folder:
        """Raises `NotFound`."""
        ...

    async def folder_by_role(self, account_id: str, role: FolderRole) -> Folder:
        """Raises `NotFound`."""
        ...

    # --- messages -------------------------------------------------------------------
    async def deliver(self, message: NewMessage) -> Delivery:
        """Add a message, idempotent by (`account_id`, `event_id`).

        A second call with the same event returns the first call's message id with
        `created=False` and changes nothing. Computes the thread id from Message-ID,
        In-Reply-To and References, updates the folder counters and journals
        `message.added`.
        """
        ...

    async def messages(
        self,
        account_id: str,
        folder_id: str,
        *,
        offset: int = 0,
        limit: int = 50,
        sort: SortKey = SortKey.DATE,
        descending: bool = True,
        unread_only: bool = False,
    ) -> Page[MessageSummary]:
        """Messages of a folder, newest first by default; ties broken by id so pages
        neither skip nor repeat. Raises `NotFound` for an unknown folder."""
        ...

    async def tagged(
        self, account_id: str, tag_id: str, *, offset: int = 0, limit: int = 50
    ) -> Page[MessageSummary]:
        """Messages carrying a tag, in any folder, newest first. `NotFound` for a bad tag."""
        ...

    async def message(self, account_id: str, message_id: str) -> StoredMessage:
        """Raises `NotFound`."""
        ...

    async def folder_uids(self, account_id: str, folder_id: str) -> list[UidEntry]:
        """Every message of a folder by ascending UID, with its flags and keywords (what
        IMAP SELECT needs; cheap for tens of thousands). `NotFound` for a bad folder."""
        ...

    async def unread_before(self, account_id: str, folder_id: str, message_id: str) -> bool:
        """Whether an unread message (not marked deleted) that arrived before `message_id`
        (a lower UID) waits in the folder: "first unread only" notifications (F57).
        `NotFound` for a folder or message that is not there."""
        ...

    async def thread_keys(self, account_id: str, folder_id: str) -> list[ThreadKey]:
        """What threading needs of every message of a folder (see `shared.threads`)."""
        ...

    # --- folder changes (each journals folder.changed / folder.removed) ---------------
    async def create_folder(self, account_id: str, name: str, parent_id: str | None) -> Folder:
        """A user folder, at the top or under `parent_id`, with a `uidvalidity` the account
        never gave before (RFC 9051 §2.3.1.1: a name deleted and made again gets a new
        one). `Conflict` if a sibling has the name; `Refused` for a name no folder can have
        (`shared.model.folder_name`), under Inbox, Sent, Spam or a folder in Trash;
        `NotFound` parent."""
        ...

    async def rename_folder(self, account_id: str, folder_id: str, name: str) -> Folder:
        """`Refused` for system folders; `Conflict` if a sibling has the name."""
        ...

    async def move_folder(self, account_id: str, folder_id: str, parent_id: str | None) -> Folder:
        """`Refused` for system folders, into itself or a descendant, or under Inbox, Sent,
        Spam; `Conflict` if the new parent has a folder of that name."""
        ...

    async def delete_folder(self, account_id: str, folder_id: str) -> Folder:
        """Move a user folder, its subfolders and their messages into Trash (F37); they are
        removed for good when Trash is emptied or purged. `Refused` for system folders."""
        ...

    # --- message changes (each journals message.updated/added/removed) ----------------
    async def select(self, account_id: str, selection: Selection) -> list[str]:
        """The ids of the account's messages a selection names (unknown ids dropped)."""
        ...

    async def set_flags(
        self, account_id: str, selection: Selection, change: FlagChange
    ) -> list[str]:
        """Set or clear unread/flagged/deleted/answered/draft; returns the ids that
        changed."""
        ...

    async def change_flags(
        self, account_id: str, selection: Selection, flags: FlagChange, tags: TagChange
    ) -> list[str]:
        """Flags and tags of messages in one change (IMAP STORE): each message is read and
        written once, whatever the number of tags, and journals one `message.updated` if
        its flags or tags changed. Returns the ids that changed. Tags `tags.create` makes
        are made grey with the change. `LimitExceeded`, changing nothing, when the change
        names more than `tag_limits.per_change` message-tag pairs or more tags than a
        message may carry, when it would make the account more tags than it may have, or
        when a message would come to carry more than `per_message` tags; `Refused` for a
        name no tag can have; `NotFound` for a name without a tag and without `create`."""
        ...

    async def move_messages(
        self, account_id: str, selection: Selection, folder_id: str
    ) -> list[str]:
        """Move to another folder (new UIDs there); returns the ids moved."""
        ...

    async def copy_messages(
        self, account_id: str, selection: Selection, folder_id: str
    ) -> list[str]:
        """Copy into a folder (the copies share the blob); returns the new ids, in order."""
        ...

    async def trash_messages(self, account_id: str, selection: Selection) -> list[str]:
        """Delete: move to Trash, remembering where each came from (F38). Messages already in
        Trash (or a folder inside it) are removed for good. Returns the ids affected."""
        ...

    async def restore_messages(self, account_id: str, selection: Selection) -> list[str]:
        """Move messages out of Trash to the folder they came from (Inbox if that folder is
        gone or itself in Trash). Returns the ids restored."""
        ...

    async def destroy_messages(self, account_id: str, selection: Selection) -> Removal:
        """Remove for good, whatever their folder."""
        ...

    async def empty_trash(self, account_id: str) -> Removal:
        """Remove for good every message in Trash and every folder inside it."""
        ...

    async def purge_trash(self, account_id: str, older_than: datetime) -> Removal:
        """Remove for good what went to Trash before `older_than` (messages by the time they
        were trashed; folders in Trash with them once empty)."""
        ...

    async def make_room(self, account_id: str, needed_bytes: int) -> Removal:
        """Remove the oldest Trash messages until `needed_bytes` more fit in the quota (F40)."""
        ...

    # --- tags and comments -----------------------------------------------------------
    async def tags(self, account_id: str) -> list[Tag]: ...

    async def create_tag(self, account_id: str, name: str, color: str) -> Tag:
        """`Conflict` if the account has a tag of that name; `Refused` for a name no tag can
        have (`shared.model.tag_name`); `LimitExceeded` once the account has
        `tag_limits.per_account` tags."""
        ...

    async def set_tag_color(self, account_id: str, tag_id: str, color: str) -> Tag: ...

    async def delete_tag(self, account_id: str, tag_id: str) -> None:
        """Delete the tag and take it off every message (each journals message.updated)."""
        ...

    async def tag_messages(
        self, account_id: str, selection: Selection, tag_id: str, *, add: bool
    ) -> list[str]:
        """Put a tag on (add) or take it off messages; returns the ids that changed. As
        `change_flags`: `LimitExceeded`, changing nothing, for more messages than
        `tag_limits.per_change`, or a message that would carry more than `per_message`."""
        ...

    async def set_comment(self, account_id: str, message_id: str, comment: str | None) -> None:
        """The message's private comment (F51); None or "" removes it."""
        ...

    # --- preferences, plans, quota ---------------------------------------------------
    async def preferences(self, account_id: str) -> Preferences: ...

    async def set_preferences(self, account_id: str, preferences: Preferences) -> Preferences: ...

    async def set_plan(self, plan: Plan) -> Plan:
        """Create or replace a plan."""
        ...

    async def plans(self) -> list[Plan]: ...

    async def assign_plan(self, account_id: str, plan_name: str | None) -> None:
        """Put an account on a plan (None: no plan, no limits). `NotFound` for a bad name."""
        ...

    async def quota(self, account_id: str) -> Quota: ...

    async def accounts(self, *, after: str | None = None, limit: int = 500) -> list[Account]:
        """Every account, by id, a page at a time (for periodic jobs)."""
        ...

    # --- filters (F25-F27), in the user's order ------------------------------------------
    async def filters(self, account_id: str) -> list[Filter]:
        """The account's filters by `position` (0 first)."""
        ...

    async def create_filter(
        self, account_id: str, fields: FilterFields, position: int | None = None
    ) -> Filter:
        """Insert at `position` (clamped; None: last), moving the others down."""
        ...

    async def update_filter(self, account_id: str, filter_id: str, fields: FilterFields) -> Filter:
        """Replace every field but the position. `NotFound`."""
        ...

    async def delete_filter(self, account_id: str, filter_id: str) -> None:
        """`NotFound`; the positions after it close up."""
        ...

    async def reorder_filters(self, account_id: str, filter_ids: list[str]) -> list[Filter]:
        """Put the filters in this order; `Refused` unless `filter_ids` names each of the
        account's filters exactly once."""
        ...

    async def replace_filters(self, account_id: str, filters: list[FilterFields]) -> list[Filter]:
        """Replace all the account's filters at once (a Sieve import), in this order."""
        ...

    # --- IMAP subscriptions (RFC 3501 §6.3.6) -------------------------------------------
    async def subscriptions(self, account_id: str) -> list[str]:
        """Mailbox names the account subscribed to, sorted (they need not exist)."""
        ...

    async def set_subscribed(self, account_id: str, name: str, subscribed: bool) -> None:
        """Subscribe to or unsubscribe from a name; idempotent (`NotFound` for a bad
        account)."""
        ...

    # --- automation state (F24, F48, F56, F57) -----------------------------------------
    async def claim_once(
        self, account_id: str, key: str, now: datetime, *, every: timedelta | None = None
    ) -> bool:
        """Atomically: True, recording `now`, when `key` was never claimed for the account
        (or, with `every`, was last claimed at least `every` before `now`); otherwise
        False, changing nothing. One vacation reply per sender per N days
        (`vacation:<sender>`), a warning given once, a notification sent once.
        `NotFound` for an unknown account."""
        ...

    async def release_once(self, account_id: str, prefix: str) -> int:
        """Forget the account's claims whose key starts with `prefix` (a vacation switched
        on again replies afresh); how many were forgotten."""
        ...

    async def debit_sms(self, account_id: str, parts: int, now: datetime) -> bool:
        """Take `parts` SMS from the account's credit: the plan's `sms_credit` per calendar
        month (UTC) of `now`. False, taking nothing, when that would exceed the credit;
        always True for an account whose plan sets no credit (or with no plan), the use
        still counted. `NotFound` for an unknown account."""
        ...

    async def sms_used(self, account_id: str, now: datetime) -> int:
        """SMS parts the account used in the calendar month (UTC) of `now`."""
        ...

    async def receipt_requests(self, account_id: str) -> list[ReceiptRequest]:
        """The account's messages whose read receipt is pending (not sent nor dismissed),
        oldest first; messages in Trash included, destroyed ones gone."""
        ...

    async def settle_receipt(
        self, account_id: str, message_id: str, state: Literal["sent", "dismissed"]
    ) -> str | None:
        """Move a message's read receipt from pending to `state`, once: the address the
        receipt goes to when this call settled it; None when the message asked for no
        receipt or it was settled before (so a receipt is never sent twice). `NotFound`
        for a message not in the account."""
        ...

    # --- recent searches (F32) ---------------------------------------------------------
    async def remember_search(self, account_id: str, query: str, *, keep: int = 5) -> None:
        """Put `query` first among the account's recent searches (once: a repeat moves it
        up), keeping the `keep` newest."""
        ...

    async def recent_searches(self, account_id: str) -> list[str]:
        """The account's recent searches, newest first."""
        ...

    # --- blobs no message refers to ---------------------------------------------------
    async def orphan_blobs(self, limit: int = 500) -> list[tuple[str, datetime]]:
        """Blobs that lost their last message, with when that happened, oldest first."""
        ...

    async def settle_orphan(self, blob_id: str) -> bool:
        """Take a blob off the orphan list; True if still no message or upload refers to it
        (so the caller may delete it), False if one refers to it again."""
        ...

    # --- change journal -------------------------------------------------------------
    async def unpublished_changes(self, limit: int = 256) -> list[MailboxChanged]:
        """Journal entries not yet relayed to the bus, oldest first."""
        ...

    async def mark_published(self, change_ids: list[str]) -> None: ...

    async def highest_modseq(self, account_id: str) -> int:
        """The modseq of the account's latest journal entry (0 before any change): a reader
        that has seen every entry up to it is up to date. `NotFound` for a bad account."""
        ...

    async def changes_since(
        self, account_id: str, modseq: int, limit: int = 1000
    ) -> list[MailboxChanged]:
        """Journal entries of one account with a modseq above `modseq`, in order."""
        ...

    async def journal_backlog(self) -> JournalBacklog:
        """How many journal entries wait for the relay (counted up to `BACKLOG_COUNT_LIMIT`),
        and when the oldest of them was written: the relay's lag, for the metrics."""
        ...

    async def ping(self) -> None:
        """Raise unless the store answers now: a cheap check for readiness that reads
        nothing of any account."""
        ...

    async def close(self) -> None: ...
