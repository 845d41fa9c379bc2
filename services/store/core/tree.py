"""The folder tree of one account (F35-F37): where a folder may go, what it is called,
what counts as Trash. Read from a snapshot; the records are the change's own copies."""

from __future__ import annotations

from collections.abc import Iterable

from services.store.core.backend import FolderRecord
from shared.model import MAX_FOLDER_DEPTH, NO_SUBFOLDERS, FolderRole, folder_name
from shared.ports.mailbox import Conflict, NotFound, Refused, kept_name

_NO_SUBFOLDERS = frozenset(role for role in NO_SUBFOLDERS)


def clean_name(name: str) -> str:
    return kept_name(folder_name, name)


def name_key(name: str) -> str:
    """Sibling folders differ in more than case: "Work" and "work" are one name."""
    return name.casefold()


class Tree:
    def __init__(self, folders: Iterable[FolderRecord]) -> None:
        self.folders: dict[str, FolderRecord] = {f.id: f for f in folders}
        self.by_role: dict[FolderRole, str] = {
            f.role: f.id for f in self.folders.values() if f.role is not None
        }

    def get(self, folder_id: str) -> FolderRecord:
        folder = self.folders.get(folder_id)
        if folder is None:
            raise NotFound(f"folder {folder_id}")
        return folder

    def role(self, role: FolderRole) -> FolderRecord:
        folder_id = self.by_role.get(role)
        if folder_id is None:
            raise NotFound(f"folder {role.value}")
        return self.folders[folder_id]

    @property
    def trash(self) -> str:
        return self.role(FolderRole.TRASH).id

    def ancestors(self, folder_id: str) -> list[str]:
        """Parents up to the top; a loop or a missing parent ends the walk (a tree that
        went wrong is still listed rather than hanging every reader)."""
        out: list[str] = []
        parent = self.folders[folder_id].parent_id
        while parent is not None and parent not in out and parent in self.folders:
            out.append(parent)
            parent = self.folders[parent].parent_id
        return out

    def children(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for folder in self.folders.values():
            if folder.parent_id is not None:
                out.setdefault(folder.parent_id, []).append(folder.id)
        return out

    def descendants(self, folder_id: str) -> list[str]:
        """Every folder below `folder_id`, parents before children."""
        children = self.children()
        out: list[str] = []
        seen = {folder_id}
        queue = list(children.get(folder_id, []))
        while queue:
            current = queue.pop(0)
            if current in seen:
                continue
            seen.add(current)
            out.append(current)
            queue.extend(children.get(current, []))
        return out

    def in_trash(self, folder_id: str) -> bool:
        """Trash itself, or a folder somewhere inside it."""
        trash = self.trash
        return folder_id == trash or trash in self.ancestors(folder_id)

    def trash_area(self) -> list[str]:
        return [self.trash, *self.descendants(self.trash)]

    def trash_bytes(self) -> int:
        return sum(self.folders[f].bytes for f in self.trash_area())

    def unread_below(self, folder_id: str) -> bool:
        return any(self.folders[d].unread > 0 for d in self.descendants(folder_id))

    def sibling_named(self, parent_id: str | None, name: str) -> str | None:
        key = name_key(name)
        for folder in self.folders.values():
            if folder.parent_id == parent_id and name_key(folder.name) == key:
                return folder.id
        return None

    def free_name(self, parent_id: str, name: str) -> str:
        """`name`, or "name (2)", "name (3)"… the first no sibling has."""
        candidate, n = name, 2
        while self.sibling_named(parent_id, candidate):
            candidate, n = f"{name} ({n})", n + 1
        return candidate

    def check_parent(self, parent_id: str | None, height: int = 1) -> None:
        """Whether a folder (with `height` levels of subfolders and itself) may go there."""
        if parent_id is None:
            return
        parent = self.get(parent_id)
        if len(self.ancestors(parent_id)) + 1 + height > MAX_FOLDER_DEPTH:
            raise Refused(f"folders nest at most {MAX_FOLDER_DEPTH} levels deep")
        if parent.role in _NO_SUBFOLDERS:
            raise Refused(f"no subfolders under {parent.name}")
        if self.in_trash(parent_id):
            raise Refused("no folders can be made inside Trash")

    def check_free(self, parent_id: str | None, name: str, moving: str | None = None) -> None:
        other = self.sibling_named(parent_id, name)
        if other is not None and other != moving:
            raise Conflict(f"a folder named {name!r} exists there")

    def height(self, folder_id: str) -> int:
        """Levels of a folder and its subfolders: 1 for a folder without any."""
        base = len(self.ancestors(folder_id))
        below = (len(self.ancestors(d)) - base for d in self.descendants(folder_id))
        return 1 + max(below, default=0)

    def user_folder(self, folder_id: str) -> FolderRecord:
        folder = self.get(folder_id)
        if folder.role is not None:
            raise Refused(f"{folder.name} is a system folder")
        return folder
