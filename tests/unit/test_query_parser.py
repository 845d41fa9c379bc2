"""The search box language (FEATURES F30): each element and its tree, each error and where."""

from __future__ import annotations

from datetime import date

import pytest

from shared.mail.query import (
    MAX_DEPTH,
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
    QuerySyntaxError,
    Smaller,
    TagIs,
    TextField,
    Word,
    parse,
)
from shared.mail.query.combine import too_deep

F = TextField


def w(text: str, field: TextField = F.ANY) -> Word:
    return Word(text, field)


def pre(text: str, field: TextField = F.ANY) -> Word:
    return Word(text, field, prefix=True)


def ph(text: str, field: TextField = F.ANY) -> Phrase:
    return Phrase(text, field)


def both(*items: Node) -> And:
    return And(items)


def either(*items: Node) -> Or:
    return Or(items)


TREES: list[tuple[str, Node]] = [
    # words: implicit AND, case kept for display (adapters fold)
    ("budget", w("budget")),
    ("budget meeting", both(w("budget"), w("meeting"))),
    ("  budget   meeting  ", both(w("budget"), w("meeting"))),
    ("Budget", w("Budget")),
    ("budget AND meeting", both(w("budget"), w("meeting"))),
    ("a b c", both(w("a"), w("b"), w("c"))),
    # OR, upper-case only; AND binds tighter
    ("budget OR forecast", either(w("budget"), w("forecast"))),
    ("budget or forecast", both(w("budget"), w("or"), w("forecast"))),
    ("budget and forecast", both(w("budget"), w("and"), w("forecast"))),
    ("a b OR c", either(both(w("a"), w("b")), w("c"))),
    ("a OR b c", either(w("a"), both(w("b"), w("c")))),
    ("a OR b OR c", either(w("a"), w("b"), w("c"))),
    ("a AND b OR c AND d", either(both(w("a"), w("b")), both(w("c"), w("d")))),
    ("OR,", w("OR")),
    ('"OR"', ph("OR")),
    # phrases
    ('"exact phrase"', ph("exact phrase")),
    ('"  spaced   out "', ph("spaced out")),
    ('"hello, world!"', ph("hello, world!")),
    ('"one"', ph("one")),
    ('say"hi there"', both(w("say"), ph("hi there"))),
    ('a "" b', both(w("a"), w("b"))),
    # prefixes
    ("info*", pre("info")),
    ("information*", pre("information")),
    ("info*,", pre("info")),
    ("'info*", pre("info")),
    ("2026*", pre("2026")),
    ("Zürich*", pre("Zürich")),
    # exclusions
    ("a -b", both(w("a"), Not(w("b")))),
    ('a -"b c"', both(w("a"), Not(ph("b c")))),
    ("a -from:bob", both(w("a"), Not(w("bob", F.FROM)))),
    ("a -(b OR c)", both(w("a"), Not(either(w("b"), w("c"))))),
    ("a -info*", both(w("a"), Not(pre("info")))),
    ("a -tag:spam", both(w("a"), Not(TagIs("spam")))),
    ("a --b", both(w("a"), w("b"))),
    ("--verbose", w("verbose")),
    ("a -(-b)", both(w("a"), w("b"))),
    ("a - b", both(w("a"), w("b"))),
    ("a -, b", both(w("a"), w("b"))),
    ('a -"" b', both(w("a"), w("b"))),
    ("e-mail", ph("e-mail")),
    ("a -e-mail", both(w("a"), Not(ph("e-mail")))),
    ("x -5", both(w("x"), Not(w("5")))),
    # parentheses, nested; single-child groups collapse, nested And/Or flatten
    ("(a)", w("a")),
    ("((a))", w("a")),
    ("(a b) c", both(w("a"), w("b"), w("c"))),
    ("a (b (c d))", both(w("a"), w("b"), w("c"), w("d"))),
    ("(a OR b) c", both(either(w("a"), w("b")), w("c"))),
    ("a OR (b OR c)", either(w("a"), w("b"), w("c"))),
    ("(a OR b) (c OR d)", both(either(w("a"), w("b")), either(w("c"), w("d")))),
    ("(a OR (b -c)) d", both(either(w("a"), both(w("b"), Not(w("c")))), w("d"))),
    ("(a)b", both(w("a"), w("b"))),
    ("c (a OR -b)", both(w("c"), either(w("a"), Not(w("b"))))),
    # text fields: a word, a prefix, a phrase; values with punctuation are phrases
    ("from:bob", w("bob", F.FROM)),
    ("FROM:bob", w("bob", F.FROM)),
    ("to:alice", w("alice", F.TO)),
    ("cc:carol", w("carol", F.CC)),
    ("subject:budget", w("budget", F.SUBJECT)),
    ("body:invoice", w("invoice", F.BODY)),
    ("attachment:report", w("report", F.ATTACHMENT)),
    ("subject:budg*", pre("budg", F.SUBJECT)),
    ('subject:"budget review"', ph("budget review", F.SUBJECT)),
    ("from:bob@example.net", ph("bob@example.net", F.FROM)),
    ("from:bob@example.net,", ph("bob@example.net", F.FROM)),
    ("attachment:report.pdf", ph("report.pdf", F.ATTACHMENT)),
    ('from:"Bob Smith" to:alice', both(ph("Bob Smith", F.FROM), w("alice", F.TO))),
    # tags and folders
    ("tag:urgent", TagIs("urgent")),
    ('tag:"two words"', TagIs("two words")),
    ("TAG:Urgent", TagIs("Urgent")),
    ("tag:to-do", TagIs("to-do")),
    ("folder:Work", InFolder("Work")),
    ('folder:"Work/Clients"', InFolder("Work/Clients")),
    ("folder:Work/Clients", InFolder("Work/Clients")),
    # states
    ("is:unread", Is(Flag.UNREAD)),
    ("is:read", Is(Flag.READ)),
    ("is:flagged", Is(Flag.FLAGGED)),
    ("IS:Unflagged", Is(Flag.UNFLAGGED)),
    ("has:attachment", HasAttachment()),
    ("has:Attachments", HasAttachment()),
    ("a -has:attachment", both(w("a"), Not(HasAttachment()))),
    # dates
    ("before:2026-01-31", Before(date(2026, 1, 31))),
    ("after:2026/01/31", After(date(2026, 1, 31))),
    ("after:2026-1-5", After(date(2026, 1, 5))),
    ('before:"2026-01-31"', Before(date(2026, 1, 31))),
    # sizes: K/M/G are powers of 1024, B optional, or plain bytes
    ("larger:2M", Larger(2 * 1024**2)),
    ("smaller:100K", Smaller(100 * 1024)),
    ("larger:1G", Larger(1024**3)),
    ("larger:2mb", Larger(2 * 1024**2)),
    ("larger:1.5M", Larger(1536 * 1024)),
    ("larger:500", Larger(500)),
    ("larger:500B", Larger(500)),
    ("smaller:0", Smaller(0)),
    # text that looks like a field but cannot be one
    ("10:30", ph("10:30")),
    ("https://example.com/a?b=c", ph("https://example.com/a?b=c")),
    ("Re: budget", both(w("Re"), w("budget"))),
    ("meeting at 10:30", both(w("meeting"), w("at"), ph("10:30"))),
    # unicode words; punctuation outside words is ignored
    ("été Zürich 日本", both(w("été"), w("Zürich"), w("日本"))),
    ("e\u0301te\u0301", w("e\u0301te\u0301")),  # decomposed accents stay in the word
    ("hello, world!", both(w("hello"), w("world"))),
    ("hello , world", both(w("hello"), w("world"))),
    ("« citation »", w("citation")),
    ("l'été", ph("l'été")),
    # everything together
    (
        'from:bob "quarterly report" -draft (budget OR forecast*) is:unread after:2026-01-01',
        both(
            w("bob", F.FROM),
            ph("quarterly report"),
            Not(w("draft")),
            either(w("budget"), pre("forecast")),
            Is(Flag.UNREAD),
            After(date(2026, 1, 1)),
        ),
    ),
]


@pytest.mark.parametrize(("text", "tree"), TREES, ids=[q for q, _ in TREES])
def test_tree(text: str, tree: Node) -> None:
    assert parse(text) == tree


ERRORS: list[tuple[str, str, int]] = [
    ("", "empty query", 0),
    ("   ", "empty query", 0),
    ("!!! ,", "empty query", 0),
    ('""', "empty query", 0),
    ("inf*", "prefix 'inf*' needs at least 4 characters before the star", 0),
    ("a été*", "prefix 'été*' needs at least 4 characters before the star", 2),
    ("from:bob*", "prefix 'bob*' needs at least 4 characters before the star", 5),
    ("'inf*", "prefix 'inf*' needs at least 4 characters before the star", 1),
    ("*", "a star can only end a word, as in 'info*'", 0),
    ("a *info", "a star can only end a word, as in 'info*'", 2),
    ("in*fo", "a star can only end a word, as in 'info*'", 2),
    ("info**", "a star can only end a word, as in 'info*'", 5),
    ("e-mail*", "prefix 'e-mail*' must be a single word", 0),
    ('"abc', "unclosed quote", 0),
    ('a "b c', "unclosed quote", 2),
    ('from:"bob', "unclosed quote", 5),
    ('-"abc', "unclosed quote", 1),
    ("(a", "unbalanced parenthesis", 0),
    ("a (b (c)", "unbalanced parenthesis", 2),
    ("a)", "unbalanced parenthesis", 1),
    (")", "unbalanced parenthesis", 0),
    ("a) (b", "unbalanced parenthesis", 1),
    ("()", "empty parentheses", 0),
    ("a ( , )", "empty parentheses", 2),
    ("a -()", "empty parentheses", 3),
    ("foo:bar", "unknown field 'foo:'", 0),
    ("a -Label:x", "unknown field 'Label:'", 3),
    ('x foo:"bar"', "unknown field 'foo:'", 2),
    ("from:", "'from:' needs a value", 5),
    ("from: bob", "'from:' needs a value", 5),
    ('subject:""', "'subject:' needs a value", 8),
    ("from:(a OR b)", "'from:' needs a value", 5),
    ("tag:", "'tag:' needs a value", 4),
    ('folder:"  "', "'folder:' needs a value", 7),
    ("is:new", "unknown value 'new' for 'is:' (use unread, read, flagged or unflagged)", 3),
    ("has:pdf", "unknown value 'pdf' for 'has:' (use attachment)", 4),
    ("before:x", "bad date 'x' (use YYYY-MM-DD)", 7),
    ("after:2026-02-30", "bad date '2026-02-30' (use YYYY-MM-DD)", 6),
    ("after:31/01/2026", "bad date '31/01/2026' (use YYYY-MM-DD)", 6),
    ("after:2026-01/31", "bad date '2026-01/31' (use YYYY-MM-DD)", 6),
    ("larger:3Q", "bad size '3Q' (use 100K, 2M, 1G or bytes)", 7),
    ("a smaller:1.5", "bad size '1.5' (use 100K, 2M, 1G or bytes)", 10),
    ("larger:-1", "bad size '-1' (use 100K, 2M, 1G or bytes)", 7),
    ("larger:99999999999G", "bad size '99999999999G' (use 100K, 2M, 1G or bytes)", 7),
    ("OR", "OR needs a term on each side", 0),
    ("OR a", "OR needs a term on each side", 0),
    ("a OR", "OR needs a term on each side", 2),
    ("a OR OR b", "OR needs a term on each side", 2),
    ("(a OR) b", "OR needs a term on each side", 3),
    ("a OR AND b", "OR needs a term on each side", 2),
    ("AND b", "AND needs a term on each side", 0),
    ("a AND", "AND needs a term on each side", 2),
    ("-a", "nothing to match: add a term that is not excluded", 0),
    ("-a -b", "nothing to match: add a term that is not excluded", 0),
    ("-(a b)", "nothing to match: add a term that is not excluded", 0),
    ("a OR -b", "nothing to match: add a term that is not excluded", 5),
    ("(a OR b -c) OR (-d -e)", "nothing to match: add a term that is not excluded", 16),
    ("-a (b OR -c)", "nothing to match: add a term that is not excluded", 0),
    ("-is:unread", "nothing to match: add a term that is not excluded", 0),
]


@pytest.mark.parametrize(("text", "message", "position"), ERRORS, ids=[q for q, _, _ in ERRORS])
def test_error(text: str, message: str, position: int) -> None:
    with pytest.raises(QuerySyntaxError) as caught:
        parse(text)
    assert (caught.value.message, caught.value.position) == (message, position)


def test_error_is_a_value_error_whose_text_gives_the_position() -> None:
    with pytest.raises(ValueError, match=r"unclosed quote \(at position 4\)"):
        parse('abc "def')
    err = QuerySyntaxError("empty query", 0)
    assert err.field is None and str(err) == "empty query (at position 0)"


def test_min_prefix_is_the_documented_four() -> None:
    assert MIN_PREFIX == 4
    assert parse("abcd*") == pre("abcd")
    with pytest.raises(QuerySyntaxError):
        parse("abc*")


def test_positions_point_into_the_original_text() -> None:
    text = "budget  (forecast OR from:bob) after:someday"
    with pytest.raises(QuerySyntaxError) as caught:
        parse(text)
    assert text[caught.value.position :] == "someday"


@pytest.mark.parametrize(
    ("text", "position"),
    [
        ("(" * 500 + "a", MAX_DEPTH),
        ("(" * 13 + "a" + ")" * 13, MAX_DEPTH),
        ("-" * 999 + "a", MAX_DEPTH),
        ("a " + "-(b " * 20, 2 + 4 * (MAX_DEPTH // 2)),
    ],
)
def test_nesting_deeper_than_the_limit_is_an_error_not_a_crash(text: str, position: int) -> None:
    with pytest.raises(QuerySyntaxError, match="nest at most") as caught:
        parse(text)
    assert caught.value.position == position


def test_the_tree_depth_is_bounded_too() -> None:
    # One group can hold an AND inside an OR: two levels of the tree for one parenthesis.
    deep = "x"
    for _ in range(MAX_DEPTH // 2):
        deep = f"a (b c OR {deep})"
    with pytest.raises(QuerySyntaxError, match="nest at most"):
        parse(deep)
    assert too_deep(parse("a (b c OR x)")) is None


@pytest.mark.parametrize("ch", ["\x00", "\x01", "\x1f", "\x7f", "\x85"])
def test_control_characters_separate_terms(ch: str) -> None:
    assert parse(f"alpha{ch}beta") == And((w("alpha"), w("beta")))
    assert parse(f'"alpha{ch}beta"') == Phrase("alpha beta")
    assert parse(f"subject:alpha{ch}beta") == And((w("alpha", F.SUBJECT), w("beta")))
    assert parse(f"tag:a{ch}") == TagIs("a")
