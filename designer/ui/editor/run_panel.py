"""The run tab: the run on show (status, models compared, metrics, charts, artifacts), the
selected node's log, and the flow's run history."""

from __future__ import annotations

import reflex as rx

from designer.ui.editor import compare_view
from designer.ui.editor.run_state import RunState
from designer.ui.editor.state import EditorState
from designer.ui.editor.views import STATUS_COLORS


def status_badge(status: rx.Var) -> rx.Component:
    return rx.badge(
        status,
        color_scheme=rx.match(status, *STATUS_COLORS.items(), "gray"),
        variant="soft",
        custom_attrs={"data-testid": "status-badge", "data-status": status},
    )


def section(title: str, *children: rx.Component) -> rx.Component:
    return rx.flex(
        rx.text(title, class_name="panel-subtitle"), *children, direction="column", spacing="2"
    )


def run_summary() -> rx.Component:
    return rx.card(
        rx.flex(
            rx.flex(
                status_badge(RunState.run_status),
                rx.text(f"version {RunState.run_version}", size="1", color_scheme="gray"),
                rx.text(RunState.run_engine, size="1", color_scheme="gray"),
                rx.spacer(),
                rx.cond(
                    RunState.running,
                    rx.button(
                        "Cancel",
                        size="1",
                        variant="soft",
                        color_scheme="red",
                        on_click=RunState.cancel_run,
                    ),
                    rx.button(
                        "Hide",
                        size="1",
                        variant="ghost",
                        color_scheme="gray",
                        on_click=RunState.clear_run,
                    ),
                ),
                align="center",
                spacing="2",
            ),
            rx.text(
                "Started " + RunState.run_started + " · " + RunState.run_duration,
                size="1",
                color_scheme="gray",
            ),
            rx.cond(
                RunState.run_error != "",
                rx.callout(RunState.run_error, icon="circle-x", color_scheme="red", size="1"),
            ),
            rx.cond(
                RunState.run_url != "",
                rx.link("Open in Kubeflow", href=RunState.run_url, is_external=True, size="2"),
            ),
            direction="column",
            spacing="2",
        ),
        custom_attrs={"data-testid": "run-summary", "data-status": RunState.run_status},
    )


def metric_card(metric: rx.Var) -> rx.Component:
    return rx.box(
        rx.text(metric["label"], size="1", color_scheme="gray"),
        rx.text(metric["text"], size="5", weight="bold"),
        rx.text(metric["node"], size="1", color_scheme="gray"),
        class_name="metric-card",
        custom_attrs={"data-testid": "metric", "data-label": metric["label"]},
    )


def matrix_cell(cell: rx.Var) -> rx.Component:
    return rx.el.td(
        cell["text"],
        class_name="matrix-cell",
        style={
            "background": "color-mix(in srgb, var(--accent-9) "
            + cell["alpha"].to(str)
            + ", transparent)",
            "color": rx.cond(cell["dark"].to(bool), "white", "var(--gray-12)"),
        },
    )


def confusion_matrix(matrix: rx.Var) -> rx.Component:
    return rx.box(
        rx.text("Confusion matrix · " + matrix["node"].to(str), size="2", weight="medium"),
        rx.text("Rows: true class. Columns: predicted class.", size="1", color_scheme="gray"),
        rx.el.table(
            rx.el.thead(
                rx.el.tr(
                    rx.el.th(""),
                    rx.foreach(
                        matrix["categories"].to(list[str]),
                        lambda c: rx.el.th(c, class_name="matrix-head"),
                    ),
                )
            ),
            rx.el.tbody(
                rx.foreach(
                    matrix["rows"].to(list[dict]),
                    lambda row: rx.el.tr(
                        rx.el.th(row["label"], class_name="matrix-head"),
                        rx.foreach(row["cells"].to(list[dict]), matrix_cell),
                    ),
                )
            ),
            class_name="matrix",
        ),
        custom_attrs={"data-testid": "confusion-matrix"},
    )


def roc_chart(roc: rx.Var) -> rx.Component:
    return rx.box(
        rx.text(
            "ROC curve · " + roc["node"].to(str) + " · AUC " + roc["auc"].to(str),
            size="2",
            weight="medium",
        ),
        rx.recharts.line_chart(
            rx.recharts.line(
                data_key="tpr",
                stroke="var(--accent-9)",
                dot=False,
                type_="linear",
                is_animation_active=False,
            ),
            rx.recharts.x_axis(
                data_key="fpr",
                type_="number",
                domain=[0, 1],
                tick_count=6,
                label={"value": "false positive rate", "position": "insideBottom", "offset": -4},
            ),
            rx.recharts.y_axis(domain=[0, 1], tick_count=6, width=36),
            rx.recharts.cartesian_grid(stroke_dasharray="3 3"),
            data=roc["points"].to(list[dict]),
            width="100%",
            height=220,
        ),
        custom_attrs={"data-testid": "roc-curve"},
    )


def residuals(summary: rx.Var) -> rx.Component:
    return rx.box(
        rx.text(
            "Residuals (true minus predicted) · " + summary["node"].to(str),
            size="2",
            weight="medium",
        ),
        rx.grid(
            rx.foreach(
                summary["items"].to(list[dict]),
                lambda item: rx.flex(
                    rx.text(item["label"], size="1", color_scheme="gray"),
                    rx.text(item["text"], size="2", weight="medium"),
                    direction="column",
                ),
            ),
            columns="3",
            spacing="2",
        ),
        custom_attrs={"data-testid": "residuals"},
    )


def artifact_row(artifact: rx.Var) -> rx.Component:
    return rx.flex(
        rx.flex(
            rx.text(artifact["node"].to(str) + "." + artifact["port"].to(str), size="2"),
            rx.text(
                artifact["type"].to(str) + " " + artifact["size"].to(str),
                size="1",
                color_scheme="gray",
            ),
            direction="column",
        ),
        rx.spacer(),
        rx.cond(
            artifact["downloadable"].to(bool),
            # A plain link to the REST API (the session cookie signs it in): the browser
            # streams the file to disk itself, however large, instead of the websocket.
            rx.icon_button(
                rx.el.a(
                    rx.icon("download", size=14),
                    href=artifact["href"].to(str),
                    download=True,
                    reload_document=True,
                    custom_attrs={"aria-label": "Download", "data-testid": "download-artifact"},
                ),
                as_child=True,
                size="1",
                variant="soft",
            ),
            rx.tooltip(
                rx.icon("info", size=14, color="var(--gray-9)"), content=artifact["reason"].to(str)
            ),
        ),
        align="center",
    )


def node_detail() -> rx.Component:
    run = RunState.node_run
    return rx.card(
        rx.flex(
            rx.flex(
                rx.code(run["id"], size="2"),
                status_badge(run["status"].to(str)),
                rx.text(run["duration"], size="1", color_scheme="gray"),
                align="center",
                spacing="2",
            ),
            rx.cond(
                run["error"] != "",
                rx.callout(
                    run["error"],
                    icon="circle-x",
                    color_scheme="red",
                    size="1",
                    custom_attrs={"data-testid": "node-error"},
                ),
            ),
            rx.cond(
                run["log"] != "",
                rx.el.pre(
                    run["log"], class_name="node-log", custom_attrs={"data-testid": "node-log"}
                ),
                rx.text("No log yet.", size="1", color_scheme="gray"),
            ),
            rx.foreach(
                run["outputs"].to(list[dict]),
                lambda out: rx.text(
                    out["port"].to(str) + " → " + out["type"].to(str),
                    size="1",
                    color_scheme="gray",
                ),
            ),
            direction="column",
            spacing="2",
        ),
        custom_attrs={"data-testid": "node-run"},
    )


def history_row(run: rx.Var) -> rx.Component:
    return rx.el.button(
        rx.flex(
            status_badge(run["status"].to(str)),
            rx.text(run["when"], size="1"),
            rx.text("v" + run["version"].to(str), size="1", color_scheme="gray"),
            rx.spacer(),
            rx.text(run["headline"], size="1", weight="medium"),
            rx.text(run["duration"], size="1", color_scheme="gray"),
            align="center",
            spacing="2",
            width="100%",
        ),
        class_name=rx.cond(run["id"] == RunState.run_id, "history-row active", "history-row"),
        on_click=RunState.open_run(run["id"]),
        custom_attrs={"data-testid": "history-row", "data-run-id": run["id"]},
    )


def run_panel() -> rx.Component:
    return rx.flex(
        rx.cond(
            RunState.run_id != "",
            rx.flex(
                run_summary(),
                rx.cond(
                    RunState.comparisons.length() > 0,
                    section(
                        "Compare models",
                        rx.foreach(RunState.comparisons, compare_view.compare_table),
                    ),
                ),
                rx.cond(
                    EditorState.selected.length() == 1,
                    rx.cond(RunState.node_run.contains("id"), node_detail()),
                ),
                rx.cond(
                    RunState.report_metrics.length() > 0,
                    section(
                        "Metrics",
                        rx.grid(
                            rx.foreach(RunState.report_metrics, metric_card),
                            columns="2",
                            spacing="2",
                        ),
                    ),
                ),
                rx.foreach(RunState.report_matrices, confusion_matrix),
                rx.foreach(RunState.report_rocs, roc_chart),
                rx.foreach(RunState.report_residuals, residuals),
                rx.cond(
                    RunState.report_artifacts.length() > 0,
                    section("Artifacts", rx.foreach(RunState.report_artifacts, artifact_row)),
                ),
                direction="column",
                spacing="4",
            ),
            rx.flex(
                rx.center(rx.icon("play", size=22), class_name="empty-icon"),
                rx.text("No run on show", size="3", weight="medium"),
                rx.text(
                    "Press Run to train on this machine. Each block lights up as it works; "
                    "results and charts appear here.",
                    size="2",
                    color_scheme="gray",
                    align="center",
                ),
                direction="column",
                align="center",
                spacing="2",
                padding="24px 12px",
            ),
        ),
        rx.cond(
            RunState.runs.length() > 0,
            section("History", rx.foreach(RunState.runs, history_row)),
        ),
        direction="column",
        spacing="5",
        custom_attrs={"data-testid": "run-panel"},
    )


STYLE: dict[str, object] = {
    ".metric-card": {
        "padding": "10px 12px",
        "border_radius": "var(--radius-3)",
        "background": "var(--gray-2)",
        "border": "1px solid var(--gray-a4)",
    },
    ".matrix": {"border_collapse": "separate", "border_spacing": "3px", "margin_top": "6px"},
    ".matrix-head": {
        "font_size": "11px",
        "color": "var(--gray-11)",
        "font_weight": "500",
        "padding": "2px 6px",
        "text_align": "center",
    },
    ".matrix-cell": {
        "min_width": "44px",
        "height": "36px",
        "text_align": "center",
        "border_radius": "var(--radius-2)",
        "font_size": "13px",
        "font_weight": "600",
    },
    ".node-log": {
        "max_height": "220px",
        "overflow": "auto",
        "font_size": "11px",
        "background": "var(--gray-2)",
        "padding": "8px",
        "border_radius": "var(--radius-2)",
        "white_space": "pre-wrap",
        "word_break": "break-word",
        "margin": "0",
    },
    ".history-row": {
        "display": "flex",
        "width": "100%",
        "padding": "6px 8px",
        "border": "none",
        "background": "transparent",
        "cursor": "pointer",
        "border_radius": "var(--radius-2)",
    },
    ".history-row:hover": {"background": "var(--gray-3)"},
    ".history-row.active": {"background": "var(--accent-3)"},
    **compare_view.STYLE,
}
