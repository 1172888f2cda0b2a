"""What a run measured, drawn for the run tab: metric cards with their averaging, the
per-class table, the confusion matrix, the ROC curve and a regression's residuals.

Each takes the view data ``RunState`` holds (``run_views``) and fits the side panel's width.
"""

from __future__ import annotations

import reflex as rx

from designer.ui.editor.run_views import ROC_TICKS


def metric_card(metric: rx.Var) -> rx.Component:
    return rx.box(
        rx.text(metric["label"], size="1", color_scheme="gray"),
        rx.text(metric["text"], size="5", weight="bold"),
        # "macro average · evaluate" for an averaged score, else the node.
        rx.text(metric["detail"], size="1", color_scheme="gray", class_name="one-line"),
        class_name="metric-card",
        custom_attrs={
            "data-testid": "metric",
            "data-label": metric["label"],
            "data-average": metric["average"],
            "title": metric["detail"],
        },
    )


def averaging_note(note: rx.Var) -> rx.Component:
    return rx.text(
        note["text"],
        size="1",
        color_scheme="gray",
        custom_attrs={"data-testid": "metric-average"},
    )


def class_table(table: rx.Var) -> rx.Component:
    """Each class's precision, recall, F1 and test rows: what the averages above average."""
    headers = ("Class", "Precision", "Recall", "F1", "Test rows")
    return rx.box(
        rx.text("Each class · " + table["node"].to(str), size="2", weight="medium"),
        rx.text(
            "The summary scores are the " + table["average_text"].to(str) + ".",
            size="1",
            color_scheme="gray",
        ),
        rx.box(
            rx.el.table(
                rx.el.thead(rx.el.tr(*[rx.el.th(h) for h in headers])),
                rx.el.tbody(
                    rx.foreach(
                        table["rows"].to(list[dict]),
                        lambda row: rx.el.tr(
                            rx.el.th(
                                row["category"].to(str),
                                scope="row",
                                title=row["category"].to(str),
                                class_name="class-name",
                            ),
                            rx.el.td(row["precision"].to(str)),
                            rx.el.td(row["recall"].to(str)),
                            rx.el.td(row["f1"].to(str)),
                            rx.el.td(row["support"].to(str)),
                            custom_attrs={
                                "data-testid": "class-row",
                                "data-class": row["category"].to(str),
                            },
                        ),
                    )
                ),
                class_name="class-table",
            ),
            class_name="wide-scroll",
        ),
        custom_attrs={"data-testid": "class-scores", "data-node": table["node"].to(str)},
    )


def matrix_cell(cell: rx.Var) -> rx.Component:
    return rx.el.td(
        cell["text"],
        class_name="matrix-cell",
        style={
            "background": "color-mix(in srgb, var(--accent-9) "
            + cell["alpha"].to(str)
            + ", transparent)",
            "color": rx.cond(cell["dark"].to(bool), "var(--accent-contrast)", "var(--gray-12)"),
        },
    )


def confusion_matrix(matrix: rx.Var) -> rx.Component:
    return rx.box(
        rx.text("Confusion matrix · " + matrix["node"].to(str), size="2", weight="medium"),
        rx.text("Rows: true class. Columns: predicted class.", size="1", color_scheme="gray"),
        rx.box(
            _matrix_table(matrix),
            class_name="wide-scroll",
        ),
        custom_attrs={"data-testid": "confusion-matrix"},
    )


def _matrix_table(matrix: rx.Var) -> rx.Component:
    return rx.el.table(
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
    )


#: Room around the ROC plot for the axis titles (the left one turned on its side).
ROC_MARGIN = {"top": 8, "right": 12, "bottom": 28, "left": 8}
#: Both axes run 0 to 1 and show every tick, 0.8 included, however narrow the panel.
ROC_AXIS = {"type_": "number", "domain": [0, 1], "ticks": ROC_TICKS, "interval": 0}
#: Passed to recharts as they are: the keys are React's (camelCase), not Reflex's.
AXIS_TITLE = {"fill": "var(--gray-11)", "fontSize": 11, "textAnchor": "middle"}


def roc_chart(roc: rx.Var) -> rx.Component:
    return rx.box(
        rx.text(roc["title"].to(str), size="2", weight="medium"),
        rx.cond(roc["about"] != "", rx.text(roc["about"].to(str), size="1", color_scheme="gray")),
        rx.recharts.line_chart(
            rx.recharts.cartesian_grid(stroke_dasharray="3 3"),
            # Guessing draws the diagonal: the further above it, the better.
            rx.recharts.reference_line(
                segment=[{"x": 0, "y": 0}, {"x": 1, "y": 1}],
                stroke="var(--gray-8)",
                stroke_dasharray="4 4",
                if_overflow="visible",
            ),
            rx.recharts.line(
                data_key="tpr",
                stroke="var(--accent-9)",
                stroke_width=2,
                dot=False,
                type_="linear",
                is_animation_active=False,
            ),
            rx.recharts.x_axis(
                data_key="fpr",
                label={
                    "value": "False positive rate",
                    "position": "insideBottom",
                    "offset": -16,
                    "style": AXIS_TITLE,
                },
                height=36,
                **ROC_AXIS,
            ),
            rx.recharts.y_axis(
                label={
                    "value": "True positive rate",
                    "angle": -90,
                    "position": "insideLeft",
                    "offset": 4,
                    "style": AXIS_TITLE,
                },
                width=60,
                **ROC_AXIS,
            ),
            data=roc["points"].to(list[dict]),
            margin=ROC_MARGIN,
            width="100%",
            height=280,
        ),
        class_name="chart-box",
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
