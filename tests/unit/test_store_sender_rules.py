"""The store core's rules for accounts, senders, submissions and idempotency keys: pure
functions both adapters call, so each is tested here once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.store.core import identities, submissions
from services.store.core.accounts import new_account
from services.store.core.directory import address_of, lookup_key, page_size
from services.store.core.idempotency import StoredClaim, claimed
from shared.events import derived_id
from shared.mail.addresses import InvalidAddress
from shared.model import SYSTEM_FOLDERS, Account, IdentityFields
from shared.ports.mailbox import Conflict, NotFound, Refused

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def test_an_address_is_kept_lower_cased_without_brackets_with_its_domain() -> None:
    assert address_of(" <Ann.Lee@Example.ORG> ") == ("ann.lee@example.org", "example.org")
    with pytest.raises(InvalidAddress):
        address_of("not an address")


def test_lookups_ignore_case_and_spaces() -> None:
    assert lookup_key("  Ann@Example.Org ") == "ann@example.org"
    assert lookup_key("Example.ORG") == "example.org"


@pytest.mark.parametrize(("limit", "size"), [(500, 500), (1, 1), (0, 0), (-1, 0)])
def test_a_page_of_zero_or_less_is_empty_not_unbounded(limit: int, size: int) -> None:
    assert page_size(limit) == size


def test_a_new_account_has_its_domain_primary_identity_and_system_folders() -> None:
    new = new_account("Ann@Example.Org", "hash", NOW)
    account = new.account
    assert account.address == "ann@example.org"
    assert account.created_at == NOW and account.password_hash == "hash"
    assert new.domain == "example.org"
    assert new.identity.id == derived_id(account.id, "identity")
    assert (new.identity.account_id, new.identity.address) == (account.id, account.address)
    assert [f.role for f in new.folders] == list(SYSTEM_FOLDERS)
    assert all(f.account_id == account.id and f.uidnext == 1 for f in new.folders)
    validities = [f.uidvalidity for f in new.folders]
    assert validities == sorted(set(validities)) and new.uidvalidity == validities[-1]
    assert validities[0] >= int(NOW.timestamp())
    assert new_account("ann@example.org", "hash", NOW).account.id != account.id


def test_an_account_lists_its_aliases_sorted_without_its_own_address() -> None:
    own = "ann@example.org"
    assert identities.listed_aliases(own, [own, "zed@example.org", "bo@example.org"]) == [
        "bo@example.org",
        "zed@example.org",
    ]


def test_an_alias_is_removed_by_its_address_in_any_case() -> None:
    own = "ann@example.org"
    assert identities.alias_to_remove(own, ["bo@example.org"], " Bo@Example.ORG") == (
        "bo@example.org"
    )


@pytest.mark.parametrize(
    ("own", "address"),
    [
        ("ann@example.org", "ann@example.org"),  # its own address is no alias
        ("ann@example.org", "cy@example.org"),  # not one of its aliases
        (None, "bo@example.org"),  # no such account
    ],
)
def test_removing_what_is_not_an_alias_is_not_found(own: str | None, address: str) -> None:
    with pytest.raises(NotFound):
        identities.alias_to_remove(own, ["ann@example.org", "bo@example.org"], address)


def test_identities_keep_their_address_lower_cased_and_their_other_fields() -> None:
    fields = IdentityFields(address=" Ann@Example.ORG ", name="Ann", signature_auto=False)
    made = identities.new_identity("acc", fields)
    assert (made.account_id, made.address, made.name, made.signature_auto) == (
        "acc",
        "ann@example.org",
        "Ann",
        False,
    )
    assert identities.new_identity("acc", fields).id != made.id
    updated = identities.replaced("acc", made.id, fields.model_copy(update={"name": ""}))
    assert (updated.id, updated.address, updated.name) == (made.id, "ann@example.org", "")
    assert identities.fields_of(updated) == IdentityFields(
        address="ann@example.org", signature_auto=False
    )


def test_the_primary_identity_is_the_accounts_own_address_without_a_name() -> None:
    account = Account(id="acc", address="ann@example.org", password_hash="h", created_at=NOW)
    primary = identities.primary(account)
    assert (primary.id, primary.address, primary.name) == (
        derived_id("acc", "identity"),
        "ann@example.org",
        "",
    )


def test_the_last_identity_is_never_deleted() -> None:
    assert identities.deletable(2)
    assert not identities.deletable(1) and not identities.deletable(0)
    assert isinstance(identities.last_identity(), Refused)
    assert isinstance(identities.address_taken("ann@example.org"), Conflict)


def test_the_window_admits_up_to_its_limit() -> None:
    assert submissions.admits(0, 1) and submissions.admits(4, 5)
    assert not submissions.admits(5, 5) and not submissions.admits(1, 0)
    assert submissions.admits(10_000, None)


def test_submissions_are_kept_as_long_as_the_window_or_two_days() -> None:
    day = timedelta(days=1)
    assert submissions.forget_before(NOW, NOW - day) == NOW - 2 * day
    assert submissions.forget_before(NOW, NOW - 7 * day) == NOW - 7 * day


def test_a_new_key_is_claimed_under_the_requests_event_id() -> None:
    assert claimed(None, "d1", "ev1").model_dump() == {"event_id": "ev1", "answer": None}


def test_a_claimed_key_replays_the_first_request_and_its_answer() -> None:
    stored = StoredClaim(digest="d1", event_id="ev0", answer='{"id": "m1"}')
    assert claimed(stored, "d1", "ev1").model_dump() == {
        "event_id": "ev0",
        "answer": '{"id": "m1"}',
    }
    unanswered = StoredClaim(digest="d1", event_id="ev0", answer=None)
    assert claimed(unanswered, "d1", "ev1").event_id == "ev0"


def test_a_key_used_for_another_request_is_a_conflict() -> None:
    with pytest.raises(Conflict):
        claimed(StoredClaim(digest="d1", event_id="ev0", answer=None), "d2", "ev1")
