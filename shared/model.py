"""Mailbox domain types that cross the store, index and gateway ports."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Generic, Literal, TypeVar

from pydantic import BaseModel, Field, model_validator


class FolderRole(StrEnum):
    """System folders every account has; user folders have no role."""

    INBOX = "inbox"
    SENT = "sent"
    DRAFTS = "drafts"
    TEMPLATES = "templates"
    TRASH = "trash"
    SPAM = "spam"


SYSTEM_FOLDERS: dict[FolderRole, str] = {
    FolderRole.INBOX: "Inbox",
    FolderRole.SENT: "Sent",
    FolderRole.DRAFTS: "Drafts",
    FolderRole.TEMPLATES: "Templates",
    FolderRole.TRASH: "Trash",
    FolderRole.SPAM: "Spam",
}


class Account(BaseModel):
    id: str
    address: str
    password_hash: str = Field(repr=False)
    created_at: datetime
    # The administrator lets this account send as addresses Bureau does not host (F5).
    external_senders: bool = False
    # The administrator stopped this account from sending (abuse): SMTP submission and
    # the HTTP API refuse its messages.
    submission_blocked: bool = False


# How many levels a folder path has at most ("Work/Clients/2026" has 3): deeper trees are
# refused, so no client walks a tree deeper than it can (IMAP lists it as one name).
MAX_FOLDER_DEPTH = 32
# Folders under which no subfolder may be created (FEATURES F37).
NO_SUBFOLDERS: frozenset[FolderRole] = frozenset(
    {FolderRole.INBOX, FolderRole.SENT, FolderRole.SPAM}
)


# A read receipt asked for (RFC 8098): waiting for the user, sent, or dismissed.
ReceiptState = Literal["pending", "sent", "dismissed"]
# always: sent on opening; never: not sent; ask: listed as pending until sent or dismissed.
ReceiptPolicy = Literal["always", "never", "ask"]
# first: for the first unread message of the Inbox only; each: for every new message.
NotifyMode = Literal["off", "first", "each"]


class Folder(BaseModel):
    id: str
    account_id: str
    name: str
    role: FolderRole | None = None
    parent_id: str | None = None
    total: int = 0
    unread: int = 0
    # A descendant folder holds unread mail (the folder list shows it in bold, F35).
    unread_below: bool = False
    # IMAP (RFC 3501 §2.3.1.1): UIDs are stable per folder while uidvalidity stays.
    uidvalidity: int = 1
    uidnext: int = 1


class Address(BaseModel):
    """One mailbox of an address header: display name and addr-spec."""

    name: str = ""
    address: str = ""

    def display(self) -> str:
        if self.name and self.address:
            return f"{self.name} <{self.address}>"
        return self.address or self.name


class Attachment(BaseModel):
    part: str  # MIME part path, e.g. "2" or "2.1"
    filename: str
    content_type: str
    size: int
    content_id: str | None = None
    inline: bool = False


class ParsedMessage(BaseModel):
    """What the store keeps beside the raw blob: best-effort parse of RFC 5322 / MIME."""

    message_id: str | None = None
    in_reply_to: list[str] = Field(default_factory=list)
    references: list[str] = Field(default_factory=list)
    subject: str = ""
    sender: Address | None = None
    to: list[Address] = Field(default_factory=list)
    cc: list[Address] = Field(default_factory=list)
    date: datetime | None = None
    headers: list[tuple[str, str]] = Field(default_factory=list)
    text_body: str = ""
    html_body: str = ""
    attachments: list[Attachment] = Field(default_factory=list)
    defects: list[str] = Field(default_factory=list)


class NewMessage(BaseModel):
    """A message to add to one folder of one account (the store's `deliver` input)."""

    event_id: str
    account_id: str
    folder_id: str
    blob_id: str
    size: int
    received_at: datetime
    unread: bool = True
    flagged: bool = False
    # IMAP flags a client may give with APPEND (RFC 3501 §2.3.2).
    answered: bool = False
    draft: bool = False
    deleted: bool = False
    filters: list[str] = Field(default_factory=list)  # ids of the user's filters that matched
    # What the user's filters add, written with the message (one change, one journal entry):
    # names of tags the account has, and a private comment.
    tags: list[str] = Field(default_factory=list)
    comment: str | None = None
    # Incoming mail asking for a read receipt (RFC 8098 Disposition-Notification-To): the
    # address the receipt goes to. The message starts with receipt "pending".
    receipt_to: str | None = None
    parsed: ParsedMessage


class MessageSummary(BaseModel):
    """A message as listed in a folder."""

    id: str
    account_id: str
    folder_id: str
    blob_id: str
    subject: str
    sender: Address | None
    to: list[Address]
    cc: list[Address] = Field(default_factory=list)
    date: datetime  # header Date, else arrival time
    received_at: datetime
    size: int
    unread: bool
    flagged: bool
    has_attachments: bool
    thread_id: str
    modseq: int
    uid: int = 0
    tags: list[str] = Field(default_factory=list)  # tag names (tags cannot be renamed)
    has_comment: bool = False
    deleted: bool = False  # IMAP \Deleted, not yet expunged
    trashed_from: str | None = None  # folder a message in Trash came from
    answered: bool = False  # IMAP \Answered
    draft: bool = False  # IMAP \Draft
    # A read receipt the sender asked for (RFC 8098, F48): None when none was asked.
    receipt: ReceiptState | None = None


class StoredMessage(MessageSummary):
    """A message with everything the store parsed from it."""

    message_id: str | None
    in_reply_to: list[str]
    references: list[str]
    headers: list[tuple[str, str]]
    text_body: str
    html_body: str
    attachments: list[Attachment]
    comment: str | None = None
    filters: list[str] = Field(default_factory=list)  # the filters that acted on arrival


class Delivery(BaseModel):
    """Result of `MailboxStore.deliver`: the message id, and whether this call created it."""

    message_id: str
    created: bool


T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int


class SortKey(StrEnum):
    DATE = "date"
    SENDER = "from"
    SUBJECT = "subject"
    SIZE = "size"


class Selection(BaseModel):
    """Which messages an operation acts on: some messages by id, or a whole folder, or the
    messages of a folder older than a date (F39). Always within one account."""

    message_ids: list[str] | None = None
    folder_id: str | None = None
    before: datetime | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> Selection:
        if (self.message_ids is None) == (self.folder_id is None):
            raise ValueError("give either message_ids or folder_id")
        if self.before is not None and self.folder_id is None:
            raise ValueError("before applies to a folder_id selection")
        return self

    @classmethod
    def of(cls, *message_ids: str) -> Selection:
        return cls(message_ids=list(message_ids))


class FlagChange(BaseModel):
    """Flags to set (True), clear (False) or leave (None)."""

    unread: bool | None = None
    flagged: bool | None = None
    deleted: bool | None = None
    answered: bool | None = None
    draft: bool | None = None


class Removal(BaseModel):
    """What a permanent deletion removed. Blobs no message uses any more are recorded by the
    store as orphans; the blob collector deletes them after a grace period."""

    message_ids: list[str] = Field(default_factory=list)
    folder_ids: list[str] = Field(default_factory=list)
    freed_bytes: int = 0


class Tag(BaseModel):
    id: str
    account_id: str
    name: str
    color: str  # "#rrggbb"


DEFAULT_TAG_COLOR = "#808080"  # a tag made without a colour: by an IMAP keyword, a filter


class TagChange(BaseModel):
    """Tags, by name, to put on messages (`add`, after those they carry) or take off
    (`remove`), or the exact tags they are to carry (`replace`, IMAP STORE FLAGS).
    With `create`, a name the account has no tag of becomes a new tag (grey); without,
    such a name is `NotFound` (in `remove`: nothing to take off)."""

    add: list[str] = Field(default_factory=list)
    remove: list[str] = Field(default_factory=list)
    replace: list[str] | None = None
    create: bool = False

    @property
    def named(self) -> int:
        """How many tag names the change names: with the messages, its size."""
        return len(self.add) + len(self.remove) + len(self.replace or ())

    def apply(self, tags: list[str]) -> list[str]:
        """`tags` after the change; the order tags were put on is kept."""
        if self.replace is not None:
            wanted, added = set(self.replace), self.replace
            kept = [t for t in tags if t in wanted]
        else:
            removed, added = set(self.remove), self.add
            kept = [t for t in tags if t not in removed]
        present = set(kept)
        return kept + [t for t in dict.fromkeys(added) if t not in present]


@dataclass(frozen=True, slots=True)
class TagLimits:
    """Bounds of tags (IMAP keywords are tags), so that no account can make its mailbox
    slow for every client; an operator may change them (`BUREAU_MAX_TAGS_*`). A change
    that would pass one is refused whole (`LimitExceeded`); tags and messages that are
    past a bound already (made before it was lowered) keep working, only growth stops."""

    per_message: int = 64  # tags one message carries
    per_account: int = 1000  # distinct tags of an account
    per_change: int = 100_000  # message-tag pairs of one change (one IMAP STORE)

    def too_large(self, messages: int, change: TagChange) -> str | None:
        """Why a change of `messages` messages names too much at once (more tags than a
        message may carry, more message-tag pairs than one change may), or None."""
        named = len(set(change.add) | set(change.replace or ()))
        if named > self.per_message:
            return f"{named} tags named at once, but a message carries at most {self.per_message}"
        pairs = messages * change.named
        if pairs > self.per_change:
            return (
                f"{messages} messages by {change.named} tags is {pairs} changes,"
                f" at most {self.per_change} at once"
            )
        return None

    def too_many(self, before: list[str], after: list[str]) -> str | None:
        """Why a message cannot go from tags `before` to `after` (it would grow past the
        bound), or None: one past it already may still lose tags."""
        if len(after) > len(before) and len(after) > self.per_message:
            return f"a message carries at most {self.per_message} tags"
        return None


# --- names of folders and tags ---------------------------------------------------------

MAX_FOLDER_NAME = 255
MAX_TAG_NAME = 64  # and so of an IMAP keyword

# Bidirectional controls (Unicode TR 9) make a name display as another ("Trojan Source",
# CVE-2021-42574); controls (C0, DEL, C1) and lone surrogates are never text.
_BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)


class InvalidName(ValueError):
    """A folder or tag name the mailbox cannot keep; the message says why."""


class NameTooLong(InvalidName):
    """A name past its length bound."""


def _clean(name: str, kind: str, max_length: int) -> str:
    for char in name:
        if char in _BIDI_CONTROLS or unicodedata.category(char) in ("Cc", "Cs"):
            what = "bidirectional control" if char in _BIDI_CONTROLS else "control"
            raise InvalidName(f"a {kind} name cannot hold the {what} character U+{ord(char):04X}")
    name = " ".join(name.split())  # runs of spaces made one, none at either end
    if not name:
        raise InvalidName(f"a {kind} needs a name")
    if len(name) > max_length:
        raise NameTooLong(f"a {kind} name has at most {max_length} characters")
    return name


def folder_name(name: str) -> str:
    """A folder's name as it is kept; `InvalidName` for one that cannot be. The one rule
    of both mailbox adapters and the API."""
    name = _clean(name, "folder", MAX_FOLDER_NAME)
    if "/" in name:
        raise InvalidName("a folder name cannot hold '/'")
    return name


def tag_name(name: str) -> str:
    """A tag's name as it is kept; `InvalidName` for one that cannot be."""
    return _clean(name, "tag", MAX_TAG_NAME)


class Vacation(BaseModel):
    """The vacation reply (F24). Replies follow RFC 3834: at most one per sender per
    `days`, never to lists, bulk or automatic mail, nor when not a direct recipient."""

    enabled: bool = False
    start: date | None = None  # first day (UTC) replies go, inclusive; None: from now
    end: date | None = None  # last day (UTC), inclusive; None: until switched off
    subject: str = Field(default="Out of office", min_length=1, max_length=256)
    text: str = Field(default="", max_length=10_000)
    days: int = Field(default=7, ge=1, le=90)  # one reply per sender per `days`

    def active(self, now: datetime) -> bool:
        """Whether replies go at `now` (an aware datetime; its UTC date counts)."""
        if not self.enabled:
            return False
        today = now.astimezone(UTC).date() if now.tzinfo else now.date()
        return (self.start is None or self.start <= today) and (
            self.end is None or today <= self.end
        )


class Forwarding(BaseModel):
    """Automatic forwarding of incoming mail (F56). Forwarded mail is removed from the
    account unless `keep`; mail that went through this account's forwarding before is
    kept instead (loop protection) and the user warned once."""

    address: str | None = Field(default=None, max_length=320)
    keep: bool = False


class Notifications(BaseModel):
    """New-mail notifications (F57): by e-mail to the default address, by SMS to the
    profile's mobile number (while the SMS credit lasts)."""

    email: NotifyMode = "off"
    sms: NotifyMode = "off"


class ReceiptRequest(BaseModel):
    """A received message asking for a read receipt the user has not yet sent or
    dismissed (F48, preference "ask")."""

    message_id: str
    folder_id: str
    to: str  # where the receipt goes (Disposition-Notification-To)
    subject: str
    sender: Address | None
    received_at: datetime


PagingMode = Literal["auto", "paginated", "full"]
DisplayModeName = Literal["text", "filtered", "filtered_images", "original"]


class Preferences(BaseModel):
    """A user's Messages preferences (F19, F20, F55, F18, F40)."""

    page_size: int = Field(default=50, ge=5, le=500)
    # auto: paginate folders of AUTO_PAGING_THRESHOLD messages or more (F55).
    paging_mode: PagingMode = "auto"
    thread_view: bool = False
    display_mode: DisplayModeName = "filtered"
    trash_retention_days: int = Field(default=30, ge=1, le=3650)
    # Sending (F5, F48): the identity new messages start from (None: the account's own
    # address), and whether every message asks for a read receipt.
    default_identity_id: str | None = None
    always_request_receipt: bool = False
    # Receiving (F48): what to do when a message the user opens asks for a read receipt.
    send_receipts: ReceiptPolicy = "ask"
    vacation: Vacation = Field(default_factory=lambda: Vacation())
    forwarding: Forwarding = Field(default_factory=lambda: Forwarding())
    notifications: Notifications = Field(default_factory=lambda: Notifications())


AUTO_PAGING_THRESHOLD = 200


class Plan(BaseModel):
    """A subscription's limits; None is unlimited."""

    name: str = Field(min_length=1, max_length=64)
    storage_bytes: int | None = Field(default=None, ge=0)
    messages_per_day: int | None = Field(default=None, ge=0)
    recipients_per_message: int | None = Field(default=None, ge=0)
    lists: int | None = Field(default=None, ge=0)
    sms_credit: int | None = Field(default=None, ge=0)
    # Appended to every message an account of the plan sends; users cannot remove it (F23).
    signature: str = Field(default="", max_length=4000)


class Quota(BaseModel):
    """Storage use of one account against its plan (the gauge, F58)."""

    plan: str | None
    used_bytes: int
    trash_bytes: int  # reclaimable: Trash goes first when new mail needs the space (F40)
    limit_bytes: int | None

    def admits(self, size: int) -> bool:
        """Whether `size` more bytes fit, counting Trash as space that can be freed."""
        if self.limit_bytes is None:
            return True
        return self.used_bytes - self.trash_bytes + size <= self.limit_bytes


class ThreadKey(BaseModel):
    """What threading needs of a message (JWZ: Message-ID, In-Reply-To, References, subject);
    see `shared.mail.threads`."""

    id: str  # store id
    message_id: str | None = None  # Message-ID header value, e.g. "<a@example.net>"
    in_reply_to: list[str] = Field(default_factory=list)
    references: list[str] = Field(default_factory=list)
    subject: str = ""
    date: datetime  # all messages aware (UTC) or all naive: they are compared
    unread: bool = False


# --- sending: profile, identities, uploads (F5, F21, F22) ----------------------------

PhoneKind = Literal["work", "home", "mobile", "fax", "other"]
PlaceKind = Literal["work", "home", "other"]


class Phone(BaseModel):
    kind: PhoneKind = "work"
    number: str = Field(min_length=1, max_length=64)


class PostalAddress(BaseModel):
    kind: PlaceKind = "work"
    street: str = Field(default="", max_length=256)
    city: str = Field(default="", max_length=128)
    region: str = Field(default="", max_length=128)
    postcode: str = Field(default="", max_length=32)
    country: str = Field(default="", max_length=128)


class Profile(BaseModel):
    """The user's personal profile. Its vCard (F22) carries every field but `comments`
    and `tags`, which stay private."""

    full_name: str = Field(default="", max_length=256)
    first_name: str = Field(default="", max_length=128)
    last_name: str = Field(default="", max_length=128)
    company: str = Field(default="", max_length=256)
    department: str = Field(default="", max_length=256)
    job_title: str = Field(default="", max_length=256)
    emails: list[str] = Field(default_factory=list, max_length=20)
    phones: list[Phone] = Field(default_factory=list, max_length=20)
    addresses: list[PostalAddress] = Field(default_factory=list, max_length=10)
    website: str = Field(default="", max_length=512)
    birthday: date | None = None
    comments: str = Field(default="", max_length=10_000)
    tags: list[str] = Field(default_factory=list, max_length=50)


class IdentityFields(BaseModel):
    """What a user sets on a sender identity; its signature is one per identity (F21)."""

    address: str = Field(min_length=3, max_length=320)  # addr-spec, stored lower-cased
    name: str = Field(default="", max_length=256)  # display name in From
    reply_to: str | None = Field(default=None, max_length=320)
    signature_text: str = Field(default="", max_length=20_000)
    signature_html: str = Field(default="", max_length=100_000)  # sanitised by the gateway
    # Put the signature into new messages, replies and forwards automatically.
    signature_auto: bool = True


class Identity(IdentityFields):
    id: str
    account_id: str


class Upload(BaseModel):
    """A file uploaded for a message being composed; its bytes are a blob. Uploads are
    kept for a while and then expire; a sent or saved message holds its own copy."""

    id: str
    account_id: str
    blob_id: str
    filename: str
    content_type: str
    size: int
    created_at: datetime


class IdempotencyClaim(BaseModel):
    """A client's `Idempotency-Key`, claimed by the first request that carried it: every
    retry of that request does its work under the same `event_id`, and once it succeeded
    gets its `answer` (the JSON it was answered) again."""

    event_id: str
    answer: str | None = None  # None until the request that claimed the key succeeded


@dataclass(frozen=True, slots=True)
class UidEntry:
    """What IMAP keeps per message of a selected folder (RFC 3501 §2.3): its UID, flags,
    keywords (the tag names), size and internal date. A plain record, not a pydantic
    model: a SELECT makes one per message of the folder, tens of thousands at a time."""

    uid: int
    id: str
    blob_id: str
    unread: bool
    flagged: bool
    deleted: bool
    answered: bool
    draft: bool
    tags: list[str]
    size: int
    received_at: datetime
    modseq: int
