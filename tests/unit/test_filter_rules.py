"""Filter condition rules: every field and operator against concrete messages."""

from __future__ import annotations

from email.message import EmailMessage

import pytest

from shared.filters import Condition, FieldName, Operator
from shared.mail.filtering import matching
from shared.mail.filtering.facts import MessageFacts
from shared.mail.filtering.rules import RULES, DuplicateRule, Registry, holds


def _raw(
    *,
    subject: str = "Quarterly report",
    sender: str = "Alice Martin <alice@example.com>",
    to: str = "Bob <bob@example.org>",
    cc: str | None = "carol@example.net",
    body: str = "Hello Bob,\nthe numbers are in.\n",
    html: str | None = None,
    headers: dict[str, str] | None = None,
    attachment: bool = False,
    inline_image: bool = False,
) -> bytes:
    msg = EmailMessage()
    msg["Subject"] = subject
    msg["From"] = sender
    msg["To"] = to
    if cc:
        msg["Cc"] = cc
    for name, value in (headers or {}).items():
        msg[name] = value
    if html is None:
        msg.set_content(body)
    else:
        msg.set_content(html, subtype="html")
    if attachment:
        msg.add_attachment(
            b"%PDF-1.4 data", maintype="application", subtype="pdf", filename="report.pdf"
        )
    if inline_image:
        msg.add_attachment(
            b"\x89PNG data",
            maintype="image",
            subtype="png",
            filename="logo.png",
            disposition="inline",
            cid="<logo@x>",
        )
    return msg.as_bytes()


def _facts(**kwargs: object) -> MessageFacts:
    return MessageFacts.of(_raw(**kwargs), recipient="bob+work@example.org")  # type: ignore[arg-type]


def _c(field: FieldName, op: Operator | None, value: str = "", **kw: object) -> Condition:
    return Condition(field=field, operator=op, value=value, **kw)  # type: ignore[arg-type]


F, O = FieldName, Operator  # noqa: E741 - short names keep the tables readable


# --- text operators, on the subject ------------------------------------------------------


@pytest.mark.parametrize(
    ("op", "value", "expected"),
    [
        (O.CONTAINS, "REPORT", True),
        (O.CONTAINS, "invoice", False),
        (O.IS, "quarterly REPORT", True),
        (O.IS, "Quarterly", False),
        (O.STARTS_WITH, "quart", True),
        (O.STARTS_WITH, "report", False),
        (O.MATCHES, "q*t", True),
        (O.MATCHES, "*REPORT", True),
        (O.MATCHES, "quarterly", False),  # whole value
        (O.MATCHES, "Quarterly ?eport", True),
        (O.MATCHES, "Quarterly ??eport", False),
        (O.REGEX, r"rep(o|a)rt$", True),
        (O.REGEX, r"^report", False),  # searched, but anchored here
        (O.REGEX, r"\bQUARTER\b", False),
    ],
)
def test_subject_text_operators(op: Operator, value: str, expected: bool) -> None:
    facts = _facts()
    assert holds(_c(F.SUBJECT, op, value), facts) is expected
    assert holds(_c(F.SUBJECT, op, value, negate=True), facts) is (not expected)


def test_encoded_subject_is_matched_decoded() -> None:
    facts = _facts(subject="Café déjà vu")
    assert b"=?utf-8?" in _raw(subject="Café déjà vu")
    assert holds(_c(F.SUBJECT, O.CONTAINS, "CAFÉ DÉJÀ"), facts)
    assert holds(_c(F.SUBJECT, O.IS, "café déjà vu"), facts)


def test_wildcards_escape_and_literal_regex_characters() -> None:
    facts = _facts(subject="Price: $5 (50% off?) [sale]")
    assert holds(_c(F.SUBJECT, O.MATCHES, "*$5 (50% off\\?) [sale]"), facts)
    assert holds(_c(F.SUBJECT, O.MATCHES, "price: $? (*"), facts)
    assert not holds(_c(F.SUBJECT, O.MATCHES, "*off\\*"), facts)
    assert holds(_c(F.SUBJECT, O.MATCHES, "*"), _facts(subject=""))
    assert holds(_c(F.SUBJECT, O.MATCHES, "?"), _facts(subject="a"))
    assert not holds(_c(F.SUBJECT, O.MATCHES, "?"), _facts(subject="ab"))


def test_bad_regex_never_raises_and_does_not_match() -> None:
    facts = _facts()
    bad = _c(F.SUBJECT, O.REGEX, "(unclosed")
    assert holds(bad, facts) is False
    assert holds(_c(F.SUBJECT, O.REGEX, "(unclosed", negate=True), facts) is True
    assert matching.validate(bad) is not None
    assert "regular expression" in (matching.validate(bad) or "")
    assert matching.validate(_c(F.SUBJECT, O.REGEX, "ok+")) is None
    assert matching.validate(_c(F.SUBJECT, O.MATCHES, "(unclosed*")) is None


# --- address fields ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("op", "value", "expected"),
    [
        (O.IS, "alice@example.com", True),  # the bare address
        (O.IS, "Alice Martin <ALICE@example.com>", True),  # the display form
        (O.IS, "alice martin", False),
        (O.CONTAINS, "martin", True),
        (O.CONTAINS, "@example.com", True),
        (O.STARTS_WITH, "alice@", True),
        (O.STARTS_WITH, "Alice Martin <", True),
        (O.STARTS_WITH, "bob", False),
        (O.MATCHES, "*@example.com", True),
        (O.MATCHES, "*@example.org", False),
        (O.REGEX, r"^alice@example\.(com|net)$", True),
    ],
)
def test_from(op: Operator, value: str, expected: bool) -> None:
    facts = _facts()
    assert holds(_c(F.FROM, op, value), facts) is expected
    assert holds(_c(F.FROM, op, value, negate=True), facts) is (not expected)


def test_to_cc_holds_for_any_address_and_ignores_envelope() -> None:
    facts = _facts(to="Bob <bob@example.org>, Dave <dave@example.org>")
    assert holds(_c(F.TO_CC, O.IS, "dave@example.org"), facts)
    assert holds(_c(F.TO_CC, O.IS, "carol@example.net"), facts)  # from Cc
    assert holds(_c(F.TO_CC, O.CONTAINS, "Dave <"), facts)
    assert not holds(_c(F.TO_CC, O.IS, "bob+work@example.org"), facts)  # envelope only
    assert not holds(_c(F.TO_CC, O.IS, "dave@example.org", negate=True), facts)
    assert holds(_c(F.TO_CC, O.IS, "erin@example.org", negate=True), facts)


def test_recipient_includes_envelope() -> None:
    facts = _facts()
    assert holds(_c(F.RECIPIENT, O.IS, "bob+work@example.org"), facts)
    assert holds(_c(F.RECIPIENT, O.IS, "bob@example.org"), facts)
    assert holds(_c(F.RECIPIENT, O.MATCHES, "carol@*"), facts)
    assert not holds(_c(F.RECIPIENT, O.IS, "alice@example.com"), facts)
    assert holds(_c(F.RECIPIENT, O.IS, "alice@example.com", negate=True), facts)


def test_encoded_display_name_is_decoded() -> None:
    facts = _facts(sender="Zoë Ångström <zoe@example.se>")
    assert holds(_c(F.FROM, O.IS, "zoë ångström <zoe@example.se>"), facts)


# --- headers, body, size, attachment, priority, list -------------------------------------


def test_header_lookup_case_insensitive_any_value_and_exists() -> None:
    facts = _facts(headers={"X-Spam-Flag": "YES", "Received": "from a.example"})
    spam = dict(header="x-spam-flag")
    assert holds(_c(F.HEADER, O.IS, "yes", **spam), facts)
    assert holds(_c(F.HEADER, O.EXISTS, **spam), facts)
    assert not holds(_c(F.HEADER, O.EXISTS, header="X-Other"), facts)
    assert holds(_c(F.HEADER, O.EXISTS, header="X-Other", negate=True), facts)
    # an absent header: a text operator does not hold, its negation does
    assert not holds(_c(F.HEADER, O.CONTAINS, "", header="X-Other"), facts)
    assert holds(_c(F.HEADER, O.IS, "yes", header="X-Other", negate=True), facts)
    assert holds(_c(F.HEADER, O.STARTS_WITH, "from a.", header="RECEIVED"), facts)
    assert holds(_c(F.HEADER, O.REGEX, r"^y.s$", **spam), facts)
    assert holds(_c(F.HEADER, O.MATCHES, "Y?S", **spam), facts)


def test_header_present_several_times() -> None:
    raw = b"From: a@x\r\nX-Tag: one\r\nX-Tag: two\r\nSubject: s\r\n\r\nbody\r\n"
    facts = MessageFacts.of(raw, recipient="b@y")
    assert facts.header("x-tag") == ("one", "two")
    assert holds(_c(F.HEADER, O.IS, "two", header="X-Tag"), facts)
    assert not holds(_c(F.HEADER, O.IS, "two", header="X-Tag", negate=True), facts)


def test_body_plain_and_html() -> None:
    plain = _facts(body="Your invoice #4411 is attached.\n")
    assert holds(_c(F.BODY, O.CONTAINS, "INVOICE #44"), plain)
    assert holds(_c(F.BODY, O.REGEX, r"#\d{4}\b"), plain)
    assert holds(_c(F.BODY, O.STARTS_WITH, "your invoice"), plain)
    assert holds(_c(F.BODY, O.MATCHES, "*#44?? is*"), plain)
    assert not holds(_c(F.BODY, O.CONTAINS, "invoice", negate=True), plain)
    html = _facts(html="<html><body><p>Hi <b>there</b></p><script>secret()</script></body></html>")
    assert holds(_c(F.BODY, O.CONTAINS, "hi there"), html)
    assert not holds(_c(F.BODY, O.CONTAINS, "<b>"), html)
    assert not holds(_c(F.BODY, O.CONTAINS, "secret"), html)


def test_size_over_under_strict() -> None:
    raw = _raw()
    facts = MessageFacts.of(raw, recipient="b@y")
    n = len(raw)
    assert facts.size == n
    assert holds(_c(F.SIZE, O.OVER, str(n - 1)), facts)
    assert not holds(_c(F.SIZE, O.OVER, str(n)), facts)
    assert holds(_c(F.SIZE, O.UNDER, str(n + 1)), facts)
    assert not holds(_c(F.SIZE, O.UNDER, str(n)), facts)
    assert holds(_c(F.SIZE, O.UNDER, str(n), negate=True), facts)


def test_has_attachment_ignores_inline_parts() -> None:
    assert not holds(_c(F.HAS_ATTACHMENT, None), _facts())
    assert holds(_c(F.HAS_ATTACHMENT, None, negate=True), _facts())
    assert holds(_c(F.HAS_ATTACHMENT, None), _facts(attachment=True))
    assert not holds(_c(F.HAS_ATTACHMENT, None), _facts(inline_image=True))


@pytest.mark.parametrize(
    ("headers", "priority"),
    [
        ({}, "normal"),
        ({"X-Priority": "1 (Highest)"}, "high"),
        ({"X-Priority": "2"}, "high"),
        ({"X-Priority": "3 (Normal)"}, "normal"),
        ({"X-Priority": "4"}, "low"),
        ({"X-Priority": "5 (Lowest)"}, "low"),
        ({"X-Priority": "9"}, "normal"),
        ({"Importance": "High"}, "high"),
        ({"Importance": "low"}, "low"),
        ({"Priority": "urgent"}, "high"),
        ({"Priority": "non-urgent"}, "low"),
        ({"X-Priority": "5", "Importance": "high"}, "low"),  # X-Priority first
    ],
)
def test_priority(headers: dict[str, str], priority: str) -> None:
    facts = _facts(headers=headers)
    assert facts.priority == priority
    assert holds(_c(F.PRIORITY, O.IS, priority), facts)
    other = "low" if priority != "low" else "high"
    assert not holds(_c(F.PRIORITY, O.IS, other), facts)
    assert holds(_c(F.PRIORITY, O.IS, other, negate=True), facts)


def test_list_id() -> None:
    facts = _facts(headers={"List-Id": "Developers <dev.lists.example.org>"})
    assert facts.list_id == "dev.lists.example.org"
    assert holds(_c(F.LIST, O.EXISTS), facts)
    assert holds(_c(F.LIST, O.IS, "DEV.lists.example.org"), facts)
    assert holds(_c(F.LIST, O.MATCHES, "*.example.org"), facts)
    assert not holds(_c(F.LIST, O.CONTAINS, "developers"), facts)  # the id, not the name
    none = _facts()
    assert none.list_id is None
    assert not holds(_c(F.LIST, O.EXISTS), none)
    assert holds(_c(F.LIST, O.EXISTS, negate=True), none)
    assert not holds(_c(F.LIST, O.MATCHES, "*"), none)
    bare = _facts(headers={"List-Id": "plain.example.org"})
    assert bare.list_id == "plain.example.org"


# --- facts and registry ------------------------------------------------------------------


def test_facts_from_a_given_parse_and_malformed_input() -> None:
    from shared.mail.mime import parse_message

    raw = _raw(subject="given")
    facts = MessageFacts.of(raw, recipient="b@y", parsed=parse_message(raw))
    assert facts.subject == "given"
    junk = MessageFacts.of(b"\xff\xfe not a message", recipient="b@y")
    assert not holds(_c(F.FROM, O.CONTAINS, "a"), junk)
    assert holds(_c(F.SUBJECT, O.IS, ""), junk)


def test_every_field_has_one_rule() -> None:
    assert RULES.fields() == frozenset(FieldName)


def test_registry_refuses_duplicates() -> None:
    registry = Registry()

    @registry.register(FieldName.SUBJECT)
    def first(condition: Condition, facts: MessageFacts) -> bool:
        return True

    with pytest.raises(DuplicateRule):
        registry.register(FieldName.SUBJECT)(first)
    with pytest.raises(DuplicateRule):
        RULES.register(FieldName.BODY)(first)
    with pytest.raises(LookupError):
        registry.check_for(FieldName.BODY)
