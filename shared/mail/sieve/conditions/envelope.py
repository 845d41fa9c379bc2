"""`envelope` (RFC 5228 §5.4): recipient, both directions.

Read: envelope "to" → recipient, "from" → from (Bureau keeps no envelope sender for
filters: noted), and the `anyof (address ["to", "cc"] k, envelope "to" k)` that export
writes → recipient. Written: recipient → that `anyof` (extension "envelope"), since
Bureau's recipient is any of To, Cc and the envelope recipient."""

from __future__ import annotations

from shared.filters import Condition, FieldName
from shared.mail.sieve.conditions import ConditionReader, reader, writer
from shared.mail.sieve.conditions import compare as c
from shared.mail.sieve.conditions.tree import Tree
from shared.mail.sieve.notes import Unsupported
from shared.mail.sieve.parser import StringList, Test
from shared.mail.sieve.registry import WriteContext
from shared.mail.sieve.syntax import quote


@reader("envelope")
def read(test: Test, conditions: ConditionReader) -> Tree:
    tags, positional = c.split(test)
    names, keys = c.strings(test, positional, 2)
    match = c.match_type(test, tags, conditions.note)
    part = c.address_part(test, tags)
    c.no_tags(test, tags)
    targets: list[c.Target] = []
    for name in names:
        low = name.lower()
        if low not in ("to", "from"):
            raise Unsupported(test.line, f"envelope {name!r} not supported")
        if low == "from":
            conditions.note(test.line, "envelope from read as the From header")
        targets.append((FieldName.RECIPIENT if low == "to" else FieldName.FROM, None))
    return c.leaves(test.line, part, match, keys, targets)


@reader("anyof", nests=True)
def read_recipient_pair(test: Test, conditions: ConditionReader) -> Tree | None:
    """The recipient as export writes it; None for any other `anyof`."""
    if test.arguments or len(test.tests) != 2:
        return None
    address, envelope = test.tests
    if address.name != "address" or envelope.name != "envelope":
        return None
    a_tags, a_pos = c.split(address)
    e_tags, e_pos = c.split(envelope)
    if (
        a_tags != e_tags
        or len(a_pos) != 2
        or len(e_pos) != 2
        or not all(isinstance(a, StringList) for a in [*a_pos, *e_pos])
    ):
        return None
    names_a, keys_a = (a.values for a in a_pos if isinstance(a, StringList))
    names_e, keys_e = (a.values for a in e_pos if isinstance(a, StringList))
    if sorted(n.lower() for n in names_a) != ["cc", "to"] or keys_a != keys_e:
        return None
    if [n.lower() for n in names_e] != ["to"]:
        return None
    return read(envelope, conditions)


@writer(FieldName.RECIPIENT)
def write(condition: Condition, context: WriteContext) -> str:
    context.extensions.add("envelope")
    tag, value = c.write_match(condition, context)
    return f'anyof (address {tag} ["to", "cc"] {quote(value)}, envelope {tag} "to" {quote(value)})'
