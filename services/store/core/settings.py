"""What a user sets and an operator assigns: recent searches (F32), IMAP subscriptions
(RFC 3501 §6.3.6) and plans (F58). The rules are here; each adapter reads, calls them
and writes what they give inside its own transaction or compare-and-set.
"""

from __future__ import annotations

from collections.abc import Iterable

from shared.model import Plan
from shared.ports.mailbox import NotFound


def remembered(recent: list[str], query: str, keep: int) -> list[str]:
    """The recent searches (newest first) once `query` is remembered: first, once (a
    repeat moves up), the `keep` newest kept; keeping none (or fewer) forgets them all."""
    return [query, *(q for q in recent if q != query)][: max(keep, 0)]


def subscription_list(names: Iterable[str]) -> list[str]:
    """The subscribed names as listed: each once, sorted (they need not exist)."""
    return sorted(set(names))


def plans_listed(plans: Iterable[Plan]) -> list[Plan]:
    """The plans as listed: by name."""
    return sorted(plans, key=lambda p: p.name)


def assignable(plan_name: str | None, plan: Plan | None) -> str | None:
    """The plan name to store on the account, given the plan read under that name: None
    takes the account off any plan; a name no plan has is `NotFound`."""
    if plan_name is not None and plan is None:
        raise NotFound(f"plan {plan_name}")
    return plan_name
