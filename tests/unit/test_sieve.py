"""Sieve import/export of filters (services/filters/sieve)."""

from __future__ import annotations

import pytest

from services.filters.sieve import (
    SieveSyntaxError,
    export_sieve,
    export_sieve_report,
    import_sieve,
    parse,
)
from services.filters.sieve.parser import Command, StringList
from shared.filters import Action, ActionKind, Condition, FieldName, FilterFields, Operator

FOLDER_NAMES = {"f-dev": "Lists/Dev", "f-bills": "Bills", "f-arch": 'Archive "old"'}
FOLDER_IDS = {name: fid for fid, name in FOLDER_NAMES.items()}


def cond(field: FieldName, op: Operator | None, value: str = "", **kw: object) -> Condition:
    return Condition.model_validate({"field": field, "operator": op, "value": value, **kw})


def act(kind: ActionKind, **kw: object) -> Action:
    return Action.model_validate({"kind": kind, **kw})


F, Op, A = FieldName, Operator, ActionKind

ROUND_TRIP = [
    FilterFields(
        name="Text operators on from",
        conditions=[
            cond(F.FROM, Op.CONTAINS, "boss@"),
            cond(F.FROM, Op.IS, "a@b.example"),
            cond(F.FROM, Op.STARTS_WITH, "news*?\\"),
            cond(F.FROM, Op.MATCHES, "*@*.example?"),
            cond(F.FROM, Op.REGEX, r"^x\d+@"),
        ],
        match="any",
        actions=[act(A.MOVE, folder_id="f-dev"), act(A.STOP)],
    ),
    FilterFields(
        name="Recipients and headers",
        conditions=[
            cond(F.TO_CC, Op.CONTAINS, "team@"),
            cond(F.RECIPIENT, Op.IS, "me+x@b.example"),
            cond(F.SUBJECT, Op.MATCHES, '*"quoted"*'),
            cond(F.HEADER, Op.CONTAINS, "yes", header="X-Spam-Flag"),
            cond(F.HEADER, Op.EXISTS, header="X-Mailer", negate=True),
        ],
        actions=[
            act(A.TAG, tag="work"),
            act(A.MARK_READ),
            act(A.FLAG),
            act(A.COPY, folder_id="f-arch"),
        ],
    ),
    FilterFields(
        name="Size, body, attachment",
        conditions=[
            cond(F.SIZE, Op.OVER, "1048576"),
            cond(F.SIZE, Op.UNDER, "50000000"),
            cond(F.BODY, Op.CONTAINS, "unsubscribe\nnow"),
            cond(F.HAS_ATTACHMENT, None),
            cond(F.SUBJECT, Op.REGEX, "invoice", negate=True),
        ],
        actions=[act(A.FORWARD, addresses=["a@x.example", "b@x.example"])],
    ),
    FilterFields(
        name="Priority and lists",
        match="any",
        conditions=[
            cond(F.PRIORITY, Op.IS, "high"),
            cond(F.PRIORITY, Op.IS, "low", negate=True),
            cond(F.LIST, Op.EXISTS),
            cond(F.LIST, Op.CONTAINS, "dev.lists.example"),
        ],
        actions=[
            act(A.COMMENT, text='say "hi"\nsecond line é'),
            act(A.NOTIFY_EMAIL, addresses=["me@x.example"]),
            act(A.NOTIFY_SMS),
            act(A.FORWARD, addresses=["c@x.example"]),
            act(A.DELETE),
        ],
    ),
    FilterFields(
        name="Disabled drop",
        enabled=False,
        conditions=[cond(F.PRIORITY, Op.IS, "normal")],
        actions=[act(A.DISCARD)],
    ),
    FilterFields(name="Everything", actions=[act(A.MOVE, folder_id="f-bills")]),
    FilterFields(
        name="Single any",
        match="any",
        enabled=False,
        conditions=[cond(F.RECIPIENT, Op.CONTAINS, "x")],
        actions=[act(A.STOP)],
    ),
]


def test_round_trip_keeps_every_filter() -> None:
    script = export_sieve(ROUND_TRIP, FOLDER_NAMES)
    result = import_sieve(script, FOLDER_IDS)
    assert result.skipped == []
    assert result.filters == ROUND_TRIP


def test_export_requires_only_what_is_used_and_reports_bureau_only_actions() -> None:
    export = export_sieve_report(ROUND_TRIP, FOLDER_NAMES)
    first = export.script.splitlines()[0]
    assert first == ('require ["body", "copy", "envelope", "fileinto", "imap4flags", "regex"];')
    assert "# rule: Disabled drop\n# bureau: disabled\nif allof (false, " in export.script
    assert 'redirect :copy "a@x.example";' in export.script  # kept: nothing moves it
    assert 'redirect "c@x.example";' in export.script  # deleted: no copy needed
    assert "if true {" in export.script
    assert any("comment" in n for n in export.notes)
    assert any("notify_email" in n for n in export.notes)
    assert any("notify_sms" in n for n in export.notes)

    small = export_sieve(
        [FilterFields(name="s", conditions=[cond(F.SUBJECT, Op.IS, "x")], actions=[act(A.STOP)])],
        {},
    )
    assert small == '# rule: s\nif header :is "subject" "x" {\n    stop;\n}\n'


def test_export_reports_missing_folder_and_orders_flags_first() -> None:
    rules = [
        FilterFields(
            name="r",
            actions=[act(A.MOVE, folder_id="gone"), act(A.TAG, tag="two words")],
        )
    ]
    export = export_sieve_report(rules, {})
    body = export.script.split("{\n", 1)[1]
    assert body.index('addflag "two words"') < body.index("# bureau: missing folder")
    assert any("gone" in n for n in export.notes)
    assert any("spaces" in n for n in export.notes)
    result = import_sieve(export.script, {})
    assert any("left out" in s for s in result.skipped)
    assert [a.tag for a in result.filters[0].actions] == ["two", "words"]


DOVECOT = """\
require ["fileinto", "vacation", "date", "relational", "reject", "imap4flags",
         "copy", "envelope", "comparator-i;ascii-numeric"];
# Spam first
if header :contains "X-Spam-Flag" "YES" {
  fileinto "Junk";
  stop;
}
# rule: Dev list
if header :contains "List-Id" "<dev.lists.example>" {
  fileinto "Lists/Dev";
  addflag "$Label1";
} elsif address :domain :is "from" "billing.example" {
  fileinto :copy "Bills";
  setflag "\\\\Seen \\\\Flagged";
} else {
  keep;
}
if currentdate :value "ge" "hour" "18" {
  addflag "\\\\Flagged";
}
if header :count "gt" "received" "20" {
  discard;
}
if size :over 10M {
  reject text:
Your message is too large.
..Please send a link.
.
;
}
if anyof (address :localpart :contains ["to", "cc"] "sales",
          envelope :is "to" "sales@example.com") {
  redirect "sales-team@example.com";
}
if allof (header :contains "subject" "invoice", anyof (true, size :under 100)) {
  redirect :copy "archive@example.com";
  keep;
}
if allof (exists "x-a", anyof (exists "x-b", exists "x-c")) {
  discard;
}
vacation :days 7 :subject "Away" "I am away until Monday.";
"""


def test_dovecot_script_imports_with_a_report() -> None:
    result = import_sieve(DOVECOT, {"Lists/Dev": "f-dev", "Bills": "f-bills"})
    spam, dev, bills, sales, invoice = result.filters
    assert [f.name for f in result.filters] == [
        "Rule at line 4",
        "Dev list",
        "Rule at line 12",
        "Rule at line 31",
        "Rule at line 35",
    ]
    # the unknown folder's fileinto is left out (and reported), the stop stays
    assert spam.conditions == [cond(F.HEADER, Op.CONTAINS, "YES", header="X-Spam-Flag")]
    assert spam.actions == [act(A.STOP)]

    assert dev.conditions == [cond(F.LIST, Op.CONTAINS, "<dev.lists.example>")]
    assert dev.actions == [act(A.MOVE, folder_id="f-dev"), act(A.TAG, tag="$Label1")]

    # the elsif: the if's condition negated, and its own (:domain as a pattern)
    assert (bills.match, bills.enabled) == ("all", True)
    assert bills.conditions == [
        cond(F.LIST, Op.CONTAINS, "<dev.lists.example>", negate=True),
        cond(F.FROM, Op.MATCHES, "*@billing.example"),
    ]
    assert bills.actions == [act(A.COPY, folder_id="f-bills"), act(A.MARK_READ), act(A.FLAG)]

    assert sales.match == "any"
    assert sales.conditions == [
        cond(F.TO_CC, Op.MATCHES, "*sales*@*"),
        cond(F.RECIPIENT, Op.IS, "sales@example.com"),
    ]
    # a plain redirect cancels Sieve's keep: Bureau forwards and discards
    assert sales.actions == [
        act(A.FORWARD, addresses=["sales-team@example.com"]),
        act(A.DISCARD),
    ]
    # `true` inside anyof makes it always true; redirect :copy + keep is a plain forward
    assert invoice.conditions == [cond(F.SUBJECT, Op.CONTAINS, "invoice")]
    assert invoice.actions == [act(A.FORWARD, addresses=["archive@example.com"])]

    assert result.skipped == [
        "line 5: folder 'Junk' does not exist; its fileinto is skipped",
        "line 15: rule has no action Bureau can run; skipped",
        "line 18: test 'currentdate' not supported (the rule at line 18 is skipped)",
        "line 21: relational test (header :count) (the rule at line 21 is skipped)",
        "line 25: reject is not supported as a filter action",
        "line 24: rule has no action Bureau can run; skipped",
        "line 39: conditions mixing allof and anyof cannot be one Bureau filter"
        " (the rule at line 39 is skipped)",
        "line 42: vacation is not supported as a filter action; use the vacation setting",
    ]


def test_keep_turns_moves_into_copies_and_top_level_actions_form_a_filter() -> None:
    script = 'require "fileinto";\nfileinto "Bills";\nkeep;\nif false { discard; }\n'
    result = import_sieve(script, FOLDER_IDS)
    assert result.skipped == []
    loose, disabled = result.filters
    assert loose.name == "Actions at line 2"
    assert loose.conditions == []
    assert loose.actions == [act(A.COPY, folder_id="f-bills")]
    assert (disabled.enabled, disabled.conditions) == (False, [])


def test_negation_pushes_down_by_de_morgan() -> None:
    script = (
        'if not anyof (header :is "subject" ["a", "b"], exists "x-y") { stop; }\n'
        "if not allof (size :over 10, size :under 5) { stop; }\n"
    )
    first, second = import_sieve(script, {}).filters
    assert first.match == "all"
    assert first.conditions == [
        cond(F.SUBJECT, Op.IS, "a", negate=True),
        cond(F.SUBJECT, Op.IS, "b", negate=True),
        cond(F.HEADER, Op.EXISTS, header="x-y", negate=True),
    ]
    assert second.match == "any"
    assert second.conditions == [
        cond(F.SIZE, Op.OVER, "10", negate=True),
        cond(F.SIZE, Op.UNDER, "5", negate=True),
    ]


def test_multiline_strings_and_escapes() -> None:
    script = (
        'fileinto "a\\\\b\\"c\\d";\r\n'  # "a\\b\"c\d" → a\b"cd
        "redirect text: # a comment may follow\r\n"
        "line one\r\n"
        "..dot-stuffed\r\n"
        "\r\n"
        ".\r\n"
        ";\r\n"
        '/* a bracket\n comment */ stop; "x\ny" ;'
    )
    with pytest.raises(SieveSyntaxError) as error:
        parse(script)
    assert error.value.line == 9  # the string after the bracket comment: no command
    nodes = parse(script.rsplit("stop;", 1)[0] + "stop;")
    first, second, third = nodes
    assert isinstance(first, Command) and isinstance(second, Command)
    assert first.arguments == [StringList(['a\\b"cd'], 1)]
    assert second.arguments == [StringList(["line one\n.dot-stuffed\n\n"], 2)]
    assert isinstance(third, Command) and (third.name, third.line) == ("stop", 9)


@pytest.mark.parametrize(
    ("script", "line", "message"),
    [
        ('if true {\n  fileinto "x"\n  stop;\n}', 3, "expected ';' after fileinto, found 'stop'"),
        ('require "x";\n\nif header :is "a" "b" {\n stop;\n', 5, "missing '}'"),
        ('\n\nstop;\n"unterminated', 4, "unterminated string"),
        ("keep;\nredirect text:\nhello\n", 2, "unterminated text:"),
        ("elsif true { stop; }", 1, "elsif without a preceding if"),
        ("stop;\nif { stop; }", 2, "if needs a test"),
        ('if header :is "a" ["b", ] { stop; }', 1, "expected a string"),
        ("stop;\n\n/* open", 3, "unterminated /* comment"),
        ("if size :over 10X { stop; }", 1, "bad number"),
        ("if not (true, false) { stop; }", 1, "not takes exactly one test"),
    ],
)
def test_syntax_errors_carry_their_line(script: str, line: int, message: str) -> None:
    with pytest.raises(SieveSyntaxError) as error:
        import_sieve(script, {})
    assert error.value.line == line
    assert message in error.value.message
    assert str(error.value).startswith(f"line {line}: ")
