"""Runs a user's filters over one message (F25-F27): pure, no storage, no bus.

`run` gives the `Outcome` the filters service acts on; `explain` gives, per filter, what
the same evaluation found, for the API's "test a filter" feature.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal

from shared.filters import Action, ActionKind, Condition, Filter
from shared.mail.filtering.facts import MessageFacts
from shared.mail.filtering.rules import holds


@dataclass(frozen=True, slots=True)
class Notification:
    channel: Literal["email", "sms"]
    addresses: tuple[str, ...]  # empty: the account's address / the profile's mobile number


@dataclass(slots=True)
class Outcome:
    """What the filters decided for one message. The service applies it: `discard` wins
    over everything (nothing is stored), then `delete` (to Trash), then `folder_id`."""

    folder_id: str | None = None  # the last MOVE's folder; None: the Inbox
    copies: list[str] = field(default_factory=list)  # folder ids, in order, no duplicates
    tags: list[str] = field(default_factory=list)  # names, in order, no duplicates
    comments: list[str] = field(default_factory=list)
    mark_read: bool = False
    flag: bool = False
    forwards: list[str] = field(default_factory=list)  # addresses, no duplicates
    notifications: list[Notification] = field(default_factory=list)
    delete: bool = False
    discard: bool = False
    matched: list[str] = field(default_factory=list)  # ids of the filters that matched
    stopped_by: str | None = None  # the id of the filter whose STOP ended the run

    @property
    def comment(self) -> str:
        """The comments, joined one per line."""
        return "\n".join(self.comments)


def quiet(outcome: Outcome) -> None:
    """Drop the actions that send something (notifications, forwards) from `outcome`, in
    place, for mail that must set nothing in motion. A "forward, keep no copy" filter
    then keeps the message: it was discarded only because it went elsewhere."""
    if outcome.forwards and outcome.discard:
        outcome.discard = False
    outcome.forwards.clear()
    outcome.notifications.clear()


@dataclass(frozen=True, slots=True)
class Verdict:
    """One filter's conditions against one message."""

    held: tuple[bool, ...]  # per condition, in the filter's order
    matched: bool


@dataclass(frozen=True, slots=True)
class Explanation:
    """One filter, as `explain` saw it."""

    filter_id: str
    name: str
    skipped: Literal["disabled", "stopped"] | None  # why it would not run, or None
    matched: bool  # its conditions hold (whether or not it runs)
    conditions: list[tuple[Condition, bool]]  # each condition and whether it held
    actions: list[Action]  # what it would do: empty unless it runs and matches


def evaluate(filter_: Filter, facts: MessageFacts) -> Verdict:
    """Every condition of `filter_`; it matches when all (or any) hold, or has none."""
    held = tuple(holds(condition, facts) for condition in filter_.conditions)
    if not held:
        return Verdict(held, True)
    return Verdict(held, all(held) if filter_.match == "all" else any(held))


def run(filters: list[Filter], facts: MessageFacts) -> Outcome:
    """The filters in `position` order over one message: disabled ones skipped, each
    matching filter's actions applied in order, STOP ending the run after its filter."""
    outcome = Outcome()
    for filter_, verdict, _ in _walk(filters, facts, with_skipped=False):
        if verdict.matched:
            outcome.matched.append(filter_.id)
            for action in filter_.actions:
                _apply(action, filter_, outcome)
    return outcome


def explain(filters: list[Filter], facts: MessageFacts) -> list[Explanation]:
    """Per filter, in run order: whether it matched, which conditions held, what it would
    do. Disabled filters and those after a STOP are evaluated too, and marked skipped."""
    return [
        Explanation(
            filter_id=filter_.id,
            name=filter_.name,
            skipped=skipped,
            matched=verdict.matched,
            conditions=list(zip(filter_.conditions, verdict.held, strict=True)),
            actions=list(filter_.actions) if verdict.matched and skipped is None else [],
        )
        for filter_, verdict, skipped in _walk(filters, facts, with_skipped=True)
    ]


def _walk(
    filters: list[Filter], facts: MessageFacts, *, with_skipped: bool
) -> Iterator[tuple[Filter, Verdict, Literal["disabled", "stopped"] | None]]:
    """The one evaluation both `run` and `explain` read: filters in order, each with its
    verdict and, when it would not run, why."""
    stopped = False
    for filter_ in sorted(filters, key=lambda f: f.position):
        skipped: Literal["disabled", "stopped"] | None = (
            "stopped" if stopped else None if filter_.enabled else "disabled"
        )
        if skipped is not None and not with_skipped:
            if stopped:
                return
            continue
        verdict = evaluate(filter_, facts)
        yield filter_, verdict, skipped
        if skipped is None and verdict.matched:
            stopped = any(a.kind is ActionKind.STOP for a in filter_.actions)


def _apply(action: Action, filter_: Filter, outcome: Outcome) -> None:
    kind = action.kind
    if kind is ActionKind.MOVE:
        outcome.folder_id = action.folder_id
    elif kind is ActionKind.COPY and action.folder_id:
        _add(outcome.copies, [action.folder_id])
    elif kind is ActionKind.TAG and action.tag:
        _add(outcome.tags, [action.tag])
    elif kind is ActionKind.COMMENT and action.text:
        outcome.comments.append(action.text)
    elif kind is ActionKind.MARK_READ:
        outcome.mark_read = True
    elif kind is ActionKind.FLAG:
        outcome.flag = True
    elif kind is ActionKind.FORWARD:
        _add(outcome.forwards, action.addresses)
    elif kind is ActionKind.NOTIFY_EMAIL:
        outcome.notifications.append(Notification("email", tuple(action.addresses)))
    elif kind is ActionKind.NOTIFY_SMS:
        outcome.notifications.append(Notification("sms", tuple(action.addresses)))
    elif kind is ActionKind.DELETE:
        outcome.delete = True
    elif kind is ActionKind.DISCARD:
        outcome.discard = True
    elif kind is ActionKind.STOP:
        outcome.stopped_by = filter_.id


def _add(items: list[str], new: list[str]) -> None:
    for item in new:
        if item not in items:
            items.append(item)
