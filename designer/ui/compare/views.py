"""The parts of the compare page: tables with one column per run, confusion matrices side by
side, the flow's changes in words, and the "Compare" ticks of the editor's run history.

Browser tests find them by data-testid: ``compare-runs-head`` (``data-run``), ``param-row`` and
``setting-row`` (``data-name``, ``data-node``), ``run-metric-table`` (``data-node``),
``run-metric-cell`` (``data-run``, ``data-metric``, ``data-best``), ``run-matrix`` (``data-run``),
``flow-step``, ``compare-pick`` (``data-run-id``) and ``compare-selected``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import reflex as rx

from designer.ui.compare.state import CompareState, RunPickState
from designer.ui.editor.run_results import matrix_cell


def _flag(value: rx.Var) -> rx.Var:
    return rx.cond(value.to(bool), "true", "false")


def section(title: str, *children: rx.Component, testid: str) -> rx.Component:
    return rx.flex(
        rx.heading(title, as_="h2", size="4"),
        *children,
        direction="column",
        spacing="2",
        custom_attrs={"data-testid": testid},
    )


def muted(text: rx.Var | str, **props: Any) -> rx.Component:
    props.setdefault("size", "2")
    return rx.text(text, color_scheme="gray", **props)


def _run_head(run: rx.Var) -> rx.Component:
    return rx.el.th(
        rx.flex(
            rx.text(run["label"].to(str), size="1", weight="medium"),
            rx.badge(run["status"].to(str), size="1", variant="soft", color_scheme="gray"),
            direction="column",
            align="end",
            spacing="1",
        ),
        class_name="compare-head",
        custom_attrs={"data-testid": "compare-runs-head", "data-run": run["run_id"].to(str)},
    )


def _table(
    corner: rx.Var | str, body: rx.Component, testid: str, node: rx.Var | str = ""
) -> rx.Component:
    """A table whose columns are the runs; scrolls sideways with the row names in view."""
    return rx.box(
        rx.el.table(
            rx.el.thead(
                rx.el.tr(
                    rx.el.th(corner, class_name="compare-metric compare-corner"),
                    rx.foreach(CompareState.runs, _run_head),
                )
            ),
            body,
            class_name="compare",
        ),
        class_name="compare-scroll",
        tab_index=0,
        custom_attrs={"data-testid": testid, "data-node": node},
    )


def _value_row(row: rx.Var, testid: str) -> rx.Component:
    return rx.el.tr(
        rx.el.th(row["label"].to(str), class_name="compare-metric", scope="row"),
        rx.foreach(
            row["cells"].to(list[dict]),
            lambda cell: rx.el.td(
                cell["text"].to(str),
                class_name="compare-cell",
                custom_attrs={"data-run": cell["run"].to(str)},
            ),
        ),
        custom_attrs={
            "data-testid": testid,
            "data-name": row["name"].to(str),
            "data-node": row["node"].to(str),
        },
    )


def values_section(
    title: str, rows: rx.Var, testid: str, row_testid: str, same: str
) -> rx.Component:
    """Parameters or settings whose values differ between the runs; ``same`` when none do."""
    return section(
        title,
        rx.cond(
            rows.length() > 0,
            _table(
                "only what differs",
                rx.el.tbody(rx.foreach(rows, lambda row: _value_row(row, row_testid))),
                testid + "-table",
            ),
            muted(same),
        ),
        testid=testid,
    )


def _metric_cell(cell: rx.Var, metric: rx.Var) -> rx.Component:
    return rx.el.td(
        rx.cond(
            cell["best"].to(bool),
            rx.flex(
                rx.icon("trophy", size=12),
                cell["text"].to(str),
                align="center",
                justify="end",
                spacing="1",
            ),
            cell["text"].to(str),
        ),
        class_name=rx.cond(cell["best"].to(bool), "compare-cell best", "compare-cell"),
        title=rx.cond(cell["best"].to(bool), "The better value of this row", ""),
        custom_attrs={
            "data-testid": "run-metric-cell",
            "data-run": cell["run"].to(str),
            "data-metric": metric.to(str),
            "data-best": _flag(cell["best"]),
        },
    )


def _metric_row(row: rx.Var) -> rx.Component:
    return rx.el.tr(
        rx.el.th(
            row["label"].to(str) + rx.cond(row["arrow"] != "", " " + row["arrow"].to(str), ""),
            class_name="compare-metric",
            scope="row",
            title=row["about"].to(str),
        ),
        rx.foreach(row["cells"].to(list[dict]), lambda cell: _metric_cell(cell, row["name"])),
    )


def metric_table(table: rx.Var) -> rx.Component:
    return rx.flex(
        rx.text(table["label"].to(str), size="2", weight="medium"),
        _table(
            "block " + table["node"].to(str),
            rx.el.tbody(rx.foreach(table["rows"].to(list[dict]), _metric_row)),
            "run-metric-table",
            table["node"].to(str),
        ),
        direction="column",
        spacing="1",
    )


def _matrix(entry: rx.Var) -> rx.Component:
    return rx.flex(
        rx.text(entry["label"].to(str), size="1", weight="medium"),
        rx.cond(
            entry["has"].to(bool),
            rx.el.table(
                rx.el.thead(
                    rx.el.tr(
                        rx.el.th(""),
                        rx.foreach(
                            entry["categories"].to(list[str]),
                            lambda c: rx.el.th(c, class_name="matrix-head"),
                        ),
                    )
                ),
                rx.el.tbody(
                    rx.foreach(
                        entry["rows"].to(list[dict]),
                        lambda row: rx.el.tr(
                            rx.el.th(row["label"].to(str), class_name="matrix-head"),
                            rx.foreach(row["cells"].to(list[dict]), matrix_cell),
                        ),
                    )
                ),
                class_name="matrix",
            ),
            muted("No confusion matrix in this run.", size="1"),
        ),
        direction="column",
        spacing="1",
        class_name="compare-matrix",
        custom_attrs={"data-testid": "run-matrix", "data-run": entry["run"].to(str)},
    )


def matrices_of(node: rx.Var) -> rx.Component:
    return rx.flex(
        rx.text("Confusion matrix · " + node["label"].to(str), size="2", weight="medium"),
        muted("Rows: true class. Columns: predicted class.", size="1"),
        rx.flex(
            rx.foreach(node["runs"].to(list[dict]), _matrix),
            spacing="5",
            wrap="wrap",
        ),
        direction="column",
        spacing="1",
    )


def flow_step(step: rx.Var) -> rx.Component:
    return rx.flex(
        rx.text(
            step["from_label"].to(str) + " → " + step["to_label"].to(str),
            size="2",
            weight="medium",
        ),
        rx.cond(
            step["same"].to(bool),
            muted("Same flow: nothing changed between these runs."),
            rx.el.ul(
                rx.foreach(
                    step["lines"].to(list[str]),
                    lambda line: rx.el.li(rx.text(line, size="2")),
                ),
                class_name="step-lines",
            ),
        ),
        direction="column",
        spacing="1",
        custom_attrs={"data-testid": "flow-step"},
    )


def mark_legend() -> rx.Component:
    return rx.flex(
        rx.badge("added", color_scheme="grass", variant="solid", size="1"),
        rx.badge("changed", color_scheme="amber", variant="solid", size="1"),
        rx.cond(
            CompareState.removed.length() > 0,
            muted(
                "Removed, so not drawn: " + CompareState.removed.join(", "),
                size="1",
                custom_attrs={"data-testid": "removed-nodes"},
            ),
        ),
        align="center",
        spacing="2",
        wrap="wrap",
    )


# -- the editor's run history --------------------------------------------------------------


def pick_box(run: rx.Var) -> rx.Component:
    """The tick beside a history row that puts the run in the next comparison."""
    return rx.checkbox(
        checked=RunPickState.picked.contains(run["id"]),
        on_change=lambda checked: RunPickState.pick(run["id"].to(str), checked),
        size="1",
        title="Compare this run with others",
        aria_label="Compare this run",
        custom_attrs={"data-testid": "compare-pick", "data-run-id": run["id"].to(str)},
    )


def compare_selected() -> rx.Component:
    """Opens the compare page with the ticked runs; there once a run is ticked."""
    return rx.cond(
        RunPickState.picked.length() > 0,
        rx.button(
            rx.icon("columns-2", size=14),
            "Compare selected",
            size="1",
            variant="soft",
            on_click=RunPickState.compare,
            custom_attrs={"data-testid": "compare-selected"},
        ),
    )


def pickable(run: rx.Var, row: Callable[[rx.Var], rx.Component]) -> rx.Component:
    """A history row with its "Compare" tick in front."""
    return rx.flex(
        pick_box(run), row(run), align="center", spacing="1", width="100%", min_width="0"
    )
