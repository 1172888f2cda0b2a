"""What the run tab draws beyond the flat lists of ``views.run_panel_view``: how averaged
scores were averaged, each class's figures, and chart titles that say what a curve is.

Plain Python over the run report (``designer.runs.report``), so it is tested without a browser.
"""

from __future__ import annotations

from typing import Any

from designer.runs.report import AVERAGED_METRICS, average_words, metric_label
from designer.ui.editor import views

#: The labels of scores averaged over classes, as ``views.run_panel_view`` gives them.
AVERAGED_LABELS = frozenset(metric_label(name) for name in AVERAGED_METRICS)
#: Ticks of both axes of the ROC chart: regular steps, 0.8 included, whatever the panel's width.
ROC_TICKS = [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]


def run_tab_view(report: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """``views.run_panel_view`` with each metric's averaging, per-class tables and ROC titles."""
    view = views.run_panel_view(report)
    nodes = report.get("nodes", [])
    averages = {n["node"]: n.get("average", "") for n in nodes}
    view["metrics"] = [_metric(m, averages.get(m["node"], "")) for m in view.get("metrics", [])]
    view["classes"] = [
        _class_table(n["node"], n["class_scores"]) for n in nodes if n.get("class_scores")
    ]
    # Models compared side by side are averaged alike: one sentence says it for all of them.
    sentences = dict.fromkeys(averaged_sentence(a) for a in averages.values() if a)
    view["averages"] = [{"text": text} for text in sentences]
    matrices = {m["node"]: m for m in view.get("matrices", [])}
    view["rocs"] = [_roc(r, matrices.get(r["node"])) for r in view.get("rocs", [])]
    return view


def averaged_sentence(average: str) -> str:
    """ "Precision, recall and F1 are macro averages: each class counts the same." """
    words = average_words(average)
    kind, _, meaning = words.partition(": ")
    sentence = f"Precision, recall and F1 are {kind.replace('average', 'averages')}"
    return f"{sentence}: {meaning}." if meaning else f"{sentence}."


def _metric(metric: dict[str, Any], average: str) -> dict[str, Any]:
    """The card's caption: which node, and for an averaged score, which average."""
    averaged = metric["label"] in AVERAGED_LABELS and average
    kind = average_words(average).partition(":")[0] if averaged else ""
    detail = f"{kind} · {metric['node']}" if kind else metric["node"]
    return {**metric, "detail": detail, "average": kind}


def _class_table(node: str, scores: dict[str, Any]) -> dict[str, Any]:
    return {
        "node": node,
        "average_text": scores["average_text"],
        "rows": [
            {
                "category": row["category"],
                "precision": row["precision"]["text"],
                "recall": row["recall"]["text"],
                "f1": row["f1"]["text"],
                "support": f"{row['support']:,}",
            }
            for row in scores["rows"]
        ],
    }


def _roc(roc: dict[str, Any], matrix: dict[str, Any] | None) -> dict[str, Any]:
    """The chart's title and a line saying which yes/no question the curve answers."""
    categories = (matrix or {}).get("categories", [])
    if roc.get("average") == "binary" and len(categories) == 2:
        about = f"Catching “{categories[1]}” rows: found (up) against false alarms (right)."
    elif roc.get("average") == "micro":
        about = "All classes pooled (micro average): each row and class is one yes/no question."
    else:
        about = ""
    return {**roc, "title": f"ROC curve · {roc['node']} · AUC {roc['auc']}", "about": about}
