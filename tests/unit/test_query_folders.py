"""`folder:` names to folder ids; accent and case folding."""

from __future__ import annotations

import pytest

from shared.mail.query import (
    And,
    InFolder,
    Node,
    Not,
    Or,
    Word,
    fold,
    parse,
    resolve_folders,
)
from shared.model import Folder, FolderRole


def folder(
    id: str, name: str, *, role: FolderRole | None = None, parent: str | None = None
) -> Folder:
    return Folder(id=id, account_id="acc1", name=name, role=role, parent_id=parent)


FOLDERS = [
    folder("in", "Inbox", role=FolderRole.INBOX),
    folder("se", "Envoyés", role=FolderRole.SENT),  # a system folder shown in French
    folder("tr", "Trash", role=FolderRole.TRASH),
    folder("sp", "Spam", role=FolderRole.SPAM),
    folder("dr", "Drafts", role=FolderRole.DRAFTS),
    folder("tp", "Templates", role=FolderRole.TEMPLATES),
    folder("wk", "Work"),
    folder("wc", "Clients", parent="wk"),
    folder("wca", "Été 2026", parent="wc"),
    folder("hm", "Home"),
    folder("hc", "clients", parent="hm"),
]


@pytest.mark.parametrize(
    ("name", "ids"),
    [
        ("Work", ("wk",)),
        ("work", ("wk",)),
        ("WORK", ("wk",)),
        ("Work/Clients", ("wc",)),
        ("work / clients", ("wc",)),
        ("/Work/Clients/", ("wc",)),
        ("Clients", ("wc", "hc")),  # every folder of that name
        ("Home/Clients", ("hc",)),
        ("ete 2026", ("wca",)),
        ("ÉTÉ  2026", ("wca",)),
        ("work/clients/ete 2026", ("wca",)),
        ("Clients/Été 2026", ()),  # a path is taken from the top
        ("inbox", ("in",)),
        ("sent", ("se",)),  # by role
        ("envoyes", ("se",)),  # by name, accents folded
        ("trash", ("tr",)),
        ("spam", ("sp",)),
        ("drafts", ("dr",)),
        ("templates", ("tp",)),
        ("Archive", ()),
        ("Work/Nope", ()),
    ],
)
def test_names_resolve_to_ids(name: str, ids: tuple[str, ...]) -> None:
    assert resolve_folders(InFolder(name), FOLDERS) == InFolder(name, ids)


def test_every_folder_term_of_the_tree_is_resolved_and_the_rest_kept() -> None:
    tree = parse('budget (folder:Work OR folder:"Home/Clients") -folder:trash folder:nowhere')
    assert resolve_folders(tree, FOLDERS) == And(
        (
            Word("budget"),
            Or((InFolder("Work", ("wk",)), InFolder("Home/Clients", ("hc",)))),
            Not(InFolder("trash", ("tr",))),
            InFolder("nowhere", ()),
        )
    )


def test_resolving_twice_changes_nothing() -> None:
    once = resolve_folders(parse("folder:clients x"), FOLDERS)
    assert resolve_folders(once, FOLDERS) == once


@pytest.mark.parametrize(
    ("node", "expected"),
    [
        (InFolder("", ("wk",)), InFolder("", ("wk",))),
        (InFolder("", ("other-account",)), InFolder("", ())),
        (InFolder("", ()), InFolder("", ())),
    ],
)
def test_folders_given_by_id_keep_only_known_ids(node: Node, expected: Node) -> None:
    assert resolve_folders(node, FOLDERS) == expected


def test_parent_cycles_do_not_hang() -> None:
    looped = [folder("a", "A", parent="b"), folder("b", "B", parent="a")]
    assert resolve_folders(InFolder("b/a"), looped) == InFolder("b/a", ("a",))
    assert resolve_folders(InFolder("A"), looped) == InFolder("A", ("a",))


def test_no_folders_resolve_nothing() -> None:
    assert resolve_folders(InFolder("Inbox"), []) == InFolder("Inbox", ())


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Été", "ete"),
        ("ZÜRICH", "zurich"),
        ("e\u0301te\u0301", "ete"),  # already decomposed
        ("Straße", "strasse"),
        ("ﬁle", "file"),  # compatibility ligature
        ("Ça va ?", "ca va ?"),
        ("日本", "日本"),
        ("", ""),
    ],
)
def test_fold(text: str, folded: str) -> None:
    assert fold(text) == folded
