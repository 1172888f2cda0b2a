"""Who may start a local run from the editor: DESIGNER_LOCAL_RUNS and the sandbox decide.

The editor's run handler asks ``_version_to_run`` before it saves or compiles anything; a
refusal names the setting an administrator can change, and the flow is left as it was.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from designer.flow.document import Flow
from designer.store import versions
from designer.store.access import Actor, NotAllowed
from designer.store.accounts import create_user
from designer.store.db import engine_for
from designer.store.flows import create_flow
from designer.ui.editor.run_state import _version_to_run
from tests.fixtures.flow_files import fixture_flow

#: (DESIGNER_SANDBOX, DESIGNER_LOCAL_RUNS, may the admin run, may a member run)
POLICIES = {
    "no sandbox, several accounts: admins only": ("off", "auto", True, False),
    "no sandbox, everyone allowed by the admin": ("off", "everyone", True, True),
    "admins only, said outright": ("auto", "admins", True, False),
    "nobody runs here": ("off", "nobody", False, False),
}


@pytest.mark.parametrize(
    ("sandbox", "policy", "admin_may", "member_may"), POLICIES.values(), ids=POLICIES.keys()
)
def test_local_runs_follow_the_administrators_setting(
    designer_home: Path,
    monkeypatch: pytest.MonkeyPatch,
    sandbox: str,
    policy: str,
    admin_may: bool,
    member_may: bool,
) -> None:
    url = f"sqlite:///{designer_home / 'designer.db'}"
    for name, value in (
        ("DESIGNER_DATABASE_URL", url),
        ("DESIGNER_SANDBOX", sandbox),
        ("DESIGNER_LOCAL_RUNS", policy),
    ):
        monkeypatch.setenv(name, value)
    engine = engine_for(url)
    admin = create_user(engine, "root", password_hash=None)
    member = create_user(engine, "bob", password_hash=None)
    assert admin.is_admin and not member.is_admin

    for person, may in ((admin, admin_may), (member, member_may)):
        _try_to_run(engine, person, may)


def _try_to_run(engine: Engine, person: Actor, may: bool) -> None:
    flow = Flow.model_validate(fixture_flow("iris_classification"))
    stored = create_flow(engine, person, flow)
    edited = flow.model_copy(update={"description": "edited on the canvas"})
    if may:
        assert _version_to_run(person, stored.id, edited, 1, False) == 2  # saved, then run
        return
    with pytest.raises(NotAllowed, match="DESIGNER_LOCAL_RUNS"):
        _version_to_run(person, stored.id, edited, 1, False)
    history = versions.list_versions(engine, person, stored.id)
    assert [v.number for v in history] == [1]  # nothing saved for a run that was refused
