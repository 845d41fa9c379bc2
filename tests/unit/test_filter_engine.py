"""The filter engine: order, all/any, actions into an Outcome, STOP, and explain."""

from __future__ import annotations

from email.message import EmailMessage
from typing import Any

from shared.filters import Action, ActionKind, Condition, FieldName, Filter, Operator
from shared.mail.filtering.engine import Notification, Outcome, evaluate, explain, run
from shared.mail.filtering.facts import MessageFacts

K = ActionKind


def _facts(
    subject: str = "[dev] Build failed", sender: str = "ci@builds.example.com"
) -> MessageFacts:
    msg = EmailMessage()
    msg["Subject"] = subject
    msg["From"] = sender
    msg["To"] = "team@example.org"
    msg["List-Id"] = "Dev <dev.example.org>"
    msg.set_content("Job 42 failed on main.\n")
    return MessageFacts.of(msg.as_bytes(), recipient="ann@example.org")


def _subject(op: Operator, value: str, negate: bool = False) -> Condition:
    return Condition(field=FieldName.SUBJECT, operator=op, value=value, negate=negate)


def _act(kind: ActionKind, **kw: Any) -> Action:
    return Action(kind=kind, **kw)


def _filter(
    id: str,
    position: int,
    conditions: list[Condition],
    actions: list[Action],
    match: str = "all",
    enabled: bool = True,
) -> Filter:
    return Filter(
        id=id,
        account_id="acc",
        name=f"filter {id}",
        position=position,
        enabled=enabled,
        match=match,  # type: ignore[arg-type]
        conditions=conditions,
        actions=actions,
    )


BUILD = _subject(Operator.CONTAINS, "build")
FAILED = _subject(Operator.MATCHES, "*failed")
NEVER = _subject(Operator.CONTAINS, "invoice")


def test_no_filters_leaves_the_inbox() -> None:
    assert run([], _facts()) == Outcome()
    assert Outcome().folder_id is None


def test_all_and_any() -> None:
    facts = _facts()
    assert evaluate(_filter("a", 0, [BUILD, FAILED], [_act(K.FLAG)]), facts).matched
    assert not evaluate(_filter("b", 0, [BUILD, NEVER], [_act(K.FLAG)]), facts).matched
    verdict = evaluate(_filter("c", 0, [NEVER, BUILD], [_act(K.FLAG)], match="any"), facts)
    assert verdict.matched and verdict.held == (False, True)
    assert not evaluate(_filter("d", 0, [NEVER], [_act(K.FLAG)], match="any"), facts).matched
    assert evaluate(_filter("e", 0, [], [_act(K.FLAG)]), facts).matched
    assert evaluate(_filter("f", 0, [], [_act(K.FLAG)], match="any"), facts).matched
    negated = _subject(Operator.CONTAINS, "invoice", negate=True)
    assert evaluate(_filter("g", 0, [BUILD, negated], [_act(K.FLAG)]), facts).matched


def test_position_order_last_move_wins_and_disabled_skipped() -> None:
    filters = [
        _filter("late", 5, [BUILD], [_act(K.MOVE, folder_id="f-late")]),
        _filter("early", 1, [BUILD], [_act(K.MOVE, folder_id="f-early")]),
        _filter("off", 9, [], [_act(K.MOVE, folder_id="f-off"), _act(K.DISCARD)], enabled=False),
        _filter("miss", 7, [NEVER], [_act(K.MOVE, folder_id="f-miss")]),
    ]
    outcome = run(filters, _facts())
    assert outcome.folder_id == "f-late"
    assert outcome.matched == ["early", "late"]
    assert not outcome.discard


def test_every_action_kind() -> None:
    filters = [
        _filter(
            "one",
            0,
            [BUILD],
            [
                _act(K.COPY, folder_id="archive"),
                _act(K.TAG, tag="ci"),
                _act(K.TAG, tag="alerts"),
                _act(K.COMMENT, text="from CI"),
                _act(K.MARK_READ),
                _act(K.FORWARD, addresses=["ops@example.org", "dev@example.org"]),
                _act(K.NOTIFY_EMAIL),
                _act(K.NOTIFY_SMS, addresses=["+15550100"]),
            ],
        ),
        _filter(
            "two",
            1,
            [FAILED],
            [
                _act(K.TAG, tag="ci"),  # a duplicate: kept once
                _act(K.COPY, folder_id="archive"),
                _act(K.COPY, folder_id="other"),
                _act(K.COMMENT, text="failed"),
                _act(K.FLAG),
                _act(K.FORWARD, addresses=["ops@example.org"]),
                _act(K.DELETE),
            ],
        ),
    ]
    outcome = run(filters, _facts())
    assert outcome.tags == ["ci", "alerts"]
    assert outcome.copies == ["archive", "other"]
    assert outcome.comments == ["from CI", "failed"]
    assert outcome.comment == "from CI\nfailed"
    assert outcome.mark_read and outcome.flag and outcome.delete
    assert not outcome.discard
    assert outcome.forwards == ["ops@example.org", "dev@example.org"]
    assert outcome.notifications == [
        Notification("email", ()),
        Notification("sms", ("+15550100",)),
    ]
    assert outcome.folder_id is None
    assert outcome.matched == ["one", "two"]
    assert outcome.stopped_by is None


def test_stop_ends_the_run_after_its_own_actions() -> None:
    filters = [
        _filter("first", 0, [BUILD], [_act(K.TAG, tag="a"), _act(K.STOP), _act(K.TAG, tag="b")]),
        _filter("second", 1, [], [_act(K.TAG, tag="c"), _act(K.DISCARD)]),
    ]
    outcome = run(filters, _facts())
    assert outcome.tags == ["a", "b"]
    assert outcome.matched == ["first"]
    assert outcome.stopped_by == "first"
    assert not outcome.discard


def test_stop_in_a_filter_that_does_not_match_changes_nothing() -> None:
    filters = [
        _filter("first", 0, [NEVER], [_act(K.STOP)]),
        _filter("off", 1, [], [_act(K.STOP)], enabled=False),
        _filter("second", 2, [BUILD], [_act(K.DISCARD)]),
    ]
    outcome = run(filters, _facts())
    assert outcome.discard
    assert outcome.matched == ["second"]


def test_discard_and_delete() -> None:
    facts = _facts()
    assert run([_filter("d", 0, [BUILD], [_act(K.DISCARD)])], facts).discard
    deleted = run([_filter("t", 0, [BUILD], [_act(K.DELETE)])], facts)
    assert deleted.delete and not deleted.discard


def test_explain_reports_conditions_actions_and_skips() -> None:
    filters = [
        _filter("off", 0, [BUILD], [_act(K.FLAG)], enabled=False),
        _filter("any", 1, [NEVER, FAILED], [_act(K.TAG, tag="x"), _act(K.STOP)], match="any"),
        _filter("after", 2, [BUILD], [_act(K.DISCARD)]),
        _filter("miss", 3, [NEVER], [_act(K.FLAG)]),
    ]
    facts = _facts()
    report = explain(filters, facts)
    assert [e.filter_id for e in report] == ["off", "any", "after", "miss"]
    off, any_, after, miss = report
    assert off.skipped == "disabled" and off.matched and off.actions == []
    assert any_.skipped is None and any_.matched and any_.name == "filter any"
    assert any_.conditions == [(NEVER, False), (FAILED, True)]
    assert [a.kind for a in any_.actions] == [K.TAG, K.STOP]
    assert after.skipped == "stopped" and after.matched and after.actions == []
    assert miss.skipped == "stopped" and not miss.matched
    assert miss.conditions == [(NEVER, False)]
    # the same evaluation as run: what explain says would apply is what run applies
    applied = [e.filter_id for e in report if e.actions]
    assert applied == run(filters, facts).matched == ["any"]


def test_bad_regex_filter_does_not_match_nor_raise() -> None:
    bad = _subject(Operator.REGEX, "([")
    outcome = run([_filter("r", 0, [bad], [_act(K.DISCARD)])], _facts())
    assert outcome == Outcome()
    negated = _subject(Operator.REGEX, "([", negate=True)
    assert run([_filter("n", 0, [negated], [_act(K.FLAG)])], _facts()).flag


def test_other_fields_through_the_engine() -> None:
    list_cond = Condition(field=FieldName.LIST, operator=Operator.IS, value="dev.example.org")
    from_cond = Condition(field=FieldName.FROM, operator=Operator.MATCHES, value="*@builds.*")
    size_cond = Condition(field=FieldName.SIZE, operator=Operator.UNDER, value="100000")
    filters = [
        _filter("lists", 0, [list_cond, from_cond, size_cond], [_act(K.MOVE, folder_id="L")])
    ]
    assert run(filters, _facts()).folder_id == "L"
    assert run(filters, _facts(sender="human@example.com")).folder_id is None
