"""The designer's local model folder: numbered versions of named models, ready to predict.

Layout: ``<models_dir>/<name>/<version>/`` holding ``model.joblib``, ``preprocessor.joblib``
(when the flow prepared its columns) and ``model.json``. ``model.json`` is written last, by
rename, so a version without it is still being registered and is skipped by readers. Folders
whose names start with a dot are the designer's own (bundles being published), never models.

Only the designer writes here (``designer.models.publish``, after a run, once the person who
ran the flow is known to own the name); a run's Deploy block packs a bundle instead. This module
knows nothing of owners: who may see which model is ``designer.store.models``'s business.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from blocks.runtime.model_inputs import describe_features, features_of, rows_frame, unseen_values
from blocks.runtime.model_names import NAME_PATTERN

MODEL_FILE = "model.joblib"
PREPROCESSOR_FILE = "preprocessor.joblib"
INFO_FILE = "model.json"


#: The most rows one call of ``predict_rows`` takes: a form or a script, not a batch job.
MAX_ROWS = 10_000


class ModelNotFound(LookupError):
    def __init__(self, message: str, name: str, known: list[str]) -> None:
        super().__init__(message)
        self.name, self.known = name, known


class VersionNotFound(LookupError):
    def __init__(self, message: str, name: str, version: int, versions: list[int]) -> None:
        super().__init__(message)
        self.name, self.version, self.versions = name, version, versions


class PredictionFailed(ValueError):
    """The model refused the rows (a missing value it cannot fill, a number too large...)."""


@dataclass(frozen=True)
class RegisteredModel:
    info: dict[str, Any]
    model: Any
    preprocessor: Any | None


@dataclass(frozen=True)
class Prediction:
    """A model's answers for some rows; classifiers may also give class probabilities."""

    name: str
    version: int
    predictions: list[Any]
    #: The classes, in the order of each row's ``probabilities``; empty for other models.
    classes: list[Any]
    probabilities: list[list[float]]
    #: Text values no training row held (``model_inputs.unseen_values``): answered anyway,
    #: but each says so, naming the column, the value and the values the model knows.
    unseen: list[dict[str, Any]] = field(default_factory=list)


def default_models_dir() -> Path:
    """``$DESIGNER_HOME/models``, the home default being ``~/.designer``."""
    return Path(os.environ.get("DESIGNER_HOME", "~/.designer")).expanduser() / "models"


def register(
    models_dir: str | os.PathLike[str],
    name: str,
    model_path: str | os.PathLike[str],
    *,
    preprocessor_path: str | os.PathLike[str] | None = None,
    task: str = "",
    target: str = "",
    feature_columns: list[str] | None = None,
    description: str = "",
    source_uri: str = "",
    serving: dict[str, Any] | None = None,
    features: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Copy a trained model (and its preprocessor) in as the next version of ``name``.

    ``features`` (what each column takes, as ``describe_features`` says) and ``feature_columns``
    and ``task``, when given, spare opening the model here.

    ``feature_columns`` are the columns callers must send; by default they are read from the
    preprocessor when there is one, else from the model. ``serving`` says where the version is
    served instead of this process (KServe on the cluster: ``designer.models.cluster_publish``),
    kept in ``model.json`` so the version is never taken for a local one, not even for a moment.
    """
    _check_name(name)
    import joblib

    if feature_columns is None:
        source = joblib.load(preprocessor_path or model_path)
        feature_columns = [str(c) for c in getattr(source, "feature_names_in_", [])]
    if not task:
        task = model_task(joblib.load(model_path))
    version, folder = _allocate_version(Path(models_dir) / name)
    shutil.copyfile(model_path, folder / MODEL_FILE)
    if preprocessor_path:
        shutil.copyfile(preprocessor_path, folder / PREPROCESSOR_FILE)
    info = {
        "name": name,
        "version": version,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "task": task,
        "target": target,
        "feature_columns": list(feature_columns),
        "description": description,
        "source_uri": source_uri,
        "has_preprocessor": bool(preprocessor_path),
        "path": str(folder),
        "features": features
        if features is not None
        else _describe(model_path, preprocessor_path, list(feature_columns)),
    }
    if serving is not None:
        info["serving"] = serving
    staging = folder / f".{INFO_FILE}.tmp"
    staging.write_text(json.dumps(info, indent=2))
    os.replace(staging, folder / INFO_FILE)
    return info


def model_task(model: Any) -> str:
    """What a model answers: "classification" (a category), "clustering" (a group number) or
    "regression" (a number)."""
    from sklearn.base import is_classifier, is_clusterer

    if is_classifier(model):
        return "classification"
    return "clustering" if is_clusterer(model) else "regression"


def list_models(models_dir: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """Every completely registered version, by name then version."""
    root = Path(models_dir)
    if not root.is_dir():
        return []
    found = []
    for model_root in sorted(
        p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")
    ):
        for version in _versions(model_root):
            info_path = model_root / str(version) / INFO_FILE
            if info_path.is_file():
                found.append(json.loads(info_path.read_text()))
    return found


def remove_version(models_dir: str | os.PathLike[str], name: str, version: int) -> None:
    """Take one version away (one whose serving could not be set up): its ``model.json`` goes
    first, so readers stop seeing it before its files go."""
    _check_name(name)
    folder = Path(models_dir) / name / str(int(version))
    (folder / INFO_FILE).unlink(missing_ok=True)
    shutil.rmtree(folder, ignore_errors=True)


def remove_model(models_dir: str | os.PathLike[str], name: str) -> int:
    """Take every version of ``name`` away; how many complete versions there were.

    The folder is first renamed to a dot-name readers skip, so the model disappears at once
    and whole, even if deleting its files is interrupted.
    """
    _check_name(name)
    model_root = Path(models_dir) / name
    count = len([v for v in _versions(model_root) if (model_root / str(v) / INFO_FILE).is_file()])
    if not model_root.is_dir():
        return 0
    doomed = Path(models_dir) / f".removed-{name}-{uuid.uuid4().hex}"
    os.replace(model_root, doomed)
    shutil.rmtree(doomed, ignore_errors=True)
    return count


def load_model(
    models_dir: str | os.PathLike[str], name: str, version: int | None = None
) -> RegisteredModel:
    """A registered model, its preprocessor and its facts; the latest version by default."""
    import joblib

    _check_name(name)
    model_root = Path(models_dir) / name
    complete = [v for v in _versions(model_root) if (model_root / str(v) / INFO_FILE).is_file()]
    if not complete:
        known = sorted({m["name"] for m in list_models(models_dir)})
        raise ModelNotFound(
            f"no model named {name!r} in {models_dir}; registered models: "
            f"{', '.join(known) or 'none yet'}",
            name,
            known,
        )
    if version is None:
        version = complete[-1]
    elif version not in complete:
        raise VersionNotFound(
            f"model {name!r} has no version {version}; versions: {', '.join(map(str, complete))}",
            name,
            version,
            complete,
        )
    folder = model_root / str(version)
    info = json.loads((folder / INFO_FILE).read_text())
    preprocessor_file = folder / PREPROCESSOR_FILE
    preprocessor = joblib.load(preprocessor_file) if preprocessor_file.is_file() else None
    return RegisteredModel(info, joblib.load(folder / MODEL_FILE), preprocessor)


def predict(
    models_dir: str | os.PathLike[str],
    name: str,
    rows: pd.DataFrame,
    version: int | None = None,
) -> list[Any]:
    """Predictions for ``rows``, prepared by the model's preprocessor first when it has one."""
    loaded = load_model(models_dir, name, version)
    required = list(loaded.info.get("feature_columns", []))
    missing = [c for c in required if c not in rows.columns]
    if missing:
        raise ValueError(
            f"model {name!r} version {loaded.info['version']} needs column(s) "
            f"{', '.join(map(repr, missing))}; the rows have: "
            f"{', '.join(map(str, rows.columns)) or 'no columns'}"
        )
    features = rows[required] if required else rows
    return loaded.model.predict(_model_input(loaded, features)).tolist()


def deployed_models(models_dir: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """One entry per model name: its latest version's facts and, briefly, every version."""
    by_name: dict[str, list[dict[str, Any]]] = {}
    for info in list_models(models_dir):
        by_name.setdefault(info["name"], []).append(info)
    return [_summary(versions, full=False) for versions in by_name.values()]


def deployed_model(models_dir: str | os.PathLike[str], name: str) -> dict[str, Any]:
    """One model as ``deployed_models`` lists it, with every version's facts in full."""
    _check_name(name)
    versions = [m for m in list_models(models_dir) if m["name"] == name]
    if not versions:
        load_model(models_dir, name)  # raises ModelNotFound, naming the models there are
    return _summary(versions, full=True)


def predict_rows(
    models_dir: str | os.PathLike[str],
    name: str,
    rows: list[dict[str, Any]],
    version: int | None = None,
) -> Prediction:
    """Predictions for rows given as ``{column: value}``, checked against the model's columns.

    Raises ``RowsProblem`` naming missing, unknown or unusable columns, ``PredictionFailed``
    when the model refuses the rows, and ``ModelNotFound`` or ``VersionNotFound``. A text value
    the model never saw in training is answered, and listed in the prediction's ``unseen``.
    """
    if not rows:
        raise ValueError("send at least one row to predict")
    if len(rows) > MAX_ROWS:
        raise ValueError(f"at most {MAX_ROWS} rows can be predicted at once; found {len(rows)}")
    loaded = load_model(models_dir, name, version)
    number = int(loaded.info["version"])
    features = loaded.info.get("features")
    if not isinstance(features, list):  # registered before descriptions: read the fitted files
        columns = loaded.info.get("feature_columns", [])
        features = describe_features(loaded.model, loaded.preprocessor, columns)
    frame = rows_frame(features, rows, f"model {name!r} version {number}")
    unseen = unseen_values(features, frame, loaded.preprocessor)
    try:
        prepared = _model_input(loaded, frame)
        predictions = loaded.model.predict(prepared).tolist()
        classes, probabilities = _probabilities(loaded.model, prepared)
    except (ValueError, TypeError, LookupError, ArithmeticError) as exc:
        raise PredictionFailed(f"model {name!r} version {number} could not predict: {exc}") from exc
    return Prediction(name, number, predictions, classes, probabilities, unseen)


#: The facts of a version shown to people: not the server's folders or the run's files.
PUBLIC_FACTS = (
    "version", "created", "task", "target", "description", "feature_columns", "has_preprocessor",
    "serving",
)  # fmt: skip


def _summary(versions: list[dict[str, Any]], *, full: bool) -> dict[str, Any]:
    """The latest version's facts, then every version's, newest first (briefly unless full)."""
    latest = versions[-1]
    brief = ("version", "created", "description")
    return {
        "name": latest["name"],
        **{key: latest.get(key) for key in PUBLIC_FACTS},
        "features": features_of(latest),
        "versions": [
            {key: v.get(key) for key in PUBLIC_FACTS} | {"features": features_of(v)}
            if full
            else {key: v.get(key) for key in brief}
            for v in reversed(versions)
        ],
    }


def _model_input(loaded: RegisteredModel, features: Any) -> Any:
    """Rows as the model was trained on them: prepared, then in the model's column order."""
    if loaded.preprocessor is not None:
        features = loaded.preprocessor.transform(features)
    model_columns = getattr(loaded.model, "feature_names_in_", None)
    if model_columns is not None:
        features = features[list(model_columns)]
    return features


def _probabilities(model: Any, prepared: Any) -> tuple[list[Any], list[list[float]]]:
    classes = getattr(model, "classes_", None)
    if classes is None or not hasattr(model, "predict_proba"):
        return [], []
    return classes.tolist(), model.predict_proba(prepared).round(6).tolist()


def _describe(
    model_path: str | os.PathLike[str],
    preprocessor_path: str | os.PathLike[str] | None,
    columns: list[str],
) -> list[dict[str, Any]]:
    import joblib

    preprocessor = joblib.load(preprocessor_path) if preprocessor_path else None
    return describe_features(joblib.load(model_path), preprocessor, columns)


def _allocate_version(model_root: Path) -> tuple[int, Path]:
    """The next free version folder, created here; safe when registrations race."""
    model_root.mkdir(parents=True, exist_ok=True)
    version = max(_versions(model_root), default=0) + 1
    while True:
        folder = model_root / str(version)
        try:
            os.mkdir(folder)
        except FileExistsError:
            version += 1
            continue
        return version, folder


def _versions(model_root: Path) -> list[int]:
    if not model_root.is_dir():
        return []
    return sorted(int(p.name) for p in model_root.iterdir() if p.is_dir() and p.name.isdigit())


def _check_name(name: str) -> None:
    if not re.fullmatch(NAME_PATTERN, name):
        raise ValueError(
            f"model name {name!r} is not allowed: use 1 to 63 lowercase letters, digits and "
            "dashes, starting with a letter or digit (for example my-model)"
        )
