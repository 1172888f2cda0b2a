"""The audit page's state: the filters typed turned into the store's, each button's handler,
paging, and who reads what. Real SQLite store, states built as a page load does it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from reflex.state import State

from designer.api.session import SESSION_COOKIE
from designer.settings import load_settings
from designer.store import engine_for
from designer.store.accounts import create_user
from designer.store.audit import AuditEvent, AuditFilter, record_event
from designer.store.signin import create_session
from designer.ui.audit import state as audit_state
from designer.ui.audit.state import ANY, AuditState, audit_filter, event_row
from tests.fixtures.threads import run_coroutine


@dataclass
class Site:
    admin_token: str
    ann_token: str


@pytest.fixture
def site(monkeypatch: pytest.MonkeyPatch) -> Iterator[Site]:
    """An admin and Ann; Ann's flow shared three times and one of Bob's (each a signed-in
    event too)."""
    monkeypatch.setattr(audit_state, "PAGE", 2)
    engine = engine_for(load_settings().database_url)
    admin = create_user(engine, "admin", "Admin")
    ann, bob = create_user(engine, "ann", "Ann"), create_user(engine, "bob", "Bob")
    for number in range(3):
        record_event(
            engine, ann, "shared", "flow", "f1", "Churn", owner_id=ann.id, detail={"n": number}
        )
    record_event(engine, bob, "deleted", "flow", "f2", "Bob's", owner_id=bob.id)
    admin_token = create_session(engine, admin.id, timedelta(hours=1))
    ann_token = create_session(engine, ann.id, timedelta(hours=1))
    yield Site(admin_token, ann_token)


def loaded_page(token: str | None) -> Any:
    """The audit page's state after its load, as ``token``'s holder."""
    root = State(_reflex_internal_init=True)
    cookie = f"{SESSION_COOKIE}={token}" if token else ""
    router = {
        "pathname": "/audit",
        "asPath": "/audit",
        "query": {},
        "token": "tab",
        "sid": "tab",
        "headers": {"cookie": cookie, "origin": "http://127.0.0.1:3000"},
    }
    root.router_data = root._update_router_vars(router, {})
    state = root.get_substate(AuditState.get_full_name().split("."))
    run_coroutine(AuditState.load.fn(state))
    return state


def shown(page: Any) -> list[tuple[str, str]]:
    return [(row["who"], row["action"]) for row in page.events]


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        (("", ANY, ANY, "", ""), AuditFilter()),
        ((" ann ", "shared", "flow", "", ""), AuditFilter("ann", "shared", "flow")),
        (
            ("", ANY, ANY, "2026-03-01", "2026-03-02"),
            AuditFilter(
                since=datetime(2026, 3, 1, tzinfo=UTC), until=datetime(2026, 3, 3, tzinfo=UTC)
            ),
        ),
    ],
)
def test_the_filters_typed_become_the_stores(typed: tuple[str, ...], expected: AuditFilter) -> None:
    assert audit_filter(*typed) == expected


@pytest.mark.parametrize(("since", "until", "which"), [("1/3/2026", "", "from"), ("", "x", "to")])
def test_a_date_it_cannot_read_says_which(since: str, until: str, which: str) -> None:
    with pytest.raises(ValueError, match=f"the '{which}' date must look like 2026-12-31"):
        audit_filter("", ANY, ANY, since, until)


def test_a_row_says_everything_in_words() -> None:
    when = datetime(2026, 3, 1, 12, 30, tzinfo=UTC)
    refused = AuditEvent(
        1, when, None, "", "sign_in_refused", "user", "u1", "ann", "u1", None, {"reason": "x"}
    )
    assert event_row(refused) == {
        "id": "1",
        "when": "2026-03-01 12:30:00 UTC",
        "who": "someone signing in",
        "action": "sign-in refused",
        "kind": "account",
        "name": "ann",
        "object_id": "u1",
        "detail": "reason: x",
    }
    ran = AuditEvent(2, when, None, "", "run_started", "run", "r1", "", "u1", "f1", {})
    assert (event_row(ran)["who"], event_row(ran)["name"]) == ("the operator", "r1")


def test_the_admin_pages_through_everything(site: Site) -> None:
    page = loaded_page(site.admin_token)
    assert page.everything and page.error == ""
    assert shown(page) == [("ann", "signed in"), ("admin", "signed in")]
    assert page.more and page.page_label == "Events 1 to 2"
    run_coroutine(AuditState.older.fn(page))
    assert shown(page) == [("bob", "deleted"), ("ann", "shared")]
    run_coroutine(AuditState.older.fn(page))
    assert shown(page) == [("ann", "shared"), ("ann", "shared")] and not page.more
    run_coroutine(AuditState.older.fn(page))  # nothing older: stays
    assert page.offset == 4
    run_coroutine(AuditState.newer.fn(page))
    assert page.offset == 2
    run_coroutine(AuditState.newer.fn(page))
    run_coroutine(AuditState.newer.fn(page))  # at the newest: stays
    assert page.offset == 0 and shown(page)[0] == ("ann", "signed in")


def test_ann_reads_her_flows_events_and_her_sign_in(site: Site) -> None:
    page = loaded_page(site.ann_token)
    assert not page.everything
    assert shown(page) == [("ann", "signed in"), ("ann", "shared")]
    run_coroutine(AuditState.older.fn(page))
    assert shown(page) == [("ann", "shared"), ("ann", "shared")] and not page.more


def test_filtering_and_clearing(site: Site) -> None:
    page = loaded_page(site.admin_token)
    page.set_person("bob")
    page.set_action("deleted")
    page.set_kind("flow")
    today = datetime.now(UTC).date().isoformat()
    page.set_since(today)
    page.set_until(today)
    run_coroutine(AuditState.apply.fn(page))
    assert shown(page) == [("bob", "deleted")] and not page.more
    page.set_action("hacked")  # not a choice: back to any
    page.set_kind("planet")
    assert (page.action, page.kind) == (ANY, ANY)
    page.set_since("1999-12-31")
    page.set_until("2000-01-01")
    run_coroutine(AuditState.apply.fn(page))
    assert page.events == [] and page.error == ""
    run_coroutine(AuditState.clear_filters.fn(page))
    assert (page.person, page.since, page.until) == ("", "", "")
    assert len(page.events) == 2 and page.more


def test_a_filter_it_cannot_apply_is_said_on_the_page(site: Site) -> None:
    page = loaded_page(site.admin_token)
    page.set_since("2026-03-02")
    page.set_until("2026-03-01")
    run_coroutine(AuditState.apply.fn(page))
    assert page.events == []
    assert page.error == (
        "Cannot show the log: the start of the time range must come before its end"
    )
    page.set_since("soon")
    run_coroutine(AuditState.apply.fn(page))
    assert "the 'from' date must look like 2026-12-31" in page.error


def test_nobody_signed_in_sees_nothing(site: Site) -> None:
    page = loaded_page(None)
    assert page.events == [] and page.error == ""
