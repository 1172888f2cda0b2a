"""One dataset's page (``/datasets/[dataset_id]``): its versions, columns, first rows, sharing.

Everyone who may see the dataset picks a version, downloads it and reads its profile; editors
upload new versions; the owner shares and deletes it.
"""

from __future__ import annotations

import reflex as rx

from designer.ui.datasets import delete_dialog, storage_callout
from designer.ui.datasets_state import DatasetState, DeleteState, StorageState
from designer.ui.item_page import back_link, once_loaded
from designer.ui.share_dialog import access_list, people_form
from designer.ui.shell import app_header
from designer.ui.upload_zone import upload_zone

#: A column's histogram: a row of bars standing on a base line, heights set per bar.
HISTOGRAM_STYLE = {
    "display": "flex",
    "align_items": "flex-end",
    "gap": "2px",
    "width": "120px",
    "height": "28px",
    "padding_bottom": "1px",
    "border_bottom": "1px solid var(--gray-a6)",
}
BAR_STYLE = {
    "flex": "1",
    "min_width": "3px",
    "background": "var(--accent-8)",
    "border_radius": "1px 1px 0 0",
}


def _section(title: str, *children: rx.Component, **props: object) -> rx.Component:
    return rx.flex(rx.heading(title, size="4"), *children, direction="column", gap="10px", **props)


def _muted(text: rx.Var | str, **props: object) -> rx.Component:
    props.setdefault("size", "2")
    return rx.text(text, color_scheme="gray", **props)


def histogram(bars: rx.Var) -> rx.Component:
    return rx.el.div(
        rx.foreach(
            bars.to(list[dict[str, str]]),
            lambda bar: rx.el.div(style={**BAR_STYLE, "height": bar["height"]}, title=bar["title"]),
        ),
        style=HISTOGRAM_STYLE,
        custom_attrs={"data-testid": "column-histogram"},
    )


def column_row(column: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(
            rx.flex(
                rx.text(column["name"], weight="medium"),
                rx.cond(
                    column["is_target"].to(bool),
                    rx.badge(rx.icon("target", size=11), "target", size="1", variant="soft"),
                ),
                align="center",
                gap="6px",
            )
        ),
        rx.table.cell(
            rx.badge(column["type"], color_scheme=column["color"].to(str), variant="soft")
        ),
        rx.table.cell(
            rx.text(
                column["missing"],
                size="2",
                color_scheme=rx.cond(column["has_missing"].to(bool), "amber", "gray"),
            ),
            text_align="right",
        ),
        rx.table.cell(_muted(column["distinct"]), text_align="right"),
        rx.table.cell(_muted(column["summary"])),
        rx.table.cell(
            rx.cond(column["bars"].to(list).length() > 0, histogram(column["bars"])),
            padding_y="6px",
        ),
        align="center",
        custom_attrs={"data-testid": "column-row", "data-column": column["name"]},
    )


def columns_table() -> rx.Component:
    headers = ("Column", "Type", "Missing", "Distinct", "Values", "Distribution")
    return rx.table.root(
        rx.table.header(
            rx.table.row(
                *[
                    rx.table.column_header_cell(
                        title, text_align="right" if title in ("Missing", "Distinct") else "left"
                    )
                    for title in headers
                ]
            )
        ),
        rx.table.body(rx.foreach(DatasetState.columns, column_row)),
        variant="surface",
        size="1",
        width="100%",
        custom_attrs={"data-testid": "dataset-columns"},
    )


def preview_table(
    headers: rx.Var = DatasetState.preview_headers,
    rows: rx.Var = DatasetState.preview_rows,
    testid: str = "dataset-preview",
) -> rx.Component:
    """A table's first rows (the dataset page's version by default; the guided start passes
    its own)."""
    return rx.box(
        rx.table.root(
            rx.table.header(
                rx.table.row(
                    rx.foreach(
                        headers,
                        lambda name: rx.table.column_header_cell(name, white_space="nowrap"),
                    )
                )
            ),
            rx.table.body(
                rx.foreach(
                    rows,
                    lambda row: rx.table.row(
                        rx.foreach(row, lambda cell: rx.table.cell(cell, white_space="nowrap")),
                        custom_attrs={"data-testid": "preview-row"},
                    ),
                )
            ),
            variant="surface",
            size="1",
            custom_attrs={"data-testid": testid},
        ),
        overflow_x="auto",
    )


def version_bar() -> rx.Component:
    return rx.card(
        rx.flex(
            rx.flex(
                rx.text("Version", size="2", weight="medium"),
                rx.select.root(
                    rx.select.trigger(
                        min_width="340px", custom_attrs={"data-testid": "version-picker"}
                    ),
                    rx.select.content(
                        rx.foreach(
                            DatasetState.versions,
                            lambda v: rx.select.item(v["label"], value=v["value"]),
                        ),
                        position="popper",
                    ),
                    value=DatasetState.number,
                    on_change=DatasetState.pick_version,
                ),
                align="center",
                gap="10px",
            ),
            rx.flex(
                _muted(
                    DatasetState.facts["shape"].to(str)
                    + " · "
                    + DatasetState.facts["size"].to(str)
                    + " · "
                    + DatasetState.facts["format"].to(str),
                    custom_attrs={"data-testid": "version-facts"},
                ),
                rx.button(
                    rx.el.a(
                        rx.icon("download", size=15),
                        "Download",
                        href=DatasetState.facts["download"].to(str),
                        download=DatasetState.facts["filename"].to(str),
                        custom_attrs={"data-testid": "download-dataset"},
                    ),
                    as_child=True,
                    variant="soft",
                ),
                align="center",
                gap="14px",
            ),
            justify="between",
            align="center",
            wrap="wrap",
            gap="12px",
        ),
        size="2",
    )


def target_callout() -> rx.Component:
    return rx.cond(
        DatasetState.target != "",
        rx.callout.root(
            rx.callout.icon(rx.icon("target")),
            rx.flex(
                rx.callout.text(
                    DatasetState.target,
                    weight="medium",
                    custom_attrs={"data-testid": "likely-target"},
                ),
                rx.callout.text(
                    DatasetState.target_reason,
                    custom_attrs={"data-testid": "likely-target-reason"},
                ),
                direction="column",
                gap="2px",
            ),
            size="1",
            color_scheme="indigo",
        ),
    )


def sharing_card() -> rx.Component:
    return rx.card(
        _section(
            "Who can use it",
            rx.cond(DatasetState.is_owner, people_form(DatasetState)),
            access_list(DatasetState, can_remove=DatasetState.is_owner),
        ),
        size="2",
        custom_attrs={"data-testid": "dataset-sharing"},
    )


def new_version_card() -> rx.Component:
    return rx.card(
        _section(
            "Add a version",
            _muted("A changed file becomes the next version; flows pinned to a version keep it."),
            upload_zone(
                url=DatasetState.upload_url,
                max_bytes=StorageState.max_upload_bytes,
                label="Drop the new file here, or click to choose it",
                on_uploaded=DatasetState.version_uploaded,
            ),
        ),
        size="2",
        custom_attrs={"data-testid": "new-version"},
    )


def title_row() -> rx.Component:
    return rx.flex(
        rx.flex(
            rx.heading(DatasetState.name, size="7", custom_attrs={"data-testid": "dataset-name"}),
            rx.flex(
                _muted("Owner: " + DatasetState.owner),
                rx.badge(
                    DatasetState.role_sentence,
                    variant="soft",
                    color_scheme=rx.cond(DatasetState.can_edit, "green", "gray"),
                    custom_attrs={"data-testid": "dataset-role"},
                ),
                align="center",
                gap="10px",
            ),
            direction="column",
            gap="6px",
        ),
        rx.cond(
            DatasetState.is_owner,
            rx.button(
                rx.icon("trash_2", size=15),
                "Delete",
                variant="soft",
                color_scheme="red",
                on_click=DeleteState.ask(DatasetState.dataset_id, DatasetState.name, True),
                custom_attrs={"data-testid": "delete-dataset"},
            ),
        ),
        justify="between",
        align="start",
    )


def dataset_view() -> rx.Component:
    return rx.flex(
        title_row(),
        version_bar(),
        target_callout(),
        _section("Columns", columns_table()),
        _section(
            "Preview",
            _muted("The first rows of this version, as the flows will read them."),
            preview_table(),
        ),
        rx.grid(
            rx.cond(DatasetState.can_edit, new_version_card()),
            sharing_card(),
            columns=rx.breakpoints(initial="1", md="2"),
            gap="20px",
        ),
        direction="column",
        gap="24px",
    )


def page() -> rx.Component:
    return rx.box(
        app_header(),
        rx.el.main(
            back_link("Datasets", "/datasets", "back-to-datasets"),
            storage_callout(),
            once_loaded(
                dataset_view(),
                loaded=DatasetState.loaded,
                error=DatasetState.error,
                error_testid="dataset-error",
            ),
            delete_dialog(),
            max_width="1040px",
            margin="0 auto",
            padding="32px 24px 64px",
        ),
        class_name="app",
    )
