"""The datasets page (``/datasets``): upload a table, find one, open it, delete it.

What a row offers follows the person's role on that dataset (the store checks it again).
The storage callout and the delete dialog are shared with the dataset's own page.
"""

from __future__ import annotations

import reflex as rx

from designer.ui import dataset_views as views
from designer.ui.confirm import confirm_dialog, confirm_note, delete_label
from designer.ui.datasets_state import DatasetsState, DeleteState, StorageState
from designer.ui.shell import app_header
from designer.ui.upload_zone import upload_zone

#: How long the search box waits after the last key before it asks.
SEARCH_DEBOUNCE_MS = 300


def storage_callout() -> rx.Component:
    return rx.cond(
        StorageState.problem != "",
        rx.callout(
            StorageState.problem,
            icon="cloud_off",
            color_scheme="amber",
            margin_bottom="16px",
            custom_attrs={"data-testid": "storage-problem"},
        ),
    )


def delete_dialog() -> rx.Component:
    return confirm_dialog(
        title="Delete this dataset?",
        description="“" + DeleteState.name + "” and all its versions will be deleted. "
        "This cannot be undone.",
        confirm=delete_label(DeleteState.in_use),
        on_confirm=DeleteState.confirm,
        on_cancel=DeleteState.cancel,
        open=DeleteState.dataset_id != "",
        testid="confirm-delete",
        extra=(confirm_note(DeleteState.in_use, "dataset-in-use"),),
    )


def _muted(text: rx.Var | str, **props: object) -> rx.Component:
    props.setdefault("size", "2")
    return rx.text(text, color_scheme="gray", **props)


def dataset_row(dataset: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.cell(
            rx.flex(
                rx.link(
                    rx.text(dataset["name"], weight="medium"),
                    href=dataset["href"].to(str),
                    custom_attrs={"data-testid": "open-dataset"},
                ),
                rx.badge(dataset["version"], variant="soft", color_scheme="gray", size="1"),
                rx.cond(
                    dataset["shared"].to(bool),
                    rx.badge(
                        rx.icon("users", size=11),
                        "shared",
                        variant="soft",
                        color_scheme="green",
                        size="1",
                        custom_attrs={"data-testid": "dataset-shared"},
                    ),
                ),
                rx.cond(
                    ~dataset["is_owner"].to(bool),
                    rx.badge(dataset["role"], variant="outline", color_scheme="gray", size="1"),
                ),
                align="center",
                spacing="2",
            ),
        ),
        rx.table.cell(_muted(dataset["shape"])),
        rx.table.cell(_muted(dataset["size"]), white_space="nowrap"),
        rx.table.cell(_muted(dataset["format"])),
        rx.table.cell(_muted(dataset["owner"])),
        rx.table.cell(
            _muted(dataset["updated"], title=dataset["updated_exact"].to(str)), white_space="nowrap"
        ),
        rx.table.cell(
            rx.cond(
                dataset["is_owner"].to(bool),
                rx.icon_button(
                    rx.icon("trash_2", size=15),
                    variant="ghost",
                    color_scheme="gray",
                    on_click=DeleteState.ask(dataset["id"], dataset["name"], False),
                    custom_attrs={"data-testid": "delete-dataset", "aria-label": "Delete"},
                ),
            ),
            text_align="right",
        ),
        custom_attrs={"data-testid": "dataset-row", "data-dataset-id": dataset["id"]},
    )


def datasets_table() -> rx.Component:
    return rx.table.root(
        rx.table.header(
            rx.table.row(
                *[
                    rx.table.column_header_cell(title)
                    for title in (
                        "Dataset",
                        f"Rows {views.TIMES} columns",
                        "Size",
                        "Format",
                        "Owner",
                        "Updated",
                        "",
                    )
                ]
            )
        ),
        rx.table.body(rx.foreach(DatasetsState.datasets, dataset_row)),
        variant="surface",
        width="100%",
    )


def empty_state() -> rx.Component:
    searching = DatasetsState.query != ""
    return rx.flex(
        rx.center(rx.icon("database", size=26), class_name="empty-icon"),
        rx.heading(
            rx.cond(
                searching,
                "No dataset matches “" + DatasetsState.query + "”",
                rx.cond(
                    DatasetsState.scope == "shared",
                    "Nothing shared with you yet",
                    "No datasets yet",
                ),
            ),
            size="5",
        ),
        rx.text(
            rx.cond(
                searching,
                "The search looks at dataset names, file names and column names.",
                "Upload a CSV or Parquet file above: it is checked, profiled and kept in versions "
                "your flows can read.",
            ),
            color_scheme="gray",
            align="center",
            max_width="440px",
        ),
        direction="column",
        align="center",
        spacing="3",
        padding="56px 0",
        custom_attrs={"data-testid": "no-datasets"},
    )


def toolbar() -> rx.Component:
    return rx.flex(
        rx.tabs.root(
            rx.tabs.list(
                *[
                    rx.tabs.trigger(
                        label, value=value, custom_attrs={"data-testid": f"scope-{value}"}
                    )
                    for value, label in views.SCOPES
                ]
            ),
            value=DatasetsState.scope,
            on_change=DatasetsState.show,
        ),
        rx.input(
            rx.input.slot(rx.icon("search", size=15)),
            value=DatasetsState.query,
            on_change=DatasetsState.search,
            debounce_timeout=SEARCH_DEBOUNCE_MS,
            placeholder="Search names, files, columns",
            width="280px",
            custom_attrs={"data-testid": "dataset-search", "type": "search"},
        ),
        justify="between",
        align="end",
        gap="16px",
        margin_bottom="16px",
    )


def page() -> rx.Component:
    return rx.box(
        app_header(),
        rx.el.main(
            rx.heading("Datasets", size="7", margin_bottom="4px"),
            rx.text(
                "Tables your flows read: upload a file once, use it in any flow, share it.",
                color_scheme="gray",
                margin_bottom="20px",
            ),
            storage_callout(),
            upload_zone(
                url=views.upload_url(),
                max_bytes=StorageState.max_upload_bytes,
                ask_name=True,
                on_uploaded=DatasetsState.uploaded,
                margin_bottom="28px",
            ),
            toolbar(),
            rx.cond(
                DatasetsState.error != "",
                rx.callout(DatasetsState.error, icon="triangle_alert", color_scheme="red"),
                rx.cond(
                    ~DatasetsState.loaded,
                    rx.center(rx.spinner(size="3"), padding="64px"),
                    rx.cond(DatasetsState.datasets.length() > 0, datasets_table(), empty_state()),
                ),
            ),
            delete_dialog(),
            max_width="1040px",
            margin="0 auto",
            padding="40px 24px 64px",
        ),
        class_name="app",
    )
