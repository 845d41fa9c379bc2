"""User settings' and plans' rules, decided once for every adapter (`core.settings`)."""

from __future__ import annotations

import pytest

from services.store.core import settings
from shared.model import Plan
from shared.ports.mailbox import NotFound


def test_a_remembered_search_goes_first_once() -> None:
    assert settings.remembered([], "one", 5) == ["one"]
    assert settings.remembered(["b", "a"], "c", 5) == ["c", "b", "a"]
    assert settings.remembered(["c", "b", "a"], "a", 5) == ["a", "c", "b"]  # a repeat moves up


def test_only_the_newest_are_kept() -> None:
    assert settings.remembered(["e", "d", "c", "b", "a"], "f", 5) == ["f", "e", "d", "c", "b"]
    assert settings.remembered(["b", "a"], "c", 1) == ["c"]


def test_keeping_none_forgets_them_all() -> None:
    assert settings.remembered(["b", "a"], "c", 0) == []
    assert settings.remembered(["b", "a"], "c", -1) == []


def test_queries_are_kept_as_typed() -> None:
    assert settings.remembered(["$queries"], "$$ROOT", 3) == ["$$ROOT", "$queries"]
    assert settings.remembered(["Budget"], "budget", 3) == ["budget", "Budget"]


def test_subscriptions_are_listed_once_sorted() -> None:
    assert settings.subscription_list(["Work/Clients", "INBOX", "Archive", "INBOX"]) == [
        "Archive",
        "INBOX",
        "Work/Clients",
    ]
    assert settings.subscription_list([]) == []


def test_plans_are_listed_by_name() -> None:
    plans = [Plan(name="pro"), Plan(name="basic"), Plan(name="free")]
    assert [p.name for p in settings.plans_listed(plans)] == ["basic", "free", "pro"]


def test_only_a_plan_that_exists_can_be_assigned() -> None:
    assert settings.assignable("pro", Plan(name="pro")) == "pro"
    assert settings.assignable(None, None) is None  # off any plan
    with pytest.raises(NotFound, match="plan gold"):
        settings.assignable("gold", None)
