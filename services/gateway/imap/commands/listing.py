"""LIST (with RFC 5258 LIST-EXTENDED, RFC 6154 SPECIAL-USE, RFC 5819 LIST-STATUS), LSUB,
STATUS and NAMESPACE (RFC 3501 §6.3.8-6.3.10, RFC 9051 §6.3.9, RFC 2342)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from services.gateway.imap.commands.common import arity, existing, store_errors
from services.gateway.imap.names import DELIMITER, Mailbox, MailboxTree, Pattern
from services.gateway.imap.parser import Command
from services.gateway.imap.responses import Bad
from services.gateway.imap.tokens import Atom, Token, text_of
from shared.model import Folder

if TYPE_CHECKING:
    from services.gateway.imap.session import Session

SELECTION_OPTIONS = {"SUBSCRIBED", "REMOTE", "RECURSIVEMATCH", "SPECIAL-USE"}
RETURN_OPTIONS = {"SUBSCRIBED", "CHILDREN", "SPECIAL-USE", "STATUS"}
STATUS_ITEMS = {"MESSAGES", "RECENT", "UIDNEXT", "UIDVALIDITY", "UNSEEN", "SIZE", "DELETED"}


async def namespace(session: Session, command: Command) -> str | None:
    arity(command.args, 0)
    session.out.untagged(f'NAMESPACE (("" "{DELIMITER}")) NIL NIL')
    return None


# --- STATUS ----------------------------------------------------------------------------


def _status_items(token: Token) -> list[str]:
    if not isinstance(token, list) or not token:
        raise Bad("Expected a list of status items")
    items = [text_of(t).upper() for t in token]
    unknown = [i for i in items if i not in STATUS_ITEMS]
    if unknown:
        raise Bad(f"Unknown status item {unknown[0]}")
    return items


async def _status_line(session: Session, name: str, folder: Folder, items: list[str]) -> bytes:
    values: dict[str, int] = {
        "MESSAGES": folder.total,
        "RECENT": 0,
        "UIDNEXT": folder.uidnext,
        "UIDVALIDITY": folder.uidvalidity,
        "UNSEEN": folder.unread,
    }
    if "SIZE" in items or "DELETED" in items:
        with store_errors():
            entries = await session.front.mailbox.folder_uids(session.account_id, folder.id)
        values["SIZE"] = sum(e.size for e in entries)
        values["DELETED"] = sum(1 for e in entries if e.deleted)
    selected = session.selected
    if selected is not None and selected.folder.id == folder.id:
        values["UIDNEXT"] = max(values["UIDNEXT"], selected.uidnext)
    pairs = " ".join(f"{item} {values[item]}" for item in items)
    return b"STATUS " + session.name(name) + f" ({pairs})".encode()


async def status(session: Session, command: Command) -> str | None:
    arity(command.args, 2)
    mailbox = await existing(session, command.args[0])
    items = _status_items(command.args[1])
    session.out.untagged(await _status_line(session, mailbox.name, mailbox.folder, items))
    return None


# --- LIST ------------------------------------------------------------------------------


class _ListRequest:
    def __init__(self, session: Session, args: list[Token]) -> None:
        self.selection: set[str] = set()
        self.returns: set[str] = set()
        self.status: list[str] = []
        self.extended = False
        rest = list(args)
        first = rest[0] if rest else None
        if isinstance(first, list):
            rest.pop(0)
            self.selection = {text_of(t).upper() for t in first}
            self.extended = True
        if len(rest) < 2:
            raise Bad("LIST takes a reference and a mailbox pattern")
        self.reference = session.mailbox_arg(rest.pop(0))
        patterns = rest.pop(0)
        if isinstance(patterns, list):
            self.extended = True
            self.patterns = [session.mailbox_arg(p) for p in patterns]
        else:
            self.patterns = [session.mailbox_arg(patterns)]
        if rest:
            self._returns(rest)
        if self.selection - SELECTION_OPTIONS:
            raise Bad("Unknown LIST selection option")
        if self.selection == {"RECURSIVEMATCH"}:
            raise Bad("RECURSIVEMATCH needs another selection option")

    def _returns(self, rest: list[Token]) -> None:
        if len(rest) != 2 or not isinstance(rest[0], Atom) or rest[0].upper() != "RETURN":
            raise Bad("Unexpected LIST arguments")
        options = rest[1]
        if not isinstance(options, list):
            raise Bad("Expected a list of return options")
        self.extended = True
        tokens = list(options)
        while tokens:
            option = text_of(tokens.pop(0)).upper()
            if option not in RETURN_OPTIONS:
                raise Bad(f"Unknown LIST return option {option}")
            if option == "STATUS":
                if not tokens:
                    raise Bad("STATUS needs a list of items")
                self.status = _status_items(tokens.pop(0))
            self.returns.add(option)


async def list_(session: Session, command: Command) -> str | None:
    request = _ListRequest(session, command.args)
    if not request.extended and request.patterns == [""]:
        session.out.untagged(f'LIST (\\Noselect) "{DELIMITER}" ""')
        return None
    tree = await session.tree()
    subscribed: set[str] = set()
    if "SUBSCRIBED" in request.selection or "SUBSCRIBED" in request.returns:
        subscribed = set(await session.front.mailbox.subscriptions(session.account_id))
    patterns = [Pattern(request.reference + p) for p in request.patterns]
    for name, mailbox, attributes, childinfo in _listed(tree, request, subscribed, patterns):
        line = b"LIST (" + " ".join(attributes).encode() + f') "{DELIMITER}" '.encode()
        line += session.name(name)
        if childinfo:
            line += b' ("CHILDINFO" ("SUBSCRIBED"))'
        session.out.untagged(line)
        if request.status and mailbox is not None:
            session.out.untagged(await _status_line(session, name, mailbox.folder, request.status))
        await session.out.maybe_flush()
    return None


def _listed(
    tree: MailboxTree, request: _ListRequest, subscribed: set[str], patterns: list[Pattern]
) -> list[tuple[str, Mailbox | None, list[str], bool]]:
    """(name, mailbox or None, attributes, CHILDINFO SUBSCRIBED) of each LIST response."""

    def matches(name: str) -> bool:
        return any(p.matches(name) for p in patterns)

    def attributes(mailbox: Mailbox) -> list[str]:
        out = mailbox.attributes()
        if mailbox.name in subscribed:
            out.append("\\Subscribed")
        return out

    out: list[tuple[str, Mailbox | None, list[str], bool]] = []
    if "SUBSCRIBED" not in request.selection:
        for mailbox in tree:
            if "SPECIAL-USE" in request.selection and mailbox.special_use is None:
                continue
            if matches(mailbox.name):
                out.append((mailbox.name, mailbox, attributes(mailbox), False))
        return out
    recursive = "RECURSIVEMATCH" in request.selection
    names = {m.name: m for m in tree}
    for name in sorted(subscribed):
        found = names.get(name)
        if not matches(name):
            continue
        if found is None:
            out.append((name, None, ["\\NonExistent", "\\Subscribed"], False))
        elif "SPECIAL-USE" not in request.selection or found.special_use:
            out.append((name, found, attributes(found), False))
    if recursive:
        listed = {entry[0] for entry in out}
        for mailbox in tree:
            if mailbox.name in listed or not matches(mailbox.name):
                continue
            prefix = mailbox.name + DELIMITER
            if any(s.startswith(prefix) for s in subscribed):
                out.append((mailbox.name, mailbox, attributes(mailbox), True))
    return out


async def lsub(session: Session, command: Command) -> str | None:
    arity(command.args, 2)
    reference = session.mailbox_arg(command.args[0])
    pattern = Pattern(reference + session.mailbox_arg(command.args[1]))
    tree = await session.tree()
    for name in await session.front.mailbox.subscriptions(session.account_id):
        if not pattern.matches(name):
            continue
        attributes = "" if tree.find(name) is not None else "\\Noselect"
        session.out.untagged(f'LSUB ({attributes}) "{DELIMITER}" '.encode() + session.name(name))
    return None
