"""Conversation threading (JWZ / RFC 5256 §2.2), case by case."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from shared.mail.threads import (
    Thread,
    base_subject,
    is_reply_subject,
    normalise_subject,
    thread_messages,
)
from shared.model import ThreadKey
from tests.scaling import LINEAR_BOUND, growth

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def msg(
    id: str,
    subject: str = "",
    *,
    mid: str | None = "auto",
    refs: tuple[str, ...] = (),
    irt: tuple[str, ...] = (),
    at: int | None = None,
    unread: bool = False,
) -> ThreadKey:
    """A message with store id `id`, Message-ID `<id@x>` unless given, `at` minutes after
    T0 (default: its number, so m1 < m2 < …)."""
    minutes = at if at is not None else int("".join(c for c in id if c.isdigit()) or 0)
    return ThreadKey(
        id=id,
        message_id=f"<{id}@x>" if mid == "auto" else mid,
        references=[f"<{r}@x>" for r in refs],
        in_reply_to=[f"<{r}@x>" for r in irt],
        subject=subject,
        date=T0 + timedelta(minutes=minutes),
        unread=unread,
    )


def groups(threads: list[Thread]) -> list[list[str]]:
    return [t.message_ids for t in threads]


# (name, messages, expected threads: store ids, newest activity first)
CASES: list[tuple[str, list[ThreadKey], list[list[str]]]] = [
    ("nothing", [], []),
    ("one message", [msg("m1", "Hi")], [["m1"]]),
    (
        "reply chain by References",
        [
            msg("m1", "Plan"),
            msg("m2", "Re: Plan", refs=("m1",), irt=("m1",)),
            msg("m3", "Re: Plan", refs=("m1", "m2"), irt=("m2",)),
        ],
        [["m1", "m2", "m3"]],
    ),
    (
        "replies with a changed subject stay in the thread",
        [msg("m1", "Plan"), msg("m2", "Lunch instead?", refs=("m1",))],
        [["m1", "m2"]],
    ),
    (
        "In-Reply-To only",
        [msg("m1", "Plan"), msg("m2", "Re: Plan", irt=("m1",)), msg("m3", "x", irt=("m2",))],
        [["m1", "m2", "m3"]],
    ),
    (
        "In-Reply-To not at the end of References is appended",
        [msg("m1", "a"), msg("m2", "b"), msg("m3", "c", refs=("m1",), irt=("m2",))],
        [["m1", "m2", "m3"]],
    ),
    (
        "missing middle message: the siblings stay together",
        [
            msg("m1", "Plan"),
            msg("m3", "Re: Plan", refs=("m1", "m2")),
            msg("m4", "Re: Plan", refs=("m1", "m2")),
        ],
        [["m1", "m3", "m4"]],
    ),
    (
        "missing root: replies to the same lost message stay together",
        [
            msg("m2", "Different words", refs=("m1",)),
            msg("m3", "Other words", refs=("m1",)),
        ],
        [["m2", "m3"]],
    ),
    (
        "a reply arriving before its parent",
        [msg("m2", "Re: Plan", refs=("m1",), at=1), msg("m1", "Plan", at=5)],
        [["m2", "m1"]],
    ),
    (
        "messages without a Message-ID still thread by their references",
        [msg("m1", "Plan"), msg("m2", "Re: Plan", mid=None, refs=("m1",))],
        [["m1", "m2"]],
    ),
    (
        "messages without a Message-ID or references stay apart",
        [msg("m1", "Note", mid=None), msg("m2", "Other", mid=None)],
        [["m2"], ["m1"]],
    ),
    (
        "duplicate Message-ID: the copy joins the thread",
        [
            msg("m1", "Plan", mid="<same@x>"),
            msg("m2", "Plan", mid="<same@x>"),
            msg("m3", "Re: Plan", refs=("same",)),
        ],
        [["m1", "m2", "m3"]],
    ),
    (
        "duplicate Message-ID on unrelated mail (broken sender) stays apart",
        [msg("m1", "Invoice", mid="<same@x>"), msg("m2", "Party", mid="<same@x>")],
        [["m2"], ["m1"]],
    ),
    (
        "duplicate reply: both copies under the same parent",
        [
            msg("m1", "Plan"),
            msg("m2", "Re: Plan", mid="<r@x>", refs=("m1",)),
            msg("m3", "Re: Plan", mid="<r@x>", refs=("m1",)),
        ],
        [["m1", "m2", "m3"]],
    ),
    (
        "loop: A refs B, B refs A",
        [msg("m1", "a", refs=("m2",)), msg("m2", "b", refs=("m1",))],
        [["m1", "m2"]],
    ),
    (
        "loop of three",
        [
            msg("m1", "a", refs=("m3",)),
            msg("m2", "b", refs=("m1",)),
            msg("m3", "c", refs=("m2",)),
        ],
        [["m1", "m2", "m3"]],
    ),
    ("self reference", [msg("m1", "a", refs=("m1",), irt=("m1",))], [["m1"]]),
    (
        "loop inside one References header",
        [msg("m1", "a"), msg("m2", "b", refs=("m1", "m9", "m1", "m9"))],
        [["m1", "m2"]],
    ),
    (
        "subject fallback: Re: without references",
        [msg("m1", "Budget"), msg("m2", "Re: Budget")],
        [["m1", "m2"]],
    ),
    (
        "subject fallback: Fwd:, nested Re: Re:, case and spacing",
        [msg("m1", "Budget  2026"), msg("m2", "Fwd: budget 2026"), msg("m3", "RE: Re:BUDGET 2026")],
        [["m1", "m2", "m3"]],
    ),
    (
        "subject fallback: localised prefixes and list tags",
        [
            msg("m1", "Devis"),
            msg("m2", "Tr: Devis"),
            msg("m3", "AW: [team] Devis"),
            msg("m4", "SV: WG: Réf: Devis"),
        ],
        [["m1", "m2", "m3", "m4"]],
    ),
    (
        "unrelated same-subject mails without a reply stay apart",
        [msg("m1", "Hello"), msg("m2", "Hello"), msg("m3", "hello")],
        [["m3"], ["m2"], ["m1"]],
    ),
    (
        "a reply form joins the same-subject roots together (JWZ)",
        [msg("m1", "Hello"), msg("m2", "Hello"), msg("m3", "Re: Hello")],
        [["m1", "m2", "m3"]],
    ),
    (
        "a thread whose root is lost absorbs the same-subject original",
        [msg("m1", "Plan", mid=None), msg("m2", "Re: Plan", refs=("m0",))],
        [["m1", "m2"]],
    ),
    (
        "separate conversations with the same subject stay apart",
        [
            msg("m1", "Meeting"),
            msg("m2", "Re: Meeting", refs=("m1",)),
            msg("m3", "Meeting"),
            msg("m4", "Re: Meeting", refs=("m3",)),
        ],
        [["m3", "m4"], ["m1", "m2"]],
    ),
    (
        "empty subjects never merge",
        [msg("m1", ""), msg("m2", "Re:"), msg("m3", "Re: ")],
        [["m3"], ["m2"], ["m1"]],
    ),
    (
        "newest activity first",
        [
            msg("m1", "Old thread"),
            msg("m2", "New thread"),
            msg("m3", "Re: Old thread", refs=("m1",)),
        ],
        [["m1", "m3"], ["m2"]],
    ),
]


@pytest.mark.parametrize(("name", "messages", "expected"), CASES, ids=[c[0] for c in CASES])
def test_threading(name: str, messages: list[ThreadKey], expected: list[list[str]]) -> None:
    assert groups(thread_messages(messages)) == expected


@pytest.mark.parametrize(("name", "messages", "expected"), CASES, ids=[c[0] for c in CASES])
def test_input_order_does_not_matter(
    name: str, messages: list[ThreadKey], expected: list[list[str]]
) -> None:
    shuffled = list(messages)
    random.Random(7).shuffle(shuffled)
    assert groups(thread_messages(reversed(shuffled))) == expected


def test_thread_fields() -> None:
    threads = thread_messages(
        [
            msg("m3", "Re: Re: [team] Plan", refs=("m1", "m2"), unread=True),
            msg("m1", "[team] Plan"),
            msg("m2", "RE: [team] Plan", refs=("m1",)),
            msg("m4", "Other"),
        ]
    )
    first, second = threads
    assert first == Thread(
        id="m4",
        message_ids=["m4"],
        subject="Other",
        unread=False,
        count=1,
        last_date=T0 + timedelta(minutes=4),
    )
    assert second.id == "m1"
    assert second.subject == "Plan"
    assert second.unread is True
    assert second.count == 3
    assert second.last_date == T0 + timedelta(minutes=3)


def test_same_date_ties_by_store_id() -> None:
    messages = [msg("b", "Plan", at=0), msg("a", "Re: Plan", refs=("b",), at=0)]
    (thread,) = thread_messages(messages)
    assert thread.message_ids == ["a", "b"]
    assert thread.id == "a"


def test_threads_with_the_same_last_date_order_by_id() -> None:
    threads = thread_messages([msg("b", "x", at=0), msg("a", "y", at=0)])
    assert [t.id for t in threads] == ["a", "b"]


def test_subject_of_a_merged_thread_is_the_original() -> None:
    threads = thread_messages([msg("m1", "Re: Lunch"), msg("m2", "lunch")])
    assert [(t.id, t.subject) for t in threads] == [("m1", "lunch")]


def test_unread_propagates_from_any_message() -> None:
    messages = [
        msg("m1", "Plan"),
        msg("m2", "Re: Plan", refs=("m1",), unread=True),
        msg("m3", "Other"),
    ]
    assert [(t.id, t.unread) for t in thread_messages(messages)] == [
        ("m3", False),
        ("m1", True),
    ]


SUBJECTS = [
    # (subject, normalised, is a reply)
    ("Plan", "Plan", False),
    ("  Plan \t of\r\n  action ", "Plan of action", False),
    ("Re: Plan", "Plan", True),
    ("RE: re:Re: Plan", "Plan", True),
    ("Re[2]: Plan", "Plan", True),
    ("Re^2: Plan", "Plan", True),
    ("Re (3): Plan", "Plan", True),
    ("Fwd: Plan", "Plan", True),
    ("FW: Plan", "Plan", True),
    ("Plan (fwd)", "Plan", True),
    ("[fwd: Plan]", "Plan", True),
    ("Re: [fwd: Re: Plan]", "Plan", True),
    ("[team] Plan", "Plan", False),
    ("[team] Re: [team] Plan", "Plan", True),
    ("[only a tag]", "[only a tag]", False),
    ("Tr: Plan", "Plan", True),
    ("AW: WG: Plan", "Plan", True),
    ("SV: Plan", "Plan", True),
    ("Réf: Plan", "Plan", True),
    ("RÉF : Plan", "Plan", True),
    ("Antw: Plan", "Plan", True),
    ("回复\uff1a计划", "计划", True),  # fullwidth colon
    ("Trip: Plan", "Trip: Plan", False),  # "Tr" only as a whole prefix
    ("Rewards: Plan", "Rewards: Plan", False),
    ("Re:", "", True),
    ("", "", False),
]


@pytest.mark.parametrize(("subject", "normalised", "reply"), SUBJECTS)
def test_subjects(subject: str, normalised: str, reply: bool) -> None:
    assert normalise_subject(subject) == normalised
    assert base_subject(subject) == normalised.casefold()
    assert is_reply_subject(subject) is reply


def _big_mailbox(n: int, seed: int) -> list[ThreadKey]:
    """n messages: long chains, wide threads, subject-only replies, lost parents."""
    rng = random.Random(seed)
    out: list[ThreadKey] = []
    for i in range(n):
        kind = rng.random()
        if i == 0 or kind < 0.2:
            out.append(msg(f"m{i}", f"Topic {i}", at=i))
        elif kind < 0.8:
            parent = out[rng.randrange(max(0, i - 50), i)]
            refs = [*parent.references, parent.message_id or ""][-20:]
            out.append(
                ThreadKey(
                    id=f"m{i}",
                    message_id=f"<m{i}@x>",
                    references=refs,
                    in_reply_to=[parent.message_id or ""],
                    subject=f"Re: {parent.subject}",
                    date=T0 + timedelta(minutes=i),
                    unread=kind < 0.3,
                )
            )
        elif kind < 0.9:
            out.append(msg(f"m{i}", f"Re: Topic {rng.randrange(i)}", at=i))
        else:
            out.append(msg(f"m{i}", "Re: lost", refs=(f"gone{rng.randrange(n)}",), at=i))
    return out


def test_a_large_mailbox_costs_what_it_holds() -> None:
    assert sum(t.count for t in thread_messages(_big_mailbox(10_000, seed=1))) == 10_000

    def work(n: int) -> Callable[[], object]:
        messages = _big_mailbox(n, seed=1)
        return lambda: thread_messages(messages)

    assert growth(work, 2_500) < LINEAR_BOUND


def _chain(n: int) -> list[ThreadKey]:
    """An n-message reply chain (each replying to the previous), in reverse order."""
    chain = [msg("m0", "Chain", at=0)] + [
        msg(f"m{i}", "Re: Chain", irt=(f"m{i - 1}",), at=0) for i in range(1, n)
    ]
    return list(reversed(chain))


def test_one_long_chain_is_linear() -> None:
    (thread,) = thread_messages(_chain(10_000))
    assert thread.count == 10_000

    def work(n: int) -> Callable[[], object]:
        chain = _chain(n)
        return lambda: thread_messages(chain)

    assert growth(work, 2_500) < LINEAR_BOUND
