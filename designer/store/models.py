"""Who owns each deployed model's name, and who may see and ask each model.

A model's files live in the model folder (``blocks.runtime.model_registry``); its row here says
whose the name is and which flow deployed its latest version. The rules:

- The first person to deploy under a name owns it. The owner and site admins may deploy under
  it again (adding versions); anyone else is refused, told whose the name is.
- A model is seen and asked (listed, read, predicted) by its owner, by site admins, and by
  whoever may see the flow that deployed its latest version: sharing a model follows its flow's
  sharing (``access.flow_roles``). Once that flow is deleted, only the owner and admins see it.
- A name with no owner on record is *unowned*: a model deployed before models had owners (its
  folder exists but it has no row), one whose owner's account was removed, or one deployed from
  the command line without ``--as``. Only site admins see an unowned model, and only site admins
  (or the command line without ``--as``, which acts for the machine's operator) may deploy under
  its name; an admin who does becomes its owner.

The person deploying is an ``Actor``, or None for the command line acting without ``--as``: an
operator who can write the model folder anyway. An operator may deploy under any name nobody
owns, never under someone's.

Two people deploying the same new name at once both try to insert its row; the primary key lets
exactly one succeed, and the other is then judged against the row the winner wrote (on SQLite,
the second simply waits for the first: the write lock is taken before the row is read).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from designer.store.access import Actor, flow_roles
from designer.store.db import StoreError, session_scope
from designer.store.tables import DeployedModelRow, FlowRow, UserRow


@dataclass(frozen=True)
class ModelOwner:
    """Whose a model's name is, as the store records it."""

    name: str
    #: The owner's user id, username and display name; None and "" when the model is unowned.
    owner_id: str | None
    owner_username: str
    owner_name: str
    #: The flow that deployed its latest version (None once deleted, or from the command line).
    flow_id: str | None
    #: When the name was first claimed and last deployed under; None for a model deployed
    #: before models had owners.
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @property
    def owned(self) -> bool:
        return self.owner_id is not None


class ModelNameTaken(StoreError, PermissionError):
    """The name belongs to someone else (or to nobody, where only admins may deploy)."""

    def __init__(self, message: str, name: str, owner: ModelOwner) -> None:
        super().__init__(message)
        self.name, self.owner = name, owner


def unowned(name: str) -> ModelOwner:
    """A model deployed before models had owners: a folder with no row."""
    return ModelOwner(name, None, "", "", None)


def model_owner(engine: Engine, name: str) -> ModelOwner | None:
    """The row of ``name``, or None when nobody ever claimed it."""
    with session_scope(engine) as session:
        return _owner(session, name)


def deploy_refusal(
    engine: Engine, person: Actor | None, name: str, *, files_exist: bool
) -> str | None:
    """Why ``person`` may not deploy under ``name``, or None when they may (nothing written).

    ``files_exist`` says whether the model folder already holds a model of that name: one with
    no row was deployed before models had owners. This is the check made while a flow is
    edited; ``claim_model_name`` makes it again, for good, when the run is published.
    """
    with session_scope(engine) as session:
        found = _owner(session, name)
    if found is None:
        found = unowned(name) if files_exist else None
    return _refusal(person, name, found)


def claim_model_name(
    engine: Engine,
    person: Actor | None,
    name: str,
    *,
    flow_id: str | None = None,
    files_exist: bool = False,
) -> ModelOwner:
    """Record that ``person`` deploys a version of ``name`` (from ``flow_id``), if they may.

    A new name becomes ``person``'s; a name they (or, for an admin, anyone) own keeps its owner
    and now follows ``flow_id``'s sharing. Raises ``ModelNameTaken`` otherwise.
    """
    try:
        return _claim(engine, person, name, flow_id, files_exist)
    except IntegrityError:
        # Someone claimed the same new name at the same moment: judge again against their row.
        return _claim(engine, person, name, flow_id, files_exist)


def visible_models(engine: Engine, actor: Actor, names: Iterable[str]) -> dict[str, ModelOwner]:
    """Of the deployed ``names``, those ``actor`` may see and ask, with their owners.

    A name with no row is unowned (deployed before models had owners): admins only.
    """
    wanted = sorted(set(names))
    with session_scope(engine) as session:
        rows = _owners(session, wanted)
        if actor.is_admin:
            return {name: rows.get(name) or unowned(name) for name in wanted}
        flows = [r.flow_id for r in rows.values() if r.flow_id is not None]
        shared = _visible_flows(session, actor, flows)
    return {
        name: row
        for name, row in rows.items()
        if row.owner_id == actor.id or (row.flow_id is not None and row.flow_id in shared)
    }


def _claim(
    engine: Engine, person: Actor | None, name: str, flow_id: str | None, files_exist: bool
) -> ModelOwner:
    now = datetime.now(UTC)
    with session_scope(engine) as session:
        _write_lock_first(session)
        if flow_id is not None and session.get(FlowRow, flow_id) is None:
            flow_id = None  # deleted while it ran: the model follows no flow's sharing
        row = session.get(DeployedModelRow, name)
        found = _owner(session, name) if row is not None else unowned(name) if files_exist else None
        refusal = _refusal(person, name, found)
        if refusal is not None:
            assert found is not None
            raise ModelNameTaken(refusal, name, found)
        if row is None:
            row = DeployedModelRow(
                name=name,
                owner_id=person.id if person is not None else None,
                flow_id=flow_id,
                created_at=now,
                updated_at=now,
            )
            session.add(row)
            session.flush()  # a rival's row for the same new name fails here, not at commit
        else:
            if row.owner_id is None and person is not None:
                row.owner_id = person.id  # an admin takes an unowned name over
            if flow_id is not None:
                row.flow_id = flow_id
            row.updated_at = now
            session.add(row)
            session.flush()
        owner = _owner(session, name)
    assert owner is not None
    return owner


def _write_lock_first(session: Session) -> None:
    """On SQLite, take the write lock before reading, so the row read is still true when
    written (a read transaction that later writes after another writer would fail with
    "database is locked"). PostgreSQL needs nothing: a rival insert fails on the primary key.
    """
    connection = session.connection()
    if (
        connection.dialect.name == "sqlite"
        and not connection.connection.dbapi_connection.in_transaction
    ):
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def _refusal(person: Actor | None, name: str, found: ModelOwner | None) -> str | None:
    """The rule of who may deploy under a name, as the message for a refused person."""
    if found is None:
        return None  # a new name: whoever deploys first owns it
    if not found.owned:
        if person is None or person.is_admin:
            return None
        return (
            f"the model name {name!r} is taken by a model with no owner (deployed before models "
            "had owners, from the command line, or by an account since removed); choose another "
            "name, or ask a site admin to deploy under it"
        )
    if person is not None and (person.id == found.owner_id or person.is_admin):
        return None
    if person is None:
        return (
            f"the model name {name!r} belongs to {found.owner_name}; run the flow as its owner "
            f"(--as {found.owner_username}) or choose another name"
        )
    return (
        f"the model name {name!r} belongs to {found.owner_name}; choose another name for your "
        f"model, or ask {found.owner_name} or a site admin to deploy it"
    )


def _owner(session: Session, name: str) -> ModelOwner | None:
    return _owners(session, [name]).get(name)


def _owners(session: Session, names: list[str]) -> dict[str, ModelOwner]:
    if not names:
        return {}
    found = session.exec(
        select(DeployedModelRow, UserRow.username, UserRow.display_name)
        .join(UserRow, col(UserRow.id) == col(DeployedModelRow.owner_id), isouter=True)
        .where(col(DeployedModelRow.name).in_(names))
    ).all()
    return {
        row.name: ModelOwner(
            name=row.name,
            owner_id=row.owner_id,
            owner_username=username or "",
            owner_name=display_name or "",
            flow_id=row.flow_id,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )
        for row, username, display_name in found
    }


def _visible_flows(session: Session, actor: Actor, flow_ids: list[str]) -> set[str]:
    """The flows of ``flow_ids`` that ``actor`` has any role on."""
    if not flow_ids:
        return set()
    rows = session.exec(select(FlowRow).where(col(FlowRow.id).in_(set(flow_ids)))).all()
    return set(flow_roles(session, actor, rows))
