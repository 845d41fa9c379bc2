"""When a vacation reply must not go (F24, RFC 3834 §2 and §3.1): pure rules, no storage.

A responder that answers everything answers robots, lists and other responders, and mail
loops follow. So `exclusion` names the first reason not to reply, or None:
- no one to answer: the null reverse-path (§3.1.1, bounces and other responses use it);
- an automaton: a sender whose local part says it is one (noreply, mailer-daemon, a
  list's -request or owner- address…), in the envelope or in From;
- automatic mail: Auto-Submitted other than "no" (§2, §3.1.3), Precedence bulk, list or
  junk (§2, common practice), any List-* field (RFC 2369, RFC 2919), Microsoft's
  X-Auto-Response-Suppress asking for no out-of-office replies;
- not personal: none of the account's addresses in To, Cc, Resent-To or Resent-Cc
  (§3.1.6: Bcc and list copies get no reply);
- oneself: the sender is the account (or one of its aliases).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from email.utils import getaddresses

from shared.mail.addresses import InvalidAddress, normalize, without_subaddress

# Local parts that belong to programs, not people (lower-cased, after any +tag).
_AUTOMATON = re.compile(
    r"""^(?:
        no[-_.]?reply|do[-_.]?not[-_.]?reply|noreply[-_.].*|.*[-_.]noreply
        |mailer[-_.]?daemon|postmaster|hostmaster|abuse|nobody|daemon
        |listserv|majordomo|mailman|lyris|sympa|ezmlm
        |owner-.*|.*-owner|.*-request|.*-bounces?|bounces?|bounces?[-_.].*
    )$""",
    re.VERBOSE,
)
_BULK = frozenset({"bulk", "list", "junk"})
_SUPPRESS = frozenset({"all", "oof", "autoreply"})
_RECIPIENT_FIELDS = frozenset({"to", "cc", "resent-to", "resent-cc"})


def exclusion(
    *,
    mail_from: str,
    headers: list[tuple[str, str]],
    own: Iterable[str],
    recipient: str,
) -> str | None:
    """Why no vacation reply may answer this message, or None when one may.

    `mail_from` is the envelope sender ("" for the null reverse-path), `headers` the
    message's decoded fields, `own` the account's address and aliases, `recipient` the
    envelope recipient that reached the account (a plus-address counts as the account's).
    """
    if not mail_from.strip():
        return "null sender"
    mine = {address.lower() for address in own}
    sender = _address(mail_from)
    if sender is None:
        return "unreadable sender"
    if is_automaton(sender) or any(is_automaton(a) for a in _field_addresses(headers, "from")):
        return "automaton sender"
    if _base(sender) in mine:
        return "own message"
    reason = automatic(headers)
    if reason is not None:
        return reason
    if not _directly_addressed(headers, mine, recipient):
        return "not a direct recipient"
    return None


def automatic(headers: list[tuple[str, str]]) -> str | None:
    """Why the header says the message was sent by a program or to a list, or None."""
    for name, value in headers:
        key = name.lower()
        word = value.split(";", 1)[0].strip().lower()
        if key == "auto-submitted" and word and word != "no":
            return "auto-submitted"
        if key == "precedence" and word in _BULK:
            return f"precedence {word}"
        if key.startswith("list-"):
            return "list mail"
        if key == "x-auto-response-suppress" and _SUPPRESS & _words(value):
            return "auto-responses suppressed"
    return None


def is_automaton(address: str) -> bool:
    """Whether `address` (an addr-spec) looks like a program's: noreply, a list's…"""
    local = address.rpartition("@")[0].strip().strip('"').lower()
    return bool(_AUTOMATON.match(local.partition("+")[0] or local))


def _directly_addressed(headers: list[tuple[str, str]], mine: set[str], recipient: str) -> bool:
    """Whether To, Cc, Resent-To or Resent-Cc name the account (alias and +tag included)."""
    reached = recipient.strip().lower()
    for name in _RECIPIENT_FIELDS:
        for address in _field_addresses(headers, name):
            if address == reached or address in mine or _base(address) in mine:
                return True
    return False


def _field_addresses(headers: list[tuple[str, str]], name: str) -> list[str]:
    values = [value for field, value in headers if field.lower() == name]
    found: list[str] = []
    for _, address in getaddresses(values):
        normal = _address(address)
        if normal is not None:
            found.append(normal)
    return found


def _address(value: str) -> str | None:
    try:
        return normalize(value)
    except InvalidAddress:
        return None


def _base(address: str) -> str:
    try:
        return without_subaddress(address)
    except InvalidAddress:
        return address


def _words(value: str) -> set[str]:
    return {word.strip().lower() for word in value.replace(";", ",").split(",") if word.strip()}
