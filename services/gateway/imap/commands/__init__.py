"""Every IMAP command: its handler and the states it is valid in."""

from __future__ import annotations

from functools import partial

from services.gateway.imap import idle
from services.gateway.imap.commands import (
    append,
    auth,
    listing,
    mailboxes,
    quota,
    read,
    searching,
    store,
    transfer,
)
from services.gateway.imap.spec import (
    ANY,
    AUTHENTICATED,
    NOT_AUTHENTICATED,
    SELECTED,
    Spec,
    State,
)

COMMANDS: dict[str, Spec] = {
    # any state
    "CAPABILITY": Spec(auth.capability, ANY),
    "NOOP": Spec(auth.noop, ANY),
    "LOGOUT": Spec(auth.logout, ANY),
    "ID": Spec(auth.id_, ANY),
    # not authenticated
    "STARTTLS": Spec(auth.starttls, NOT_AUTHENTICATED),
    "LOGIN": Spec(auth.login, NOT_AUTHENTICATED),
    "AUTHENTICATE": Spec(auth.authenticate, NOT_AUTHENTICATED),
    # authenticated
    "ENABLE": Spec(auth.enable, AUTHENTICATED),
    "SELECT": Spec(mailboxes.select, AUTHENTICATED),
    "EXAMINE": Spec(mailboxes.examine, AUTHENTICATED),
    "CREATE": Spec(mailboxes.create, AUTHENTICATED),
    "DELETE": Spec(mailboxes.delete, AUTHENTICATED),
    "RENAME": Spec(mailboxes.rename, AUTHENTICATED),
    "SUBSCRIBE": Spec(mailboxes.subscribe, AUTHENTICATED),
    "UNSUBSCRIBE": Spec(mailboxes.unsubscribe, AUTHENTICATED),
    "LIST": Spec(listing.list_, AUTHENTICATED),
    "LSUB": Spec(listing.lsub, AUTHENTICATED),
    "STATUS": Spec(listing.status, AUTHENTICATED),
    "NAMESPACE": Spec(listing.namespace, AUTHENTICATED),
    "APPEND": Spec(append.append, AUTHENTICATED),
    "IDLE": Spec(idle.idle, AUTHENTICATED),
    "GETQUOTA": Spec(quota.getquota, AUTHENTICATED),
    "GETQUOTAROOT": Spec(quota.getquotaroot, AUTHENTICATED),
    "SETQUOTA": Spec(quota.setquota, AUTHENTICATED),
    # selected
    "CHECK": Spec(transfer.check, SELECTED),
    "CLOSE": Spec(transfer.close, SELECTED),
    "UNSELECT": Spec(transfer.unselect, SELECTED),
    "EXPUNGE": Spec(transfer.expunge, SELECTED),
    "SEARCH": Spec(searching.search, SELECTED, expunges=False),
    "FETCH": Spec(read.fetch, SELECTED, expunges=False),
    "STORE": Spec(store.store, SELECTED, expunges=False),
    "COPY": Spec(transfer.copy, SELECTED),
    "MOVE": Spec(transfer.move, SELECTED),
    "UID SEARCH": Spec(partial(searching.search, uid=True), SELECTED),
    "UID FETCH": Spec(partial(read.fetch, uid=True), SELECTED),
    "UID STORE": Spec(partial(store.store, uid=True), SELECTED),
    "UID COPY": Spec(partial(transfer.copy, uid=True), SELECTED),
    "UID MOVE": Spec(partial(transfer.move, uid=True), SELECTED),
    "UID EXPUNGE": Spec(transfer.uid_expunge, SELECTED),
}

__all__ = ["COMMANDS", "Spec", "State"]
