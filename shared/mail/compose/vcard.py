"""The user's profile as a vCard 4.0 (RFC 6350), to attach to a message (F22).

Lines end in CRLF and are folded at 75 octets, never inside a UTF-8 sequence (§3.2).
Text values escape backslash, comma, semicolon and line breaks (§3.4). Telephone numbers
are written as text (`TEL;VALUE=text`), as users type them: turning free-form numbers
into valid `tel:` URIs would need to know their country. The profile's `comments` and
`tags` are private and never written.
"""

from __future__ import annotations

import re
import unicodedata

from shared.model import Phone, PostalAddress, Profile

VCARD_CONTENT_TYPE = "text/vcard"  # RFC 6350 §10.1

_MAX_OCTETS = 75
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_PHONE_TYPES: dict[str, str] = {
    "work": "work,voice",
    "home": "home,voice",
    "mobile": "cell",
    "fax": "fax",
    "other": "voice",
}
_UNSAFE_NAME = re.compile(r'[/\\:*?"<>|]')


def vcard(profile: Profile, address: str) -> bytes:
    """The vCard of `profile` for the identity `address` (its first, preferred EMAIL)."""
    lines = ["BEGIN:VCARD", "VERSION:4.0", "PRODID:-//Bureau//Bureau//EN"]
    lines.append(f"FN:{_text(display_name(profile, address))}")
    if profile.first_name.strip() or profile.last_name.strip():
        lines.append(f"N:{_compound([profile.last_name, profile.first_name, '', '', ''])}")
    if profile.company.strip() or profile.department.strip():
        lines.append(f"ORG:{_compound([profile.company, profile.department])}")
    if profile.job_title.strip():
        lines.append(f"TITLE:{_text(profile.job_title)}")
    for i, email in enumerate(_emails(address, profile.emails)):
        lines.append(f"EMAIL;PREF=1:{_text(email)}" if i == 0 else f"EMAIL:{_text(email)}")
    lines += [_phone(phone) for phone in profile.phones if phone.number.strip()]
    lines += [_postal(place) for place in profile.addresses if _has_content(place)]
    if profile.website.strip():
        lines.append(f"URL:{_uri(profile.website)}")
    if profile.birthday is not None:
        lines.append(f"BDAY:{profile.birthday:%Y%m%d}")
    lines.append("END:VCARD")
    return b"".join(_fold(line) for line in lines)


def display_name(profile: Profile, address: str) -> str:
    """The full name, else first and last name, else the address."""
    name = profile.full_name.strip() or f"{profile.first_name} {profile.last_name}".strip()
    return " ".join(name.split()) or address.strip()


def vcard_filename(profile: Profile, address: str) -> str:
    """The file name for the vCard, "<display name>.vcf": no path separators, no
    characters Windows refuses, no control or format characters; at most 100 characters
    before ".vcf"."""
    name = unicodedata.normalize("NFC", display_name(profile, address))
    name = "".join(ch for ch in name if unicodedata.category(ch) not in ("Cc", "Cf"))
    name = " ".join(_UNSAFE_NAME.sub("_", name).split()).strip(". ")[:100].rstrip(". ")
    return f"{name or 'contact'}.vcf"


def _emails(address: str, others: list[str]) -> list[str]:
    emails: list[str] = []
    for email in [address, *others]:
        email = email.strip()
        if email and email.casefold() not in {e.casefold() for e in emails}:
            emails.append(email)
    return emails


def _phone(phone: Phone) -> str:
    return f"TEL;VALUE=text;TYPE={_PHONE_TYPES[phone.kind]}:{_text(phone.number.strip())}"


def _postal(place: PostalAddress) -> str:
    # post office box; extended address; street; locality; region; postal code; country
    parts = ["", "", place.street, place.city, place.region, place.postcode, place.country]
    kind = f";TYPE={place.kind}" if place.kind in ("work", "home") else ""
    return f"ADR{kind}:{_compound(parts)}"


def _has_content(place: PostalAddress) -> bool:
    fields = (place.street, place.city, place.region, place.postcode, place.country)
    return any(field.strip() for field in fields)


def _text(value: str) -> str:
    """A text value escaped (RFC 6350 §3.4); line breaks as "\\n", other controls dropped."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    value = _CONTROLS.sub("", value).replace("\t", " ")
    return value.replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;").replace("\n", "\\n")


def _compound(components: list[str]) -> str:
    return ";".join(_text(component.strip()) for component in components)


def _uri(value: str) -> str:
    """A URI value (not escaped, §3.4): white space and controls removed, "https://"
    assumed when no scheme is given."""
    uri = "".join(ch for ch in value if not ch.isspace() and ch.isprintable())
    return uri if re.match(r"[A-Za-z][A-Za-z0-9+.-]*:", uri) else f"https://{uri}"


def _fold(line: str) -> bytes:
    """One content line, folded (CRLF and a space) so that no line passes 75 octets."""
    out = bytearray()
    width = 0
    for ch in line:
        octets = ch.encode("utf-8")
        if width + len(octets) > _MAX_OCTETS:
            out += b"\r\n "
            width = 1
        out += octets
        width += len(octets)
    return bytes(out) + b"\r\n"
