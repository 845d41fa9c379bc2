"""Sieve actions read as Bureau's filter actions (RFC 5228 §4, RFC 3894 :copy, RFC 5232
flags; `import_.py` says which), and Bureau's own `# bureau:` comment lines."""

from __future__ import annotations

import json

from pydantic import ValidationError

from shared.filters import Action, ActionKind
from shared.sieve.export import TRASH
from shared.sieve.lexer import SieveSyntaxError
from shared.sieve.notes import VACATION_IN_FILTER, Note, Unsupported
from shared.sieve.parser import Command, Comment, Node, StringList, Tag


class ActionReader:
    def __init__(self, folder_ids: dict[str, str], note: Note) -> None:
        self.folder_ids = folder_ids
        self.note = note

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
                    self.note(node.line, VACATION_IN_FILTER)
                elif name in ("reject", "ereject"):
                    self.note(node.line, f"{name} is not supported as a filter action")
                elif name in ("if", "elsif", "else"):
                    self.note(node.line, f"nested {name} is not supported")
                elif name == "require":
                    self.note(node.line, "require inside a block is ignored")
                else:
                    self.note(node.line, f"command '{name}' is not supported")
            except Unsupported as error:
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
            raise Unsupported(command.line, f"fileinto :{sorted(tags)[0]} not supported")
        if folder == TRASH and not copy:
            return [*actions, Action(kind=ActionKind.DELETE)]
        folder_id = self.folder_ids.get(folder)
        if folder_id is None:
            raise Unsupported(
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
            raise Unsupported(command.line, f"redirect :{sorted(unknown)[0]} not supported")
        return "copy" in tags, positional[0].values[0]

    def _flag_list(self, command: Command) -> list[str]:
        tags, _, positional = self._command_split(command, set())
        if tags:
            raise Unsupported(command.line, f"{command.name} :{sorted(tags)[0]} not supported")
        if len(positional) == 2:
            raise Unsupported(command.line, f"{command.name} on a variable not supported")
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
