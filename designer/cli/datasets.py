"""``designer datasets ...``: the dataset library from the command line.

The command line runs with the server's own database and storage settings, so it is trusted
like the server: ``--as <user name>`` says whose library to use, and that person's access rules
apply exactly as in the web app.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from designer.cli.common import UNAVAILABLE, UsageError, engine_and_actor
from designer.settings import load_settings


def add_parsers(sub: Any) -> None:
    p = sub.add_parser("datasets", help="upload, list, inspect and delete datasets")
    actions = p.add_subparsers(dest="action", required=True, metavar="ACTION")

    a = actions.add_parser("list", help="list the datasets a user may use")
    a.add_argument("query", nargs="?", default="", help="only names, files or columns like this")
    _common(a)

    a = actions.add_parser("upload", help="add a CSV or Parquet file to the library")
    a.add_argument("file", type=Path)
    a.add_argument("--name", default="", help="dataset name (default: the file's name)")
    _common(a)

    a = actions.add_parser("show", help="a dataset's versions and the profile of one")
    a.add_argument("dataset", help="dataset id")
    a.add_argument("--version", type=int, default=0, help="version number (default: latest)")
    _common(a)

    a = actions.add_parser("delete", help="delete a dataset and every version of it")
    a.add_argument("dataset", help="dataset id")
    a.add_argument("--force", action="store_true", help="delete even if flows read it")
    _common(a)
    p.set_defaults(handler=cmd_datasets)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--as", dest="as_user", metavar="USER", required=True)
    parser.add_argument("--json", action="store_true")


def cmd_datasets(args: argparse.Namespace) -> int:
    from designer.datasets.library import UploadTooLarge
    from designer.datasets.sniff import DatasetProblem
    from designer.objects.base import ObjectStoreError, StorageUnavailable
    from designer.store.db import StoreError, StoreUnavailable

    try:
        return _ACTIONS[args.action](args)
    except (StorageUnavailable, StoreUnavailable) as exc:
        print(f"designer: {exc}", file=sys.stderr)
        return UNAVAILABLE
    except (DatasetProblem, UploadTooLarge) as exc:
        print(f"designer: {args.file}: {exc}", file=sys.stderr)
        return 1
    except (StoreError, ObjectStoreError) as exc:
        raise UsageError(str(exc)) from exc


def _list(args: argparse.Namespace) -> int:
    from designer.store.datasets import list_datasets

    engine, actor = engine_and_actor(args.as_user)
    found = list_datasets(engine, actor, args.query)
    if args.json:
        _print_json(found)
        return 0
    for d in found:
        print(
            f"{d.id}  {d.name}  v{d.version}  {d.rows:,} rows x {d.columns} columns  "
            f"{d.format}  {_size(d.size)}  {d.role}"
        )
    if not found:
        print("no datasets", file=sys.stderr)
    return 0


def _upload(args: argparse.Namespace) -> int:
    from designer.datasets.library import Spool, add_file
    from designer.objects.configured import open_store

    settings = load_settings()
    engine, actor = engine_and_actor(args.as_user)
    try:
        source = args.file.open("rb")
    except OSError as exc:
        raise UsageError(f"cannot read {args.file}: {exc.strerror}") from exc
    with (
        source,
        Spool(settings.home / "uploads", args.file.name, settings.max_upload_bytes) as spool,
    ):
        while chunk := source.read(1024 * 1024):
            spool.write(chunk)
        added = add_file(engine, open_store(settings), actor, spool.finish(), name=args.name)
    if args.json:
        _print_json(added)
    else:
        what = "added as" if added.created else "already stored as"
        print(
            f"{args.file}: {what} {added.name} version {added.number} (dataset {added.dataset_id})"
        )
    return 0


def _show(args: argparse.Namespace) -> int:
    from designer.store.datasets import get_dataset, get_version

    engine, actor = engine_and_actor(args.as_user)
    detail = get_dataset(engine, actor, args.dataset)
    version, profile = get_version(engine, actor, args.dataset, args.version)
    if args.json:
        _print_json({"dataset": detail, "version": version, "profile": profile})
        return 0
    s = detail.summary
    print(f"{s.name} ({s.id}), owner {s.owner}, {len(detail.versions)} version(s)")
    size = _size(version.size)
    print(f"version {version.number}: {version.filename}, {version.rows:,} rows, {size}")
    for column in profile.get("columns", []):
        print(f"  {column['name']}: {column['type']}, {column['missing']} missing")
    if profile.get("suggested_target"):
        print(f"likely target: {profile['suggested_target']}")
    return 0


def _delete(args: argparse.Namespace) -> int:
    from designer.datasets.library import delete_dataset
    from designer.objects.configured import open_store
    from designer.store.datasets import DatasetInUse

    engine, actor = engine_and_actor(args.as_user)
    try:
        delete_dataset(engine, open_store(load_settings()), actor, args.dataset, confirm=args.force)
    except DatasetInUse as exc:
        print(f"designer: {exc} (use --force)", file=sys.stderr)
        return 1
    print(f"deleted dataset {args.dataset}")
    return 0


_ACTIONS = {"list": _list, "upload": _upload, "show": _show, "delete": _delete}


def _print_json(value: Any) -> None:
    from designer.api.rest_base import plain

    print(json.dumps(plain(value), indent=2))


def _size(size: int) -> str:
    return f"{size / 1_000_000:,.1f} MB" if size >= 100_000 else f"{size / 1000:,.1f} kB"
