"""Filters from a Sieve script (RFC 5228): what `export_sieve` writes, plus the common
Dovecot / Stalwart scripts. Nothing is dropped silently: every part Bureau cannot run is
named, with its line, in `ImportResult.skipped`.

- Each top-level `if` is one filter, named by a `# rule: <name>` comment before it (else
  "Rule at line N"). `elsif` / `else` become filters of their own with the negated
  previous conditions, when the result is still one all/any list (else reported);
  past `MAX_CONDITIONS` (50) branches a chain's next ones are reported, as their filters
  could not hold the conditions. Top-level actions outside any `if` become one filter
  without conditions.
- Conditions and actions are read by the module registered for their Sieve name
  (`conditions/`, `actions/`; each module's docstring says what it reads): negation is
  pushed down to the tests, by De Morgan; mixing all and any in one filter cannot be
  expressed, and the filter is reported. Any test or command with no module is reported;
  so is a filter left without any action.
- A top-level test `false` or `allof (false, ...)` makes a disabled filter.
- `vacation` (RFC 5230) becomes `ImportResult.vacation`, the account's vacation setting,
  when it stands at top level or in an `if` whose test is only dates (`currentdate`
  comparisons, `true`): see `vacation.py` for the forms read. The block's other actions
  form a filter under `true` and are reported under dates. A vacation under any other
  test, a second one, or `currentdate` anywhere else is reported.
- Tests and blocks nest at most `parser.MAX_NESTING` (32) deep: deeper is a syntax error.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from pydantic import ValidationError

from shared.filters import MAX_CONDITIONS, FilterFields
from shared.mail.sieve.actions import ActionReader
from shared.mail.sieve.conditions import ConditionReader
from shared.mail.sieve.lexer import SieveSyntaxError
from shared.mail.sieve.notes import VACATION_IN_FILTER, Unsupported
from shared.mail.sieve.parser import Command, Comment, Node, StringList, Test, parse
from shared.mail.sieve.vacation import is_date_test, read_vacation
from shared.model import Vacation

__all__ = ["ImportResult", "SieveSyntaxError", "import_sieve"]


@dataclass
class ImportResult:
    filters: list[FilterFields] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # "line 12: ..." for each part left out
    vacation: Vacation | None = None  # the script's vacation setting; None: it has none


class _Importer:
    def __init__(self, folder_ids: dict[str, str], own_addresses: frozenset[str]) -> None:
        self.own_addresses = own_addresses
        self.result = ImportResult()
        self.vacation_line: int | None = None  # where the imported vacation is
        self.tests = ConditionReader(self.note)
        self.actions = ActionReader(folder_ids, self.note)

    def note(self, line: int, message: str) -> None:
        self.result.skipped.append(f"line {line}: {message}")

    def add_filter(self, name: str, line: int, test: Test | None, nodes: list[Node]) -> None:
        try:
            enabled, match, conditions = (
                (True, "all", []) if test is None else self.tests.conditions(test)
            )
        except Unsupported as error:
            self.note(error.line, f"{error.message} (the rule at line {line} is skipped)")
            for node in nodes:
                if isinstance(node, Command) and node.name == "vacation":
                    self.note(node.line, VACATION_IN_FILTER)
            return
        reported = len(self.result.skipped)
        actions = self.actions.actions(nodes)
        if not actions:
            if test is not None or len(self.result.skipped) == reported:
                self.note(line, "rule has no action Bureau can run; skipped")
            return
        try:
            self.result.filters.append(
                FilterFields(
                    name=name[:200],
                    enabled=enabled,
                    match="any" if match == "any" else "all",
                    conditions=conditions,
                    actions=actions,
                )
            )
        except ValidationError as error:
            self.note(line, f"rule not accepted: {error.errors()[0]['msg']}")

    def script(self, nodes: list[Node]) -> ImportResult:
        name: str | None = None
        chain: list[Test] | None = None
        loose: list[Node] = []  # top-level actions outside any if
        loose_line = 0

        def flush() -> None:
            nonlocal loose
            if loose:
                self.add_filter(f"Actions at line {loose_line}", loose_line, None, loose)
            loose = []

        for node in nodes:
            if isinstance(node, Comment):
                if node.text.startswith("rule:"):
                    name = node.text[len("rule:") :].strip() or None
                elif loose or (node.text.startswith("bureau:") and node.text != "bureau: disabled"):
                    if not loose:
                        loose_line = node.line
                    loose.append(node)
                continue
            if node.name == "vacation":
                self.take_vacation(None, node)
                chain = name = None
                continue
            if node.name not in ("if", "elsif", "else", "require"):
                if not loose:
                    loose_line = node.line
                loose.append(node)
                chain = None
                continue
            flush()
            block = node.block or []
            rule = name or f"Rule at line {node.line}"
            name = None
            if node.name == "require":
                self._check_require(node)
                chain = None
            elif node.name == "if":
                chain = [node.tests[0]]
                if not self.vacation_block(rule, node):
                    self.add_filter(rule, node.line, node.tests[0], block)
            else:
                if chain is None:
                    raise SieveSyntaxError(node.line, f"{node.name} without a preceding if")
                if len(chain) >= MAX_CONDITIONS:
                    # Its filter would need a negated condition per branch before it: more
                    # than a filter holds (and building them all would take quadratic time).
                    self.note(
                        node.line,
                        f"{node.name} after {len(chain)} branches needs more than"
                        f" {MAX_CONDITIONS} conditions; skipped",
                    )
                    chain = chain if node.name == "elsif" else None
                    continue
                negated = [Test("not", [], [t], t.line) for t in chain]
                if node.name == "elsif":
                    own = node.tests[0]
                    self.add_filter(
                        rule, node.line, Test("allof", [], [*negated, own], own.line), block
                    )
                    chain.append(own)
                else:
                    self.add_filter(rule, node.line, Test("allof", [], negated, node.line), block)
                    chain = None
        flush()
        return self.result

    # -- vacation

    def vacation_block(self, rule: str, command: Command) -> bool:
        """Read an `if` whose block holds a vacation and whose test is only dates (else
        False: it is a filter, whose vacation `actions` reports). Under `true` the block's
        other actions form a filter; under dates they cannot, and are reported."""
        block = command.block or []
        test = command.tests[0]
        vacations = [n for n in block if isinstance(n, Command) and n.name == "vacation"]
        if not vacations or not is_date_test(test):
            return False
        for vacation in vacations:
            self.take_vacation(test, vacation)
        rest = [n for n in block if not (isinstance(n, Command) and n.name == "vacation")]
        if test.name == "true":
            if any(isinstance(n, Command) for n in rest):
                self.add_filter(rule, command.line, test, rest)
            return True
        for node in rest:
            if isinstance(node, Command):
                self.note(
                    node.line,
                    f"{node.name} beside a vacation under dates cannot be a Bureau filter",
                )
        return True

    def take_vacation(self, test: Test | None, command: Command) -> None:
        if self.vacation_line is not None:
            self.note(
                command.line,
                f"a second vacation is not imported (the one at line {self.vacation_line} is)",
            )
            return
        read = read_vacation(test, command, self.own_addresses)
        for line, message in read.notes:
            self.note(line, message)
        if read.vacation is not None:
            self.result.vacation = read.vacation
            self.vacation_line = command.line

    def _check_require(self, command: Command) -> None:
        if (
            len(command.arguments) != 1
            or not isinstance(command.arguments[0], StringList)
            or command.tests
        ):
            raise SieveSyntaxError(command.line, "require takes a list of extension names")


def import_sieve(
    script: str, folder_ids: dict[str, str], own_addresses: Iterable[str] = ()
) -> ImportResult:
    """The filters of a Sieve script, in order, its vacation setting if it has one, and the
    parts left out, each with its line.

    `folder_ids` maps folder paths ("Lists/Dev") to ids; `own_addresses` are the account's
    address and aliases (a vacation's `:addresses` naming only those is no loss).
    Raises SieveSyntaxError."""
    own = frozenset(a.strip().lower() for a in own_addresses)
    return _Importer(folder_ids, own).script(parse(script))
