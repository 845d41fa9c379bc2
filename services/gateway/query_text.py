"""A query tree written back in the search language (F30), so that an advanced search can
be remembered as a line the search box runs again (F32): `parse(query_text(t)) == t` for
every tree `parse` gives.

The language has no escape for `"`: inside a phrase it becomes a space (the indexes split
on punctuation anyway); a tag or folder name holding one cannot be written, so such a tree
has no text (None).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from shared.mail.query import (
    After,
    And,
    Before,
    HasAttachment,
    InFolder,
    Is,
    Larger,
    Node,
    Not,
    Or,
    Phrase,
    Smaller,
    TagIs,
    TextField,
    Word,
)
from shared.model import Folder

_OPERATORS = frozenset({"OR", "AND"})
_BARE_STOP = frozenset('()"')


class _Unwritable(Exception):
    pass


def query_text(node: Node, folder_paths: Mapping[str, str]) -> str | None:
    """The line for `node`; a folder given by id is written as its "Parent/Child" path
    (`folder_paths`: id → path). None when some part cannot be written."""
    try:
        return _text(node, folder_paths)
    except _Unwritable:
        return None


def folder_paths(folders: Sequence[Folder]) -> dict[str, str]:
    """Each folder's id → its "Parent/Child" path, as `folder:` accepts it."""
    by_id = {folder.id: folder for folder in folders}

    def path(folder: Folder) -> str:
        names, seen = [folder.name], {folder.id}
        parent = by_id.get(folder.parent_id or "")
        while parent is not None and parent.id not in seen:
            names.append(parent.name)
            seen.add(parent.id)
            parent = by_id.get(parent.parent_id or "")
        return "/".join(reversed(names))

    return {folder.id: path(folder) for folder in folders}


def _text(node: Node, paths: Mapping[str, str]) -> str:
    match node:
        case Word(text=text, field=field, prefix=prefix):
            if text in _OPERATORS and field is TextField.ANY:
                return f'"{text}"'  # bare, it would be the operator
            return f"{_field(field)}{text}{'*' if prefix else ''}"
        case Phrase(text=text, field=field):
            return f"{_field(field)}{_phrase(text)}"
        case TagIs(name=name):
            return f"tag:{_value(name)}"
        case InFolder(name=name, folder_ids=ids):
            if name:
                return f"folder:{_value(name)}"
            if len(ids) != 1 or ids[0] not in paths:
                raise _Unwritable
            return f"folder:{_value(paths[ids[0]])}"
        case Is(flag=flag):
            return f"is:{flag.value}"
        case HasAttachment():
            return "has:attachment"
        case Before(day=day):
            return f"before:{day.isoformat()}"
        case After(day=day):
            return f"after:{day.isoformat()}"
        case Larger(size=size):
            return f"larger:{size}"
        case Smaller(size=size):
            return f"smaller:{size}"
        case Not(item=item):
            return f"-{_grouped(item, paths, And, Or)}"
        case And(items=items):
            return " ".join(_grouped(item, paths, And, Or) for item in items)
        case Or(items=items):
            return " OR ".join(_grouped(item, paths, Or) for item in items)
    raise TypeError(f"not a query node: {node!r}")


def _grouped(node: Node, paths: Mapping[str, str], *kinds: type) -> str:
    """In parentheses when `node` is one of `kinds` (AND binds tighter than OR)."""
    text = _text(node, paths)
    return f"({text})" if isinstance(node, kinds) else text


def _field(field: TextField) -> str:
    return "" if field is TextField.ANY else f"{field.value}:"


def _phrase(text: str) -> str:
    return '"' + " ".join(text.replace('"', " ").split()) + '"'


def _value(text: str) -> str:
    """A tag or folder name, quoted when it would not stay one bare term."""
    if '"' in text:
        raise _Unwritable
    if not text or any(ch.isspace() or ch in _BARE_STOP for ch in text):
        return f'"{text}"'
    return text
