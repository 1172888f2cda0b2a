"""People: create accounts, find them to sign in or to share with, link OpenID identities,
and the administration of accounts (disable, enable, reset a password, make an admin).

Passwords arrive here already hashed (``designer.auth.passwords``); the store never sees one in
the clear. The first account ever created becomes an admin and adopts the flows made before
accounts existed, so an upgraded installation loses nobody's work.

Who is an admin is decided by counting (no accounts yet: this one is the first; one admin left:
it cannot be disabled). A count is only true until someone else writes, so every decision of
that kind holds a database-wide lock from the count to the commit (``_admins_decided_alone``):
twenty people signing up at once on an empty database make exactly one admin.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine, delete, func, text, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from designer.store.access import Actor, signed_in
from designer.store.db import StoreError, session_scope
from designer.store.flows import is_plain_line
from designer.store.tables import FlowRow, SessionRow, UserRow

USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{1,62}[a-z0-9]$")
MAX_DISPLAY_NAME = 200
#: A PostgreSQL advisory lock key (next to the migrations' one), held while a transaction
#: decides who the admins are.
_ADMINS_LOCK = 8_120_417_264


class InvalidAccount(StoreError, ValueError):
    """A user name, display name or e-mail that cannot be used; the message says why."""


class UsernameTaken(InvalidAccount):
    def __init__(self, username: str) -> None:
        super().__init__(f"the user name {username!r} is taken: choose another")
        self.username = username


class UserNotFound(StoreError, LookupError):
    def __init__(self, username: str) -> None:
        super().__init__(f"nobody has the user name {username!r}")
        self.username = username


class AccountDisabled(StoreError, PermissionError):
    """The account exists but an administrator disabled it: it cannot sign in."""

    def __init__(self, username: str) -> None:
        super().__init__("this account is disabled; ask an administrator to enable it again")
        self.username = username


class LastAdmin(StoreError):
    """The change would leave nobody who can sign in as an administrator."""

    def __init__(self, username: str, change: str) -> None:
        super().__init__(
            f"{username!r} is the last administrator who can sign in, so they cannot be "
            f"{change}: make someone else an administrator first (designer users admin NAME "
            "--on), then try again"
        )
        self.username = username


@dataclass(frozen=True)
class UserSummary:
    id: str
    username: str
    display_name: str


def normalize_username(username: str) -> str:
    """``username`` in lower case, if it can be one; otherwise ``InvalidAccount`` saying why."""
    name = username.strip().lower()
    if not USERNAME_PATTERN.fullmatch(name):
        raise InvalidAccount(
            "a user name is 3 to 64 characters: letters, digits, dots, dashes and underscores, "
            f"starting and ending with a letter or digit; {username!r} is not one"
        )
    return name


def create_user(
    engine: Engine,
    username: str,
    display_name: str = "",
    *,
    password_hash: str | None = None,
    email: str | None = None,
    oidc_identity: tuple[str, str] | None = None,
    admin: bool = False,
) -> Actor:
    """Create an account; the very first one is an admin and adopts flows without an owner.

    ``admin`` makes any account an admin (the command line's ``users add --admin``).
    """
    name = normalize_username(username)
    shown = _display_name(display_name or name)
    row = UserRow(
        id=uuid.uuid4().hex,
        username=name,
        display_name=shown,
        email=(email or None),
        password_hash=password_hash,
        oidc_issuer=oidc_identity[0] if oidc_identity else None,
        oidc_subject=oidc_identity[1] if oidc_identity else None,
        created_at=datetime.now(UTC),
    )
    try:
        with session_scope(engine) as session:
            _admins_decided_alone(session)
            first = session.exec(select(func.count()).select_from(UserRow)).one() == 0
            row.is_admin = admin or first
            session.add(row)
            session.flush()
            if first:
                session.exec(
                    update(FlowRow).where(col(FlowRow.owner_id).is_(None)).values(owner_id=row.id)
                )
    except IntegrityError as exc:
        if _taken(engine, name):
            raise UsernameTaken(name) from exc
        raise
    return _actor(row)


def credentials(engine: Engine, username: str) -> tuple[Actor, str | None] | None:
    """The account named ``username`` and its password hash, or None if there is none."""
    name = username.strip().lower()
    if not USERNAME_PATTERN.fullmatch(name):
        return None  # cannot be anyone's name (and a NUL would not even reach PostgreSQL)
    with session_scope(engine) as session:
        row = session.exec(select(UserRow).where(UserRow.username == name)).first()
        return (_actor(row), row.password_hash) if row is not None else None


def set_password_hash(engine: Engine, user_id: str, password_hash: str) -> None:
    with session_scope(engine) as session:
        session.exec(
            update(UserRow).where(col(UserRow.id) == user_id).values(password_hash=password_hash)
        )


def user_for_oidc(
    engine: Engine,
    issuer: str,
    subject: str,
    *,
    username_hint: str | None,
    display_name: str | None,
    email: str | None,
) -> Actor:
    """The account linked to this OpenID identity, created on its first sign-in.

    The new account's user name comes from the provider's preferred user name or e-mail,
    made valid and unique ("ada", "ada-2"...); it never takes over an existing local account.
    """
    with session_scope(engine) as session:
        row = session.exec(
            select(UserRow).where(UserRow.oidc_issuer == issuer, UserRow.oidc_subject == subject)
        ).first()
        if row is not None:
            return _actor(row)
    base = _username_from(username_hint or (email or "").split("@")[0] or "user")
    # What the provider calls the person, made fit to show; it cannot stop them signing in.
    plain = "".join(char if is_plain_line(char) else " " for char in display_name or "")
    shown = " ".join(plain.split())[:MAX_DISPLAY_NAME].strip()
    for attempt in range(1, 50):
        candidate = base if attempt == 1 else f"{base[:58]}-{attempt}"
        if _taken(engine, candidate):
            continue
        try:
            return create_user(
                engine,
                candidate,
                shown or candidate,
                email=email,
                oidc_identity=(issuer, subject),
            )
        except UsernameTaken:
            continue  # someone took it between the check and the insert
        except IntegrityError:  # the same identity signed in twice at once
            return user_for_oidc(
                engine, issuer, subject, username_hint=None, display_name=None, email=None
            )
    raise InvalidAccount(f"could not find a free user name starting with {base!r}")


def count_accounts(engine: Engine) -> int:
    """How many accounts the designer has (disabled ones included)."""
    with session_scope(engine) as session:
        return session.exec(select(func.count()).select_from(UserRow)).one()


def get_actor(engine: Engine, user_id: str) -> Actor | None:
    with session_scope(engine) as session:
        row = session.get(UserRow, user_id)
        return _actor(row) if row is not None else None


def actor_named(engine: Engine, username: str) -> Actor:
    """The person called ``username``, to act as them (the command line's ``--as``)."""
    with session_scope(engine) as session:
        return _actor(user_by_name(session, username))


def find_users(
    engine: Engine, actor: Actor | None, query: str, limit: int = 8
) -> list[UserSummary]:
    """People whose user name or display name starts with ``query``, to share with them."""
    signed_in(actor)
    text = query.strip().lower()
    if not text:
        return []
    with session_scope(engine) as session:
        rows = session.exec(
            select(UserRow.id, UserRow.username, UserRow.display_name)
            .where(
                col(UserRow.username).startswith(text, autoescape=True)
                | func.lower(UserRow.display_name).startswith(text, autoescape=True)
            )
            .order_by(col(UserRow.username))
            .limit(limit)
        ).all()
    return [UserSummary(*row) for row in rows]


def user_by_name(session: Session, username: str) -> UserRow:
    if not USERNAME_PATTERN.fullmatch(username.strip().lower()):
        raise UserNotFound(username.strip())
    row = session.exec(select(UserRow).where(UserRow.username == username.strip().lower())).first()
    if row is None:
        raise UserNotFound(username.strip())
    return row


# --- administration (the command line's ``designer users``) ---------------------------------


@dataclass(frozen=True)
class AccountInfo:
    """An account as an administrator sees it in ``designer users list``."""

    username: str
    display_name: str
    is_admin: bool
    disabled_at: datetime | None
    last_sign_in_at: datetime | None
    #: How the person signs in: "password", "single sign-on", both, or neither (yet).
    sign_in_methods: tuple[str, ...]


def list_users(engine: Engine) -> list[AccountInfo]:
    """Every account, by user name (for administrators; the store does not check who asks)."""
    with session_scope(engine) as session:
        rows = session.exec(select(UserRow).order_by(col(UserRow.username))).all()
    return [
        AccountInfo(
            username=row.username,
            display_name=row.display_name,
            is_admin=row.is_admin,
            disabled_at=row.disabled_at,
            last_sign_in_at=row.last_sign_in_at,
            sign_in_methods=tuple(
                method
                for method, has in (
                    ("password", row.password_hash is not None),
                    ("single sign-on", row.oidc_subject is not None),
                )
                if has
            ),
        )
        for row in rows
    ]


def disable_user(engine: Engine, username: str) -> Actor:
    """Stop ``username`` signing in and end their sessions now; their work stays as it is.

    Refused (``LastAdmin``) for the last admin who can still sign in: nobody could enable
    anyone again from the web app.
    """
    with session_scope(engine) as session:
        _admins_decided_alone(session)
        row = user_by_name(session, username)
        if row.is_admin and row.disabled_at is None and _admins_left(session) <= 1:
            raise LastAdmin(row.username, "disabled")
        if row.disabled_at is None:
            row.disabled_at = datetime.now(UTC)
        _end_sessions(session, row.id)
        return _actor(row)


def enable_user(engine: Engine, username: str) -> Actor:
    """Let a disabled account sign in again (it starts with no session)."""
    with session_scope(engine) as session:
        row = user_by_name(session, username)
        row.disabled_at = None
        return _actor(row)


def set_admin(engine: Engine, username: str, is_admin: bool) -> Actor:
    """Make ``username`` an admin or an ordinary account; the last admin stays one."""
    with session_scope(engine) as session:
        _admins_decided_alone(session)
        row = user_by_name(session, username)
        if row.is_admin and not is_admin and row.disabled_at is None and _admins_left(session) <= 1:
            raise LastAdmin(row.username, "made an ordinary account")
        row.is_admin = is_admin
        return _actor(row)


def reset_password(engine: Engine, username: str, password_hash: str) -> Actor:
    """Give ``username`` a new password and end their sessions (whoever had one is out)."""
    with session_scope(engine) as session:
        row = user_by_name(session, username)
        row.password_hash = password_hash
        _end_sessions(session, row.id)
        return _actor(row)


def _admins_decided_alone(session: Session) -> None:
    """Make this transaction the only one, until it ends, deciding anything about admins.

    PostgreSQL: a transaction-scoped advisory lock; other transactions taking it wait. SQLite:
    the write lock is taken before the first read (``BEGIN IMMEDIATE``), so the count read next
    is still true when the row is written; other writers wait for the busy timeout (see
    ``designer.store.db``) rather than fail.
    """
    connection = session.connection()
    dialect = connection.dialect.name
    if dialect == "postgresql":
        connection.execute(text(f"SELECT pg_advisory_xact_lock({_ADMINS_LOCK})"))
    elif dialect == "sqlite" and not connection.connection.dbapi_connection.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def _admins_left(session: Session) -> int:
    """Admins who can sign in."""
    return session.exec(
        select(func.count())
        .select_from(UserRow)
        .where(col(UserRow.is_admin), col(UserRow.disabled_at).is_(None))
    ).one()


def _end_sessions(session: Session, user_id: str) -> None:
    session.exec(delete(SessionRow).where(col(SessionRow.user_id) == user_id))


def _taken(engine: Engine, username: str) -> bool:
    with session_scope(engine) as session:
        return (
            session.exec(select(UserRow.id).where(UserRow.username == username)).first() is not None
        )


def _display_name(name: str) -> str:
    shown = " ".join(name.split())
    if not is_plain_line(shown):
        raise InvalidAccount("a display name is one line of plain text, without control characters")
    if not shown:
        raise InvalidAccount("a display name cannot be blank")
    if len(shown) > MAX_DISPLAY_NAME:
        raise InvalidAccount(f"a display name can be at most {MAX_DISPLAY_NAME} characters")
    return shown


def _username_from(hint: str) -> str:
    name = re.sub(r"[^a-z0-9._-]+", "-", hint.strip().lower())[:64].strip("._-")
    while len(name) < 3:
        name += "0"
    return name


def _actor(row: UserRow) -> Actor:
    return Actor(
        id=row.id, username=row.username, display_name=row.display_name, is_admin=row.is_admin
    )
