"""Sieve import/export of filters and the vacation setting (shared/mail/sieve)."""

from __future__ import annotations

import shutil
import subprocess
import time
from datetime import date
from pathlib import Path

import pytest

from shared.filters import (
    MAX_CONDITIONS,
    Action,
    ActionKind,
    Condition,
    FieldName,
    FilterFields,
    Operator,
)
from shared.mail.sieve import (
    SieveSyntaxError,
    export_sieve,
    export_sieve_report,
    import_sieve,
    parse,
)
from shared.mail.sieve.parser import MAX_NESTING, Command, StringList
from shared.model import Vacation

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
        "line 18: currentdate is only supported around a vacation (the rule at line 18 is skipped)",
        "line 21: relational test (header :count) (the rule at line 21 is skipped)",
        "line 25: reject is not supported as a filter action",
        "line 24: rule has no action Bureau can run; skipped",
        "line 39: conditions mixing allof and anyof cannot be one Bureau filter"
        " (the rule at line 39 is skipped)",
    ]
    # the top-level vacation is the account's vacation setting, RFC 5230's defaults kept
    assert result.vacation == Vacation(enabled=True, subject="Away", text="I am away until Monday.")


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


# ---- vacation ---------------------------------------------------------------------------

JULY = Vacation(
    enabled=True,
    start=date(2026, 7, 1),
    end=date(2026, 7, 31),
    subject='Away "on leave"',
    text="I am away.\nBack in August.",
    days=3,
)


@pytest.mark.parametrize(
    "vacation",
    [
        JULY,
        JULY.model_copy(update={"start": None, "end": None}),
        JULY.model_copy(update={"start": None}),
        JULY.model_copy(update={"end": None, "text": ""}),
    ],
    ids=["both dates", "no dates", "end only", "start only"],
)
def test_round_trip_keeps_the_filters_and_the_vacation(vacation: Vacation) -> None:
    script = export_sieve(ROUND_TRIP, FOLDER_NAMES, vacation)
    assert script.rstrip().endswith("}") and "# rule: vacation\nif " in script
    result = import_sieve(script, FOLDER_IDS)
    assert result.skipped == []
    assert result.filters == ROUND_TRIP
    assert result.vacation == vacation


def test_vacation_export_writes_dates_requires_what_it_uses_and_notes_stop() -> None:
    export = export_sieve_report(ROUND_TRIP[:1], FOLDER_NAMES, JULY, ["al@example.test"])
    assert export.script.splitlines()[0] == (
        'require ["date", "fileinto", "regex", "relational", "vacation"];'
    )
    assert export.script.endswith(
        "# rule: vacation\n"
        'if allof (currentdate :value "ge" "date" "2026-07-01",'
        ' currentdate :value "le" "date" "2026-07-31") {\n'
        '    vacation :days 3 :subject "Away \\"on leave\\"" :addresses "al@example.test"'
        ' "I am away.\nBack in August.";\n'
        "}\n"
    )
    assert export.notes == ["vacation: other servers send no reply to mail a filter stops at"]

    undated = export_sieve([], {}, Vacation(enabled=True, text="Away"))
    assert undated == (
        'require "vacation";\n\n# rule: vacation\nif true {\n'
        '    vacation :days 7 :subject "Out of office" "Away";\n}\n'
    )
    # a vacation that is off is not written: Bureau does not run it either
    assert export_sieve([], {}, JULY.model_copy(update={"enabled": False})) == "\n"
    # read back into the account it came from, :addresses names its own aliases: no loss
    result = import_sieve(export.script, FOLDER_IDS, ["me@example.test", "AL@example.test"])
    assert result.vacation == JULY
    assert result.skipped == []
    # into another account, the addresses are not its own: said so
    elsewhere = import_sieve(export.script, FOLDER_IDS, ["other@example.test"])
    assert elsewhere.vacation == JULY
    assert elsewhere.skipped == [
        "line 17: vacation :addresses ignored: Bureau answers mail to the account's own"
        " address and aliases"
    ]


ROUNDCUBE = """\
require ["copy","date","relational","vacation"];
# rule:[Out of office]
if allof (currentdate :zone "+0100" :value "ge" "iso8601" "2026-07-01T00:00:00+01:00",
          currentdate :zone "+0100" :value "le" "date" "2026-07-31")
{
\tvacation :days 14 :addresses ["me@example.test"] :subject "Out of Office" text:
I am away.
..
Back in August.
.
;
}
# rule:[copy to me2@]
if true
{
\tredirect :copy "me2@example.test";
\tkeep;
}
"""


def test_a_roundcube_vacation_imports_with_its_dates_and_a_note_on_the_zone() -> None:
    result = import_sieve(ROUNDCUBE, {})
    assert result.vacation == Vacation(
        enabled=True,
        start=date(2026, 7, 1),
        end=date(2026, 7, 31),
        subject="Out of Office",
        text="I am away.\n.\nBack in August.\n",
        days=14,
    )
    assert [(f.name, f.actions) for f in result.filters] == [
        ("[copy to me2@]", [act(A.FORWARD, addresses=["me2@example.test"])])
    ]
    assert result.skipped == [
        "line 3: time zone ignored: dates are UTC days",
        "line 4: time zone ignored: dates are UTC days",
        "line 6: vacation :addresses ignored: Bureau answers mail to the account's own"
        " address and aliases",
    ]


@pytest.mark.parametrize(
    ("test", "start", "end", "notes"),
    [
        # Nextcloud Mail: the UTC instants of the user's local midnight and 23:59
        (
            'allof(currentdate :value "ge" "iso8601" "2026-06-30T22:00:00Z",'
            ' currentdate :value "le" "iso8601" "2026-07-31T21:59:00Z")',
            date(2026, 6, 30),
            date(2026, 7, 31),
            ["time of day ignored: the vacation covers whole UTC days"],
        ),
        (
            'allof (currentdate :value "gt" "date" "2026-06-30",'
            ' currentdate :value "lt" "date" "2026-08-01")',
            date(2026, 7, 1),
            date(2026, 7, 31),
            [],
        ),
        ('currentdate :value "lt" "iso8601" "2026-08-01T00:00:00Z"', None, date(2026, 7, 31), []),
        ('allof (true, currentdate :value "ge" "date" "2026-07-01")', date(2026, 7, 1), None, []),
    ],
)
def test_vacation_dates_become_inclusive_utc_days(
    test: str, start: date | None, end: date | None, notes: list[str]
) -> None:
    result = import_sieve(f'if {test} {{\n  vacation "Away";\n}}\n', {})
    assert result.vacation == Vacation(enabled=True, start=start, end=end, text="Away")
    assert result.skipped == [f"line 1: {note}" for note in notes]


def test_vacation_days_are_brought_within_bounds_and_reported() -> None:
    result = import_sieve('vacation :days 365 :subject "" "Away";', {})
    assert result.vacation == Vacation(enabled=True, days=90, text="Away")
    assert result.skipped == [
        "line 1: vacation :days 365 taken as 90 (Bureau allows 1 to 90)",
        "line 1: empty vacation :subject; Bureau's default subject is used",
    ]
    assert import_sieve('vacation :days 0 "Away";', {}).vacation == Vacation(
        enabled=True, days=1, text="Away"
    )


UNSUPPORTED_VACATIONS = """\
require ["vacation", "vacation-seconds", "date", "relational", "fileinto"];
if header :contains "subject" "holiday" {
  vacation "Away";
}
if allof (currentdate :value "ge" "date" "2026-07-01", header :is "x-a" "b") {
  vacation "Away";
}
vacation :seconds 3600 "Away";
vacation :from "me@example.test" :mime :handle "h" "Away";
if currentdate :value "ge" "hour" "09" {
  vacation "Away";
}
if currentdate :value "eq" "date" "2026-07-01" { vacation "Away"; }
if allof (currentdate :value "ge" "date" "2026-07-09",
          currentdate :value "le" "date" "2026-07-01") {
  vacation "Away";
}
if false {
  vacation "Away";
}
if currentdate :value "ge" "date" "2026-07-01" {
  vacation "Away";
  fileinto "Bills";
}
vacation "Again";
if currentdate :originalzone :value "ge" "date" "2026-07-01" { stop; }
"""


def test_unsupported_vacation_forms_are_reported_with_their_line() -> None:
    result = import_sieve(UNSUPPORTED_VACATIONS, FOLDER_IDS)
    assert result.filters == []
    assert result.vacation == Vacation(enabled=True, start=date(2026, 7, 1), text="Away")
    in_filter = "vacation under conditions other than dates cannot be imported;"
    in_filter += " use the vacation setting"
    assert result.skipped == [
        f"line 3: {in_filter}",
        "line 2: rule has no action Bureau can run; skipped",
        "line 5: currentdate is only supported around a vacation (the rule at line 5 is skipped)",
        f"line 6: {in_filter}",
        "line 8: vacation :seconds not supported; the vacation is not imported",
        "line 9: vacation :from, :mime, :handle not supported; the vacation is not imported",
        "line 10: currentdate on the 'hour' part not supported (only date, iso8601);"
        " the vacation is not imported (the vacation at line 11)",
        'line 13: currentdate :value "eq" not supported; the vacation is not imported',
        "line 14: the vacation ends before it starts; the vacation is not imported"
        " (the vacation at line 16)",
        "line 18: the vacation is switched off in the script (false);"
        " the vacation is not imported (the vacation at line 19)",
        "line 23: fileinto beside a vacation under dates cannot be a Bureau filter",
        "line 25: a second vacation is not imported (the one at line 22 is)",
        "line 26: currentdate is only supported around a vacation (the rule at line 26 is skipped)",
    ]


def test_sieve_export_compiles_with_dovecot_pigeonhole(tmp_path: Path) -> None:
    """The exported script, filters and vacation, is valid for a real Sieve implementation
    (Debian's `dovecot-sieve` provides `sievec`)."""
    sievec = shutil.which("sievec")
    if sievec is None:
        pytest.skip("sievec (Dovecot Pigeonhole, Debian package dovecot-sieve) is not installed")
    for name, vacation in [("dated", JULY), ("undated", JULY.model_copy(update={"end": None}))]:
        script = tmp_path / f"{name}.sieve"
        script.write_text(export_sieve(ROUND_TRIP, FOLDER_NAMES, vacation, ["al@example.test"]))
        done = subprocess.run(
            [sievec, str(script), str(tmp_path / f"{name}.svbin")],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 0, done.stderr


# ---- bounds -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "script",
    [
        "if " + "not " * 5000 + "true { stop; }",
        "if " + "allof(" * 3000 + "true" + ")" * 3000 + " { stop; }",
        "if " + "anyof(true, " * 40 + "true" + ")" * 40 + " { stop; }",
        "if true {" * 40 + "stop;" + "}" * 40,
    ],
    ids=["5000-nots", "3000-allofs", "40-anyofs", "40-blocks"],
)
def test_nesting_past_the_limit_is_a_syntax_error(script: str) -> None:
    with pytest.raises(SieveSyntaxError, match=f"nest at most {MAX_NESTING} deep") as error:
        import_sieve(script, {})
    assert error.value.line == 1


def test_nesting_up_to_the_limit_imports() -> None:
    deep = "not " * (MAX_NESTING - 1) + 'header :is "subject" "x"'  # odd: one not remains
    [rule] = import_sieve(f"if {deep} {{ stop; }}", {}).filters
    assert [c.negate for c in rule.conditions] == [True]


def test_a_long_elsif_chain_stops_at_what_a_filter_holds_in_linear_time() -> None:
    elsif = 'elsif header :is "c" "d" { discard; }\n'
    branches = 'if header :is "a" "b" { stop; }\n' + elsif * 4000
    started = time.monotonic()
    result = import_sieve(branches + "else { discard; }\n", {})
    assert time.monotonic() - started < 10
    assert len(result.filters) == 1 + MAX_CONDITIONS - 1  # the if, then elsifs within 50
    skipped = [s for s in result.skipped if f"more than {MAX_CONDITIONS} conditions" in s]
    assert len(skipped) == 4000 - (MAX_CONDITIONS - 1) + 1  # the rest, and the else
