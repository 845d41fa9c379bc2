"""FETCH: data items read from tokens, ENVELOPE, BODYSTRUCTURE, BODY[section], BINARY, and
whole responses. Expected structures were checked against Dovecot 2.3 on these messages
(where Dovecot and these modules part ways, on malformed MIME, the tests say why)."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta, timezone
from email import policy
from email.message import EmailMessage

import pytest

from services.gateway.attachments import extract_part
from services.gateway.imap.envelope import parse_addresses
from services.gateway.imap.fetch import (
    FetchItem,
    FetchKind,
    FetchMessage,
    Section,
    UnknownTransferEncoding,
    binary_section,
    bodystructure,
    envelope,
    parse_fetch_items,
    parse_section,
    partial,
    render_fetch,
    section,
)
from services.gateway.imap.sections import RawMessage, find_part, parse_tree
from services.gateway.imap.tokens import Atom, ImapSyntaxError, Token
from shared.mail.mime import parse_message

# RFC 3501 §8's example message.
PLAIN = (
    b"Date: Wed, 17 Jul 1996 02:23:25 -0700 (PDT)\r\n"
    b"From: Terry Gray <gray@cac.washington.edu>\r\n"
    b"Subject: IMAP4rev1 WG mtg summary and minutes\r\n"
    b"To: imap@cac.washington.edu\r\n"
    b"cc: minutes@CNRI.Reston.VA.US,\r\n"
    b" John Klensin <KLENSIN@MIT.EDU>\r\n"
    b"Message-Id: <B27397-0100000@cac.washington.edu>\r\n"
    b"MIME-Version: 1.0\r\n"
    b"Content-Type: TEXT/PLAIN; CHARSET=US-ASCII\r\n"
    b"\r\n"
    b"Hello Joe, do you think we can meet at 3:30 tomorrow?\r\n"
)
ALTERNATIVE = (
    b"From: =?utf-8?q?Zo=C3=AB?= <zoe@example.org>\r\n"
    b'To: "Bob, Jr." <bob@example.net>, carol@example.net\r\n'
    b"Subject: =?utf-8?q?Caf=C3=A9?= menu\r\n"
    b"Date: Tue, 5 Mar 2024 09:00:00 +0100\r\n"
    b"Message-ID: <alt@example.org>\r\n"
    b"MIME-Version: 1.0\r\n"
    b'Content-Type: multipart/alternative; boundary="alt"\r\n'
    b"\r\n"
    b"--alt\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n"
    b"Content-Transfer-Encoding: quoted-printable\r\n"
    b"\r\n"
    b"Caf=C3=A9 au lait\r\n"
    b"et croissant\r\n"
    b"--alt\r\n"
    b"Content-Type: text/html; charset=utf-8\r\n"
    b"\r\n"
    b"<p>Caf\xc3\xa9</p>\r\n"
    b"--alt--\r\n"
)
PDF = b"%PDF-1.4\n\x00\x01\x02\xff"
MIXED = (
    b"From: alice@example.org\r\n"
    b"To: bob@example.net\r\n"
    b"Subject: Report\r\n"
    b"Content-Type: multipart/mixed; boundary=mix\r\n"
    b"\r\n"
    b"This is a multi-part message in MIME format.\r\n"
    b"--mix\r\n"
    b"Content-Type: text/plain\r\n"
    b"\r\n"
    b"See the report.\r\n"
    b"--mix\r\n"
    b'Content-Type: application/pdf; name="report.pdf"\r\n'
    b"Content-Transfer-Encoding: base64\r\n"
    b'Content-Disposition: attachment; filename="report.pdf"\r\n'
    b"Content-ID: <pdf@example.org>\r\n"
    b"Content-Description: The report\r\n"
    b"Content-Language: en, fr\r\n"
    b"Content-Location: report.pdf\r\n"
    b"\r\n"
    b"JVBERi0xLjQKAAEC\r\n"
    b"/w==\r\n"
    b"--mix--\r\n"
    b"epilogue\r\n"
)
NESTED = (
    b"From: dave@example.org\r\n"
    b"To: erin@example.net\r\n"
    b"Subject: Fwd: lunch\r\n"
    b'Content-Type: multipart/mixed; boundary="outer"\r\n'
    b"\r\n"
    b"--outer\r\n"
    b"\r\n"
    b"Forwarded below.\r\n"
    b"--outer\r\n"
    b"Content-Type: message/rfc822\r\n"
    b"\r\n"
    b"From: Frank <frank@example.com>\r\n"
    b"Subject: lunch\r\n"
    b"Message-ID: <inner@example.com>\r\n"
    b'Content-Type: multipart/alternative; boundary="inner"\r\n'
    b"\r\n"
    b"--inner\r\n"
    b"Content-Type: text/plain; charset=us-ascii\r\n"
    b"\r\n"
    b"Noon?\r\n"
    b"--inner\r\n"
    b"Content-Type: text/html; charset=us-ascii\r\n"
    b"\r\n"
    b"<b>Noon?</b>\r\n"
    b"--inner--\r\n"
    b"--outer\r\n"
    b"Content-Type: message/rfc822\r\n"
    b'Content-Disposition: attachment; filename="note.eml"\r\n'
    b"\r\n"
    b"Subject: note\r\n"
    b"\r\n"
    b"Just a note.\r\n"
    b"--outer--\r\n"
)
MALFORMED = (
    b"Subject: =?iso-8859-1?q?r=E9sum=E9?= \xc3\xa9t\xc3\xa9\r\n"
    b"From: undisclosed-recipients:;\r\n"
    b'To: Team: ann@example.org, "B. Smith" <b@example.org>;, solo@example.org (Solo)\r\n'
    b"Content-Type: multipart/mixed\r\n"
    b"\r\n"
    b"no boundary here\r\n"
)
NO_CLOSE = (
    b"Subject: cut\r\n"
    b"Content-Type: multipart/mixed; boundary=b\r\n"
    b"\r\n"
    b"--b\r\n"
    b"Content-Type: text/plain\r\n"
    b"\r\n"
    b"one\r\n"
    b"--b\r\n"
    b"Content-Type: image/png\r\n"
    b"Content-Transfer-Encoding: base64\r\n"
    b"\r\n"
    b"iVBORw0KGgo=\r\n"
)
BARE = b"Subject: bare\r\n\r\nline one\r\nline two"
LF_ONLY = b"Subject: lf\nFrom: a@b.example\n\nbody\n"


def _atoms(*names: str) -> list[Token]:
    return [Atom(name) for name in names]


# --- Fetch items ---------------------------------------------------------------------------


def test_macros() -> None:
    kinds = [item.kind for item in parse_fetch_items(Atom("all"))]
    assert kinds == [
        FetchKind.FLAGS,
        FetchKind.INTERNALDATE,
        FetchKind.RFC822_SIZE,
        FetchKind.ENVELOPE,
    ]
    assert [i.kind for i in parse_fetch_items(Atom("FAST"))] == kinds[:3]
    assert [i.kind for i in parse_fetch_items(Atom("Full"))] == [*kinds, FetchKind.BODY]


def test_simple_items() -> None:
    items = parse_fetch_items(
        _atoms("uid", "FLAGS", "InternalDate", "RFC822.SIZE", "ENVELOPE", "BODY", "BODYSTRUCTURE")
    )
    assert [item.kind.value for item in items] == [
        "UID",
        "FLAGS",
        "INTERNALDATE",
        "RFC822.SIZE",
        "ENVELOPE",
        "BODY",
        "BODYSTRUCTURE",
    ]
    assert [item.needs_raw for item in items] == [False] * 4 + [True] * 3
    assert not any(item.sets_seen for item in items)


def test_a_single_atom_and_duplicates() -> None:
    assert parse_fetch_items(Atom("UID")) == [FetchItem(FetchKind.UID)]
    assert parse_fetch_items(_atoms("UID", "FLAGS", "uid")) == [
        FetchItem(FetchKind.UID),
        FetchItem(FetchKind.FLAGS),
    ]


def test_rfc822_items() -> None:
    whole, header, text = parse_fetch_items(_atoms("RFC822", "RFC822.HEADER", "RFC822.TEXT"))
    assert (whole.section, whole.sets_seen, whole.label()) == (Section(), True, "RFC822")
    assert (header.section, header.sets_seen, header.label()) == (
        Section(text="HEADER"),
        False,
        "RFC822.HEADER",
    )
    assert (text.section, text.sets_seen, text.label()) == (
        Section(text="TEXT"),
        True,
        "RFC822.TEXT",
    )


@pytest.mark.parametrize(
    ("text", "section", "partial", "peek", "label"),
    [
        ("BODY[]", Section(), None, False, "BODY[]"),
        ("body.peek[]", Section(), None, True, "BODY[]"),
        ("BODY[HEADER]", Section(text="HEADER"), None, False, "BODY[HEADER]"),
        ("BODY.PEEK[text]<0.2048>", Section(text="TEXT"), (0, 2048), True, "BODY[TEXT]<0>"),
        ("BODY[1]", Section((1,)), None, False, "BODY[1]"),
        ("BODY[1.2.3]<10.5>", Section((1, 2, 3)), (10, 5), False, "BODY[1.2.3]<10>"),
        ("BODY[2.MIME]", Section((2,), "MIME"), None, False, "BODY[2.MIME]"),
        ("BODY[4.2.HEADER]", Section((4, 2), "HEADER"), None, False, "BODY[4.2.HEADER]"),
        ("BODY[3.text]", Section((3,), "TEXT"), None, False, "BODY[3.TEXT]"),
        (
            "BODY.PEEK[HEADER.FIELDS (From To Message-ID)]",
            Section(text="HEADER.FIELDS", fields=("FROM", "TO", "MESSAGE-ID")),
            None,
            True,
            "BODY[HEADER.FIELDS (FROM TO MESSAGE-ID)]",
        ),
        (
            'BODY[1.HEADER.FIELDS.NOT ("X-Spam" received)]<0.100>',
            Section((1,), "HEADER.FIELDS.NOT", ("X-SPAM", "RECEIVED")),
            (0, 100),
            False,
            "BODY[1.HEADER.FIELDS.NOT (X-SPAM RECEIVED)]<0>",
        ),
    ],
)
def test_body_sections(
    text: str,
    section: Section,
    partial: tuple[int, int] | None,
    peek: bool,
    label: str,
) -> None:
    (item,) = parse_fetch_items(Atom(text))
    assert item.kind is FetchKind.SECTION
    assert (item.section, item.partial, item.peek, item.sets_seen) == (
        section,
        partial,
        peek,
        not peek,
    )
    assert item.needs_raw
    assert item.label() == label


def test_binary_items() -> None:
    binary, peek, size = parse_fetch_items(
        _atoms("BINARY[1.2]<0.10>", "BINARY.PEEK[]", "BINARY.SIZE[3]")
    )
    assert (binary.kind, binary.section, binary.partial, binary.sets_seen) == (
        FetchKind.BINARY,
        Section((1, 2)),
        (0, 10),
        True,
    )
    assert binary.label() == "BINARY[1.2]<0>"
    assert (peek.kind, peek.section, peek.sets_seen, peek.label()) == (
        FetchKind.BINARY,
        Section(),
        False,
        "BINARY[]",
    )
    assert (size.kind, size.section, size.sets_seen, size.label()) == (
        FetchKind.BINARY_SIZE,
        Section((3,)),
        False,
        "BINARY.SIZE[3]",
    )


@pytest.mark.parametrize(
    "token",
    [
        Atom("BOGUS"),
        Atom("BODY.PEEK"),
        Atom("BODY[MIME]"),
        Atom("BODY[1.]"),
        Atom("BODY[.1]"),
        Atom("BODY[0]"),
        Atom("BODY[1..2]"),
        Atom("BODY[TEXT.1]"),
        Atom("BODY[HEADER.FIELDS]"),
        Atom("BODY[HEADER.FIELDS ()]"),
        Atom("BODY[HEADER.FIELDS FROM]"),
        Atom("BODY[HEADER (FROM)]"),
        Atom("BODY[]<0.0>"),
        Atom("BODY[]<0>"),
        Atom("BODY[]<99999999999.1>"),
        Atom("BODY[HEADER"),
        Atom("BINARY[HEADER]"),
        Atom("BINARY[1.MIME]"),
        Atom("BINARY.SIZE[1]<0.10>"),
        [],
        [Atom("ALL")],
        [Atom("UID"), b"FLAGS"],
        [Atom("UID"), [Atom("FLAGS")]],
        b"UID",
    ],
)
def test_bad_items(token: Token) -> None:
    with pytest.raises(ImapSyntaxError):
        parse_fetch_items(token)


def test_section_text_round_trips() -> None:
    for spec in ("", "HEADER", "1.2.MIME", "3.HEADER.FIELDS (FROM TO)", "TEXT"):
        assert str(parse_section(spec)) == spec


# --- ENVELOPE ------------------------------------------------------------------------------


def test_envelope_of_rfc3501_example() -> None:
    assert envelope(PLAIN) == (
        b'("Wed, 17 Jul 1996 02:23:25 -0700 (PDT)" "IMAP4rev1 WG mtg summary and minutes" '
        b'(("Terry Gray" NIL "gray" "cac.washington.edu")) '
        b'(("Terry Gray" NIL "gray" "cac.washington.edu")) '
        b'(("Terry Gray" NIL "gray" "cac.washington.edu")) '
        b'((NIL NIL "imap" "cac.washington.edu")) '
        b'((NIL NIL "minutes" "CNRI.Reston.VA.US")("John Klensin" NIL "KLENSIN" "MIT.EDU")) '
        b'NIL NIL "<B27397-0100000@cac.washington.edu>")'
    )


def test_envelope_keeps_encoded_words_and_quoted_commas() -> None:
    assert envelope(ALTERNATIVE) == (
        b'("Tue, 5 Mar 2024 09:00:00 +0100" "=?utf-8?q?Caf=C3=A9?= menu" '
        b'(("=?utf-8?q?Zo=C3=AB?=" NIL "zoe" "example.org")) '
        b'(("=?utf-8?q?Zo=C3=AB?=" NIL "zoe" "example.org")) '
        b'(("=?utf-8?q?Zo=C3=AB?=" NIL "zoe" "example.org")) '
        b'(("Bob, Jr." NIL "bob" "example.net")(NIL NIL "carol" "example.net")) '
        b'NIL NIL NIL "<alt@example.org>")'
    )


def test_envelope_with_groups_and_an_8bit_subject() -> None:
    # 8-bit text cannot be quoted: a literal. Groups as RFC 3501 §7.4.2 writes them.
    assert envelope(MALFORMED) == (
        b"(NIL {33}\r\n=?iso-8859-1?q?r=E9sum=E9?= \xc3\xa9t\xc3\xa9 "
        b'((NIL NIL "undisclosed-recipients" NIL)(NIL NIL NIL NIL)) '
        b'((NIL NIL "undisclosed-recipients" NIL)(NIL NIL NIL NIL)) '
        b'((NIL NIL "undisclosed-recipients" NIL)(NIL NIL NIL NIL)) '
        b'((NIL NIL "Team" NIL)(NIL NIL "ann" "example.org")("B. Smith" NIL "b" "example.org")'
        b'(NIL NIL NIL NIL)("Solo" NIL "solo" "example.org")) '
        b"NIL NIL NIL NIL)"
    )


def test_envelope_defaults_and_folding() -> None:
    raw = (
        b"Date: Mon, 7 Feb 1994 21:52:25\r\n -0800 (PST)\r\n"
        b"Subject:   folded\r\n\tsubject  here\r\n"
        b"From: a@example.org\r\n"
        b"Reply-To: \r\n"
        b"To: one@example.org\r\n"
        b"To: two@example.org\r\n"
        b"Bcc:\r\n"
        b"In-Reply-To: <x@y>\r\n"
        b"Message-ID:   <m@id>\r\n"
        b"\r\n"
    )
    assert envelope(raw) == (
        b'("Mon, 7 Feb 1994 21:52:25 -0800 (PST)" "folded subject here" '
        b'((NIL NIL "a" "example.org")) ((NIL NIL "a" "example.org")) '
        b'((NIL NIL "a" "example.org")) '
        b'((NIL NIL "one" "example.org")(NIL NIL "two" "example.org")) '
        b'NIL NIL "<x@y>" "<m@id>")'
    )
    assert envelope(b"") == b"(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)"
    assert envelope(b"Subject:\r\nMessage-ID:\r\n\r\n") == (
        b'(NIL "" NIL NIL NIL NIL NIL NIL NIL "")'
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (b"John   Smith <js@x.org>", b'(("John Smith" NIL "js" "x.org"))'),
        (b'"Q \\"x\\" Z" <q@x>', b'(("Q \\"x\\" Z" NIL "q" "x"))'),
        (b"a@b.c (Real Name)", b'(("Real Name" NIL "a" "b.c"))'),
        (b"bare", b'((NIL NIL "bare" "MISSING_DOMAIN"))'),
        (b'"empty" <>', b'(("empty" NIL "MISSING_MAILBOX" "MISSING_DOMAIN"))'),
        (b"<@r1,@r2:rt@h>", b'((NIL "@r1,@r2" "rt" "h"))'),
        (b"<@>", b'((NIL "INVALID_ROUTE" "MISSING_MAILBOX" "MISSING_DOMAIN"))'),
        (b'x@[1.2.3.4], "a.b"@c', b'((NIL NIL "x" "[1.2.3.4]")(NIL NIL "a.b" "c"))'),
        (b"John Q. Public <jqp@x>", b'(("John Q. Public" NIL "jqp" "x"))'),
        (
            b"Pete(A wonderful \\) chap) <pete(his account)@silly.test(his host)>",
            b'(("Pete" NIL "pete" "silly.test"))',
        ),
        (
            b"A Group(Some people):Chris Jones <c@(Chris's host.)public.example>, "
            b"joe@example.org, John <jdoe@one.test> (my dear friend); (the end of the group)",
            b'((NIL NIL "A Group" NIL)("Chris Jones" NIL "c" "public.example")'
            b'(NIL NIL "joe" "example.org")("John" NIL "jdoe" "one.test")(NIL NIL NIL NIL))',
        ),
        (b"unclosed: a@b", b'((NIL NIL "unclosed" NIL)(NIL NIL "a" "b")(NIL NIL NIL NIL))'),
        (b'"J\xc3\xb6rg" <j@x>', b'(({5}\r\nJ\xc3\xb6rg NIL "j" "x"))'),
    ],
)
def test_addresses_as_dovecot_reads_them(value: bytes, expected: bytes) -> None:
    raw = b"From: " + value + b"\r\n\r\n"
    start = len(b"(NIL NIL ")
    got = envelope(raw)[start:]
    assert got.startswith(expected + b" ")


def test_parse_addresses_never_raises_on_garbage() -> None:
    for value in (b"<", b">", b"@", b":;", b";", b'"', b"(", b"a@", b"@b", b"<<a@b>>", b",,,"):
        parse_addresses(value)


# --- BODYSTRUCTURE and BODY ----------------------------------------------------------------


def test_bodystructure_of_a_single_part() -> None:
    assert bodystructure(PLAIN, extensible=True) == (
        b'("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7bit" 55 1 NIL NIL NIL NIL)'
    )
    assert bodystructure(PLAIN, extensible=False) == (
        b'("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7bit" 55 1)'
    )


def test_bodystructure_without_content_type_is_us_ascii_text() -> None:
    assert bodystructure(BARE, extensible=False) == (
        b'("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 18 1)'
    )
    assert bodystructure(b"", extensible=False) == (
        b'("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 0 0)'
    )


def test_bodystructure_of_an_alternative() -> None:
    assert bodystructure(ALTERNATIVE, extensible=True) == (
        b'(("text" "plain" ("charset" "utf-8") NIL NIL "quoted-printable" 31 1 NIL NIL NIL NIL)'
        b'("text" "html" ("charset" "utf-8") NIL NIL "7bit" 12 0 NIL NIL NIL NIL) '
        b'"alternative" ("boundary" "alt") NIL NIL NIL)'
    )
    assert bodystructure(ALTERNATIVE, extensible=False) == (
        b'(("text" "plain" ("charset" "utf-8") NIL NIL "quoted-printable" 31 1)'
        b'("text" "html" ("charset" "utf-8") NIL NIL "7bit" 12 0) "alternative")'
    )


def test_bodystructure_of_an_attachment_with_all_extension_data() -> None:
    assert bodystructure(MIXED, extensible=True) == (
        b'(("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 15 0 NIL NIL NIL NIL)'
        b'("application" "pdf" ("name" "report.pdf") "<pdf@example.org>" "The report" '
        b'"base64" 22 NIL ("attachment" ("filename" "report.pdf")) ("en" "fr") "report.pdf") '
        b'"mixed" ("boundary" "mix") NIL NIL NIL)'
    )


def test_bodystructure_of_attached_messages() -> None:
    inner_envelope = (
        b'(NIL "lunch" (("Frank" NIL "frank" "example.com")) (("Frank" NIL "frank" '
        b'"example.com")) (("Frank" NIL "frank" "example.com")) NIL NIL NIL NIL '
        b'"<inner@example.com>")'
    )
    # Dovecot counts the line end after "--inner--" into the attached message (280, 14);
    # RFC 2046 §5.1.1 gives it to the outer delimiter, as here.
    assert bodystructure(NESTED, extensible=False) == (
        b'(("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 16 0)'
        b'("message" "rfc822" NIL NIL NIL "7bit" 278 ' + inner_envelope + b" "
        b'(("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 5 0)'
        b'("text" "html" ("charset" "us-ascii") NIL NIL "7bit" 12 0) "alternative") 13)'
        b'("message" "rfc822" NIL NIL NIL "7bit" 29 (NIL "note" NIL NIL NIL NIL NIL NIL NIL NIL) '
        b'("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 12 0) 2) "mixed")'
    )
    extensible = bodystructure(NESTED, extensible=True)
    assert (
        b'"7bit" 12 0 NIL NIL NIL NIL) 2 NIL ("attachment" ("filename" "note.eml")) NIL NIL)'
        in (extensible)
    )


def test_bodystructure_of_broken_multiparts() -> None:
    # No boundary: one text part, as shared.mail.mime shows it (Dovecot shows an empty part).
    assert bodystructure(MALFORMED, extensible=False) == (
        b'("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 18 1)'
    )
    # No close delimiter: the last part runs to the end.
    assert bodystructure(NO_CLOSE, extensible=False) == (
        b'(("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 3 0)'
        b'("image" "png" NIL NIL NIL "base64" 14) "mixed")'
    )


def test_bodystructure_parameters_as_dovecot_lists_them() -> None:
    raw = (
        b"Content-Type: multipart/mixed; boundary=b\r\n\r\n"
        b"--b\r\n"
        b'Content-Type: text/plain; name*0="long"; name*1="name.txt"; '
        b"x*0*=utf-8''a%20b; x*1=c%d; y=z\r\n"
        b"Content-Language: en\r\n"
        b"Content-MD5: abc=\r\n"
        b"\r\n"
        b"body\r\n"
        b"--b\r\n"
        b"Content-Type: text\r\n"  # no subtype: invalid, so text/plain
        b"Content-Disposition: inline\r\n"
        b"\r\n"
        b"bad ct\r\n"
        b"--b\r\n"
        b"Content-Type: image/png (a comment); name=a.png\r\n"
        b"\r\n"
        b"AAAA\r\n"
        b"--b--\r\n"
    )
    assert bodystructure(raw, extensible=True) == (
        b'(("text" "plain" ("y" "z" "name" "longname.txt" "x*" "utf-8\'\'a%20bc%25d" '
        b'"charset" "us-ascii") NIL NIL "7bit" 4 0 "abc=" NIL ("en") NIL)'
        b'("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 6 0 NIL ("inline" NIL) NIL NIL)'
        b'("image" "png" ("name" "a.png") NIL NIL "7bit" 4 NIL NIL NIL NIL) '
        b'"mixed" ("boundary" "b") NIL NIL NIL)'
    )


def test_multipart_digest_parts_default_to_messages() -> None:
    raw = (
        b"Content-Type: multipart/digest; boundary=d\r\n\r\n"
        b"--d\r\n\r\nSubject: one\r\n\r\nfirst\r\n"
        b"--d--\r\n"
    )
    assert bodystructure(raw, extensible=False) == (
        b'(("message" "rfc822" NIL NIL NIL "7bit" 21 (NIL "one" NIL NIL NIL NIL NIL NIL NIL '
        b'NIL) ("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 5 0) 2) "digest")'
    )


def test_hostile_nesting_is_cut_off() -> None:
    depth = 200
    raw = b"".join(
        b"Content-Type: multipart/mixed; boundary=b%d\r\n\r\n--b%d\r\n" % (i, i)
        for i in range(depth)
    )
    structure = bodystructure(raw + b"end\r\n", extensible=True)
    assert structure.startswith(b"((((")
    assert structure.count(b"(") == structure.count(b")")


# --- Sections ------------------------------------------------------------------------------


def test_whole_header_and_text() -> None:
    assert section(PLAIN, "") == PLAIN
    header, text = PLAIN.split(b"\r\n\r\n", 1)
    assert section(PLAIN, "HEADER") == header + b"\r\n\r\n"
    assert section(PLAIN, "TEXT") == text


def test_header_fields_keep_folding_and_case() -> None:
    assert section(PLAIN, "HEADER.FIELDS (cc SUBJECT)") == (
        b"Subject: IMAP4rev1 WG mtg summary and minutes\r\n"
        b"cc: minutes@CNRI.Reston.VA.US,\r\n"
        b" John Klensin <KLENSIN@MIT.EDU>\r\n"
        b"\r\n"
    )
    assert section(PLAIN, "HEADER.FIELDS (X-Absent)") == b"\r\n"
    assert section(PLAIN, "HEADER.FIELDS.NOT (Date From To Cc Message-Id MIME-Version)") == (
        b"Subject: IMAP4rev1 WG mtg summary and minutes\r\n"
        b"Content-Type: TEXT/PLAIN; CHARSET=US-ASCII\r\n"
        b"\r\n"
    )


def test_header_fields_repeated() -> None:
    raw = b"Received: a\r\nSubject: s\r\nReceived: b\r\n\tfolded\r\n\r\nbody"
    assert section(raw, "HEADER.FIELDS (RECEIVED)") == (
        b"Received: a\r\nReceived: b\r\n\tfolded\r\n\r\n"
    )


def test_lf_only_messages_keep_their_line_ends() -> None:
    assert section(LF_ONLY, "HEADER") == b"Subject: lf\nFrom: a@b.example\n\n"
    assert section(LF_ONLY, "HEADER.FIELDS (FROM)") == b"From: a@b.example\n\n"
    assert section(LF_ONLY, "TEXT") == b"body\n"
    assert section(LF_ONLY, "1") == b"body\n"


def test_header_only_message() -> None:
    raw = b"Subject: no body"
    assert section(raw, "HEADER") == raw
    assert section(raw, "TEXT") == b""
    assert section(raw, "HEADER.FIELDS (SUBJECT)") == b"Subject: no body\r\n\r\n"


def test_parts_of_a_single_part_message() -> None:
    assert section(PLAIN, "1") == b"Hello Joe, do you think we can meet at 3:30 tomorrow?\r\n"
    assert section(PLAIN, "1.MIME") == section(PLAIN, "HEADER")
    assert section(PLAIN, "2") == b""
    assert section(PLAIN, "1.HEADER") == b""  # not a message/rfc822 part


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("1", b"Forwarded below."),
        ("1.MIME", b"\r\n"),
        ("1.1", b"Forwarded below."),  # part 1 of a single part is itself (Dovecot)
        ("1.HEADER", b""),
        ("2.MIME", b"Content-Type: message/rfc822\r\n\r\n"),
        (
            "2.HEADER",
            b"From: Frank <frank@example.com>\r\nSubject: lunch\r\n"
            b"Message-ID: <inner@example.com>\r\nContent-Type: multipart/alternative; "
            b'boundary="inner"\r\n\r\n',
        ),
        ("2.HEADER.FIELDS (subject)", b"Subject: lunch\r\n\r\n"),
        ("2.1", b"Noon?"),
        ("2.2", b"<b>Noon?</b>"),
        ("2.2.MIME", b"Content-Type: text/html; charset=us-ascii\r\n\r\n"),
        ("2.3", b""),
        ("3", b"Subject: note\r\n\r\nJust a note."),
        ("3.HEADER", b"Subject: note\r\n\r\n"),
        ("3.TEXT", b"Just a note."),
        ("3.1", b"Just a note."),  # the body of a single-part attached message
        ("4", b""),
        ("9.9.9", b""),
    ],
)
def test_parts_of_nested_messages(spec: str, expected: bytes) -> None:
    assert section(NESTED, spec) == expected


def test_part_of_attached_message_is_the_whole_message() -> None:
    start = NESTED.index(b"From: Frank")
    end = NESTED.index(b"--inner--") + len(b"--inner--")
    assert section(NESTED, "2") == NESTED[start:end]
    assert section(NESTED, "2.TEXT") == NESTED[NESTED.index(b"--inner\r\n") : end]


def test_multipart_part_is_its_body() -> None:
    raw = (
        b"Content-Type: multipart/mixed; boundary=o\r\n\r\n--o\r\n"
        b"Content-Type: multipart/alternative; boundary=i\r\n\r\n"
        b"--i\r\n\r\nA\r\n--i--\r\n--o--\r\n"
    )
    assert section(raw, "1") == b"--i\r\n\r\nA\r\n--i--"
    assert section(raw, "1.1") == b"A"
    assert section(raw, "1.1.MIME") == b"\r\n"


def test_partial() -> None:
    assert partial(b"0123456789", 0, 4) == b"0123"
    assert partial(b"0123456789", 8, 100) == b"89"
    assert partial(b"0123456789", 10, 1) == b""
    assert partial(b"0123456789", 50, 1) == b""


def test_header_items_do_not_parse_the_mime_tree() -> None:
    parsed = RawMessage(NESTED)
    parsed.section(parse_section("HEADER.FIELDS (FROM SUBJECT)"))
    parsed.section(parse_section("TEXT"))
    assert "tree" not in vars(parsed)
    parsed.section(parse_section("2.1"))
    assert "tree" in vars(parsed)


# --- BINARY --------------------------------------------------------------------------------


def test_binary_removes_transfer_encodings() -> None:
    assert binary_section(MIXED, (2,)) == PDF
    assert binary_section(ALTERNATIVE, (1,)) == "Café au lait\r\net croissant".encode()
    assert binary_section(ALTERNATIVE, (2,)) == b"<p>Caf\xc3\xa9</p>"
    assert binary_section(MIXED, ()) == MIXED
    assert binary_section(MIXED, (7,)) == b""
    assert binary_section(NESTED, (3,)) == b"Subject: note\r\n\r\nJust a note."


def test_binary_tolerates_broken_base64() -> None:
    raw = (
        b"Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: BASE64\r\n\r\n"
        b"QUJD\r\nRA\r\n!!"
    )
    assert binary_section(raw, (1,)) == b"ABCD"


def test_binary_of_an_unknown_encoding() -> None:
    raw = b"Content-Transfer-Encoding: x-uuencode\r\n\r\nbegin 644 a\r\n"
    with pytest.raises(UnknownTransferEncoding):
        binary_section(raw, (1,))


# --- Whole responses -----------------------------------------------------------------------

WHEN = datetime(1996, 7, 17, 2, 44, 25, tzinfo=timezone(-timedelta(hours=7)))


def _message(raw: bytes | None, *, flags: list[str] | None = None) -> FetchMessage:
    return FetchMessage(
        uid=7,
        flags=["\\Seen"] if flags is None else flags,
        internaldate=WHEN,
        size=len(raw) if raw is not None else 1234,
        raw=raw,
    )


def test_render_without_raw() -> None:
    items = parse_fetch_items(Atom("FAST"))
    assert render_fetch(items, _message(None), with_uid=False) == (
        b'FLAGS (\\Seen) INTERNALDATE "17-Jul-1996 02:44:25 -0700" RFC822.SIZE 1234'
    )
    assert render_fetch(items, _message(None, flags=[]), with_uid=True) == (
        b'UID 7 FLAGS () INTERNALDATE "17-Jul-1996 02:44:25 -0700" RFC822.SIZE 1234'
    )


def test_render_puts_uid_first_once() -> None:
    items = parse_fetch_items(_atoms("FLAGS", "UID"))
    assert render_fetch(items, _message(None), with_uid=True) == b"UID 7 FLAGS (\\Seen)"
    assert render_fetch(items, _message(None), with_uid=False) == b"FLAGS (\\Seen) UID 7"


def test_render_sections_as_literals() -> None:
    items = parse_fetch_items(_atoms("UID", "BODY.PEEK[HEADER.FIELDS (FROM)]", "BODY[1]<6.4>"))
    assert render_fetch(items, _message(PLAIN), with_uid=True) == (
        b"UID 7 BODY[HEADER.FIELDS (FROM)] {46}\r\n"
        b"From: Terry Gray <gray@cac.washington.edu>\r\n\r\n"
        b" BODY[1]<6> {4}\r\nJoe,"
    )


def test_render_rfc822_items() -> None:
    items = parse_fetch_items(_atoms("RFC822.HEADER", "RFC822.TEXT", "RFC822.SIZE", "RFC822"))
    header, text = BARE.split(b"\r\n\r\n")
    assert render_fetch(items, _message(BARE), with_uid=False) == (
        b"RFC822.HEADER {17}\r\n" + header + b"\r\n\r\n"
        b" RFC822.TEXT {18}\r\n" + text + b" RFC822.SIZE 35 RFC822 {35}\r\n" + BARE
    )


def test_render_structures() -> None:
    items = parse_fetch_items(_atoms("ENVELOPE", "BODY", "BODYSTRUCTURE"))
    rendered = render_fetch(items, _message(PLAIN), with_uid=False)
    body = bodystructure(PLAIN, extensible=False)
    structure = bodystructure(PLAIN, extensible=True)
    expected = b"ENVELOPE " + envelope(PLAIN) + b" BODY " + body + b" BODYSTRUCTURE " + structure
    assert rendered == expected


def test_render_binary() -> None:
    items = parse_fetch_items(
        _atoms("BINARY.PEEK[2]", "BINARY.SIZE[2]", "BINARY[1]<0.3>", "BINARY.SIZE[9]")
    )
    assert render_fetch(items, _message(MIXED), with_uid=False) == (
        b"BINARY[2] ~{13}\r\n" + PDF + b" BINARY.SIZE[2] 13 BINARY[1]<0> {3}\r\nSee"
        b" BINARY.SIZE[9] 0"
    )


def test_render_needs_the_bytes_it_asks_for() -> None:
    with pytest.raises(ValueError):
        render_fetch(parse_fetch_items(Atom("ENVELOPE")), _message(None), with_uid=False)


def test_render_unknown_transfer_encoding() -> None:
    raw = b"Content-Transfer-Encoding: x-custom\r\n\r\nzzz"
    items = parse_fetch_items(Atom("BINARY[1]"))
    with pytest.raises(UnknownTransferEncoding):
        render_fetch(items, _message(raw), with_uid=False)
    # BODY[] does not decode: fine whatever the encoding.
    assert render_fetch(parse_fetch_items(Atom("BODY.PEEK[1]")), _message(raw), with_uid=False)


def test_malformed_messages_never_raise() -> None:
    items = parse_fetch_items(
        _atoms("ENVELOPE", "BODYSTRUCTURE", "BODY[]", "BODY[1.2.MIME]", "BODY[HEADER.FIELDS (X)]")
    )
    samples = [
        b"",
        b"\r\n",
        b"\n\n",
        b"no header at all",
        b":\r\n\r\n",
        b'Content-Type: multipart/mixed; boundary=""\r\n\r\n--\r\n',
        b"Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n--x\r\n--x--",
        b"Content-Type: message/rfc822\r\n\r\n",
        b"Content-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n\r\nU3Vi\r\n",
        b'Content-Type: ;;;=="\r\nContent-Disposition: ;\r\nContent-Language: ()\r\n\r\n',
        b"From: \xff\xfe <\x00@\x80>\r\nSubject: \x00\r\n\r\n\x00",
        b" continuation first\r\nSubject: x\r\n\r\n",
        MALFORMED,
        NO_CLOSE,
    ]
    for raw in samples:
        assert render_fetch(items, _message(raw), with_uid=True).startswith(b"UID 7 ENVELOPE (")


# --- Part numbers as shared.mail.mime gives them ------------------------------------------------


def _rich_message() -> bytes:
    inner = EmailMessage(policy=policy.SMTP)
    inner["From"] = "carol@example.org"
    inner["Subject"] = "Forwarded original"
    inner.set_content("inner body\n")
    inner.add_attachment(b"INNER-PDF", maintype="application", subtype="pdf", filename="in.pdf")
    msg = EmailMessage(policy=policy.SMTP)
    msg["From"] = "bob@example.net"
    msg["To"] = "alice@example.test"
    msg["Subject"] = "Files"
    msg.set_content("See attached.\n")
    msg.add_alternative('<p>See attached. <img src="cid:logo@x"></p>', subtype="html")
    msg.make_mixed()
    msg.add_attachment(PDF, maintype="application", subtype="pdf", filename="résumé.pdf")
    png = b"\x89PNG\r\n\x1a\n" + b"\x00\xff" * 50
    msg.add_attachment(png, maintype="image", subtype="png", disposition="inline", cid="<logo@x>")
    msg.add_attachment(inner)
    msg.add_attachment(
        "Déjà vu\n", subtype="plain", charset="iso-8859-1", cte="quoted-printable", filename="n.txt"
    )
    return msg.as_bytes()


def test_leaf_parts_are_numbered_as_shared_mime_numbers_them() -> None:
    raw = _rich_message()
    attachments = parse_message(raw).attachments
    assert [a.part for a in attachments] == ["2", "3", "4", "5"]
    tree = parse_tree(raw)
    for attachment in attachments:
        numbers = tuple(int(n) for n in attachment.part.split("."))
        entity = find_part(tree, numbers)
        assert entity is not None
        content_type = (entity.type + b"/" + entity.subtype).decode().lower()
        assert content_type == attachment.content_type
        extracted = extract_part(raw, attachment.part).data
        if content_type == "message/rfc822":
            assert section(raw, attachment.part) == extracted
        else:
            assert binary_section(raw, numbers) == extracted
    assert section(raw, "1.1.MIME").startswith(b"Content-Type: text/plain")
    assert section(raw, "4.2.MIME").startswith(b"Content-Type: application/pdf")
    assert binary_section(raw, (4, 2)) == b"INNER-PDF"


def test_internaldate_in_utc() -> None:
    message = FetchMessage(uid=1, flags=[], internaldate=datetime(2024, 1, 2, tzinfo=UTC), size=0)
    assert render_fetch(parse_fetch_items(Atom("INTERNALDATE")), message, with_uid=False) == (
        b'INTERNALDATE "02-Jan-2024 00:00:00 +0000"'
    )


def test_base64_fixture_is_the_pdf() -> None:
    assert base64.b64decode(b"JVBERi0xLjQKAAEC/w==") == PDF


@pytest.mark.parametrize(
    ("items", "header_only"),
    [
        ("ENVELOPE", True),
        ("RFC822.HEADER", True),
        ("BODY.PEEK[HEADER]", True),
        ("BODY.PEEK[HEADER.FIELDS (FROM SUBJECT)]", True),
        ("BODY[HEADER.FIELDS.NOT (X-SPAM)]", True),
        ("BODY[]", False),
        ("BODY.PEEK[TEXT]", False),
        ("BODY[1.HEADER]", False),
        ("BODYSTRUCTURE", False),
        ("RFC822", False),
    ],
)
def test_which_items_the_header_alone_answers(items: str, header_only: bool) -> None:
    (item,) = parse_fetch_items(Atom(items))
    assert item.header_only is header_only
