"""Administration commands: `bureau account …` (with aliases and sending rights) and
`bureau plan …`.

They open the mailbox store directly (the same adapter the services use), so they work
whether the services run or not.
"""

from __future__ import annotations

import argparse
import getpass
import re
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

from pydantic import ValidationError

from bureau.adapters import Adapters
from services.search.reindex import reindex_account
from shared.mail.addresses import InvalidAddress, normalize
from shared.model import Account, Plan
from shared.ports.directory import Directory
from shared.ports.mailbox import AccountExists, NotFound
from shared.runtime.passwords import hash_password_async
from shared.settings import CommonSettings

_UNITS = {"": 1, "B": 1, "K": 1024, "M": 1024**2, "G": 1024**3, "T": 1024**4}
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([KMGT]?)(?:I?B)?\s*$", re.IGNORECASE)


class Failure(Exception):
    """A command that cannot be done: its message is printed, its code returned."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


def parse_size(text: str) -> int:
    """`2GB`, `500M`, `1.5G`, `1024` → bytes (K, M, G, T are powers of 1024, as in Dovecot)."""
    match = _SIZE.match(text)
    if match is None:
        raise argparse.ArgumentTypeError(f"not a size: {text!r} (e.g. 2GB, 500MB)")
    return int(float(match.group(1)) * _UNITS[match.group(2).upper()])


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    account = commands.add_parser("account", help="manage accounts").add_subparsers(
        dest="action", required=True
    )
    create = account.add_parser("create", help="create an account and its system folders")
    create.add_argument("address")
    create.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    set_plan = account.add_parser("set-plan", help="put an account on a plan")
    set_plan.add_argument("address")
    set_plan.add_argument("plan", help="a plan name, or 'none' for no limits")
    alias = account.add_parser(
        "alias", help="other addresses that reach an account"
    ).add_subparsers(dest="alias_action", required=True)
    alias_add = alias.add_parser("add", help="give an account another address")
    alias_add.add_argument("address", help="the account")
    alias_add.add_argument("alias", help="the other address (its domain is then hosted)")
    alias_remove = alias.add_parser("remove", help="take an alias away")
    alias_remove.add_argument("address", help="the account")
    alias_remove.add_argument("alias")
    alias.add_parser("list", help="show an account's aliases").add_argument("address")
    external = account.add_parser(
        "external-senders", help="let an account send as addresses Bureau does not host"
    )
    external.add_argument("address")
    external.add_argument("allowed", choices=["on", "off"])
    block = account.add_parser(
        "block-submission", help="stop an account sending mail (SMTP submission and HTTP)"
    )
    block.add_argument("address")
    block.add_argument("--unblock", action="store_true", help="let the account send again")
    plan = commands.add_parser("plan", help="manage plans (limits)").add_subparsers(
        dest="action", required=True
    )
    plan_set = plan.add_parser("set", help="create or replace a plan")
    plan_set.add_argument("name")
    plan_set.add_argument("--storage", type=parse_size, help="mailbox size, e.g. 2GB")
    plan_set.add_argument("--messages-per-day", type=int, help="messages sent per day")
    plan_set.add_argument("--recipients-per-message", type=int)
    plan_set.add_argument("--lists", type=int, help="contact lists")
    plan_set.add_argument(
        "--sms-credit", type=int, help="SMS parts per calendar month (notifications and SMS sent)"
    )
    signature = plan_set.add_mutually_exclusive_group()
    signature.add_argument(
        "--signature", help="text appended to every message sent (users cannot remove it)"
    )
    signature.add_argument(
        "--signature-file", type=Path, metavar="PATH", help="the signature, from a UTF-8 file"
    )
    plan.add_parser("list", help="show the plans")
    search = commands.add_parser("search", help="manage the search index").add_subparsers(
        dest="action", required=True
    )
    reindex = search.add_parser("reindex", help="rebuild the index from the mailbox store")
    reindex.add_argument("address", nargs="?", help="only this account (default: every one)")


Command = Callable[[Adapters, argparse.Namespace], Awaitable[str]]


async def run(settings: CommonSettings, args: argparse.Namespace) -> int:
    commands: dict[tuple[str, str], Command] = {
        ("account", "create"): _account_create,
        ("account", "set-plan"): _account_set_plan,
        ("account", "alias"): _account_alias,
        ("account", "external-senders"): _account_external_senders,
        ("account", "block-submission"): _account_block_submission,
        ("plan", "set"): _plan_set,
        ("plan", "list"): _plan_list,
        ("search", "reindex"): _search_reindex,
    }
    command = commands[(args.command, args.action)]
    if args.command == "account" and args.action == "create":
        try:
            args.password = _read_password(args.password_stdin)
        except Failure as exc:
            print(f"bureau: {exc}", file=sys.stderr)
            return exc.code
    print(f"bureau: {where(settings)}", file=sys.stderr)
    adapters = Adapters(settings)
    try:
        print(await command(adapters, args))
    except Failure as exc:
        print(f"bureau: {exc}", file=sys.stderr)
        return exc.code
    finally:
        await adapters.close()
    return 0


def where(settings: CommonSettings) -> str:
    """Which data a command works on, said on every run: a command started from another
    directory than `bureau run`, without its BUREAU_DATA_DIR, would otherwise quietly
    work on a data directory of its own."""
    if settings.mongodb_uri is not None:
        return f"MongoDB database {settings.mongodb_database!r}"
    data_dir = settings.data_dir.resolve()
    if settings.mailbox_db.exists():
        return f"data directory {data_dir}"
    return (
        f"data directory {data_dir} (new: no mailboxes there yet; a `bureau run` with"
        " another BUREAU_DATA_DIR will not see what this command does)"
    )


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass.getpass("Password: ")
        if getpass.getpass("Again: ") != password:
            raise Failure("the passwords differ", 2)
    if len(password) < 8:
        raise Failure("the password needs at least 8 characters", 2)
    return password


def _address(text: str) -> str:
    try:
        return normalize(text)
    except InvalidAddress as exc:
        raise Failure(str(exc), 2) from exc


async def _account_create(adapters: Adapters, args: argparse.Namespace) -> str:
    mailbox = await adapters.mailbox()
    address = _address(args.address)
    try:
        account = await mailbox.create_account(address, await hash_password_async(args.password))
    except AccountExists:
        raise Failure(f"{address} already exists") from None
    return f"Created {account.address} (id {account.id})."


async def _account_of(mailbox: Directory, text: str) -> Account:
    """The account whose own address is `text` (an alias does not name an account here)."""
    address = _address(text)
    account = await mailbox.account_by_address(address)
    if account is None or account.address != address:
        raise Failure(f"no account {address}")
    return account


async def _account_set_plan(adapters: Adapters, args: argparse.Namespace) -> str:
    mailbox = await adapters.mailbox()
    account = await _account_of(mailbox, args.address)
    plan = None if args.plan.lower() == "none" else args.plan
    try:
        await mailbox.assign_plan(account.id, plan)
    except NotFound:
        raise Failure(f"no plan named {args.plan!r} (see `bureau plan list`)") from None
    return f"{account.address} is now on {plan or 'no plan'}."


async def _account_alias(adapters: Adapters, args: argparse.Namespace) -> str:
    mailbox = await adapters.mailbox()
    account = await _account_of(mailbox, args.address)
    if args.alias_action == "list":
        aliases = await mailbox.aliases(account.id)
        return "\n".join(aliases) or f"{account.address} has no aliases."
    alias = _address(args.alias)
    if args.alias_action == "add":
        try:
            await mailbox.add_alias(account.id, alias)
        except AccountExists:
            raise Failure(f"{alias} is already an account or an alias") from None
        return f"{alias} now reaches {account.address}."
    try:
        await mailbox.remove_alias(account.id, alias)
    except NotFound:
        raise Failure(f"{alias} is not an alias of {account.address}") from None
    return f"{alias} no longer reaches {account.address}."


async def _account_external_senders(adapters: Adapters, args: argparse.Namespace) -> str:
    mailbox = await adapters.mailbox()
    account = await _account_of(mailbox, args.address)
    allowed = args.allowed == "on"
    await mailbox.set_external_senders(account.id, allowed)
    if allowed:
        return f"{account.address} may now send as addresses Bureau does not host."
    return f"{account.address} may send only as addresses Bureau hosts."


async def _account_block_submission(adapters: Adapters, args: argparse.Namespace) -> str:
    mailbox = await adapters.mailbox()
    account = await _account_of(mailbox, args.address)
    await mailbox.set_submission_blocked(account.id, not args.unblock)
    if args.unblock:
        return f"{account.address} may send mail again."
    return f"{account.address} may no longer send mail."


def _signature(args: argparse.Namespace) -> str:
    if args.signature_file is None:
        return str(args.signature or "")
    try:
        text: str = args.signature_file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise Failure(f"cannot read the signature: {exc}", 2) from exc
    return text.rstrip("\r\n")


async def _plan_set(adapters: Adapters, args: argparse.Namespace) -> str:
    mailbox = await adapters.mailbox()
    try:
        plan = Plan(
            name=args.name,
            storage_bytes=args.storage,
            messages_per_day=args.messages_per_day,
            recipients_per_message=args.recipients_per_message,
            lists=args.lists,
            sms_credit=args.sms_credit,
            signature=_signature(args),
        )
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise Failure(f"invalid plan: {problems}", 2) from None
    plan = await mailbox.set_plan(plan)
    return f"Plan {plan.name}: {_describe(plan)}."


async def _plan_list(adapters: Adapters, args: argparse.Namespace) -> str:
    mailbox = await adapters.mailbox()
    plans = await mailbox.plans()
    return "\n".join(f"{p.name}: {_describe(p)}" for p in plans) or "No plans."


def _describe(plan: Plan) -> str:
    limits = {
        "storage": _human(plan.storage_bytes),
        "messages/day": plan.messages_per_day,
        "recipients/message": plan.recipients_per_message,
        "lists": plan.lists,
        "SMS credit": plan.sms_credit,
    }
    described = ", ".join(f"{k} {'unlimited' if v is None else v}" for k, v in limits.items())
    if plan.signature:
        described += f", signature of {len(plan.signature)} characters"
    return described


def _human(size: int | None) -> str | None:
    if size is None:
        return None
    for unit in ("TB", "GB", "MB", "KB"):
        factor = _UNITS[unit[0]]
        if size >= factor and size % factor == 0:
            return f"{size // factor}{unit}"
    return f"{size}B"


async def _search_reindex(adapters: Adapters, args: argparse.Namespace) -> str:
    mailbox = await adapters.mailbox()
    if args.address:
        account = await mailbox.account_by_address(_address(args.address))
        if account is None:
            raise Failure(f"no account {args.address}")
        accounts = [account]
    else:
        accounts, after = [], None
        while page := await mailbox.accounts(after=after):
            accounts += page
            after = page[-1].id
    index, blobs = await adapters.index(), await adapters.blobs()
    total = 0
    for account in accounts:
        total += await reindex_account(account, mailbox=mailbox, index=index, blobs=blobs)
    return f"Indexed {total} messages of {len(accounts)} account(s)."
