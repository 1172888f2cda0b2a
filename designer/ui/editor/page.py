"""The editor page: palette, canvas, side panel, and the bar above them.

Serves ``/flows/<id>`` (edit, or view for viewers), ``/flows/<id>/versions/<n>`` (an old version,
read-only) and ``/links/<token>`` (a share link, read-only).
"""

from __future__ import annotations

import reflex as rx

from designer.ui.canvas.component import flow_canvas
from designer.ui.canvas.scene import accepts_table, block_descriptions
from designer.ui.editor.files import FilesState
from designer.ui.editor.palette import palette
from designer.ui.editor.panel_resizer import panel_resizer
from designer.ui.editor.params_panel import params_panel
from designer.ui.editor.problems import problems_panel, shortcuts_dialog
from designer.ui.editor.properties import properties_panel
from designer.ui.editor.run_dialog import run_dialog, run_options_button
from designer.ui.editor.run_panel import run_panel
from designer.ui.editor.run_state import RunState
from designer.ui.editor.schedule_views import schedule_button, schedule_dialog
from designer.ui.editor.state import EditorState
from designer.ui.editor.versions import VersionsState
from designer.ui.editor.versions_panel import (
    conflict_dialog,
    history_panel,
    mode_banner,
    save_dialog,
)
from designer.ui.publish import PublishState, publish_dialog
from designer.ui.share import ShareState, share_dialog
from designer.ui.theme_menu import theme_menu

SAVE_LABELS = {
    "saved": ("Saved", "circle-check", "gray"),
    "unsaved": ("Unsaved changes", "circle-dot", "amber"),
    "saving": ("Saving draft…", "loader", "gray"),
    "draft": ("Draft kept · save to share it", "circle-dot", "amber"),
    "conflict": ("Not saved: a teammate saved first", "circle-alert", "red"),
    "error": ("Not saved: database unavailable", "circle-alert", "red"),
}


def save_indicator() -> rx.Component:
    return rx.match(
        EditorState.save_state,
        *[
            (
                state,
                rx.flex(
                    rx.icon(icon, size=14),
                    rx.text(label, size="1"),
                    align="center",
                    spacing="1",
                    color=f"var(--{color}-11)",
                    custom_attrs={"data-testid": "save-state", "data-state": state},
                ),
            )
            for state, (label, icon, color) in SAVE_LABELS.items()
        ],
    )


def run_button() -> rx.Component:
    button = rx.button(
        rx.cond(RunState.running, rx.spinner(size="2"), rx.icon("play", size=16)),
        rx.cond(RunState.running, "Running…", "Run"),
        on_click=lambda: RunState.start_run(),  # not the click: values come from the dialog
        disabled=(EditorState.run_blocker != "") | RunState.running,
        custom_attrs={"data-testid": "run-button"},
    )
    return rx.cond(
        EditorState.run_blocker != "",
        rx.tooltip(
            rx.box(button, custom_attrs={"data-testid": "run-blocked"}),
            content=EditorState.run_blocker,
        ),
        button,
    )


def export_menu() -> rx.Component:
    return rx.dropdown_menu.root(
        rx.dropdown_menu.trigger(
            rx.button(
                rx.icon("download", size=16),
                "Export",
                variant="soft",
                color_scheme="gray",
                custom_attrs={"data-testid": "export-menu"},
            )
        ),
        rx.dropdown_menu.content(
            rx.dropdown_menu.item(
                "Flow JSON",
                on_click=FilesState.export_json,
                custom_attrs={"data-testid": "export-json"},
            ),
            rx.dropdown_menu.item(
                "Kubeflow pipeline (IR YAML)",
                on_click=FilesState.export_ir,
                custom_attrs={"data-testid": "export-ir"},
            ),
            rx.dropdown_menu.item(
                "Python script (KFP SDK)",
                on_click=FilesState.export_python,
                custom_attrs={"data-testid": "export-python"},
            ),
        ),
    )


def import_button() -> rx.Component:
    return rx.upload.root(
        rx.button(
            rx.icon("upload", size=16),
            "Import",
            variant="soft",
            color_scheme="gray",
            custom_attrs={"data-testid": "import-button"},
        ),
        id="flow-import",
        # A flow document, or a compiled Kubeflow pipeline to import as a flow.
        accept={
            "application/json": [".json"],
            "application/x-yaml": [".yaml", ".yml"],
            "text/yaml": [".yaml", ".yml"],
        },
        max_files=1,
        no_drag=True,
        on_drop=FilesState.import_json(rx.upload_files(upload_id="flow-import")),
    )


def share_button() -> rx.Component:
    return rx.button(
        rx.icon("users", size=16),
        "Share",
        variant="soft",
        on_click=ShareState.open_for(EditorState.flow_id, EditorState.flow_name),
        custom_attrs={"data-testid": "share-button"},
    )


def publish_button() -> rx.Component:
    return rx.tooltip(
        rx.icon_button(
            rx.icon("layout-template", size=16),
            variant="soft",
            color_scheme="gray",
            on_click=PublishState.open_for(EditorState.flow_id),
            aria_label="Publish as a team template",
            custom_attrs={"data-testid": "publish-open"},
        ),
        content="Publish as a team template",
    )


def top_bar() -> rx.Component:
    return rx.el.header(
        rx.flex(
            rx.link(
                rx.flex(
                    rx.image(src="/logo.svg", width="24px", height="24px", alt=""),
                    rx.icon("chevron-left", size=16),
                    align="center",
                    spacing="1",
                ),
                href="/",
                color_scheme="gray",
                title="All flows",
                custom_attrs={"data-testid": "back-to-flows"},
            ),
            rx.input(
                value=EditorState.flow_name,
                on_blur=EditorState.rename,
                on_change=EditorState.set_flow_name,
                read_only=EditorState.read_only,
                variant="soft",
                color_scheme="gray",
                size="2",
                width="260px",
                class_name="flow-name",
                custom_attrs={"data-testid": "flow-name", "aria-label": "Flow name"},
            ),
            rx.cond(~EditorState.read_only, save_indicator()),
            rx.cond(
                EditorState.version > 0,
                rx.badge(
                    f"v{EditorState.base_version}",
                    variant="soft",
                    color_scheme="gray",
                    custom_attrs={"data-testid": "flow-version"},
                ),
            ),
            align="center",
            spacing="3",
        ),
        rx.flex(
            rx.cond(
                EditorState.mode == "flow",
                rx.fragment(
                    rx.cond(~EditorState.read_only, import_button()),
                    export_menu(),
                    rx.cond(EditorState.role == "owner", share_button()),
                    publish_button(),
                    rx.cond(
                        EditorState.read_only,
                        rx.button(
                            rx.icon("copy", size=16),
                            "Duplicate to my flows",
                            variant="soft",
                            on_click=VersionsState.duplicate_mine,
                            custom_attrs={"data-testid": "duplicate-mine"},
                        ),
                        rx.button(
                            rx.icon("save", size=16),
                            "Save",
                            variant="soft",
                            on_click=VersionsState.open_save,
                            custom_attrs={"data-testid": "save-button"},
                        ),
                    ),
                    schedule_button(),
                    run_options_button(),
                    run_button(),
                ),
                export_menu(),
            ),
            rx.box(theme_menu(), margin_left="6px"),
            align="center",
            spacing="2",
        ),
        class_name="editor-bar",
    )


def side_panel() -> rx.Component:
    return rx.el.aside(
        panel_resizer(),
        rx.tabs.root(
            rx.tabs.list(
                rx.tabs.trigger("Block", value="block"),
                rx.tabs.trigger(
                    rx.flex(
                        "Problems",
                        rx.cond(
                            EditorState.error_count > 0,
                            rx.badge(EditorState.error_count, color_scheme="red", radius="full"),
                        ),
                        align="center",
                        spacing="1",
                    ),
                    value="problems",
                    custom_attrs={"data-testid": "tab-problems"},
                ),
                rx.tabs.trigger(
                    "Parameters", value="params", custom_attrs={"data-testid": "tab-params"}
                ),
                rx.tabs.trigger("Run", value="run", custom_attrs={"data-testid": "tab-run"}),
                rx.cond(
                    (EditorState.mode != "link") & (EditorState.mode != "template"),
                    rx.tabs.trigger(
                        "History", value="history", custom_attrs={"data-testid": "tab-history"}
                    ),
                ),
                # Five tabs fit the panel's narrowest width at the small size.
                size="1",
            ),
            rx.scroll_area(
                rx.box(
                    rx.tabs.content(properties_panel(), value="block"),
                    rx.tabs.content(problems_panel(), value="problems"),
                    rx.tabs.content(params_panel(), value="params"),
                    rx.tabs.content(run_panel(), value="run"),
                    rx.tabs.content(history_panel(), value="history"),
                    padding="16px",
                ),
                type="hover",
                scrollbars="vertical",
                style={"height": "calc(100vh - 96px)"},
            ),
            value=EditorState.panel_tab,
            on_change=VersionsState.set_tab,
        ),
        class_name="editor-panel",
    )


def canvas() -> rx.Component:
    return rx.box(
        rx.cond(
            EditorState.loaded,
            flow_canvas(
                key=EditorState.canvas_key,
                blocks=block_descriptions(),
                extra_blocks=EditorState.extra_blocks,
                accepts=accepts_table(),
                scene=EditorState.scene,
                ops=EditorState.ops,
                statuses=RunState.statuses,
                problems=EditorState.problems,
                can_undo=EditorState.can_undo,
                can_redo=EditorState.can_redo,
                read_only=EditorState.read_only,
                on_edit=EditorState.canvas_edit,
                on_select=EditorState.canvas_select,
                on_command=EditorState.canvas_command,
            ),
            rx.center(rx.spinner(size="3"), height="100%"),
        ),
        class_name="editor-canvas",
        custom_attrs={"data-testid": "canvas"},
    )


def not_found() -> rx.Component:
    return rx.center(
        rx.flex(
            rx.icon("file-question", size=32),
            rx.heading("This flow cannot be opened", size="5"),
            rx.text(EditorState.load_error, color_scheme="gray"),
            rx.link(rx.button("Back to my flows"), href="/"),
            rx.cond(
                EditorState.load_error.contains("sign in"),
                rx.link(rx.button("Sign in", variant="soft"), href="/signin"),
            ),
            direction="column",
            align="center",
            spacing="3",
        ),
        height="100vh",
    )


def page() -> rx.Component:
    return rx.cond(
        EditorState.load_error != "",
        not_found(),
        rx.box(
            top_bar(),
            mode_banner(),
            rx.cond(
                EditorState.read_only,
                rx.box(canvas(), side_panel(), class_name="editor-body viewing"),
                rx.box(palette(), canvas(), side_panel(), class_name="editor-body"),
            ),
            shortcuts_dialog(),
            save_dialog(),
            conflict_dialog(),
            share_dialog(),
            publish_dialog(),
            schedule_dialog(),
            run_dialog(),
            class_name="editor",
        ),
    )
