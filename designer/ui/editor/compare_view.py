"""The run tab's "Compare models" table: metrics as rows, one column per evaluated model, the
best value of each row highlighted and the overall winner's header badged.

It draws a ``designer.runs.compare.Comparison`` as is; browser tests find it by its
data-testids: ``compare-table``, ``compare-column`` (``data-node``, ``data-best``),
``compare-best`` (the badge), ``compare-cell`` (``data-node``, ``data-metric``, ``data-best``).
"""

from __future__ import annotations

import reflex as rx


def _flag(value: rx.Var) -> rx.Var:
    """A boolean as the "true"/"false" text tests and CSS selectors read."""
    return rx.cond(value.to(bool), "true", "false")


def _column_head(column: rx.Var, best_by_label: rx.Var) -> rx.Component:
    return rx.el.th(
        rx.flex(
            rx.text(column["label"].to(str), size="1", weight="medium"),
            rx.cond(
                column["best"].to(bool),
                rx.badge(
                    "best by " + best_by_label.to(str),
                    size="1",
                    variant="soft",
                    color_scheme="green",
                    custom_attrs={"data-testid": "compare-best"},
                ),
            ),
            direction="column",
            align="end",
            spacing="1",
        ),
        class_name="compare-head",
        custom_attrs={
            "data-testid": "compare-column",
            "data-node": column["node"].to(str),
            "data-best": _flag(column["best"]),
        },
    )


def _cell(cell: rx.Var, metric: rx.Var) -> rx.Component:
    return rx.el.td(
        cell["text"].to(str),
        class_name=rx.cond(cell["best"].to(bool), "compare-cell best", "compare-cell"),
        custom_attrs={
            "data-testid": "compare-cell",
            "data-node": cell["node"].to(str),
            "data-metric": metric.to(str),
            "data-best": _flag(cell["best"]),
        },
    )


def _row(row: rx.Var) -> rx.Component:
    return rx.el.tr(
        rx.el.th(row["label"].to(str), class_name="compare-metric", scope="row"),
        rx.foreach(row["cells"].to(list[dict]), lambda cell: _cell(cell, row["name"])),
    )


def compare_table(comparison: rx.Var) -> rx.Component:
    """One comparison (one kind of model); scrolls sideways when the panel is narrow, the
    metric names staying in view."""
    columns = comparison["columns"].to(list[dict])
    return rx.flex(
        rx.cond(
            columns.length() > 2,
            rx.text(
                columns.length().to(str) + " models; scroll sideways when some are out of view.",
                size="1",
                color_scheme="gray",
                custom_attrs={"data-testid": "compare-hint"},
            ),
        ),
        rx.box(
            rx.el.table(
                rx.el.thead(
                    rx.el.tr(
                        rx.el.th(
                            comparison["kind"].to(str), class_name="compare-metric compare-kind"
                        ),
                        rx.foreach(
                            columns,
                            lambda column: _column_head(column, comparison["best_by_label"]),
                        ),
                    )
                ),
                rx.el.tbody(rx.foreach(comparison["rows"].to(list[dict]), _row)),
                class_name="compare",
            ),
            class_name="compare-scroll",
            tab_index=0,  # reachable and scrollable from the keyboard too
            custom_attrs={
                "data-testid": "compare-table",
                "data-kind": comparison["kind"].to(str),
            },
        ),
        direction="column",
        spacing="1",
    )


STYLE: dict[str, object] = {
    # The panel's flex items take their content's width as a minimum; inline-size containment
    # keeps the table's width out of that, so the table scrolls sideways inside the panel
    # instead of pushing the whole panel wider.
    ".compare-scroll": {
        "overflow_x": "auto",
        "contain": "inline-size",
        "scrollbar_width": "thin",
        "padding_bottom": "4px",
    },
    ".compare": {"border_collapse": "collapse", "width": "100%", "font_size": "13px"},
    ".compare th, .compare td": {
        "padding": "4px 8px",
        "border_bottom": "1px solid var(--gray-a4)",
        "text_align": "right",
        "white_space": "nowrap",
    },
    ".compare .compare-head": {
        "vertical_align": "bottom",
        "white_space": "normal",
        # The panel breaks long words anywhere; a model's name reads better broken at spaces.
        "overflow_wrap": "normal",
        "min_width": "84px",
    },
    # The metric names stay put while the models scroll sideways under them.
    ".compare .compare-metric": {
        "text_align": "left",
        "font_weight": "400",
        "color": "var(--gray-11)",
        "position": "sticky",
        "left": "0",
        "z_index": "1",
        "background": "var(--color-panel-solid)",
    },
    ".compare .compare-kind": {"font_size": "11px", "text_transform": "capitalize"},
    ".compare-cell": {"font_variant_numeric": "tabular-nums"},
    ".compare-cell.best": {"font_weight": "700", "background": "var(--green-a3)"},
}
