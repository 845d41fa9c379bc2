"""The arguments of Sieve actions (RFC 5228 §2.6): not a construct of its own, shared by
the action modules."""

from __future__ import annotations

from shared.mail.sieve.lexer import SieveSyntaxError
from shared.mail.sieve.parser import Command, StringList, Tag


def plain(command: Command) -> None:
    """An action that takes no arguments (keep, discard, stop)."""
    if command.arguments:
        raise SieveSyntaxError(command.line, f"{command.name} takes no arguments")


def split(
    command: Command, with_value: set[str]
) -> tuple[set[str], dict[str, list[str]], list[StringList]]:
    """The tags, the values of the tags in `with_value`, and the positional strings."""
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
