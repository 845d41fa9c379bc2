"""Filters from a Sieve script (RFC 5228): what `export_sieve` writes, plus the common
Dovecot / Stalwart scripts. Nothing is dropped silently: every part Bureau cannot run is
named, with its line, in `ImportResult.skipped`.

- Each top-level `if` is one filter, named by a `# rule: <name>` comment before it (else
  "Rule at line N"). `elsif` / `else` become filters of their own with the negated
  previous conditions, when the result is still one all/any list (else reported).
  Top-level actions outside any `if` become one filter without conditions.
- Conditions: `allof`/`anyof`/`not`/`true`/`false` (negation is pushed down to the
  tests, by De Morgan); `address`, `header`, `envelope` (to → recipient, from → from)
  with :is :contains :matches :regex and :all / :localpart / :domain (the parts become
  :matches patterns on the whole address; :regex on a part is reported); `exists`,
  `size`, `body` (:text). Several header names or keys in one test are an `anyof`.
  Mixing all and any in one filter cannot be expressed: the filter is reported.
  The forms `export_sieve` writes for has_attachment, priority, list and recipient are
  read back as those fields; `:matches "<literal>*"` reads as starts_with.
- A top-level test `false` or `allof (false, ...)` makes a disabled filter.
- Actions: `fileinto` (+ :copy, :flags; "Trash" → delete; folder paths → ids by
  `folder_ids`, an unknown folder is reported and its action skipped), `redirect`
  (+ :copy; a plain redirect that leaves no copy adds a discard), `keep` (turns the
  filter's moves into copies; alone it is Bureau's default), `discard`, `stop`,
  `addflag`/`setflag` (\\Seen → mark read, \\Flagged → flag, keywords → tags), and
  Bureau's `# bureau: comment / notify_email / notify_sms` comment lines. `reject`,
  `ereject`, `removeflag`, `notify`, nested `if` and any other command are reported. A
  filter left without any action is reported and skipped.
- `vacation` (RFC 5230) becomes `ImportResult.vacation`, the account's vacation setting,
  when it stands at top level or in an `if` whose test is only dates (`currentdate`
  comparisons, `true`): see `vacation.py` for the forms read. The block's other actions
  form a filter under `true` and are reported under dates. A vacation under any other
  test, a second one, or `currentdate` anywhere else is reported.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from pydantic import ValidationError

from services.filters.sieve.export import (
    ATTACHMENT_HEADER,
    ATTACHMENT_VALUE,
    PRIORITY_PATTERNS,
    TRASH,
    escape_wildcards,
)
from services.filters.sieve.lexer import SieveSyntaxError
from services.filters.sieve.parser import (
    Argument,
    Command,
    Comment,
    Node,
    Number,
    StringList,
    Tag,
    Test,
    parse,
)
from services.filters.sieve.vacation import is_date_test, read_vacation
from shared.filters import Action, ActionKind, Condition, FieldName, FilterFields, Operator
from shared.model import Vacation

__all__ = ["ImportResult", "SieveSyntaxError", "import_sieve"]


@dataclass
class ImportResult:
    filters: list[FilterFields] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # "line 12: ..." for each part left out
    vacation: Vacation | None = None  # the script's vacation setting; None: it has none


class _Unsupported(Exception):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


@dataclass
class _Group:
    mode: str  # "all" or "any"
    items: list[_Tree]


_Tree = Condition | _Group | bool

_MATCH_TYPES = {
    "is": Operator.IS,
    "contains": Operator.CONTAINS,
    "matches": Operator.MATCHES,
    "regex": Operator.REGEX,
}
_TAGS_WITH_VALUE = frozenset({"comparator", "count", "value"})
_CASELESS = frozenset({"i;ascii-casemap", "i;unicode-casemap"})
_VACATION_IN_FILTER = (
    "vacation under conditions other than dates cannot be imported; use the vacation setting"
)
_LITERAL_PREFIX = re.compile(r"^(?:[^\\*?]|\\.)+\*$", re.DOTALL)
_UNESCAPE = re.compile(r"\\(.)", re.DOTALL)


# ---- conditions -------------------------------------------------------------------------


def _negate(tree: _Tree) -> _Tree:
    if isinstance(tree, bool):
        return not tree
    if isinstance(tree, _Group):
        return _Group("any" if tree.mode == "all" else "all", [_negate(t) for t in tree.items])
    return tree.model_copy(update={"negate": not tree.negate})


def _simplify(tree: _Tree) -> _Tree:
    if not isinstance(tree, _Group):
        return tree
    items: list[_Tree] = []
    neutral, absorbing = tree.mode == "all", tree.mode != "all"
    for item in (_simplify(t) for t in tree.items):
        if isinstance(item, bool):
            if item is absorbing:
                return absorbing
            continue  # the neutral element
        if isinstance(item, _Group) and item.mode == tree.mode:
            items.extend(item.items)
        else:
            items.append(item)
    if not items:
        return neutral
    return items[0] if len(items) == 1 else _Group(tree.mode, items)


def _operator(match: str, value: str) -> tuple[Operator, str]:
    """Bureau's operator and value for a Sieve match type and key."""
    if match == "matches" and _LITERAL_PREFIX.match(value):
        return Operator.STARTS_WITH, _UNESCAPE.sub(r"\1", value[:-1])
    return _MATCH_TYPES[match], value


class _Importer:
    def __init__(self, folder_ids: dict[str, str], own_addresses: frozenset[str]) -> None:
        self.folder_ids = folder_ids
        self.own_addresses = own_addresses
        self.result = ImportResult()
        self.vacation_line: int | None = None  # where the imported vacation is

    def note(self, line: int, message: str) -> None:
        self.result.skipped.append(f"line {line}: {message}")

    # -- tests

    def tree(self, test: Test) -> _Tree:
        name = test.name
        if name in ("true", "false"):
            self._no_arguments(test)
            return name == "true"
        if name == "not":
            if len(test.tests) != 1 or test.arguments:
                raise SieveSyntaxError(test.line, "not takes exactly one test")
            return _negate(self.tree(test.tests[0]))
        if name in ("allof", "anyof"):
            if not test.tests or test.arguments:
                raise SieveSyntaxError(test.line, f"{name} takes a list of tests")
            recipient = self._recipient_pair(test)
            if recipient is not None:
                return recipient
            return _Group("all" if name == "allof" else "any", [self.tree(t) for t in test.tests])
        if test.tests:
            raise SieveSyntaxError(test.line, f"{name} takes no nested test")
        if name in ("address", "header", "envelope"):
            return self._compare(test)
        if name == "exists":
            tags, positional = self._split(test)
            names = self._strings(test, positional, 1)[0]
            self._no_tags(test, tags)
            return _Group("all", [self._exists(test, n) for n in names])
        if name == "size":
            return self._size(test)
        if name == "body":
            return self._body(test)
        if name == "currentdate":
            raise _Unsupported(test.line, "currentdate is only supported around a vacation")
        raise _Unsupported(test.line, f"test '{name}' not supported")

    def _no_arguments(self, test: Test) -> None:
        if test.arguments or test.tests:
            raise SieveSyntaxError(test.line, f"{test.name} takes no arguments")

    def _split(self, test: Test) -> tuple[dict[str, Argument | None], list[Argument]]:
        tags: dict[str, Argument | None] = {}
        positional: list[Argument] = []
        arguments = iter(test.arguments)
        for argument in arguments:
            if isinstance(argument, Tag):
                if argument.name in tags:
                    raise SieveSyntaxError(argument.line, f":{argument.name} given twice")
                value = next(arguments, None) if argument.name in _TAGS_WITH_VALUE else None
                if argument.name in _TAGS_WITH_VALUE and not isinstance(value, StringList):
                    raise SieveSyntaxError(argument.line, f":{argument.name} needs a string")
                tags[argument.name] = value
            else:
                positional.append(argument)
        return tags, positional

    def _strings(self, test: Test, positional: list[Argument], count: int) -> list[list[str]]:
        if len(positional) != count or not all(isinstance(a, StringList) for a in positional):
            raise SieveSyntaxError(test.line, f"{test.name} takes {count} string list(s)")
        return [a.values for a in positional if isinstance(a, StringList)]

    def _no_tags(self, test: Test, tags: dict[str, Argument | None]) -> None:
        if tags:
            raise _Unsupported(test.line, f":{next(iter(tags))} not supported in {test.name}")

    def _match(self, test: Test, tags: dict[str, Argument | None]) -> str:
        for relational in ("count", "value"):
            if relational in tags:
                raise _Unsupported(test.line, f"relational test ({test.name} :{relational})")
        comparator = tags.pop("comparator", None)
        if isinstance(comparator, StringList) and comparator.values[0].lower() not in _CASELESS:
            self.note(
                test.line,
                f"comparator {comparator.values[0]!r} read as case-insensitive",
            )
        matches = [t for t in tags if t in _MATCH_TYPES]
        if len(matches) > 1:
            raise SieveSyntaxError(test.line, "more than one match type")
        for t in matches:
            tags.pop(t)
        return matches[0] if matches else "is"

    def _condition(self, line: int, **fields: object) -> Condition:
        try:
            return Condition.model_validate(fields)
        except ValidationError as error:
            message = error.errors()[0]["msg"]
            raise _Unsupported(line, f"condition not accepted: {message}") from None

    def _recipient_pair(self, test: Test) -> _Tree | None:
        """The `anyof (address ["to", "cc"] k, envelope "to" k)` that export writes."""
        if test.name != "anyof" or len(test.tests) != 2:
            return None
        address, envelope = test.tests
        if address.name != "address" or envelope.name != "envelope":
            return None
        a_tags, a_pos = self._split(address)
        e_tags, e_pos = self._split(envelope)
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
        return self._compare(envelope)

    def _compare(self, test: Test) -> _Tree:
        tags, positional = self._split(test)
        names, keys = self._strings(test, positional, 2)
        match = self._match(test, tags)
        part = "all"
        if test.name != "header":
            parts = [t for t in ("all", "localpart", "domain") if t in tags]
            if len(parts) > 1:
                raise SieveSyntaxError(test.line, "more than one address part")
            for t in parts:
                tags.pop(t)
            part = parts[0] if parts else "all"
        self._no_tags(test, tags)
        lower = [n.lower() for n in names]
        line = test.line
        if test.name == "header" and match == "matches" and lower == ["x-priority"]:
            for level, patterns in PRIORITY_PATTERNS.items():
                if keys == patterns:
                    return self._condition(
                        line, field=FieldName.PRIORITY, operator=Operator.IS, value=level
                    )
        if test.name == "header" and (lower, match, [k.lower() for k in keys]) == (
            [ATTACHMENT_HEADER],
            "contains",
            [ATTACHMENT_VALUE],
        ):
            return self._condition(line, field=FieldName.HAS_ATTACHMENT)
        targets: list[tuple[FieldName, str | None]] = []
        if sorted(lower) == ["cc", "to"] and test.name != "envelope":
            targets.append((FieldName.TO_CC, None))
        else:
            for name, low in zip(names, lower, strict=True):
                if test.name == "envelope":
                    if low not in ("to", "from"):
                        raise _Unsupported(line, f"envelope {name!r} not supported")
                    if low == "from":
                        self.note(line, "envelope from read as the From header")
                    targets.append((FieldName.RECIPIENT if low == "to" else FieldName.FROM, None))
                elif low == "from":
                    targets.append((FieldName.FROM, None))
                elif low == "subject":
                    targets.append((FieldName.SUBJECT, None))
                elif low == "list-id":
                    targets.append((FieldName.LIST, None))
                else:
                    targets.append((FieldName.HEADER, name))
        leaves: list[_Tree] = []
        for key in keys:
            operator, value = self._part_value(line, part, match, key)
            for field_name, header in targets:
                leaves.append(
                    self._condition(
                        line, field=field_name, operator=operator, value=value, header=header
                    )
                )
        return _Group("any", leaves)

    def _part_value(self, line: int, part: str, match: str, key: str) -> tuple[Operator, str]:
        if part == "all":
            return _operator(match, key)
        if match == "regex":
            raise _Unsupported(line, f":{part} with :regex not supported")
        literal = escape_wildcards(key)
        pattern = {
            "is": literal,
            "contains": f"*{literal}*",
            "matches": key,
        }[match]
        whole = f"*@{pattern}" if part == "domain" else f"{pattern}@*"
        return Operator.MATCHES, whole

    def _exists(self, test: Test, name: str) -> Condition:
        if name.lower() == "list-id":
            return self._condition(test.line, field=FieldName.LIST, operator=Operator.EXISTS)
        return self._condition(
            test.line, field=FieldName.HEADER, operator=Operator.EXISTS, header=name
        )

    def _size(self, test: Test) -> Condition:
        tags, positional = self._split(test)
        if len(positional) != 1 or not isinstance(positional[0], Number):
            raise SieveSyntaxError(test.line, "size takes :over or :under and a number")
        which = [t for t in ("over", "under") if t in tags]
        if len(which) != 1 or len(tags) != 1:
            raise SieveSyntaxError(test.line, "size takes exactly one of :over and :under")
        operator = Operator.OVER if which[0] == "over" else Operator.UNDER
        return self._condition(
            test.line, field=FieldName.SIZE, operator=operator, value=str(positional[0].value)
        )

    def _body(self, test: Test) -> _Tree:
        tags, positional = self._split(test)
        keys = self._strings(test, positional, 1)[0]
        match = self._match(test, tags)
        tags.pop("text", None)
        for transform in ("raw", "content"):
            if transform in tags:
                raise _Unsupported(test.line, f"body :{transform} not supported (only :text)")
        self._no_tags(test, tags)
        leaves: list[_Tree] = []
        for key in keys:
            operator, value = _operator(match, key)
            leaves.append(
                self._condition(test.line, field=FieldName.BODY, operator=operator, value=value)
            )
        return _Group("any", leaves)

    def conditions(self, test: Test) -> tuple[bool, str, list[Condition]]:
        """(enabled, match, conditions) for an `if` test. Raises _Unsupported."""
        enabled = True
        if test.name == "false" and not test.arguments and not test.tests:
            return False, "all", []
        if test.name == "allof" and test.tests and test.tests[0].name == "false":
            enabled = False
            rest = test.tests[1:]
            if len(rest) == 1:
                test = rest[0]
            else:
                test = Test("allof" if rest else "true", [], rest, test.line)
        tree = _simplify(self.tree(test))
        if tree is True:
            return enabled, "all", []
        if tree is False:
            raise _Unsupported(test.line, "the condition can never be true")
        if isinstance(tree, Condition):
            # `anyof (one test)` is how export writes a single condition matched "any"
            single_any = test.name == "anyof" and len(test.tests) == 1
            return enabled, "any" if single_any else "all", [tree]
        assert isinstance(tree, _Group)
        if not all(isinstance(t, Condition) for t in tree.items):
            raise _Unsupported(
                test.line, "conditions mixing allof and anyof cannot be one Bureau filter"
            )
        return enabled, tree.mode, [t for t in tree.items if isinstance(t, Condition)]

    # -- actions

    def actions(self, nodes: list[Node]) -> list[Action]:
        actions: list[Action] = []
        keep = False
        plain_redirect = -1  # index after the last redirect without :copy
        for node in nodes:
            if isinstance(node, Comment):
                actions.extend(self._comment_action(node))
                continue
            try:
                name = node.name
                if name == "keep":
                    self._plain(node)
                    keep = True
                elif name in ("discard", "stop"):
                    self._plain(node)
                    kind = ActionKind.DISCARD if name == "discard" else ActionKind.STOP
                    actions.append(Action(kind=kind))
                elif name == "fileinto":
                    actions.extend(self._fileinto(node))
                elif name == "redirect":
                    copy, address = self._redirect(node)
                    last = actions[-1] if actions else None
                    if (
                        last is not None
                        and last.kind is ActionKind.FORWARD
                        and (plain_redirect == len(actions)) == (not copy)
                        and address not in last.addresses
                    ):
                        last.addresses.append(address)
                    else:
                        actions.append(Action(kind=ActionKind.FORWARD, addresses=[address]))
                    if not copy:
                        plain_redirect = len(actions)
                elif name in ("addflag", "setflag"):
                    actions.extend(self._flags(node, self._flag_list(node)))
                elif name == "vacation":
                    self.note(node.line, _VACATION_IN_FILTER)
                elif name in ("reject", "ereject"):
                    self.note(node.line, f"{name} is not supported as a filter action")
                elif name in ("if", "elsif", "else"):
                    self.note(node.line, f"nested {name} is not supported")
                elif name == "require":
                    self.note(node.line, "require inside a block is ignored")
                else:
                    self.note(node.line, f"command '{name}' is not supported")
            except _Unsupported as error:
                self.note(error.line, error.message)
        unkept = {ActionKind.MOVE, ActionKind.DELETE, ActionKind.DISCARD}
        if keep:
            actions = [
                a.model_copy(update={"kind": ActionKind.COPY}) if a.kind is ActionKind.MOVE else a
                for a in actions
            ]
        elif plain_redirect >= 0 and not any(a.kind in unkept for a in actions):
            actions.insert(plain_redirect, Action(kind=ActionKind.DISCARD))
        return actions

    def _plain(self, command: Command) -> None:
        if command.arguments:
            raise SieveSyntaxError(command.line, f"{command.name} takes no arguments")

    def _fileinto(self, command: Command) -> list[Action]:
        tags, values, positional = self._command_split(command, {"flags"})
        if len(positional) != 1 or len(positional[0].values) != 1:
            raise SieveSyntaxError(command.line, "fileinto takes one folder name")
        folder = positional[0].values[0]
        copy = "copy" in tags
        tags.discard("copy")
        tags.discard("create")
        actions: list[Action] = []
        flags = values.get("flags")
        if flags is not None:
            actions.extend(self._flags(command, flags))
        tags.discard("flags")
        if tags:
            raise _Unsupported(command.line, f"fileinto :{sorted(tags)[0]} not supported")
        if folder == TRASH and not copy:
            return [*actions, Action(kind=ActionKind.DELETE)]
        folder_id = self.folder_ids.get(folder)
        if folder_id is None:
            raise _Unsupported(
                command.line, f"folder {folder!r} does not exist; its fileinto is skipped"
            )
        kind = ActionKind.COPY if copy else ActionKind.MOVE
        return [*actions, Action(kind=kind, folder_id=folder_id)]

    def _command_split(
        self, command: Command, with_value: set[str]
    ) -> tuple[set[str], dict[str, list[str]], list[StringList]]:
        tags: set[str] = set()
        values: dict[str, list[str]] = {}
        positional: list[StringList] = []
        arguments = iter(command.arguments)
        for argument in arguments:
            if isinstance(argument, Tag):
                tags.add(argument.name)
                if argument.name in with_value:
                    value = next(arguments, None)
                    if not isinstance(value, StringList):
                        raise SieveSyntaxError(argument.line, f":{argument.name} needs a string")
                    values[argument.name] = value.values
            elif isinstance(argument, StringList):
                positional.append(argument)
            else:
                raise SieveSyntaxError(argument.line, f"{command.name} takes no number")
        return tags, values, positional

    def _redirect(self, command: Command) -> tuple[bool, str]:
        tags, _, positional = self._command_split(command, set())
        if len(positional) != 1 or len(positional[0].values) != 1:
            raise SieveSyntaxError(command.line, "redirect takes one address")
        unknown = tags - {"copy"}
        if unknown:
            raise _Unsupported(command.line, f"redirect :{sorted(unknown)[0]} not supported")
        return "copy" in tags, positional[0].values[0]

    def _flag_list(self, command: Command) -> list[str]:
        tags, _, positional = self._command_split(command, set())
        if tags:
            raise _Unsupported(command.line, f"{command.name} :{sorted(tags)[0]} not supported")
        if len(positional) == 2:
            raise _Unsupported(command.line, f"{command.name} on a variable not supported")
        if len(positional) != 1:
            raise SieveSyntaxError(command.line, f"{command.name} takes a list of flags")
        return positional[0].values

    def _flags(self, command: Command, values: list[str]) -> list[Action]:
        actions: list[Action] = []
        for flag in (f for value in values for f in value.split()):
            low = flag.lower()
            if low == "\\seen":
                actions.append(Action(kind=ActionKind.MARK_READ))
            elif low == "\\flagged":
                actions.append(Action(kind=ActionKind.FLAG))
            elif flag.startswith("\\"):
                self.note(command.line, f"flag {flag!r} is not supported")
            else:
                try:
                    actions.append(Action(kind=ActionKind.TAG, tag=flag))
                except ValidationError:
                    self.note(command.line, f"tag {flag[:40]!r}... is too long")
        return actions

    def _comment_action(self, comment: Comment) -> list[Action]:
        text = comment.text
        if not text.startswith("bureau:"):
            return []
        word, _, rest = text[len("bureau:") :].strip().partition(" ")
        try:
            if word == "comment":
                value = json.loads(rest)
                if isinstance(value, str):
                    return [Action(kind=ActionKind.COMMENT, text=value)]
            elif word in ("notify_email", "notify_sms"):
                addresses = json.loads(rest)
                if isinstance(addresses, list) and all(isinstance(a, str) for a in addresses):
                    return [Action(kind=ActionKind(word), addresses=addresses)]
            elif word == "missing":
                self.note(comment.line, f"the export left out an action: {text}")
                return []
            elif word == "disabled":
                return []
        except (ValueError, ValidationError):
            pass
        self.note(comment.line, f"unreadable Bureau comment: {text[:80]}")
        return []

    # -- script

    def add_filter(self, name: str, line: int, test: Test | None, nodes: list[Node]) -> None:
        try:
            enabled, match, conditions = (
                (True, "all", []) if test is None else self.conditions(test)
            )
        except _Unsupported as error:
            self.note(error.line, f"{error.message} (the rule at line {line} is skipped)")
            for node in nodes:
                if isinstance(node, Command) and node.name == "vacation":
                    self.note(node.line, _VACATION_IN_FILTER)
            return
        reported = len(self.result.skipped)
        actions = self.actions(nodes)
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
