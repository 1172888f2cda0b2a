"""The run tab: the run on show (status, models compared, what it measured, artifacts), the
selected node's log, and the flow's run history. The measurements are drawn in
``run_results``.

Laid out for the side panel's width (360 px by default, 300 px at the least): charts take the
panel's width, wide tables (many classes, many models) scroll sideways inside it, neither of a
history row's two lines wraps. A share link's visitor sees the owner's latest results,
read-only.
"""

from __future__ import annotations

import reflex as rx

from designer.ui.compare.views import compare_selected, pickable
from designer.ui.editor import compare_view, run_history_panel
from designer.ui.editor.run_history_panel import (
    ONE_LINE,
    cached_from,
    history_row,
    rerun_button,
    status_badge,
)
from designer.ui.editor.run_results import (
    averaging_note,
    class_table,
    confusion_matrix,
    metric_card,
    residuals,
    roc_chart,
)
from designer.ui.editor.run_state import RunState
from designer.ui.editor.schedule_views import schedules_section
from designer.ui.editor.state import EditorState


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
                rx.text(
                    rx.cond(RunState.run_engine == "kubeflow", "on Kubeflow", "on this machine"),
                    size="1",
                    color_scheme="gray",
                    custom_attrs={"data-testid": "run-engine"},
                ),
                rx.spacer(),
                rx.cond(
                    RunState.link_view,
                    rx.fragment(),
                    rx.cond(
                        RunState.running,
                        rx.button(
                            "Cancel",
                            size="1",
                            variant="soft",
                            color_scheme="red",
                            on_click=RunState.cancel_run,
                            custom_attrs={"data-testid": "run-cancel"},
                        ),
                        rx.button(
                            "Hide",
                            size="1",
                            variant="ghost",
                            color_scheme="gray",
                            on_click=RunState.clear_run,
                        ),
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
                RunState.run_progress != "",
                rx.text(
                    RunState.run_progress,
                    size="1",
                    color_scheme="gray",
                    custom_attrs={"data-testid": "run-progress"},
                ),
            ),
            rx.cond(
                RunState.run_arguments != "",
                rx.text(
                    "Parameters: " + RunState.run_arguments,
                    size="1",
                    color_scheme="gray",
                    custom_attrs={"data-testid": "run-arguments"},
                ),
            ),
            rx.foreach(
                RunState.run_notes,
                lambda note: rx.callout(
                    note,
                    icon="info",
                    size="1",
                    color_scheme="gray",
                    custom_attrs={"data-testid": "run-note"},
                ),
            ),
            rx.cond(
                RunState.link_view,
                rx.text(
                    "The latest results of the owner's run, to look at: a shared link cannot "
                    "run the flow.",
                    size="1",
                    color_scheme="gray",
                    custom_attrs={"data-testid": "link-results"},
                ),
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
                rx.spacer(),
                rerun_button(run),
                align="center",
                spacing="2",
            ),
            rx.cond(run["cached_from"].to(str) != "", cached_from(run)),
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


def no_run() -> rx.Component:
    """What the tab says with no run on show, in words that fit who is looking."""
    said = rx.cond(
        RunState.link_view,
        "This flow was shared with you to look at. Its owner has no finished run to show yet; "
        "its results appear here after they run it.",
        rx.cond(
            EditorState.mode == "template",
            "Use this template to get your own copy; press Run there to train it. Results "
            "and charts appear here.",
            "Press Run to train on this machine. Each block lights up as it works; "
            "results and charts appear here.",
        ),
    )
    return rx.flex(
        rx.center(rx.icon("play", size=22), class_name="empty-icon"),
        rx.text(
            rx.cond(RunState.link_view, "No results yet", "No run on show"),
            size="3",
            weight="medium",
        ),
        rx.text(said, size="2", color_scheme="gray", align="center"),
        direction="column",
        align="center",
        spacing="2",
        padding="24px 12px",
        custom_attrs={"data-testid": "no-run"},
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
                # A link's visitor sees results only: logs and files stay with the flow's people.
                rx.cond(
                    (EditorState.selected.length() == 1) & ~RunState.link_view,
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
                        rx.foreach(RunState.report_averages, averaging_note),
                    ),
                ),
                rx.foreach(RunState.report_classes, class_table),
                rx.foreach(RunState.report_matrices, confusion_matrix),
                rx.foreach(RunState.report_rocs, roc_chart),
                rx.foreach(RunState.report_residuals, residuals),
                rx.cond(
                    (RunState.report_artifacts.length() > 0) & ~RunState.link_view,
                    section("Artifacts", rx.foreach(RunState.report_artifacts, artifact_row)),
                ),
                direction="column",
                spacing="4",
            ),
            no_run(),
        ),
        schedules_section(),
        rx.cond(
            RunState.runs.length() > 0,
            section(
                "History",
                compare_selected(),
                rx.foreach(RunState.runs, lambda run: pickable(run, history_row)),
            ),
        ),
        direction="column",
        spacing="5",
        custom_attrs={"data-testid": "run-panel"},
    )


STYLE: dict[str, object] = {
    ".one-line": ONE_LINE,
    ".metric-card": {
        "padding": "10px 12px",
        "border_radius": "var(--radius-3)",
        "background": "var(--gray-2)",
        "border": "1px solid var(--gray-a4)",
        "min_width": "0",
    },
    # Tables wider than the panel (many classes) scroll sideways inside it instead of pushing
    # it wider; inline-size containment keeps their width out of the panel's own.
    ".wide-scroll": {"overflow_x": "auto", "contain": "inline-size", "max_width": "100%"},
    # The chart's responsive container measures this box: never wider than the panel.
    ".chart-box": {"width": "100%", "min_width": "0", "overflow": "hidden"},
    ".class-table": {
        "border_collapse": "collapse",
        "width": "100%",
        "font_size": "12px",
        "margin_top": "6px",
    },
    ".class-table th, .class-table td": {
        "padding": "3px 6px",
        "border_bottom": "1px solid var(--gray-a4)",
        "text_align": "right",
        "white_space": "nowrap",
        "font_variant_numeric": "tabular-nums",
    },
    ".class-table thead th": {"font_weight": "500", "color": "var(--gray-11)"},
    ".class-table .class-name": {
        "text_align": "left",
        "font_weight": "500",
        "max_width": "120px",
        **ONE_LINE,
    },
    ".class-table thead th:first-child": {"text_align": "left"},
    ".matrix": {"border_collapse": "separate", "border_spacing": "3px", "margin_top": "6px"},
    ".matrix-head": {
        "font_size": "11px",
        "color": "var(--gray-11)",
        "font_weight": "500",
        "padding": "2px 6px",
        "text_align": "center",
        "max_width": "96px",
        **ONE_LINE,
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
    **compare_view.STYLE,
    **run_history_panel.STYLE,
}
