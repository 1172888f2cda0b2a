"""The compare page (``/runs/compare?runs=a,b,c``): two to eight runs side by side.

As Kubeflow's "Compare runs" page: the run parameters and settings that differ, each evaluating
block's metrics with the better value marked, the confusion matrices next to each other, and
what changed in the flow from run to run, in words and on a read-only canvas of the last run's
flow with the blocks added or changed since the first run marked. Reached from the run history
of a flow (tick runs, "Compare selected"). The same comparison is ``GET /api/v1/runs/compare``.
"""

from __future__ import annotations

import reflex as rx

from designer.ui.canvas.component import flow_canvas
from designer.ui.compare import views
from designer.ui.compare.state import CompareState
from designer.ui.shell import app_header

#: The page's own rules, on its root (the tables' look is the run tab's, app-wide).
STYLE: dict[str, object] = {
    # As wide as the runs need, not the page: the values stay near their row's name.
    "& .compare": {"width": "auto"},
    "& .compare-head": {"min_width": "140px"},
    "& .compare-corner": {"font_size": "11px", "vertical_align": "bottom"},
    "& .step-lines": {"margin": "0", "padding_left": "20px"},
    "& .compare-canvas": {
        "height": "440px",
        "border": "1px solid var(--gray-a5)",
        "border_radius": "var(--radius-3)",
        "overflow": "hidden",
    },
}


def heading() -> rx.Component:
    return rx.flex(
        rx.flex(
            rx.heading("Compare runs", as_="h1", size="6"),
            rx.cond(
                CompareState.runs.length() > 0,
                views.muted(
                    CompareState.runs.length().to(str)
                    + " runs, oldest first · "
                    + CompareState.runs[0]["flow_name"].to(str)
                ),
            ),
            direction="column",
            spacing="1",
        ),
        rx.link(
            rx.flex(
                rx.icon("arrow-left", size=14), "Back to the flow", align="center", spacing="1"
            ),
            href=CompareState.flow_href,
            size="2",
            custom_attrs={"data-testid": "compare-back"},
        ),
        justify="between",
        align="start",
    )


def comparison() -> rx.Component:
    return rx.flex(
        views.values_section(
            "Parameters",
            CompareState.parameters,
            "compare-params",
            "param-row",
            "Every run used the same parameter values.",
        ),
        views.values_section(
            "Settings",
            CompareState.settings,
            "compare-settings",
            "setting-row",
            "Every block had the same settings, and every run was started the same way.",
        ),
        views.section(
            "Metrics",
            rx.cond(
                CompareState.metrics.length() > 0,
                rx.flex(
                    rx.foreach(CompareState.metrics, views.metric_table),
                    direction="column",
                    spacing="4",
                ),
                views.muted("None of these runs measured anything."),
            ),
            testid="compare-metrics",
        ),
        rx.cond(
            CompareState.matrices.length() > 0,
            views.section(
                "Confusion matrices",
                rx.foreach(CompareState.matrices, views.matrices_of),
                testid="compare-matrices",
            ),
        ),
        views.section(
            "Flow changes",
            rx.foreach(CompareState.steps, views.flow_step),
            views.muted(
                "The last run's flow; blocks added or changed since the first run are marked.",
                size="1",
            ),
            views.mark_legend(),
            rx.box(
                flow_canvas(
                    scene=CompareState.scene,
                    marks=CompareState.marks,
                    extra_blocks=CompareState.extra_blocks,
                    read_only=True,
                ),
                class_name="compare-canvas",
            ),
            testid="compare-flow",
        ),
        direction="column",
        spacing="6",
    )


def page() -> rx.Component:
    return rx.box(
        app_header(),
        rx.flex(
            heading(),
            rx.cond(
                CompareState.error != "",
                rx.callout(
                    CompareState.error,
                    icon="triangle_alert",
                    color_scheme="red",
                    custom_attrs={"data-testid": "compare-error"},
                ),
                rx.cond(
                    CompareState.runs.length() > 0,
                    comparison(),
                    rx.cond(~CompareState.loaded, rx.spinner()),
                ),
            ),
            direction="column",
            spacing="5",
            max_width="1136px",
            margin="0 auto",
            padding="24px",
            class_name="compare-page",
            style=STYLE,
        ),
    )
