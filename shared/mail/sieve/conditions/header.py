"""`header` (RFC 5228 §5.7): subject, header, list, priority and has_attachment.

Read: "subject" / "list-id" / "from" → those fields, "to" with "cc" → to_cc, any other
name → header; the forms below read back as priority and has_attachment. Written: subject
→ `header "subject"`, list → `header "list-id"`, header → `header "<its name>"`, and
(Sieve has neither without extensions Dovecot lacks) two approximations:

- has_attachment → `header :contains "content-type" "multipart/mixed"`, what most mail
  with attachments carries;
- priority, on X-Priority only: high = `:matches ["1*", "2*"]`, normal = `"3*"`, low =
  `["4*", "5*"]`.
"""

from __future__ import annotations

from shared.filters import Condition, FieldName, Operator
from shared.mail.sieve.conditions import ConditionReader, reader, writer
from shared.mail.sieve.conditions import compare as c
from shared.mail.sieve.conditions.tree import Tree
from shared.mail.sieve.parser import Test
from shared.mail.sieve.registry import WriteContext
from shared.mail.sieve.syntax import quote, string_list

PRIORITY_HEADER = "x-priority"
PRIORITY_PATTERNS: dict[str, list[str]] = {
    "high": ["1*", "2*"],
    "normal": ["3*"],
    "low": ["4*", "5*"],
}
ATTACHMENT_HEADER = "content-type"
ATTACHMENT_VALUE = "multipart/mixed"
_NAMES = {FieldName.SUBJECT: "subject", FieldName.LIST: "list-id"}


@reader("header")
def read(test: Test, conditions: ConditionReader) -> Tree:
    tags, positional = c.split(test)
    names, keys = c.strings(test, positional, 2)
    match = c.match_type(test, tags, conditions.note)
    c.no_tags(test, tags)
    lower = [n.lower() for n in names]
    line = test.line
    if match == "matches" and lower == [PRIORITY_HEADER]:
        for level, patterns in PRIORITY_PATTERNS.items():
            if keys == patterns:
                return c.condition(
                    line, field=FieldName.PRIORITY, operator=Operator.IS, value=level
                )
    if (lower, match, [k.lower() for k in keys]) == (
        [ATTACHMENT_HEADER],
        "contains",
        [ATTACHMENT_VALUE],
    ):
        return c.condition(line, field=FieldName.HAS_ATTACHMENT)
    return c.leaves(line, "all", match, keys, c.header_targets(names))


@writer(FieldName.SUBJECT, FieldName.HEADER, FieldName.LIST)
def write(condition: Condition, context: WriteContext) -> str:
    tag, value = c.write_match(condition, context)
    name = _NAMES.get(condition.field, condition.header or "")
    return f"header {tag} {quote(name)} {quote(value)}"


@writer(FieldName.PRIORITY)
def write_priority(condition: Condition, context: WriteContext) -> str:
    patterns = PRIORITY_PATTERNS[condition.value]
    return f"header :matches {quote(PRIORITY_HEADER)} {string_list(patterns)}"


@writer(FieldName.HAS_ATTACHMENT)
def write_has_attachment(condition: Condition, context: WriteContext) -> str:
    return f"header :contains {quote(ATTACHMENT_HEADER)} {quote(ATTACHMENT_VALUE)}"
