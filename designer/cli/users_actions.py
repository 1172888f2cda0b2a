"""What ``designer users ...`` does (its subcommands are declared in ``designer.cli.users``).

A password is never an argument (it would stay in the shell's history and show in ``ps``): it
is asked twice at a terminal, or read from standard input with ``--password-stdin``, the same
password on each of the first two lines. It must pass the sign-up form's rules. The store
decides everything else (names, the last admin), as it does for the web app.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from designer.auth.passwords import WeakPassword, check_new_password, hash_password
from designer.auth.signin import forget_failures
from designer.cli.common import REFUSED, UNAVAILABLE, UsageError, print_json
from designer.settings import load_settings
from designer.store import accounts
from designer.store.accounts import AccountInfo, InvalidAccount, LastAdmin, UserNotFound
from designer.store.db import StoreError, engine_for

#: What the store or the password rules refuse: the command exits 1 and says why.
_REFUSALS = (InvalidAccount, UserNotFound, LastAdmin, WeakPassword)


def run_action(args: argparse.Namespace) -> int:
    """Run the action; refusals exit 1, an unreachable database 3 (usage errors are main's)."""
    try:
        return _ACTIONS[args.action](args)
    except _REFUSALS as exc:
        print(f"designer: {exc}", file=sys.stderr)
        return REFUSED
    except StoreError as exc:  # unreachable, or a database URL that cannot be used
        print(f"designer: {exc}", file=sys.stderr)
        return UNAVAILABLE


def _add(args: argparse.Namespace) -> int:
    engine = _engine()
    name = accounts.normalize_username(args.name)
    if accounts.credentials(engine, name) is not None:  # say so before asking for a password
        raise accounts.UsernameTaken(name)
    password_hash = hash_password(_new_password(args))
    actor = accounts.create_user(
        engine, name, args.display_name, password_hash=password_hash, admin=args.admin
    )
    role = ""
    if actor.is_admin:
        role = " (an administrator)" if args.admin else " (an administrator: the first account)"
    print(f"created the account {actor.username!r}{role}; it can sign in now")
    return 0


def _list(args: argparse.Namespace) -> int:
    found = accounts.list_users(_engine())
    if args.json:
        print_json([_as_json(info) for info in found])
        return 0
    if not found:
        print(
            "no accounts yet; make the first with: designer users add NAME --admin", file=sys.stderr
        )
        return 0
    rows = [("USER", "NAME", "ADMIN", "DISABLED", "LAST SIGN-IN", "SIGNS IN WITH")]
    rows += [
        (
            info.username,
            info.display_name,
            "yes" if info.is_admin else "no",
            _when(info.disabled_at, "no"),
            _when(info.last_sign_in_at, "never"),
            " and ".join(info.sign_in_methods) or "nothing yet",
        )
        for info in found
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print(
            "  ".join(text.ljust(width) for text, width in zip(row, widths, strict=True)).rstrip()
        )
    return 0


def _reset_password(args: argparse.Namespace) -> int:
    engine = _engine()
    actor = accounts.actor_named(engine, args.name)  # an unknown name is said before the prompt
    accounts.reset_password(engine, actor.username, hash_password(_new_password(args)))
    forget_failures(engine, actor.username)
    print(f"set a new password for {actor.username!r}; their sessions were ended")
    return 0


def _disable(args: argparse.Namespace) -> int:
    actor = accounts.disable_user(_engine(), args.name)
    print(f"disabled {actor.username!r}: they cannot sign in, and their sessions were ended")
    return 0


def _enable(args: argparse.Namespace) -> int:
    engine = _engine()
    actor = accounts.enable_user(engine, args.name)
    forget_failures(engine, actor.username)
    print(f"enabled {actor.username!r}: they can sign in again")
    return 0


def _admin(args: argparse.Namespace) -> int:
    actor = accounts.set_admin(_engine(), args.name, args.admin)
    state = "now an administrator" if actor.is_admin else "no longer an administrator"
    print(f"{actor.username!r} is {state}")
    return 0


_ACTIONS: dict[str, Callable[[argparse.Namespace], int]] = {
    "add": _add,
    "list": _list,
    "reset-password": _reset_password,
    "disable": _disable,
    "enable": _enable,
    "admin": _admin,
}


def _engine() -> Any:
    return engine_for(load_settings().database_url)


def _new_password(args: argparse.Namespace) -> str:
    """The new password, typed twice, checked by the sign-up form's rules."""
    if args.password_stdin:
        first, second = _two_lines()
    elif sys.stdin is not None and sys.stdin.isatty():
        try:
            first = getpass.getpass("New password: ")
            second = getpass.getpass("The same password again: ")
        except EOFError as exc:
            raise UsageError("no password was typed; nothing was changed") from exc
    else:
        raise UsageError(
            "standard input is not a terminal, so the password cannot be asked for: pass "
            "--password-stdin and write the password twice, one per line"
        )
    return check_new_password(first, second)


def _two_lines() -> tuple[str, str]:
    """The first two lines of standard input, without their line ends."""
    lines = [sys.stdin.readline() for _ in range(2)]
    if not lines[1]:  # readline gives "" only at the end of the input
        raise UsageError(
            "--password-stdin reads the password twice, one per line; standard input held "
            f"{'only one line' if lines[0] else 'nothing'}; nothing was changed"
        )
    first, second = (line.removesuffix("\n").removesuffix("\r") for line in lines)
    return first, second


def _when(moment: datetime | None, otherwise: str) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if moment else otherwise


def _as_json(info: AccountInfo) -> dict[str, Any]:
    return {
        "username": info.username,
        "display_name": info.display_name,
        "is_admin": info.is_admin,
        "disabled": info.disabled_at is not None,
        "disabled_at": info.disabled_at.isoformat() if info.disabled_at else None,
        "last_sign_in_at": info.last_sign_in_at.isoformat() if info.last_sign_in_at else None,
        "sign_in_methods": list(info.sign_in_methods),
    }
