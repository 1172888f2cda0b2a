"""Reading a model bundle a run left behind, without trusting the run.

A run writes what it likes under its own folder: a sandboxed block (and, soon, people's own
Python) could put a symbolic link where the model should be, or name a file of the designer's
own in its output's address. So the designer reads a bundle only:

- inside the run's folder: the output's address, resolved, must lie in it;
- file by file, by fixed names, refusing symbolic links at the last step (``O_NOFOLLOW``) and
  anything that is not a regular file;
- copied into a private folder first, so what is registered is exactly what was checked,
  whatever the run's folder holds a moment later;
- with a ``bundle.json`` of bounded size whose every field has the expected type.
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from blocks.runtime.model_bundle import BUNDLE_FILE, BUNDLE_FORMAT
from blocks.runtime.model_inputs import MAX_CHOICES, NUMBER, TEXT, UNKNOWN
from blocks.runtime.model_registry import MODEL_FILE, NAME_PATTERN, PREPROCESSOR_FILE

#: The most bytes of ``bundle.json`` read: a few facts and a list of column names.
MAX_FACTS_BYTES = 1_000_000
#: Longest description kept (the block's own limit) and longest other text field.
MAX_DESCRIPTION = 2000
MAX_TEXT = 10_000
TASKS = ("", "classification", "regression", "clustering")
FEATURE_TYPES = (NUMBER, TEXT, UNKNOWN)
FEATURE_KEYS = frozenset({"name", "type", "example", "choices"})
_CHUNK = 1024 * 1024


class BundleDamaged(ValueError):
    """The run's output is not a bundle the designer can publish; the message says why."""


@dataclass(frozen=True)
class Bundle:
    """A bundle's facts, and its files as private copies."""

    name: str
    model_path: Path
    preprocessor_path: Path | None
    task: str
    target: str
    feature_columns: list[str] | None
    description: str
    source_uri: str
    #: What each column takes, as the Deploy block described it; None in older bundles.
    features: list[dict[str, Any]] | None = None


@contextmanager
def unpacked_bundle(uri: str, run_dir: Path, staging_root: Path) -> Iterator[Bundle]:
    """The bundle at ``uri`` (an output of the run in ``run_dir``), copied under
    ``staging_root`` for as long as the block lasts.

    Raises ``BundleDamaged`` when the address leaves the run's folder, a file is missing, is a
    link or is not a regular file, or the facts are not what the Deploy block writes.
    """
    folder = _inside(uri, run_dir)
    staging_root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="bundle-", dir=staging_root) as staging:
        private = Path(staging)
        facts_copy = _copy(folder, BUNDLE_FILE, private, limit=MAX_FACTS_BYTES)
        facts = _facts(facts_copy)
        model = _copy(folder, MODEL_FILE, private)
        preprocessor = (
            _copy(folder, PREPROCESSOR_FILE, private) if facts["has_preprocessor"] else None
        )
        yield Bundle(
            name=facts["name"],
            model_path=model,
            preprocessor_path=preprocessor,
            task=facts["task"],
            target=facts["target"],
            feature_columns=facts["feature_columns"],
            description=facts["description"],
            source_uri=facts["source_uri"],
            features=facts["features"],
        )


def _inside(uri: str, run_dir: Path) -> Path:
    """The bundle's folder, resolved, if it lies inside the run's folder."""
    root = run_dir.resolve()
    try:
        folder = Path(uri).resolve(strict=True)
    except (OSError, RuntimeError, ValueError):
        raise BundleDamaged("the block's output folder is missing") from None
    if not folder.is_relative_to(root) or not folder.is_dir():
        raise BundleDamaged("the block's output is not a folder inside its run's folder")
    return folder


def _copy(folder: Path, name: str, into: Path, limit: int | None = None) -> Path:
    """``folder/name`` copied to ``into/name``, if it is a regular file (never a link)."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        source = os.open(folder / name, flags)
    except FileNotFoundError:
        raise BundleDamaged(f"the block's output has no {name}") from None
    except OSError:  # ELOOP: a symbolic link; no path in the message, it is the server's
        raise BundleDamaged(
            f"the block's {name} cannot be read as a plain file (is it a link?)"
        ) from None
    try:
        info = os.fstat(source)
        if not stat.S_ISREG(info.st_mode):
            raise BundleDamaged(f"the block's {name} is not a plain file")
        if limit is not None and info.st_size > limit:
            raise BundleDamaged(f"the block's {name} is larger than {limit} bytes")
    except BaseException:
        os.close(source)
        raise
    target = into / name
    with os.fdopen(source, "rb") as reading, target.open("wb") as writing:
        shutil.copyfileobj(reading, writing, _CHUNK)
    return target


def _facts(path: Path) -> dict[str, Any]:
    """``bundle.json``, checked field by field."""
    try:
        raw = json.loads(path.read_bytes())
    except (ValueError, UnicodeDecodeError) as exc:
        raise BundleDamaged(f"the block's {BUNDLE_FILE} is not JSON ({exc})") from None
    if not isinstance(raw, dict) or raw.get("format") != BUNDLE_FORMAT:
        raise BundleDamaged(
            f"the block's {BUNDLE_FILE} is not a bundle of format {BUNDLE_FORMAT}; run the flow "
            "again with this designer's blocks"
        )
    name = raw.get("name")
    if not isinstance(name, str) or not re.fullmatch(NAME_PATTERN, name):
        raise BundleDamaged(f"the bundle's model name {name!r} is not a valid model name")
    texts = {
        key: _text(raw, key, MAX_DESCRIPTION if key == "description" else MAX_TEXT)
        for key in ("task", "target", "description", "source_uri")
    }
    if texts["task"] not in TASKS:
        raise BundleDamaged(f"the bundle's task {texts['task']!r} is not one of {TASKS[1:]}")
    columns = raw.get("feature_columns")
    if columns is not None and not (
        isinstance(columns, list) and all(_is_column(c) for c in columns)
    ):
        raise BundleDamaged("the bundle's feature_columns must be a list of column names")
    if not isinstance(raw.get("has_preprocessor"), bool):
        raise BundleDamaged("the bundle does not say whether it holds a preprocessor")
    features = raw.get("features")
    if features is not None and not (
        isinstance(features, list)
        and len(features) == len(columns or [])
        and all(_is_feature(f, c) for f, c in zip(features, columns or [], strict=False))
    ):
        raise BundleDamaged("the bundle's features do not describe its feature columns")
    return {
        **texts,
        "name": name,
        "feature_columns": columns,
        "has_preprocessor": raw["has_preprocessor"],
        "features": features,
    }


def _is_feature(value: Any, column: str) -> bool:
    """One column's description as the Deploy block writes it: its name, its kind, a plain
    example, and for text a short list of choices."""
    if not isinstance(value, dict) or value.get("name") != column:
        return False
    if (
        set(value) - {"name", "type", "example", "choices"}
        or value.get("type") not in FEATURE_TYPES
    ):
        return False
    if not _is_plain(value.get("example")):
        return False
    choices = value.get("choices", [])
    return (
        isinstance(choices, list)
        and len(choices) <= MAX_CHOICES
        and all(isinstance(c, str) and len(c) <= MAX_TEXT for c in choices)
    )


def _is_plain(value: Any) -> bool:
    if value is None or isinstance(value, bool | int):
        return True
    if isinstance(value, float):
        return math.isfinite(value)
    return isinstance(value, str) and len(value) <= MAX_TEXT


def _is_column(value: Any) -> bool:
    return isinstance(value, str) and len(value) <= MAX_TEXT


def _text(raw: dict[str, Any], key: str, limit: int) -> str:
    value = raw.get(key, "")
    if not isinstance(value, str) or len(value) > limit:
        raise BundleDamaged(f"the bundle's {key} must be text of at most {limit} characters")
    return value
