"""A user's filters as one Sieve script (RFC 5228), for Dovecot, Stalwart and the like.

Each filter is one `if` block, preceded by `# rule: <name>`, in the user's order; the
script `require`s only the extensions it uses. How Bureau's model maps to Sieve:

- from → `address "from"`; to_cc → `address ["to", "cc"]`; recipient → `anyof (address
  ["to", "cc"], envelope "to")` (extension "envelope"); subject / header / list →
  `header`; `exists` → `exists`; size → `size :over/:under`; body → `body :text`
  (extension "body"). Operators: is/contains/matches → `:is`/`:contains`/`:matches`,
  regex → `:regex` (extension "regex"), starts_with → `:matches "<escaped value>*"`.
  A negated condition is `not <test>`; match all/any is `allof`/`anyof` (a single
  condition matched "all" is written bare).
- has_attachment is approximated as `header :contains "content-type" "multipart/mixed"`
  (what most mail with attachments carries; Sieve has no attachment test without
  extensions Dovecot lacks). priority is approximated on X-Priority only: high =
  `:matches ["1*", "2*"]`, normal = `"3*"`, low = `["4*", "5*"]`.
- Flags (mark_read → `\\Seen`, flag → `\\Flagged`, tags → keywords) use `addflag`
  (extension "imap4flags") and are written before the filter's other actions, since in
  Sieve flags apply only to messages filed after them.
- move → `fileinto "<folder path>"`; copy → `fileinto :copy` (extension "copy"); delete →
  `fileinto "Trash"`; discard → `discard`; stop → `stop`; forward → one `redirect` per
  address, with `:copy` (extension "copy") unless the filter moves, deletes or discards
  the message (Sieve's redirect would otherwise cancel the implicit keep).
- comment and notify_email / notify_sms have no standard form: they are written as
  `# bureau: comment "<json string>"` and `# bureau: notify_email ["<address>", ...]`
  comment lines, which the importer reads back and other servers ignore; the export's
  `notes` list each one.
- A disabled filter is written `# bureau: disabled` then `if allof (false, <test>)`:
  valid Sieve (Dovecot compiles it) that never runs, and keeps its conditions.
- The vacation setting, when enabled, comes after the filters as `# rule: vacation` then
  `if <dates> { vacation :days N :subject "..." [:addresses [aliases]] "<text>"; }`
  (extension "vacation", RFC 5230). Its start and end are `currentdate :value "ge"` /
  `"le"` on the "date" part (extensions "date", RFC 5260, and "relational", RFC 5231),
  in an `allof` when both are set; without dates the test is `true`. A disabled vacation
  is not written (Bureau does not run it either). Since the vacation comes last, a note
  says when a filter's `stop` would keep other servers from replying, or when they would
  reply to mail a filter discards or deletes (Bureau does not).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field

from shared.filters import ActionKind, Condition, FieldName, FilterFields, Operator
from shared.model import Vacation

_FLAG_KINDS = frozenset({ActionKind.TAG, ActionKind.MARK_READ, ActionKind.FLAG})
_UNKEEPING = frozenset({ActionKind.MOVE, ActionKind.DELETE, ActionKind.DISCARD})
PRIORITY_PATTERNS: dict[str, list[str]] = {
    "high": ["1*", "2*"],
    "normal": ["3*"],
    "low": ["4*", "5*"],
}
ATTACHMENT_HEADER = "content-type"
ATTACHMENT_VALUE = "multipart/mixed"
TRASH = "Trash"


@dataclass
class SieveExport:
    script: str
    notes: list[str] = field(default_factory=list)  # what other servers will not run


def quote(value: str) -> str:
    """A Sieve quoted string (only `"` and `\\` need escaping; new lines are allowed)."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def string_list(values: list[str]) -> str:
    if len(values) == 1:
        return quote(values[0])
    return "[" + ", ".join(quote(v) for v in values) + "]"


def escape_wildcards(value: str) -> str:
    """`value` as a literal inside a :matches pattern."""
    return value.replace("\\", "\\\\").replace("*", "\\*").replace("?", "\\?")


class _Writer:
    def __init__(self, folder_names: dict[str, str]) -> None:
        self.folder_names = folder_names
        self.extensions: set[str] = set()
        self.notes: list[str] = []

    def match_type(self, operator: Operator, value: str) -> tuple[str, str]:
        if operator is Operator.STARTS_WITH:
            return ":matches", escape_wildcards(value) + "*"
        if operator is Operator.REGEX:
            self.extensions.add("regex")
        return f":{operator.value}", value

    def test(self, condition: Condition) -> str:
        text = self._positive(condition)
        return f"not {text}" if condition.negate else text

    def _positive(self, c: Condition) -> str:
        f, op = c.field, c.operator
        if f is FieldName.HAS_ATTACHMENT:
            return f"header :contains {quote(ATTACHMENT_HEADER)} {quote(ATTACHMENT_VALUE)}"
        assert op is not None  # the model requires one for every other field
        if f is FieldName.SIZE:
            return f"size :{op.value} {c.value}"
        if f is FieldName.PRIORITY:
            patterns = PRIORITY_PATTERNS[c.value]
            return f'header :matches "x-priority" {string_list(patterns)}'
        if op is Operator.EXISTS:
            name = "list-id" if f is FieldName.LIST else c.header or ""
            return f"exists {quote(name)}"
        tag, value = self.match_type(op, c.value)
        if f is FieldName.FROM:
            return f'address {tag} "from" {quote(value)}'
        if f is FieldName.TO_CC:
            return f'address {tag} ["to", "cc"] {quote(value)}'
        if f is FieldName.RECIPIENT:
            self.extensions.add("envelope")
            return (
                f'anyof (address {tag} ["to", "cc"] {quote(value)}, '
                f'envelope {tag} "to" {quote(value)})'
            )
        if f is FieldName.BODY:
            self.extensions.add("body")
            return f"body :text {tag} {quote(value)}"
        name = {FieldName.SUBJECT: "subject", FieldName.LIST: "list-id"}.get(f, c.header or "")
        return f"header {tag} {quote(name)} {quote(value)}"

    def condition(self, rule: FilterFields) -> str:
        tests = [self.test(c) for c in rule.conditions]
        if not tests:
            text = "true"
        elif len(tests) == 1 and rule.match == "all":
            text = tests[0]
        else:
            joiner = "allof" if rule.match == "all" else "anyof"
            text = f"{joiner} (\n    " + ",\n    ".join(tests) + "\n)"
        return text if rule.enabled else f"allof (false, {text})"

    def actions(self, rule: FilterFields) -> list[str]:
        ordered = [a for a in rule.actions if a.kind in _FLAG_KINDS]
        ordered += [a for a in rule.actions if a.kind not in _FLAG_KINDS]
        kept = not any(a.kind in _UNKEEPING for a in rule.actions)
        lines: list[str] = []
        for action in ordered:
            kind = action.kind
            if kind in (ActionKind.TAG, ActionKind.MARK_READ, ActionKind.FLAG):
                self.extensions.add("imap4flags")
                flag = {ActionKind.MARK_READ: "\\Seen", ActionKind.FLAG: "\\Flagged"}.get(
                    kind, action.tag or ""
                )
                if kind is ActionKind.TAG and any(ch.isspace() for ch in flag):
                    self.notes.append(
                        f"{rule.name}: tag {flag!r} has spaces; Sieve reads it as several flags"
                    )
                lines.append(f"addflag {quote(flag)};")
            elif kind in (ActionKind.MOVE, ActionKind.COPY):
                self.extensions.add("fileinto")
                name = self.folder_names.get(action.folder_id or "")
                if name is None:
                    self.notes.append(
                        f"{rule.name}: folder {action.folder_id!r} no longer exists; "
                        f"its {kind.value} is left out"
                    )
                    lines.append(f"# bureau: missing folder {json.dumps(action.folder_id)}")
                    continue
                copy = ""
                if kind is ActionKind.COPY:
                    self.extensions.add("copy")
                    copy = ":copy "
                lines.append(f"fileinto {copy}{quote(name)};")
            elif kind is ActionKind.DELETE:
                self.extensions.add("fileinto")
                lines.append(f"fileinto {quote(TRASH)};")
            elif kind is ActionKind.FORWARD:
                copy = ""
                if kept:
                    self.extensions.add("copy")
                    copy = ":copy "
                lines.extend(f"redirect {copy}{quote(a)};" for a in action.addresses)
            elif kind is ActionKind.DISCARD:
                lines.append("discard;")
            elif kind is ActionKind.STOP:
                lines.append("stop;")
            elif kind is ActionKind.COMMENT:
                text = json.dumps(action.text or "", ensure_ascii=False)
                lines.append(f"# bureau: comment {text}")
                self.notes.append(f"{rule.name}: the comment is a Bureau-only action")
            else:  # notify_email, notify_sms
                to = json.dumps(action.addresses, ensure_ascii=False)
                lines.append(f"# bureau: {kind.value} {to}")
                self.notes.append(f"{rule.name}: {kind.value} is a Bureau-only action")
        return lines


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


def _vacation_notes(filters: list[FilterFields]) -> list[str]:
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


def export_sieve_report(
    filters: list[FilterFields],
    folder_names: dict[str, str],
    vacation: Vacation | None = None,
    aliases: Sequence[str] = (),
) -> SieveExport:
    """The script for `filters` (in order), then `vacation` if it is enabled, and notes on
    what other servers will not run as Bureau does.

    `folder_names` maps folder ids to their full path ("Lists/Dev"); `aliases` are the
    account's other addresses, which the vacation answers too."""
    writer = _Writer(folder_names)
    blocks: list[str] = []
    for rule in filters:
        head = [f"# rule: {' '.join(rule.name.split())}"]
        if not rule.enabled:
            head.append("# bureau: disabled")
            writer.notes.append(f"{rule.name}: disabled (written as 'if allof (false, ...)')")
        test = writer.condition(rule)
        body = [f"    {line}" for line in writer.actions(rule)]
        blocks.append("\n".join([*head, f"if {test} {{", *body, "}"]))
    if vacation is not None and vacation.enabled:
        blocks.append(vacation_rule(vacation, aliases, writer.extensions))
        writer.notes.extend(_vacation_notes(filters))
    parts = []
    if writer.extensions:
        parts.append(f"require {string_list(sorted(writer.extensions))};")
    parts.extend(blocks)
    return SieveExport("\n\n".join(parts) + "\n", writer.notes)


def export_sieve(
    filters: list[FilterFields],
    folder_names: dict[str, str],
    vacation: Vacation | None = None,
    aliases: Sequence[str] = (),
) -> str:
    """The Sieve script for `filters` and `vacation`; see `export_sieve_report`."""
    return export_sieve_report(filters, folder_names, vacation, aliases).script
