"""``designer users ...``: accounts from the command line, for an operator without a browser or
after an incident (the first admin, a forgotten password, someone who must be shut out now).

The subcommands are declared here; what they do is in ``users_actions``, imported when one
runs, so other commands never load password hashing and the account store.
"""

from __future__ import annotations

import argparse
from typing import Any


def add_parsers(sub: Any) -> None:
    p = sub.add_parser("users", help="add, list, disable and enable accounts; reset passwords")
    actions = p.add_subparsers(dest="action", required=True, metavar="ACTION")

    a = actions.add_parser("add", help="create an account that signs in with a password")
    a.add_argument("name", help="user name: what the person types to sign in")
    a.add_argument("--admin", action="store_true", help="make the account an administrator")
    a.add_argument("--display-name", default="", metavar="TEXT", help="the name shown to others")
    _password_option(a)

    a = actions.add_parser("list", help="every account: admin, disabled, last sign-in")
    a.add_argument("--json", action="store_true")

    a = actions.add_parser(
        "reset-password", help="give someone a new password (ends their sessions)"
    )
    a.add_argument("name")
    _password_option(a)

    a = actions.add_parser("disable", help="stop someone signing in and end their sessions now")
    a.add_argument("name")

    a = actions.add_parser("enable", help="let a disabled account sign in again")
    a.add_argument("name")

    a = actions.add_parser("admin", help="make someone an administrator (--on) or not (--off)")
    a.add_argument("name")
    choice = a.add_mutually_exclusive_group(required=True)
    choice.add_argument("--on", dest="admin", action="store_true")
    choice.add_argument("--off", dest="admin", action="store_false")
    p.set_defaults(handler=cmd_users)


def _password_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from standard input: the same password on two lines",
    )


def cmd_users(args: argparse.Namespace) -> int:
    from designer.cli.users_actions import run_action

    return run_action(args)
