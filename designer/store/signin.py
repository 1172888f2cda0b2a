"""What signing in leaves in the database: sessions, failed attempts, OpenID logins under way.

Session tokens are random and only their SHA-256 is stored, so a copy of the database cannot be
used to sign in as anyone. The policy for how long to slow down someone who keeps guessing lives
in ``designer.auth``; this module only counts.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, delete, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col, select

from designer.store.access import Actor
from designer.store.accounts import AccountDisabled
from designer.store.audit import record
from designer.store.db import session_scope
from designer.store.tables import OidcLoginRow, SessionRow, SignInFailureRow, UserRow

#: Bytes of randomness in a session token (256 bits).
TOKEN_BYTES = 32
#: How long an OpenID Connect sign-in may take between the redirect and the callback.
PENDING_LOGIN_TTL = timedelta(minutes=10)
#: Failed sign-ins older than this are forgotten (a quiet day starts the count again).
FORGET_FAILURES_AFTER = timedelta(hours=24)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_session(engine: Engine, user_id: str, lifetime: timedelta) -> str:
    """Start a session for the user and return its token (for the cookie); notes the sign-in,
    and writes it to the audit log.

    ``AccountDisabled`` for an account an administrator disabled: whatever proved who the
    person is (a password, OpenID Connect), a disabled account gets no session.
    """
    token = secrets.token_urlsafe(TOKEN_BYTES)
    now = datetime.now(UTC)
    with session_scope(engine) as session:
        user = session.get(UserRow, user_id)
        if user is not None and user.disabled_at is not None:
            raise AccountDisabled(user.username)
        session.add(
            SessionRow(
                id=token_hash(token), user_id=user_id, created_at=now, expires_at=now + lifetime
            )
        )
        if user is not None:
            user.last_sign_in_at = now
            who = Actor(user.id, user.username, user.display_name, user.is_admin)
            record(session, who, "signed_in", "user", user.id, user.username, owner_id=user.id)
        # Expired sessions of anyone are swept now and then, rather than by a timer.
        session.exec(delete(SessionRow).where(col(SessionRow.expires_at) < now))
    return token


def actor_for_session(engine: Engine, token: str | None) -> Actor | None:
    """Who the session token belongs to, or None if it is unknown, expired or its account
    disabled (disabling ends sessions, but a session row that survived still opens nothing)."""
    if not token:
        return None
    with session_scope(engine) as session:
        row = session.exec(
            select(UserRow, SessionRow.expires_at)
            .join(SessionRow, col(SessionRow.user_id) == col(UserRow.id))
            .where(SessionRow.id == token_hash(token), col(UserRow.disabled_at).is_(None))
        ).first()
        if row is None or row[1] <= datetime.now(UTC):
            return None
        user = row[0]
        return Actor(
            id=user.id,
            username=user.username,
            display_name=user.display_name,
            is_admin=user.is_admin,
        )


def end_session(engine: Engine, token: str | None) -> None:
    if token:
        with session_scope(engine) as session:
            session.exec(delete(SessionRow).where(col(SessionRow.id) == token_hash(token)))


def record_failures(
    engine: Engine, keys: list[str], forget_after: timedelta = FORGET_FAILURES_AFTER
) -> dict[str, int]:
    """Count one more failed sign-in against each key; returns each key's count.

    One statement per key inserts or increments, so guesses arriving in parallel are each
    counted, and the first failures for a key at once do not collide on inserting its row. A
    count whose last failure is older than ``forget_after`` starts again from one, and such old
    rows of any key are swept, so the table holds only recent failures.
    """
    now = datetime.now(UTC)
    cutoff = now - forget_after
    with session_scope(engine) as session:
        session.exec(delete(SignInFailureRow).where(col(SignInFailureRow.last_failure_at) < cutoff))
        insert = postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert
        for key in keys:
            statement = insert(SignInFailureRow).values(key=key, failures=1, last_failure_at=now)
            session.exec(
                statement.on_conflict_do_update(
                    index_elements=[SignInFailureRow.key],
                    set_={"failures": col(SignInFailureRow.failures) + 1, "last_failure_at": now},
                )
            )
        rows = session.exec(
            select(SignInFailureRow.key, SignInFailureRow.failures).where(
                col(SignInFailureRow.key).in_(keys)
            )
        ).all()
    return dict(rows)


def failures(
    engine: Engine, keys: list[str], forget_after: timedelta = FORGET_FAILURES_AFTER
) -> dict[str, tuple[int, datetime]]:
    """Each key's failures in a row and when the latest happened; keys with none are left out
    (as are counts older than ``forget_after``)."""
    cutoff = datetime.now(UTC) - forget_after
    with session_scope(engine) as session:
        rows = session.exec(
            select(SignInFailureRow).where(
                col(SignInFailureRow.key).in_(keys),
                col(SignInFailureRow.last_failure_at) >= cutoff,
            )
        ).all()
    return {row.key: (row.failures, row.last_failure_at) for row in rows}


def clear_failures(engine: Engine, keys: list[str]) -> None:
    with session_scope(engine) as session:
        session.exec(delete(SignInFailureRow).where(col(SignInFailureRow.key).in_(keys)))


def clear_failures_of(engine: Engine, key: str, prefix: str) -> None:
    """Clear ``key`` and every key starting with ``prefix`` (an account's counts everywhere)."""
    like = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    with session_scope(engine) as session:
        session.exec(
            delete(SignInFailureRow).where(
                (col(SignInFailureRow.key) == key)
                | col(SignInFailureRow.key).like(like, escape="\\")
            )
        )


def forgive_failures(engine: Engine, key: str, shared_key: str) -> None:
    """Clear ``key``'s count and take as many failures off ``shared_key``'s (which counts
    ``key``'s failures among others'), removing it when nothing is left."""
    with session_scope(engine) as session:
        row = session.get(SignInFailureRow, key, with_for_update=True)
        if row is None:
            return
        forgiven = row.failures
        session.delete(row)
        session.exec(
            update(SignInFailureRow)
            .where(col(SignInFailureRow.key) == shared_key)
            .values(failures=col(SignInFailureRow.failures) - forgiven)
        )
        session.exec(
            delete(SignInFailureRow).where(
                col(SignInFailureRow.key) == shared_key, col(SignInFailureRow.failures) <= 0
            )
        )


def save_pending_login(engine: Engine, state: str, pending: str) -> None:
    now = datetime.now(UTC)
    with session_scope(engine) as session:
        session.exec(
            delete(OidcLoginRow).where(col(OidcLoginRow.created_at) < now - PENDING_LOGIN_TTL)
        )
        session.add(OidcLoginRow(state=state, pending=pending, created_at=now))


def take_pending_login(engine: Engine, state: str) -> str | None:
    """The pending login saved under ``state``, removed so it cannot be used twice."""
    with session_scope(engine) as session:
        row = session.get(OidcLoginRow, state)
        if row is None:
            return None
        session.delete(row)
        if row.created_at < datetime.now(UTC) - PENDING_LOGIN_TTL:
            return None
        return row.pending
