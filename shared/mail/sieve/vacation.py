"""The vacation setting from a Sieve `vacation` command (RFC 5230) and the dates around it.

Bureau's vacation has one reply per sender per `days`, a subject, a text and optional first
and last days (UTC, inclusive), so only these forms are read:

- the test around it: none (a top-level `vacation`), `true`, or `currentdate :value`
  (RFC 5260, with RFC 5231's relational `ge`, `gt`, `le`, `lt`) on the "date" part
  ("2026-07-01") or the "iso8601" part ("2026-07-01T00:00:00+01:00", as Roundcube writes
  when a time is given), alone or several in an `allof`. `gt` and `lt` on a date become
  the next and the previous day. A `:zone`, an offset or a time of day cannot be kept
  (Bureau's dates are whole UTC days): the date as written is taken, with a note.
  `false` in the test (a disabled rule) leaves the vacation out, with a note.
- the command: `:days` (default 7, brought within the model's 1 to 90 with a note),
  `:subject` (default: the model's), the reason as the text; `:addresses` naming only the
  account's own addresses and aliases (what Bureau answers anyway, and what the export
  writes) is taken as it is, others are ignored with a note. `:seconds`,
  `:from`, `:handle`, `:mime` and any other form leave the vacation out, reported.

Every note carries the line of the part it is about; nothing is dropped silently.

Written (`vacation_rule`), an enabled vacation is a last `# rule: vacation` then
`if <dates> { vacation :days N :subject "..." [:addresses [aliases]] "<text>"; }`
(extension "vacation"): its start and end are `currentdate :value "ge"` / `"le"` on the
"date" part (extensions "date", RFC 5260, and "relational", RFC 5231), in an `allof` when
both are set; without dates the test is `true`. A disabled vacation is not written
(Bureau does not run it either). Since it comes last, `vacation_notes` says when a
filter's `stop` would keep other servers from replying, or when they would reply to mail
a filter discards or deletes (Bureau does not).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from shared.filters import ActionKind, FilterFields
from shared.mail.sieve.lexer import SieveSyntaxError
from shared.mail.sieve.parser import Argument, Command, Number, StringList, Tag, Test
from shared.mail.sieve.syntax import quote, string_list
from shared.model import Vacation

MIN_DAYS, MAX_DAYS = 1, 90  # as `Vacation.days`
MAX_SUBJECT, MAX_TEXT = 256, 10_000  # as `Vacation.subject` and `Vacation.text`
_RELATIONS = frozenset({"ge", "gt", "le", "lt"})
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATE_COMPARATORS = frozenset({"i;ascii-casemap", "i;octet"})  # order ISO dates as dates
_ZONE_NOTE = "time zone ignored: dates are UTC days"
_TIME_NOTE = "time of day ignored: the vacation covers whole UTC days"


class _Refused(Exception):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


@dataclass
class VacationRead:
    vacation: Vacation | None  # None: left out, and `notes` say why
    notes: list[tuple[int, str]] = field(default_factory=list)  # (line, message)


def is_date_test(test: Test | None) -> bool:
    """Whether `test` is only dates (or nothing), the forms a vacation setting can come
    from; any other test makes the vacation part of a filter, which Bureau cannot run."""
    if test is None or test.name in ("true", "false", "currentdate"):
        return True
    return test.name == "allof" and all(
        t.name in ("true", "false", "currentdate") for t in test.tests
    )


def read_vacation(
    test: Test | None, command: Command, own_addresses: frozenset[str] = frozenset()
) -> VacationRead:
    """The vacation setting of `command` under `test` (None at top level), which must be
    `is_date_test`; `own_addresses` (lower-case) are the account's address and aliases.
    Raises SieveSyntaxError for malformed arguments."""
    reader = _Reader(own_addresses)
    try:
        start, end = reader.dates(test)
        vacation = reader.command(command, start, end)
    except _Refused as refused:
        where = "" if refused.line == command.line else f" (the vacation at line {command.line})"
        reader.note(refused.line, f"{refused.message}; the vacation is not imported{where}")
        return VacationRead(None, reader.notes)
    return VacationRead(vacation, reader.notes)


class _Reader:
    def __init__(self, own_addresses: frozenset[str]) -> None:
        self.own_addresses = own_addresses
        self.notes: list[tuple[int, str]] = []

    def note(self, line: int, message: str) -> None:
        if (line, message) not in self.notes:
            self.notes.append((line, message))

    # -- dates

    def dates(self, test: Test | None) -> tuple[date | None, date | None]:
        if test is None or test.name == "true":
            return None, None
        tests = test.tests if test.name == "allof" else [test]
        if any(t.name == "false" for t in tests):
            raise _Refused(test.line, "the vacation is switched off in the script (false)")
        start: date | None = None
        end: date | None = None
        for current in (t for t in tests if t.name == "currentdate"):
            relation, day = self._bound(current)
            if relation in ("ge", "gt"):
                if start is not None:
                    raise _Refused(current.line, "the vacation has two start dates")
                start = day
            else:
                if end is not None:
                    raise _Refused(current.line, "the vacation has two end dates")
                end = day
        if start is not None and end is not None and end < start:
            raise _Refused(test.line, "the vacation ends before it starts")
        return start, end

    def _bound(self, test: Test) -> tuple[str, date]:
        """("ge" or "le", the first or last day) of one `currentdate` comparison."""
        line = test.line
        tags, positional = _split(test.arguments, line)
        if "count" in tags:
            raise _Refused(line, "currentdate :count not supported (only :value)")
        if "originalzone" in tags:
            raise _Refused(line, "currentdate :originalzone not supported")
        relation = _string(tags.pop("value", None), line, "value")
        if relation is None:
            raise _Refused(line, "currentdate without :value not supported")
        relation = relation.lower()
        if relation not in _RELATIONS:
            raise _Refused(line, f'currentdate :value "{relation}" not supported')
        comparator = _string(tags.pop("comparator", None), line, "comparator")
        if comparator is not None and comparator.lower() not in _DATE_COMPARATORS:
            raise _Refused(line, f"currentdate :comparator {comparator!r} not supported")
        if tags.pop("zone", None) is not None:
            self.note(line, _ZONE_NOTE)
        if tags:
            raise _Refused(line, f"currentdate :{next(iter(tags))} not supported")
        if len(positional) != 2 or not all(isinstance(a, StringList) for a in positional):
            raise SieveSyntaxError(line, "currentdate takes a date part and a key list")
        part_list, keys = (a.values for a in positional if isinstance(a, StringList))
        part = part_list[0].lower()
        if len(keys) != 1:
            raise _Refused(line, "currentdate with several dates not supported")
        if part == "date":
            return self._on_date(line, relation, keys[0])
        if part == "iso8601":
            return self._on_iso8601(line, relation, keys[0])
        raise _Refused(
            line, f"currentdate on the {part_list[0]!r} part not supported (only date, iso8601)"
        )

    def _on_date(self, line: int, relation: str, key: str) -> tuple[str, date]:
        try:
            day = date.fromisoformat(key) if _DATE.match(key) else None
        except ValueError:
            day = None
        if day is None:
            raise _Refused(line, f"{key!r} is not a date (YYYY-MM-DD)")
        if relation == "gt":
            return "ge", day + timedelta(days=1)
        if relation == "lt":
            return "le", day - timedelta(days=1)
        return relation, day

    def _on_iso8601(self, line: int, relation: str, key: str) -> tuple[str, date]:
        try:
            moment = datetime.fromisoformat(key)
        except ValueError:
            raise _Refused(line, f"{key!r} is not an ISO 8601 date and time") from None
        offset = moment.utcoffset()
        if offset:
            self.note(line, _ZONE_NOTE)
        day, clock = moment.date(), moment.time().replace(microsecond=0)
        if relation in ("ge", "gt"):
            if clock != time(0, 0):
                self.note(line, _TIME_NOTE)
            return "ge", day
        if relation == "lt":
            if clock == time(0, 0):
                return "le", day - timedelta(days=1)  # before midnight: the previous day
            self.note(line, _TIME_NOTE)
        elif clock < time(23, 59):
            self.note(line, _TIME_NOTE)
        return "le", day

    # -- the command

    def command(self, command: Command, start: date | None, end: date | None) -> Vacation:
        line = command.line
        tags, positional = _split(command.arguments, line)
        refused = [t for t in tags if t not in ("days", "subject", "addresses")]
        if refused:
            listed = ", ".join(f":{t}" for t in refused)
            raise _Refused(line, f"vacation {listed} not supported")
        if len(positional) != 1 or not isinstance(positional[0], StringList):
            raise SieveSyntaxError(line, "vacation takes one reason string")
        if len(positional[0].values) != 1:
            raise SieveSyntaxError(line, "the vacation reason is one string, not a list")
        fields: dict[str, object] = {"enabled": True, "start": start, "end": end}
        text = positional[0].values[0]
        if len(text) > MAX_TEXT:
            self.note(line, f"vacation text cut to {MAX_TEXT} characters")
            text = text[:MAX_TEXT]
        fields["text"] = text
        days = tags.get("days")
        if days is not None:
            fields["days"] = self._days(line, days)
        subject = tags.get("subject")
        if subject is not None:
            fields["subject"] = self._subject(line, subject)
        given = tags.get("addresses")
        if given is not None:
            addresses: list[str] = given if isinstance(given, list) else []
            others = [a for a in addresses if a.strip().lower() not in self.own_addresses]
            if others or not addresses:
                self.note(
                    line,
                    "vacation :addresses ignored: Bureau answers mail to the account's own"
                    " address and aliases",
                )
        return Vacation.model_validate(fields)

    def _days(self, line: int, value: list[str] | int) -> int:
        if not isinstance(value, int):
            raise SieveSyntaxError(line, ":days needs a number")
        days = min(max(value, MIN_DAYS), MAX_DAYS)
        if days != value:
            self.note(
                line,
                f"vacation :days {value} taken as {days} (Bureau allows {MIN_DAYS} to {MAX_DAYS})",
            )
        return days

    def _subject(self, line: int, value: list[str] | int) -> str:
        subject = _string(value, line, "subject")
        assert subject is not None
        if not subject.strip():
            self.note(line, "empty vacation :subject; Bureau's default subject is used")
            return Vacation().subject
        if len(subject) > MAX_SUBJECT:
            self.note(line, f"vacation :subject cut to {MAX_SUBJECT} characters")
        return subject[:MAX_SUBJECT]


def _string(value: list[str] | int | None, line: int, tag: str) -> str | None:
    """The one string a tag takes (None: the tag is absent)."""
    if value is None:
        return None
    if isinstance(value, int) or len(value) != 1:
        raise SieveSyntaxError(line, f":{tag} needs one string")
    return value[0]


_VALUED = frozenset(
    {
        "days",
        "seconds",
        "subject",
        "from",
        "addresses",
        "handle",
        "value",
        "count",
        "comparator",
        "zone",
        "originalzone",
    }
)


def _split(
    arguments: list[Argument], line: int
) -> tuple[dict[str, list[str] | int], list[Argument]]:
    """Tagged arguments (with the value that follows the tags that take one) and the
    positional ones."""
    tags: dict[str, list[str] | int] = {}
    positional: list[Argument] = []
    items = iter(arguments)
    for argument in items:
        if not isinstance(argument, Tag):
            positional.append(argument)
            continue
        if argument.name in tags:
            raise SieveSyntaxError(argument.line, f":{argument.name} given twice")
        if argument.name not in _VALUED:
            tags[argument.name] = []
            continue
        value = next(items, None)
        if isinstance(value, StringList):
            tags[argument.name] = value.values
        elif isinstance(value, Number):
            tags[argument.name] = value.value
        else:
            raise SieveSyntaxError(line, f":{argument.name} needs a value")
    return tags, positional


# -- export


def vacation_rule(vacation: Vacation, aliases: Sequence[str], extensions: set[str]) -> str:
    """The `# rule: vacation` block for an enabled `vacation`; adds what it needs to
    `extensions`. `aliases` go in `:addresses` (RFC 5230 §4.5), so other servers also reply
    to mail sent to them."""
    extensions.add("vacation")
    bounds = [
        f'currentdate :value "{relation}" "date" {quote(day.isoformat())}'
        for relation, day in (("ge", vacation.start), ("le", vacation.end))
        if day is not None
    ]
    if bounds:
        extensions.update({"date", "relational"})
    test = (
        "true" if not bounds else bounds[0] if len(bounds) == 1 else f"allof ({', '.join(bounds)})"
    )
    arguments = [f":days {vacation.days}", f":subject {quote(vacation.subject)}"]
    if aliases:
        arguments.append(f":addresses {string_list(list(aliases))}")
    command = f"vacation {' '.join(arguments)} {quote(vacation.text)};"
    return "\n".join(["# rule: vacation", f"if {test} {{", f"    {command}", "}"])


def vacation_notes(filters: list[FilterFields]) -> list[str]:
    """How the vacation at the end of the script differs from Bureau's for these filters."""
    kinds = {a.kind for rule in filters if rule.enabled for a in rule.actions}
    notes = []
    if ActionKind.STOP in kinds:
        notes.append("vacation: other servers send no reply to mail a filter stops at")
    if kinds & {ActionKind.DISCARD, ActionKind.DELETE}:
        notes.append(
            "vacation: other servers also reply to mail a filter discards or deletes"
            " (Bureau does not)"
        )
    return notes
