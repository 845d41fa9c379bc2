"""A user's filters as one Sieve script (RFC 5228), for Dovecot, Stalwart and the like.

Each filter is one `if` block, preceded by `# rule: <name>`, in the user's order; the
script `require`s only the extensions it uses. This is the driver: each condition and
action is written by the module registered for its kind (`conditions/`, `actions/`; each
module's docstring says its form), and

- a negated condition is `not <test>`; match all/any is `allof`/`anyof` (a single
  condition matched "all" is written bare);
- flags (mark_read, flag, tags) come before the filter's other actions, since in Sieve
  flags apply only to messages filed after them; whether the filter keeps the message
  (no move, delete or discard) tells `redirect` whether it needs `:copy`;
- a disabled filter is written `# bureau: disabled` then `if allof (false, <test>)`:
  valid Sieve (Dovecot compiles it) that never runs, and keeps its conditions;
- a kind registered as not expressible is left out, noted: the filter for a condition,
  the action (as a `# bureau: missing` line) for an action;
- the vacation setting, when enabled, comes last (`vacation.py`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from shared.filters import Condition, FilterFields
from shared.mail.sieve.actions import ACTIONS, ReadAction, WriteAction
from shared.mail.sieve.actions.imap4flags import FLAG_KINDS
from shared.mail.sieve.actions.redirect import UNKEEPING
from shared.mail.sieve.conditions import CONDITIONS, ReadTest, WriteTest, condition_key
from shared.mail.sieve.registry import NotExpressible, Registry, WriteContext
from shared.mail.sieve.syntax import string_list
from shared.mail.sieve.vacation import vacation_notes, vacation_rule
from shared.model import Vacation

__all__ = ["SieveExport", "export_sieve", "export_sieve_report"]


@dataclass
class SieveExport:
    script: str
    notes: list[str] = field(default_factory=list)  # what other servers will not run


class _Writer:
    def __init__(
        self,
        folder_names: dict[str, str],
        conditions: Registry[ReadTest, WriteTest],
        actions: Registry[ReadAction, WriteAction],
    ) -> None:
        self.context = WriteContext(folder_names)
        self.conditions = conditions
        self.actions = actions

    def test(self, condition: Condition) -> str:
        """Raises NotExpressible."""
        text = self.conditions.writer_for(condition_key(condition))(condition, self.context)
        return f"not {text}" if condition.negate else text

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

    def action_lines(self, rule: FilterFields) -> list[str]:
        ordered = [a for a in rule.actions if a.kind in FLAG_KINDS]
        ordered += [a for a in rule.actions if a.kind not in FLAG_KINDS]
        self.context.kept = not any(a.kind in UNKEEPING for a in rule.actions)
        lines: list[str] = []
        for action in ordered:
            try:
                lines.extend(self.actions.writer_for(action.kind)(action, self.context))
            except NotExpressible as missing:
                self.context.notes.append(
                    f"{rule.name}: {action.kind.value} {missing.reason}; it is left out"
                )
                lines.append(f"# bureau: missing {action.kind.value}")
        return lines

    def block(self, rule: FilterFields) -> str | None:
        """The filter's `if` block; None when a condition cannot be written."""
        self.context.rule = rule.name
        head = [f"# rule: {' '.join(rule.name.split())}"]
        if not rule.enabled:
            head.append("# bureau: disabled")
        try:
            test = self.condition(rule)
        except NotExpressible as missing:
            self.context.notes.append(f"{rule.name}: {missing.reason}; the filter is left out")
            return None
        if not rule.enabled:
            self.context.notes.append(f"{rule.name}: disabled (written as 'if allof (false, ...)')")
        body = [f"    {line}" for line in self.action_lines(rule)]
        return "\n".join([*head, f"if {test} {{", *body, "}"])


def export_sieve_report(
    filters: list[FilterFields],
    folder_names: dict[str, str],
    vacation: Vacation | None = None,
    aliases: Sequence[str] = (),
    *,
    conditions: Registry[ReadTest, WriteTest] = CONDITIONS,
    actions: Registry[ReadAction, WriteAction] = ACTIONS,
) -> SieveExport:
    """The script for `filters` (in order), then `vacation` if it is enabled, and notes on
    what other servers will not run as Bureau does.

    `folder_names` maps folder ids to their full path ("Lists/Dev"); `aliases` are the
    account's other addresses, which the vacation answers too. `conditions` and `actions`
    are the registries the constructs are written by."""
    writer = _Writer(folder_names, conditions, actions)
    context = writer.context
    blocks = [b for b in (writer.block(rule) for rule in filters) if b is not None]
    if vacation is not None and vacation.enabled:
        blocks.append(vacation_rule(vacation, aliases, context.extensions))
        context.notes.extend(vacation_notes(filters))
    parts = []
    if context.extensions:
        parts.append(f"require {string_list(sorted(context.extensions))};")
    parts.extend(blocks)
    return SieveExport("\n\n".join(parts) + "\n", context.notes)


def export_sieve(
    filters: list[FilterFields],
    folder_names: dict[str, str],
    vacation: Vacation | None = None,
    aliases: Sequence[str] = (),
) -> str:
    """The Sieve script for `filters` and `vacation`; see `export_sieve_report`."""
    return export_sieve_report(filters, folder_names, vacation, aliases).script
