"""The Sieve conversion registry (shared/mail/sieve/registry.py): every condition and action
kind of shared/filters.py has a module writing it as Sieve (or is declared not
expressible), and what each module writes, the importer reads back as the same filter."""

from __future__ import annotations

import itertools

import pytest

from shared.filters import Action, ActionKind, Condition, FieldName, FilterFields, Operator
from shared.mail.sieve import export_sieve_report, import_sieve
from shared.mail.sieve.actions import ACTIONS
from shared.mail.sieve.conditions import CONDITIONS, condition_key
from shared.mail.sieve.registry import ConditionKey, DuplicateWriter, NotExpressible, Registry

F, Op, A = FieldName, Operator, ActionKind
FOLDER_NAMES = {"f-dev": "Lists/Dev"}
FOLDER_IDS = {"Lists/Dev": "f-dev"}


def _valid(field: FieldName, operator: Operator | None) -> bool:
    """Whether the model accepts a condition on `field` with `operator` (any value)."""
    for value, header in itertools.product(("100", "high", "x"), ("X-Test", None)):
        try:
            Condition(field=field, operator=operator, value=value, header=header)
        except ValueError:
            continue
        return True
    return False


# Every (field, operator) the model accepts: what a filter can hold.
CONDITION_KINDS = [
    (field, operator)
    for field in FieldName
    for operator in (None, *Operator)
    if _valid(field, operator)
]


def _name(kind: object) -> str:
    """A test id for a kind: `header-exists` for (header, exists)."""
    parts = kind if isinstance(kind, tuple) else (kind,)
    return "-".join(str(p) for p in parts)


def _key(field: FieldName, operator: Operator | None) -> ConditionKey:
    return condition_key(Condition.model_construct(field=field, operator=operator))


def test_every_condition_kind_has_a_sieve_module_or_is_declared_not_expressible() -> None:
    assert len(CONDITION_KINDS) > len(FieldName)  # the enumeration found the operators
    missing = [
        f"{field.value} {operator.value if operator else '(no operator)'}"
        for field, operator in CONDITION_KINDS
        if _key(field, operator) not in CONDITIONS.written()
    ]
    assert missing == [], (
        "add a module under shared/mail/sieve/conditions/ writing these, or declare them"
        " CONDITIONS.not_expressible"
    )


def test_every_action_kind_has_a_sieve_module_or_is_declared_not_expressible() -> None:
    missing = [kind.value for kind in ActionKind if kind not in ACTIONS.written()]
    assert missing == [], (
        "add a module under shared/mail/sieve/actions/ writing these, or declare them"
        " ACTIONS.not_expressible"
    )


# One condition per registered kind, as a user would set it. Priority's level is its
# value whatever the text operator (export writes the level's X-Priority patterns), so
# its sample uses `is`, what the import reads it as.
CONDITION_SAMPLES: dict[ConditionKey, list[Condition]] = {
    F.FROM: [Condition(field=F.FROM, operator=Op.CONTAINS, value="boss@")],
    F.TO_CC: [Condition(field=F.TO_CC, operator=Op.IS, value="team@b.example")],
    F.RECIPIENT: [Condition(field=F.RECIPIENT, operator=Op.STARTS_WITH, value="me+")],
    F.SUBJECT: [Condition(field=F.SUBJECT, operator=Op.MATCHES, value="*[ticket ?]*")],
    F.HEADER: [Condition(field=F.HEADER, operator=Op.REGEX, value=r"^yes\b", header="X-Spam-Flag")],
    (F.HEADER, Op.EXISTS): [Condition(field=F.HEADER, operator=Op.EXISTS, header="X-Mailer")],
    F.BODY: [Condition(field=F.BODY, operator=Op.CONTAINS, value='say "hi"\nnow')],
    F.SIZE: [
        Condition(field=F.SIZE, operator=Op.OVER, value="1048576"),
        Condition(field=F.SIZE, operator=Op.UNDER, value="2000"),
    ],
    F.HAS_ATTACHMENT: [Condition(field=F.HAS_ATTACHMENT)],
    F.PRIORITY: [
        Condition(field=F.PRIORITY, operator=Op.IS, value=level)
        for level in ("high", "normal", "low")
    ],
    F.LIST: [Condition(field=F.LIST, operator=Op.IS, value="dev.lists.example")],
    (F.LIST, Op.EXISTS): [Condition(field=F.LIST, operator=Op.EXISTS)],
}

ACTION_SAMPLES: dict[ActionKind, Action] = {
    A.MOVE: Action(kind=A.MOVE, folder_id="f-dev"),
    A.COPY: Action(kind=A.COPY, folder_id="f-dev"),
    A.TAG: Action(kind=A.TAG, tag="project"),
    A.COMMENT: Action(kind=A.COMMENT, text="from the boss"),
    A.MARK_READ: Action(kind=A.MARK_READ),
    A.FLAG: Action(kind=A.FLAG),
    A.FORWARD: Action(kind=A.FORWARD, addresses=["a@x.example", "b@x.example"]),
    A.NOTIFY_EMAIL: Action(kind=A.NOTIFY_EMAIL, addresses=["me@x.example"]),
    A.NOTIFY_SMS: Action(kind=A.NOTIFY_SMS),
    A.DELETE: Action(kind=A.DELETE),
    A.DISCARD: Action(kind=A.DISCARD),
    A.STOP: Action(kind=A.STOP),
}


def _round_trip(filters: list[FilterFields]) -> list[FilterFields]:
    script = export_sieve_report(filters, FOLDER_NAMES).script
    result = import_sieve(script, FOLDER_IDS)
    assert result.skipped == [], script
    return result.filters


def test_every_written_kind_has_samples() -> None:
    assert set(CONDITION_SAMPLES) == CONDITIONS.written()
    assert set(ACTION_SAMPLES) == ACTIONS.written()
    for kind, samples in CONDITION_SAMPLES.items():
        assert all(condition_key(c) == kind for c in samples)


@pytest.mark.parametrize("kind", list(CONDITION_SAMPLES), ids=_name)
def test_each_condition_kind_round_trips_alone_negated_and_in_any(kind: ConditionKey) -> None:
    stop = [Action(kind=A.STOP)]
    for condition in CONDITION_SAMPLES[kind]:
        negated = condition.model_copy(update={"negate": True})
        filters = [
            FilterFields(name="alone", conditions=[condition], actions=stop),
            FilterFields(name="negated", conditions=[negated], actions=stop),
            FilterFields(name="any", match="any", conditions=[condition], actions=stop),
            FilterFields(name="off", enabled=False, conditions=[negated], actions=stop),
        ]
        assert _round_trip(filters) == filters


def test_every_condition_kind_together_round_trips_in_all_and_any() -> None:
    every = [c for samples in CONDITION_SAMPLES.values() for c in samples]
    filters = [
        FilterFields(name=match, match=match, conditions=every, actions=[Action(kind=A.STOP)])
        for match in ("all", "any")
    ]
    assert _round_trip(filters) == filters


@pytest.mark.parametrize("kind", list(ACTION_SAMPLES), ids=_name)
def test_each_action_kind_round_trips(kind: ActionKind) -> None:
    filters = [
        FilterFields(
            name="one",
            conditions=[Condition(field=F.SUBJECT, operator=Op.IS, value="x")],
            actions=[ACTION_SAMPLES[kind]],
        )
    ]
    assert _round_trip(filters) == filters


def test_every_registered_sieve_name_is_read_by_its_module() -> None:
    tests = {"address", "allof", "anyof", "body", "currentdate", "envelope", "exists"}
    tests |= {"false", "header", "not", "size", "true"}
    assert CONDITIONS.read_names() == tests
    commands = {"#", "addflag", "discard", "ereject", "else", "elsif", "fileinto", "if"}
    commands |= {"keep", "redirect", "reject", "require", "setflag", "stop", "vacation"}
    assert ACTIONS.read_names() == commands


def test_a_second_writer_for_a_kind_is_refused() -> None:
    registry = CONDITIONS.copy()
    with pytest.raises(DuplicateWriter):
        registry.writer(F.SIZE)(lambda condition, context: "true")
    with pytest.raises(DuplicateWriter):
        registry.not_expressible(F.SIZE, "no")
    with pytest.raises(LookupError):
        Registry().writer_for(F.SIZE)


def test_a_condition_declared_not_expressible_leaves_its_filter_out_with_a_note() -> None:
    conditions = CONDITIONS.copy(without=[F.PRIORITY])
    conditions.not_expressible(F.PRIORITY, "priority has no Sieve test")
    with pytest.raises(NotExpressible):
        conditions.writer_for(F.PRIORITY)
    urgent = FilterFields(
        name="Urgent",
        conditions=[Condition(field=F.PRIORITY, operator=Op.IS, value="high")],
        actions=[Action(kind=A.FLAG)],
    )
    kept = FilterFields(name="Kept", actions=[Action(kind=A.STOP)])
    export = export_sieve_report([urgent, kept], FOLDER_NAMES, conditions=conditions)
    assert "Urgent" not in export.script
    assert export.notes == ["Urgent: priority has no Sieve test; the filter is left out"]
    assert import_sieve(export.script, FOLDER_IDS).filters == [kept]


def test_an_action_declared_not_expressible_is_left_out_and_reported_on_import() -> None:
    actions = ACTIONS.copy(without=[A.COMMENT])
    actions.not_expressible(A.COMMENT, "has no Sieve form")
    rule = FilterFields(
        name="Noted",
        actions=[Action(kind=A.COMMENT, text="hi"), Action(kind=A.STOP)],
    )
    export = export_sieve_report([rule], FOLDER_NAMES, actions=actions)
    assert export.notes == ["Noted: comment has no Sieve form; it is left out"]
    assert "# bureau: missing comment" in export.script
    result = import_sieve(export.script, FOLDER_IDS)
    assert result.filters == [rule.model_copy(update={"actions": [Action(kind=A.STOP)]})]
    assert result.skipped == ["line 3: the export left out an action: bureau: missing comment"]
