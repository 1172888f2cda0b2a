"""Pages tell people what went wrong, but never where the database is."""

from __future__ import annotations

import pytest

from designer.store.access import NotAllowed
from designer.store.db import UNREACHABLE, StoreUnavailable, engine_for
from designer.ui.messages import shown

SECRET_URL = "postgresql+psycopg://designer:hunter2@db.internal:5999/designer_prod"


def _outage() -> StoreUnavailable:
    """The error the store raises for a database that does not answer."""
    try:
        engine_for(SECRET_URL.replace("db.internal", "127.0.0.1"))
    except StoreUnavailable as exc:
        return exc
    raise AssertionError("nothing listens on port 5999; the store should have said so")


def test_an_outage_is_shown_without_the_database_whereabouts() -> None:
    exc = _outage()
    assert "5999" in str(exc)  # the operator's log keeps the details...
    said = shown(exc)
    assert said == UNREACHABLE  # ...the page says only that it is down
    assert not any(part in said for part in ("5999", "designer_prod", "hunter2", "127.0.0.1"))


@pytest.mark.parametrize(
    "exc",
    [NotAllowed("only the owner may delete this flow"), ValueError("a name needs a letter")],
)
def test_other_errors_are_shown_as_they_are(exc: Exception) -> None:
    assert shown(exc) == str(exc)
