"""``designer db upgrade``: bring the database's schema up to date (safe to rerun)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from designer.settings import load_settings


def add_parsers(sub: Any) -> None:
    p = sub.add_parser("db", help="bring the database up to date (Alembic migrations)")
    p.add_argument("action", choices=("upgrade",), help="apply the migrations it lacks")
    p.set_defaults(handler=cmd_db)


def cmd_db(args: argparse.Namespace) -> int:
    """``designer db upgrade``: apply every migration the database lacks (safe to rerun)."""
    return upgrade_database()


def upgrade_database() -> int:
    """Migrate the configured database and say which revision it is at; 1 if it cannot be."""
    from designer.store.db import StoreError, engine_for, safe_url
    from designer.store.migrate import current_revision, head_revision

    url = load_settings().database_url
    try:
        engine = engine_for(url)  # migrates on first use
        current = current_revision(engine)
    except StoreError as exc:
        print(f"designer: {exc}", file=sys.stderr)
        return 1
    state = "up to date" if current == head_revision() else f"behind {head_revision()}"
    print(f"{safe_url(url)}: schema revision {current} ({state})")
    return 0
