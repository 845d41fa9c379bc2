"""A query tree written back as a search line (`services.gateway.query_text`): parsing the
line gives the same tree, so a remembered advanced search runs again from the search box."""

from __future__ import annotations

from typing import Any

import pytest

from services.gateway.query_text import folder_paths, query_text
from shared.mail.query import (
    AdvancedQuery,
    And,
    InFolder,
    Node,
    Not,
    Or,
    Phrase,
    TagIs,
    TextField,
    Word,
    parse,
    resolve_folders,
)
from shared.model import Folder, FolderRole

FOLDERS = [
    Folder(id="f-inbox", account_id="a", name="Inbox", role=FolderRole.INBOX),
    Folder(id="f-work", account_id="a", name="Work", parent_id=None),
    Folder(id="f-clients", account_id="a", name="Big Clients", parent_id="f-work"),
]
PATHS = folder_paths(FOLDERS)


@pytest.mark.parametrize(
    "line",
    [
        "budget meeting",
        "budget OR forecast",
        "a b OR c d",
        "(a OR b) c",
        "-(a OR b) c",
        "-(a b) c",
        '"exact phrase" info*',
        "bob@example.net 10:30",
        'from:bob to:"Alice Smith" cc:carol* subject:"re: invoice" body:x attachment:pdf',
        '-from:bob -"a phrase" word',
        'tag:urgent tag:"two words" folder:"Work/Big Clients" folder:inbox',
        "is:unread is:read is:flagged is:unflagged has:attachment x",
        "before:2026-01-31 after:2025/1/1 larger:2M smaller:100 x",
        "or and x",
        '"OR" "AND" x',
        "a ((b OR c) (d OR e))",
    ],
)
def test_parsing_the_text_gives_the_tree_back(line: str) -> None:
    tree = parse(line)
    text = query_text(tree, PATHS)
    assert text is not None
    assert parse(text) == tree


@pytest.mark.parametrize(
    ("form", "line"),
    [
        ({"from": "bob", "tag": "urgent"}, 'from:"bob" tag:urgent'),
        (
            {"words": "a OR b", "subject": "the big one", "unread": False},
            '(a OR b) subject:"the big one" is:read',
        ),
        (
            {"folder_id": "f-clients", "has_attachment": False},
            'folder:"Work/Big Clients" -has:attachment',
        ),
        ({"to": "x", "exclude": "spam eggs"}, 'to:"x" -spam -eggs'),
        ({"cc": "y", "exclude": "spam OR eggs"}, 'cc:"y" -(spam OR eggs)'),
        (
            {"body": "z", "before": "2026-02-01", "larger": 1024, "smaller": 2048},
            'body:"z" before:2026-02-01 larger:1024 smaller:2048',
        ),
    ],
)
def test_an_advanced_form_becomes_a_readable_line(form: dict[str, Any], line: str) -> None:
    tree = AdvancedQuery.model_validate(form).to_query()
    text = query_text(tree, PATHS)
    assert text == line
    # The same search: equal trees once folders are known by id rather than by name.
    assert _by_id(parse(text)) == _by_id(tree)


def _by_id(node: Node) -> Node:
    match resolve_folders(node, FOLDERS):
        case InFolder(folder_ids=ids):
            return InFolder("", ids)
        case And(items=items):
            return And(tuple(_by_id(item) for item in items))
        case Or(items=items):
            return Or(tuple(_by_id(item) for item in items))
        case Not(item=item):
            return Not(_by_id(item))
        case resolved:
            return resolved


def test_what_cannot_be_written_has_no_text() -> None:
    assert query_text(InFolder("", ("someone-elses",)), PATHS) is None
    assert query_text(TagIs('say "hi"'), PATHS) is None


def test_quotes_inside_a_phrase_become_blanks() -> None:
    assert query_text(Phrase('Bob "the builder"', TextField.FROM), PATHS) == (
        'from:"Bob the builder"'
    )
    assert query_text(Word("OR"), PATHS) == '"OR"'
