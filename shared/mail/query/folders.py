"""`folder:` names resolved to folder ids, case- and accent-insensitively."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

from shared.mail.query.ast import And, InFolder, Node, Not, Or
from shared.model import Folder


def fold(text: str) -> str:
    """`text` casefolded, accents dropped (NFKD, combining marks removed): what
    case- and accent-insensitive matching compares ("Été" and "ete" fold alike)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def resolve_folders(node: Node, folders: Sequence[Folder]) -> Node:
    """`node` with every named InFolder's `folder_ids` set to the folders whose name,
    "Parent/Child" path or system role ("inbox", "sent", …) the name matches; none when
    unknown. An InFolder given by id only keeps the ids that are among `folders`."""
    by_id = {folder.id: folder for folder in folders}
    ids_by_key: dict[str, dict[str, None]] = {}  # dict as an ordered set of ids
    for folder in folders:
        keys = {_key(folder.name), _key(_path(folder, by_id))}
        if folder.role is not None:
            keys.add(folder.role.value)
        for key in keys:
            ids_by_key.setdefault(key, {})[folder.id] = None
    return _resolve(node, ids_by_key, set(by_id))


def _resolve(node: Node, ids_by_key: dict[str, dict[str, None]], known: set[str]) -> Node:
    match node:
        case InFolder(name=name, folder_ids=ids):
            if _key(name):
                return InFolder(name, tuple(ids_by_key.get(_key(name), ())))
            return InFolder(name, tuple(i for i in ids if i in known))
        case And(items=items):
            return And(tuple(_resolve(item, ids_by_key, known) for item in items))
        case Or(items=items):
            return Or(tuple(_resolve(item, ids_by_key, known) for item in items))
        case Not(item=item):
            return Not(_resolve(item, ids_by_key, known))
        case _:
            return node


def _key(name: str) -> str:
    """A name or path as compared: folded, blanks around each "/"-part dropped."""
    parts = (" ".join(fold(part).split()) for part in name.split("/"))
    return "/".join(part for part in parts if part)


def _path(folder: Folder, by_id: dict[str, Folder]) -> str:
    names, seen = [folder.name], {folder.id}
    parent = by_id.get(folder.parent_id or "")
    while parent is not None and parent.id not in seen:  # a cycle would loop forever
        names.append(parent.name)
        seen.add(parent.id)
        parent = by_id.get(parent.parent_id or "")
    return "/".join(reversed(names))
