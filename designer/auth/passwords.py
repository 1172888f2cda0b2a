"""Password hashing with Argon2id, a memory-hard function (RFC 9106).

Memory-hard means each guess costs tens of megabytes as well as time, which is what makes
guessing on graphics cards and custom chips expensive. argon2-cffi's defaults follow the RFC's
second recommended option; a hash made with older parameters is upgraded at the next sign-in.
"""

from __future__ import annotations

import functools

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 8
#: Longer passwords only slow hashing down; nobody types a kilobyte.
MAX_LENGTH = 1024

_hasher = PasswordHasher()


@functools.cache
def _dummy_hash() -> str:
    """Verified against when the account does not exist, so a wrong user name takes as long as
    a wrong password and the timing does not tell which names exist. Made on first use: a
    command that never checks a password does not pay for hashing one."""
    return _hasher.hash("a password nobody has")


class WeakPassword(ValueError):
    """A password the designer will not accept; the message says every reason (``problems``
    holds them one by one)."""

    def __init__(self, problems: list[str] | str) -> None:
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("; ".join(self.problems))


def new_password_problems(password: str, confirm: str | None = None) -> list[str]:
    """Everything wrong with a new password (and its confirmation), all at once; [] if none."""
    problems = []
    if confirm is not None and password != confirm:
        problems.append("the two passwords differ: type the same password twice")
    if len(password) < MIN_LENGTH:
        problems.append(f"a password needs at least {MIN_LENGTH} characters")
    elif len(password) > MAX_LENGTH:
        problems.append(f"a password can be at most {MAX_LENGTH} characters")
    elif not password.strip():
        problems.append("a password cannot be only spaces")
    return problems


def check_new_password(password: str, confirm: str | None = None) -> str:
    problems = new_password_problems(password, confirm)
    if problems:
        raise WeakPassword(problems)
    return password


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether ``password`` matches ``password_hash`` (always False when there is no hash)."""
    if len(password) > MAX_LENGTH:
        return False
    try:
        return _hasher.verify(password_hash or _dummy_hash(), password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)
