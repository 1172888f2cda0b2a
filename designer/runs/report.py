"""What the run panel shows about a run, read from its RunRecord into plain JSON-able data.

The browser draws numbers, a confusion-matrix heat map, each class's precision, recall and F1
(what the summary scores average, and how), an ROC curve, a residual summary and a list of
downloadable outputs; all of it is computed here, without the UI, so the CLI or a REST
endpoint can serve the same report. Block metadata is read as kfp 2.17's
``ClassificationMetrics`` writes it (``confusionMatrix`` and ``confidenceMetrics``); anything
malformed is left out of the report rather than breaking the panel. Models of one run side by
side are ``designer.runs.compare``, built on the numbers and labels here.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from typing import Any, TypedDict

from designer.runs.artifacts import (
    METADATA_ONLY,
    ArtifactUnavailable,
    download_href,
    folder_size,
    local_output_path,
)
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
#: Scores a classification evaluation sums up over classes, and how averages are said in words.
AVERAGED_METRICS = ("precision", "recall", "f1")
AVERAGE_WORDS = {
    "macro": "macro average: each class counts the same",
    "weighted": "weighted average: each class counts by its number of test rows",
    "micro": "micro average: each test row counts the same",
}
#: Evaluations from before the averaging was recorded used the macro average too.
DEFAULT_AVERAGE = "macro"
RESIDUAL_PREFIX = "residual_"
#: The residual summaries a regression evaluation logs, in box-plot order after mean and spread.
RESIDUAL_KEYS = ("mean", "std", "min", "p25", "median", "p75", "max")


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


class ClassScore(TypedDict):
    category: str
    precision: Number
    recall: Number
    f1: Number
    #: Test rows truly in this class.
    support: int


class ClassScores(TypedDict):
    port: str
    #: How the summary precision, recall and F1 average these rows ("macro").
    average: str
    #: The averaging in words: "macro average: each class counts the same".
    average_text: str
    rows: list[ClassScore]


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
    #: Where to download it (``GET``, relative to the site, URL-quoted); "" when it cannot be.
    href: str
    #: Bytes kept in object storage or on disk (a folder's files added up), None when neither.
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
    #: Precision, recall, F1 and support of each class (classification evaluations).
    class_scores: ClassScores | None
    #: How the node's precision, recall and F1 metrics average over classes ("macro"), "" when
    #: it logged none of them; its words are AVERAGE_WORDS[average].
    average: str
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


def as_number(value: float | None) -> Number:
    """A value with its text; NaN, infinities and missing values become None ("n/a")."""
    finite = value is not None and math.isfinite(value)
    return {"value": float(value) if finite else None, "text": format_number(value)}


def metric_label(name: str) -> str:
    """How a metric's name reads in the panel: "roc_auc" -> "ROC AUC", "log_loss" -> "Log loss"."""
    return METRIC_LABELS.get(name) or name.replace("_", " ").capitalize()


# -- nodes ---------------------------------------------------------------------------------


def average_words(average: str) -> str:
    """How an average over classes is said: "macro average: each class counts the same"."""
    return AVERAGE_WORDS.get(average, f"{average} average" if average else "")


def _node_report(record: RunRecord, node_id: str, node: NodeRun) -> NodeReport:
    matrix = roc = classes = None
    for port, output in node.outputs.items():
        matrix = matrix or _confusion_matrix(port, output.metadata)
        roc = roc or _roc_curve(port, output.metadata)
        classes = classes or _class_scores(port, output.metadata)
    average = ""
    if any(name in node.metrics for name in AVERAGED_METRICS):
        average = classes["average"] if classes is not None else DEFAULT_AVERAGE
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
        "class_scores": classes,
        "average": average,
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
        or node["class_scores"]
        or node["roc"]
        or node["residuals"]
        or node["artifacts"]
        or node["error"]
    )


def _metric(name: str, value: float) -> Metric:
    return {"name": name, "label": metric_label(name), **as_number(value)}


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
    return {key: as_number(metrics.get(RESIDUAL_PREFIX + key)) for key in RESIDUAL_KEYS}


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


def _class_scores(port: str, metadata: Mapping[str, Any]) -> ClassScores | None:
    """The evaluate block's ``classScores``: one ``{"category", "precision", "recall", "f1",
    "support"}`` per class; None when missing or malformed."""
    raw = metadata.get("classScores")
    if not isinstance(raw, list) or not raw:
        return None
    rows: list[ClassScore] = []
    for entry in raw:
        if not isinstance(entry, Mapping) or not isinstance(entry.get("category"), str):
            return None
        values = _numbers([entry.get(k) for k in ("precision", "recall", "f1", "support")])
        if values is None:
            return None
        rows.append(
            {
                "category": entry["category"],
                "precision": as_number(values[0]),
                "recall": as_number(values[1]),
                "f1": as_number(values[2]),
                "support": int(values[3]),
            }
        )
    average = metadata.get("average")
    average = average if isinstance(average, str) and average else DEFAULT_AVERAGE
    return {
        "port": port,
        "average": average,
        "average_text": average_words(average),
        "rows": rows,
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
    """Downloadable when kept in object storage or still in the run's folder on this machine."""
    entry: Artifact = {
        "node": node_id,
        "port": port,
        "type": output.type,
        "uri": output.uri,
        "downloadable": False,
        "href": "",
        "size": None,
        "reason": "",
    }
    if output.stored is not None:
        size: int = output.stored.size
    else:
        try:
            path = local_output_path(record, node_id, port)
        except ArtifactUnavailable as exc:
            entry["reason"] = str(exc)
            if record.artifacts_error and output.type not in METADATA_ONLY:
                entry["reason"] += f" ({record.artifacts_error})"
            return entry
        size = folder_size(path, record) if path.is_dir() else path.stat().st_size
    entry.update(downloadable=True, href=download_href(record.run_id, node_id, port), size=size)
    return entry
