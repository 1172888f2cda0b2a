"""What the run panel shows about a run, read from its RunRecord into plain JSON-able data.

The browser draws numbers, a confusion-matrix heat map, an ROC curve, a residual summary and a
list of downloadable outputs; all of it is computed here, without the UI, so the CLI or a REST
endpoint can serve the same report. Block metadata is read as kfp 2.17's
``ClassificationMetrics`` writes it (``confusionMatrix`` and ``confidenceMetrics``); anything
malformed is left out of the report rather than breaking the panel.
"""

from __future__ import annotations

import io
import itertools
import math
import re
import zipfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, TypedDict
from urllib.parse import unquote, urlsplit

from designer.runs.record import NodeRun, OutputRecord, RunRecord

#: The metric that best sums up a run, most telling first (classification, then regression).
HEADLINE_METRICS = ("accuracy", "f1", "roc_auc", "r2", "rmse", "mae")
#: How metric names read in the panel; others are shown with underscores as spaces.
METRIC_LABELS = {
    "accuracy": "Accuracy",
    "precision": "Precision",
    "recall": "Recall",
    "f1": "F1",
    "roc_auc": "ROC AUC",
    "rmse": "RMSE",
    "mae": "MAE",
    "r2": "R²",
}
RESIDUAL_PREFIX = "residual_"
#: The residual summaries a regression evaluation logs, in box-plot order after mean and spread.
RESIDUAL_KEYS = ("mean", "std", "min", "p25", "median", "p75", "max")
#: Output types that carry only metadata: kfp.local writes no file for them.
_METADATA_ONLY = frozenset({"system.Metrics", "system.ClassificationMetrics"})
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


class ArtifactUnavailable(Exception):
    """An output cannot be downloaded from here; the message says why."""


class Number(TypedDict):
    #: None when the value is not a finite number (NaN has no JSON form).
    value: float | None
    #: The value as people read it: "0.974", "1,234", "n/a".
    text: str


class Metric(Number):
    name: str
    label: str


class Headline(Metric):
    node: str


class ConfusionMatrix(TypedDict):
    port: str
    categories: list[str]
    #: rows[i][j]: test rows whose true class is categories[i], predicted as categories[j].
    rows: list[list[int | float]]
    #: Each cell's share of its row (0..1, 0 for an empty row): the heat map's colour.
    shares: list[list[float]]
    total: int | float


class RocPoint(TypedDict):
    fpr: float
    tpr: float
    threshold: float


class RocCurve(TypedDict):
    port: str
    #: Sorted by false positive rate, from (0, 0) towards (1, 1).
    points: list[RocPoint]
    #: Area under the points drawn (trapezoids), None with fewer than two points.
    auc: float | None
    auc_text: str
    #: "binary" for two classes, "micro" for the micro-averaged one-vs-rest curve, "" unknown.
    average: str


class Artifact(TypedDict):
    node: str
    port: str
    type: str
    uri: str
    downloadable: bool
    #: Bytes on disk (a folder's files added up), None when not on this machine.
    size: int | None
    #: Why it cannot be downloaded; "" when it can.
    reason: str


class NodeReport(TypedDict):
    node: str
    status: str
    error: str
    #: Seconds the node ran, None until it finished.
    seconds: float | None
    #: Scalar metrics in the order the block logged them, residual summaries left out.
    metrics: list[Metric]
    confusion_matrix: ConfusionMatrix | None
    roc: RocCurve | None
    #: Keys RESIDUAL_KEYS; a summary the block did not log has value None.
    residuals: dict[str, Number] | None
    artifacts: list[Artifact]


class RunReport(TypedDict):
    run_id: str
    flow_name: str
    engine: str
    status: str
    error: str
    url: str
    headline: Headline | None
    #: Nodes that produced metrics, charts or outputs, or failed; in the record's (flow) order.
    nodes: list[NodeReport]


def run_report(record: RunRecord) -> RunReport:
    """Everything the run panel draws, as plain data (``json.dumps`` takes it as is)."""
    nodes = [_node_report(record, node_id, node) for node_id, node in record.nodes.items()]
    return {
        "run_id": record.run_id,
        "flow_name": record.flow_name,
        "engine": record.engine,
        "status": str(record.status),
        "error": record.error,
        "url": record.url,
        "headline": _headline_view(record),
        "nodes": [n for n in nodes if _produced_anything(n)],
    }


def headline(record: RunRecord) -> tuple[str, float] | None:
    """The run's one number: the first of HEADLINE_METRICS any node logged, with its value."""
    found = _headline_entry(record)
    return None if found is None else (found[1], found[2])


def format_number(value: float | None) -> str:
    """A metric as people read it: three significant digits, thousands separated, no exponent
    for everyday sizes (0.9737 -> "0.974", 53.123 -> "53.1", 12345.6 -> "12,346")."""
    if value is None or not math.isfinite(value):
        return "n/a"
    if value == 0:
        return "0"  # never "-0"
    if value == int(value) or abs(value) >= 1000:
        return f"{value:,.0f}"
    text = f"{value:.3g}"
    if "e" in text and abs(value) >= 1:  # 999.6 rounds up to "1e+03"
        return f"{value:,.0f}"
    return text


def artifact_download(record: RunRecord, node_id: str, port: str) -> tuple[str, bytes]:
    """A file name and the bytes of one local output; a folder comes as a .zip of its files.

    Raises ArtifactUnavailable when the output is not on this machine, is gone from disk, holds
    metadata only, or lies outside the run's artifact folder (which is never served).
    """
    path = _local_path(record, node_id, port)
    base = _UNSAFE_NAME.sub("-", f"{node_id}-{port}").strip("-") or "output"
    if path.is_dir():
        return f"{base}.zip", _zip_folder(path, _root(record))
    data = path.read_bytes()
    return base + _suffix(record.nodes[node_id].outputs[port].type, data), data


# -- nodes ---------------------------------------------------------------------------------


def _node_report(record: RunRecord, node_id: str, node: NodeRun) -> NodeReport:
    matrix = roc = None
    for port, output in node.outputs.items():
        matrix = matrix or _confusion_matrix(port, output.metadata)
        roc = roc or _roc_curve(port, output.metadata)
    if roc is not None and matrix is not None:
        roc["average"] = "binary" if len(matrix["categories"]) == 2 else "micro"
    seconds = None
    if node.started_at is not None and node.finished_at is not None:
        seconds = round(node.finished_at - node.started_at, 3)
    return {
        "node": node_id,
        "status": str(node.status),
        "error": node.error,
        "seconds": seconds,
        "metrics": [
            _metric(name, value)
            for name, value in node.metrics.items()
            if not name.startswith(RESIDUAL_PREFIX)
        ],
        "confusion_matrix": matrix,
        "roc": roc,
        "residuals": _residuals(node.metrics),
        "artifacts": [
            _artifact(record, node_id, port, output) for port, output in node.outputs.items()
        ],
    }


def _produced_anything(node: NodeReport) -> bool:
    return bool(
        node["metrics"]
        or node["confusion_matrix"]
        or node["roc"]
        or node["residuals"]
        or node["artifacts"]
        or node["error"]
    )


def _number(value: float | None) -> Number:
    finite = value is not None and math.isfinite(value)
    return {"value": float(value) if finite else None, "text": format_number(value)}


def _metric(name: str, value: float) -> Metric:
    label = METRIC_LABELS.get(name) or name.replace("_", " ").capitalize()
    return {"name": name, "label": label, **_number(value)}


def _headline_entry(record: RunRecord) -> tuple[str, str, float] | None:
    for name in HEADLINE_METRICS:
        for node_id, node in record.nodes.items():
            value = node.metrics.get(name)
            if value is not None and math.isfinite(value):
                return node_id, name, value
    return None


def _headline_view(record: RunRecord) -> Headline | None:
    found = _headline_entry(record)
    if found is None:
        return None
    node_id, name, value = found
    return {"node": node_id, **_metric(name, value)}


def _residuals(metrics: Mapping[str, float]) -> dict[str, Number] | None:
    if not any(name.startswith(RESIDUAL_PREFIX) for name in metrics):
        return None
    return {key: _number(metrics.get(RESIDUAL_PREFIX + key)) for key in RESIDUAL_KEYS}


# -- charts from ClassificationMetrics metadata --------------------------------------------


def _confusion_matrix(port: str, metadata: Mapping[str, Any]) -> ConfusionMatrix | None:
    """kfp's ``confusionMatrix``: ``annotationSpecs`` at the top (the SDK's form) or under
    ``structure`` (the proto's form, as the KFP UI reads it); rows as ``{"row": [...]}``."""
    raw = metadata.get("confusionMatrix")
    if not isinstance(raw, Mapping):
        return None
    specs = raw.get("annotationSpecs")
    if specs is None and isinstance(raw.get("structure"), Mapping):
        specs = raw["structure"].get("annotationSpecs")
    if not isinstance(specs, list) or not isinstance(raw.get("rows"), list):
        return None
    rows = [_numbers(r.get("row") if isinstance(r, Mapping) else r) for r in raw["rows"]]
    size = len(specs)
    if size == 0 or len(rows) != size or any(r is None or len(r) != size for r in rows):
        return None
    cells = [[_whole(c) for c in r] for r in rows if r is not None]
    categories = [
        str(s.get("displayName", i)) if isinstance(s, Mapping) else str(i)
        for i, s in enumerate(specs)
    ]
    return {
        "port": port,
        "categories": categories,
        "rows": cells,
        "shares": [[round(c / sum(r), 4) if sum(r) else 0.0 for c in r] for r in cells],
        "total": _whole(sum(map(sum, cells))),
    }


def _roc_curve(port: str, metadata: Mapping[str, Any]) -> RocCurve | None:
    raw = metadata.get("confidenceMetrics")
    if not isinstance(raw, list) or not raw:
        return None
    points: list[RocPoint] = []
    for entry in raw:
        if not isinstance(entry, Mapping):
            return None
        values = _numbers(
            [entry.get(k) for k in ("falsePositiveRate", "recall", "confidenceThreshold")]
        )
        if values is None:
            return None
        points.append({"fpr": values[0], "tpr": values[1], "threshold": values[2]})
    points.sort(key=lambda p: (p["fpr"], p["tpr"]))
    auc = _area(points)
    return {
        "port": port,
        "points": points,
        "auc": auc,
        "auc_text": format_number(auc),
        "average": "",
    }


def _area(points: list[RocPoint]) -> float | None:
    if len(points) < 2:
        return None
    pairs = itertools.pairwise(points)
    return round(sum((b["fpr"] - a["fpr"]) * (a["tpr"] + b["tpr"]) / 2 for a, b in pairs), 6)


def _whole(value: float) -> int | float:
    """Counts as integers (kfp keeps them as JSON numbers that may come back as floats)."""
    return int(value) if float(value).is_integer() else value


def _numbers(raw: Any) -> list[float] | None:
    """The list as floats, or None if it is not a list of finite numbers."""
    if not isinstance(raw, list):
        return None
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in raw):
        return None
    values = [float(v) for v in raw]
    return values if all(math.isfinite(v) for v in values) else None


# -- artifacts -----------------------------------------------------------------------------


def _artifact(record: RunRecord, node_id: str, port: str, output: OutputRecord) -> Artifact:
    entry: Artifact = {
        "node": node_id,
        "port": port,
        "type": output.type,
        "uri": output.uri,
        "downloadable": False,
        "size": None,
        "reason": "",
    }
    try:
        path = _local_path(record, node_id, port)
    except ArtifactUnavailable as exc:
        entry["reason"] = str(exc)
        return entry
    size = sum(f.stat().st_size for f in _files(path, _root(record))) if path.is_dir() else None
    entry.update(downloadable=True, size=size if size is not None else path.stat().st_size)
    return entry


def _root(record: RunRecord) -> Path:
    return Path(record.artifacts_root).resolve()


def _local_path(record: RunRecord, node_id: str, port: str) -> Path:
    """The output's path on this machine, inside the run's artifact folder, or why not."""
    node = record.nodes.get(node_id)
    if node is None:
        raise ArtifactUnavailable(f"run {record.run_id} has no block {node_id!r}")
    output = node.outputs.get(port)
    if output is None:
        have = ", ".join(map(repr, node.outputs)) or f"none (the block is {node.status})"
        raise ArtifactUnavailable(f"block {node_id!r} has no output {port!r}; its outputs: {have}")
    what = f"output {port!r} of block {node_id!r}"
    parts = urlsplit(output.uri)
    if not output.uri or parts.scheme not in ("", "file") or parts.netloc:
        where = f"at {output.uri}" if output.uri else "with no location recorded"
        see = f" (open the run at {record.url})" if record.url else ""
        raise ArtifactUnavailable(
            f"{what} is stored {where}, not on this machine; get it from the engine's own "
            f"storage{see}"
        )
    if not record.artifacts_root:
        raise ArtifactUnavailable(f"run {record.run_id} has no artifact folder on this machine")
    path = Path(unquote(parts.path) if parts.scheme else output.uri).resolve()
    if not path.is_relative_to(_root(record)):
        raise ArtifactUnavailable(f"{what} lies outside the run's artifact folder: not served")
    if not path.exists():
        if output.type in _METADATA_ONLY:
            raise ArtifactUnavailable(f"{what} holds only metrics, shown in the report: no file")
        raise ArtifactUnavailable(
            f"{what} is no longer on disk at {path}: the run's folder may have been cleaned up"
        )
    return path


def _files(folder: Path, root: Path) -> Iterator[Path]:
    """Regular files under ``folder`` whose real location is inside ``root`` (symlinks that
    point elsewhere are left out, so a zip never carries files from outside the run)."""
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path.resolve().is_relative_to(root):
            yield path


def _zip_folder(folder: Path, root: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in _files(folder, root):
            archive.write(path, path.relative_to(folder).as_posix())
    return buffer.getvalue()


def _suffix(kind: str, data: bytes) -> str:
    """A file extension so the download opens in the right program; blocks write files
    without one (tables are Parquet, models joblib pickles, deployments JSON)."""
    if data.startswith(b"PAR1"):
        return ".parquet"
    if kind == "system.Model":
        return ".joblib"
    if data.lstrip()[:1] in (b"{", b"["):
        return ".json"
    return ""
