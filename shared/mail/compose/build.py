"""An `Outgoing` message as RFC 5322 / MIME bytes (CRLF line ends).

Structure, innermost first:
- the text: `text/plain`; the HTML: `text/html`, inside `multipart/related` (`type=
  "text/html"`) with the inline images it names (attachments with `inline` and a
  `content_id`);
- both bodies: `multipart/alternative`, text first. An HTML-only message also gets a
  text alternative, made by `shared.mail.html_text.html_to_text`, so that text-only clients
  (and spam filters, which frown on HTML-only mail) have something to read; `read_back`
  recognises it as generated because it is exactly `html_to_text` of the HTML part. If
  that text is empty the message stays HTML-only;
- any other attachment: `multipart/mixed`, the bodies first. Inline attachments that no
  HTML part can show (no HTML body, or no Content-ID) stay `Content-Disposition: inline`
  there.

Bodies are UTF-8, 7bit when every line is short ASCII without trailing white space,
otherwise quoted-printable, or base64 when more than a sixth of the bytes are non-ASCII
(where quoted-printable would be the longer). Line ends are made CRLF; a body always
ends with a line break of its own, which `read_back` removes again (so "abc" and "abc\\n"
both survive); a message with neither body gets an empty text/plain one. Attachments
are base64 with RFC 2231 file names, except message/rfc822 (a forwarded message), which
RFC 2046 §5.2.1 allows only unencoded: its bytes are kept (line ends made CRLF), 7bit or
8bit, unless a line passes 998 octets (then it goes as application/octet-stream).

The top-level header is written here rather than by `email.generator`, which would turn
a non-ASCII local part into an encoded word (an invalid address). Display names and the
subject are RFC 2047 encoded words when they are not plain ASCII; an address with
non-ASCII characters is written as UTF-8 (RFC 6532): only SMTPUTF8 servers will take it.
The subject and display names are put on one line (control characters as spaces) and
stripped; Bcc is written only with `include_bcc`; To and Cc only when not empty.
Multipart boundaries derive from a digest of the content, so the same `Outgoing` always
gives the same bytes (a retried send stores the same blob).
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC
from email import policy
from email.header import Header
from email.message import MIMEPart
from email.utils import format_datetime

from shared.mail.compose.types import Outgoing, OutgoingAttachment
from shared.mail.html_text import html_to_text
from shared.model import Address

_BODY_WIDTH = 76  # RFC 2045 §6.7: quoted-printable lines of at most 76 characters
POLICY = policy.SMTP.clone(max_line_length=_BODY_WIDTH)
"""CRLF, 7-bit headers (RFC 2047 / RFC 2231), body lines of at most 76 characters."""

_WIDTH = 78  # RFC 5322 §2.1.1: lines SHOULD stay within 78 characters
_CRLF = "\r\n"
_LINE_ENDS = re.compile(r"\r\n?")
_ATEXT = r"\-A-Za-z0-9!#$%&'*+/=?^_`{|}~"
_ATOMS = re.compile(rf"[{_ATEXT}]{{1,60}}(?: [{_ATEXT}]{{1,60}})*")
# dot-atom local part; RFC 6532 §3.2 admits any non-ASCII character as atext.
_DOT_ATOM = re.compile(rf"[{_ATEXT}\u0080-\U0010ffff]+(?:\.[{_ATEXT}\u0080-\U0010ffff]+)*")
_QUOTED_LOCAL = re.compile(r'"(?:[^"\\\x00-\x1f\x7f]|\\[\x20-\x7e])*"')
_DOMAIN = re.compile(r"[A-Za-z0-9\u0080-\U0010ffff-]+(?:\.[A-Za-z0-9\u0080-\U0010ffff-]+)*")
_MSGID = re.compile(r"<[!-;=?-~]{1,250}>")  # printable ASCII but "<" and ">"
_ID_LEFT = re.compile(rf"[{_ATEXT}]+(?:\.[{_ATEXT}]+)*")
_HOST = re.compile(r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*")
_MEDIA_TYPE = re.compile(r"[a-z0-9][a-z0-9!#$&^_.+-]*/[a-z0-9][a-z0-9!#$&^_.+-]*")
_CONTROLS = re.compile(r"[\x00-\x1f\x7f]")
_MAX_ADDRESS = 320


def build_message(m: Outgoing, *, include_bcc: bool) -> bytes:
    """`m` as RFC 5322 bytes. `include_bcc` only for the copy kept in Sent or Drafts: the
    copy that is transmitted must not show its Bcc recipients.

    Raises `ValueError` for an address that is no addr-spec, or a Message-ID that is no
    msg-id; an In-Reply-To or reference that is no msg-id is left out."""
    digest = _digest(m)
    attached: dict[str, bytes] = {}
    body = _serialise(_entity(m, digest, attached), attached)
    return _header(m, include_bcc=include_bcc).encode("utf-8") + body


def make_message_id(seed: str, domain: str) -> str:
    """A Message-ID "<seed@domain>". The same seed (an event id) gives the same id, so a
    retried send is recognised as the same message. A seed that is not a dot-atom of at
    most 64 characters is replaced by a digest of itself. Raises `ValueError` for a domain
    that is no host name (an IDN is written as its ASCII form)."""
    left = seed.strip()
    if not _ID_LEFT.fullmatch(left) or len(left) > 64:
        left = hashlib.sha256(seed.encode("utf-8", "surrogatepass")).hexdigest()[:32]
    host = domain.strip().rstrip(".").lower()
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError as exc:
            raise ValueError(f"not a domain: {domain!r}") from exc
    if not _HOST.fullmatch(host) or len(host) > 253:
        raise ValueError(f"not a domain: {domain!r}")
    return f"<{left}@{host}>"


def normalise_lines(text: str) -> str:
    """Line ends as "\\n" (CRLF and lone CR alike): what a body reads back as."""
    return _LINE_ENDS.sub("\n", text)


def generated_text(html: str) -> str:
    """The text alternative an HTML-only message gets (`read_back` compares with it)."""
    return html_to_text(normalise_lines(html))


# --- header ---------------------------------------------------------------------------------


def _header(m: Outgoing, *, include_bcc: bool) -> str:
    date = m.date if m.date.tzinfo is not None else m.date.replace(tzinfo=UTC)
    fields = [_field("Date", [format_datetime(date)]), _addresses("From", [m.sender])]
    if m.reply_to is not None:
        fields.append(_addresses("Reply-To", [m.reply_to]))
    for name, addresses in (("To", m.to), ("Cc", m.cc), ("Bcc", m.bcc if include_bcc else [])):
        if addresses:
            fields.append(_addresses(name, addresses))
    subject = one_line(m.subject)
    if subject:
        fields.append(_unstructured("Subject", subject))
    message_id = _msgid(m.message_id)
    if message_id is None:
        raise ValueError(f"not a msg-id: {m.message_id!r}")
    fields.append(_field("Message-ID", [message_id]))
    in_reply_to = _msgid(m.in_reply_to) if m.in_reply_to else None
    if in_reply_to:
        fields.append(_field("In-Reply-To", [in_reply_to]))
    references = _references(m.references)
    if references:
        fields.append(_field("References", references))
    fields.append(_field("MIME-Version", ["1.0"]))
    if m.priority == "high":
        fields += [_field("X-Priority", ["1", "(Highest)"]), _field("Importance", ["high"])]
    elif m.priority == "low":
        fields += [_field("X-Priority", ["5", "(Lowest)"]), _field("Importance", ["low"])]
    if m.receipt_to is not None:
        fields.append(_addresses("Disposition-Notification-To", [m.receipt_to]))
    fields.append(_field("User-Agent", ["Bureau"]))
    return "".join(fields)


def _field(name: str, words: list[str]) -> str:
    """`name: words…`, folded before a word where a line would pass 78 characters."""
    lines = [f"{name}:"]
    for word in words:
        if word and len(lines[-1]) + 1 + len(word) > _WIDTH and lines[-1] != f"{name}:":
            lines.append(" " + word)
        else:
            lines[-1] += " " + word
    return _CRLF.join(lines) + _CRLF


def _addresses(name: str, addresses: list[Address]) -> str:
    words: list[str] = []
    for i, address in enumerate(addresses):
        phrase = _phrase(address.name)
        mailbox = (
            [*phrase, f"<{_addr_spec(address.address)}>"]
            if phrase
            else [_addr_spec(address.address)]
        )
        if i < len(addresses) - 1:
            mailbox[-1] += ","
        words += mailbox
    return _field(name, words)


def one_line(text: str) -> str:
    """A header's text: control characters (line breaks, tabs) as spaces, ends stripped."""
    return _CONTROLS.sub(" ", text).strip()


def _phrase(name: str) -> list[str]:
    """A display name as words: atoms as they are, other ASCII as one quoted string, the
    rest (non-ASCII, long, or looking like an encoded word) as RFC 2047 encoded words."""
    name = one_line(name)
    if not name:
        return []
    if "=?" not in name:
        if _ATOMS.fullmatch(name):
            return name.split(" ")
        if name.isascii() and len(name) <= 60:
            escaped = name.replace("\\", "\\\\").replace('"', '\\"')
            return [f'"{escaped}"']
    return _encoded_words(name)


def _unstructured(name: str, text: str) -> str:
    words = text.split(" ")
    plain = text.isascii() and "=?" not in text and all(len(word) <= 60 for word in words)
    return _field(name, words if plain else _encoded_words(text))


def _encoded_words(text: str) -> list[str]:
    # Header splits on character boundaries, never inside a UTF-8 sequence.
    return Header(text, "utf-8").encode(maxlinelen=60).split()


def _addr_spec(address: str) -> str:
    value = address.strip()
    local, at, domain = value.rpartition("@")
    valid = (
        at
        and len(value) <= _MAX_ADDRESS
        and (_DOT_ATOM.fullmatch(local) or _QUOTED_LOCAL.fullmatch(local))
        and _DOMAIN.fullmatch(domain)
    )
    if not valid:
        raise ValueError(f"not an e-mail address: {address!r}")
    return value


def _msgid(value: str | None) -> str | None:
    if value is None:
        return None
    text = value.strip()
    if not text.startswith("<"):
        text = f"<{text}>"
    return text if _MSGID.fullmatch(text) else None


def _references(references: list[str]) -> list[str]:
    ids: list[str] = []
    for reference in references:
        msgid = _msgid(reference)
        if msgid and msgid not in ids:
            ids.append(msgid)
    return ids  # one per word: folded between them, every line stays short


# --- body -----------------------------------------------------------------------------------


def _entity(m: Outgoing, digest: str, attached: dict[str, bytes]) -> MIMEPart:
    """The MIME tree; attached messages' bytes go to `attached`, to be put in by
    `_serialise` in place of their placeholders."""
    text = normalise_lines(m.text) if m.text is not None else None
    html = normalise_lines(m.html) if m.html is not None else None
    if html is not None and text is None:
        text = html_to_text(html) or None
    related = [a for a in m.attachments if html is not None and a.inline and a.content_id]
    mixed = [a for a in m.attachments if not (html is not None and a.inline and a.content_id)]
    html_part = _text_part(html, "html") if html is not None else None
    if html_part is not None and related:
        html_part = _multipart(
            "related",
            [html_part, *(_attachment(a, digest, attached) for a in related)],
            f"{digest}.r",
            type="text/html",
        )
    if html_part is None:
        main = _text_part(text or "", "plain")
    elif text is not None:
        main = _multipart("alternative", [_text_part(text, "plain"), html_part], f"{digest}.a")
    else:
        main = html_part
    if not mixed:
        return main
    return _multipart(
        "mixed", [main, *(_attachment(a, digest, attached) for a in mixed)], f"{digest}.m"
    )


def _text_part(text: str, subtype: str) -> MIMEPart:
    part = MIMEPart(policy=POLICY)
    # The extra line break ends the body; read_back takes it off again.
    part.set_content(
        text + "\n", subtype=subtype, charset="utf-8", cte=text_transfer_encoding(text)
    )
    return part


def text_transfer_encoding(text: str) -> str:
    """7bit for short ASCII lines without trailing white space or control characters,
    else quoted-printable, or base64 when that is the shorter (much non-ASCII text)."""
    data = text.encode("utf-8")
    if text.isascii() and all(
        len(line) <= _BODY_WIDTH
        and not line.endswith((" ", "\t"))
        and not _CONTROLS.search(line.replace("\t", " "))
        for line in text.split("\n")
    ):
        return "7bit"
    non_ascii = len(data) - len(text.encode("ascii", "ignore"))
    return "base64" if non_ascii * 6 > len(data) else "quoted-printable"


def _multipart(subtype: str, parts: list[MIMEPart], boundary: str, **params: str) -> MIMEPart:
    container = MIMEPart(policy=POLICY)
    container["Content-Type"] = f"multipart/{subtype}"
    for key, value in params.items():
        container.set_param(key, value)
    # "=_" never occurs in quoted-printable or base64, and the digest is of the content.
    container.set_boundary(f"=_{boundary}")
    for part in parts:
        container.attach(part)
    return container


def _attachment(
    attachment: OutgoingAttachment, digest: str, attached: dict[str, bytes]
) -> MIMEPart:
    part = MIMEPart(policy=POLICY)
    media_type = attachment.content_type.split(";")[0].strip().lower()
    if not _MEDIA_TYPE.fullmatch(media_type) or media_type.startswith("multipart/"):
        media_type = "application/octet-stream"
    disposition = "inline" if attachment.inline else "attachment"
    filename = one_line(attachment.filename) or None
    content_id = _msgid(attachment.content_id) if attachment.content_id else None
    if media_type == "message/rfc822" and not _long_lines(attachment.data):
        # Unencoded, as RFC 2046 §5.2.1 requires, and byte for byte: the generator would
        # re-serialise a parsed message (and refuses 8-bit text), so a placeholder stands
        # in for the bytes until the message is serialised.
        data = _LINE_ENDS_BYTES.sub(b"\r\n", attachment.data)
        if data and not data.endswith(b"\r\n"):
            data += b"\r\n"
        part["Content-Type"] = "message/rfc822"
        part["Content-Transfer-Encoding"] = "7bit" if data.isascii() else "8bit"
        part["Content-Disposition"] = disposition
        if filename:
            part.set_param("filename", filename, header="Content-Disposition")
        if content_id:
            part["Content-ID"] = content_id
        placeholder = f"=_{digest}.message{len(attached)}="
        attached[placeholder] = data
        part.set_payload(placeholder)
        return part
    if media_type == "message/rfc822":
        media_type = "application/octet-stream"  # lines too long to go unencoded
    maintype, _, subtype = media_type.partition("/")
    part.set_content(
        attachment.data,
        maintype,
        subtype,
        disposition=disposition,
        filename=filename,
        cid=content_id,
    )
    return part


_LINE_ENDS_BYTES = re.compile(rb"\r\n|\r|\n")


def _long_lines(data: bytes) -> bool:
    return any(len(line) > 998 for line in _LINE_ENDS_BYTES.split(data))


def _serialise(entity: MIMEPart, attached: dict[str, bytes]) -> bytes:
    data = entity.as_bytes(policy=POLICY)  # as_bytes never mangles "From " lines
    for placeholder, message in attached.items():
        data = data.replace(placeholder.encode("ascii"), message, 1)
    return data


def _digest(m: Outgoing) -> str:
    h = hashlib.sha256()
    for value in (m.message_id, m.text or "", m.html or ""):
        h.update(value.encode("utf-8", "surrogatepass"))
        h.update(b"\0")
    for attachment in m.attachments:
        h.update(attachment.filename.encode("utf-8", "surrogatepass"))
        h.update(b"\0")
        h.update(attachment.data)
    return h.hexdigest()[:32]
