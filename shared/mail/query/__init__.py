"""The product's search language (FEATURES F28-F33): a typed query tree, its parser, and
the advanced-search form. Index adapters compile the tree; nothing here touches an index."""

from shared.mail.query.advanced import AdvancedQuery
from shared.mail.query.ast import (
    MAX_DEPTH,
    MAX_RESULTS,
    MIN_PREFIX,
    After,
    And,
    Before,
    Flag,
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
from shared.mail.query.errors import QuerySyntaxError
from shared.mail.query.folders import fold, resolve_folders
from shared.mail.query.parser import parse

__all__ = [
    "MAX_DEPTH",
    "MAX_RESULTS",
    "MIN_PREFIX",
    "AdvancedQuery",
    "After",
    "And",
    "Before",
    "Flag",
    "HasAttachment",
    "InFolder",
    "Is",
    "Larger",
    "Node",
    "Not",
    "Or",
    "Phrase",
    "QuerySyntaxError",
    "Smaller",
    "TagIs",
    "TextField",
    "Word",
    "fold",
    "parse",
    "resolve_folders",
]
