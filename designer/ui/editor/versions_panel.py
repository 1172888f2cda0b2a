"""The editor's History tab, the save dialog, the conflict dialog and the read-only banner."""

from __future__ import annotations

import reflex as rx

from designer.ui.editor.run_history_panel import run_banner
from designer.ui.editor.state import EditorState
from designer.ui.editor.versions import VersionsState
from designer.ui.gallery import GalleryState


def version_row(version: rx.Var) -> rx.Component:
    number = version["number"].to(int)
    return rx.flex(
        rx.flex(
            rx.badge("v" + number.to(str), variant="soft", color_scheme="gray"),
            rx.text(version["message"], size="2", weight="medium", trim="both"),
            rx.cond(version["latest"].to(bool), rx.badge("latest", color_scheme="green")),
            rx.cond(version["viewing"].to(bool), rx.badge("on show", color_scheme="blue")),
            align="center",
            spacing="2",
            wrap="wrap",
        ),
        rx.text(
            version["author"].to(str) + " · " + version["when"].to(str),
            size="1",
            color_scheme="gray",
        ),
        rx.flex(
            rx.link(
                rx.button("View", size="1", variant="soft", color_scheme="gray"),
                href="/flows/" + EditorState.flow_id + "/versions/" + number.to(str),
                custom_attrs={"data-testid": "version-view"},
            ),
            rx.cond(
                number > 1,
                rx.button(
                    "Changes",
                    size="1",
                    variant="soft",
                    color_scheme="gray",
                    on_click=VersionsState.show_changes(number),
                    custom_attrs={"data-testid": "version-changes"},
                ),
            ),
            rx.cond(
                (EditorState.role != "viewer") & ~version["latest"].to(bool),
                rx.button(
                    "Restore",
                    size="1",
                    variant="soft",
                    on_click=VersionsState.restore(number),
                    custom_attrs={"data-testid": "version-restore"},
                ),
            ),
            spacing="2",
        ),
        direction="column",
        spacing="1",
        padding="10px 0",
        border_bottom="1px solid var(--gray-a4)",
        custom_attrs={"data-testid": "version-row", "data-version": number.to(str)},
    )


def compare_form() -> rx.Component:
    numbers = rx.foreach(
        VersionsState.history,
        lambda v: rx.select.item("v" + v["key"].to(str), value=v["key"].to(str)),
    )
    return rx.flex(
        rx.text("Compare", size="2", weight="medium"),
        rx.select.root(
            rx.select.trigger(placeholder="from", custom_attrs={"data-testid": "compare-from"}),
            rx.select.content(numbers),
            value=VersionsState.compare_from,
            on_change=VersionsState.set_compare_from,
            size="1",
        ),
        rx.text("→", size="2"),
        rx.select.root(
            rx.select.trigger(placeholder="to", custom_attrs={"data-testid": "compare-to"}),
            rx.select.content(numbers),
            value=VersionsState.compare_to,
            on_change=VersionsState.set_compare_to,
            size="1",
        ),
        rx.button(
            "Show",
            size="1",
            on_click=VersionsState.compare,
            custom_attrs={"data-testid": "compare-show"},
        ),
        align="center",
        spacing="2",
    )


def diff_box() -> rx.Component:
    return rx.cond(
        VersionsState.diff_title != "",
        rx.card(
            rx.text(VersionsState.diff_title, size="2", weight="bold"),
            rx.el.ul(
                rx.foreach(
                    VersionsState.diff_lines,
                    lambda line: rx.el.li(rx.text(line, size="2")),
                ),
                style={"margin": "6px 0 0", "padding_left": "18px"},
            ),
            size="1",
            custom_attrs={"data-testid": "version-diff"},
        ),
    )


def history_panel() -> rx.Component:
    return rx.flex(
        compare_form(),
        diff_box(),
        rx.box(rx.foreach(VersionsState.history, version_row)),
        direction="column",
        spacing="3",
        custom_attrs={"data-testid": "history-panel"},
    )


def save_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Save a version"),
            rx.dialog.description(
                "Teammates see the flow as of its latest version. Say what changed, if you like.",
                size="2",
            ),
            rx.input(
                placeholder="What changed (optional)",
                value=VersionsState.save_message,
                on_change=VersionsState.set_save_message,
                auto_focus=True,
                margin_top="12px",
                custom_attrs={"data-testid": "save-message"},
            ),
            rx.flex(
                rx.dialog.close(rx.button("Cancel", variant="soft", color_scheme="gray")),
                rx.button(
                    "Save version",
                    on_click=VersionsState.save,
                    custom_attrs={"data-testid": "save-confirm"},
                ),
                justify="end",
                spacing="2",
                margin_top="16px",
            ),
            max_width="440px",
        ),
        open=VersionsState.show_save,
        on_open_change=VersionsState.set_show_save,
    )


def conflict_dialog() -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title("A teammate saved first"),
            rx.alert_dialog.description(VersionsState.conflict),
            rx.text(
                "Nothing was overwritten. Reload shows their version and keeps yours one undo "
                "away; Save as a copy keeps your edits as a flow of your own.",
                size="2",
                color_scheme="gray",
                margin_top="8px",
            ),
            rx.flex(
                rx.button(
                    "Keep editing",
                    variant="soft",
                    color_scheme="gray",
                    on_click=VersionsState.dismiss_conflict,
                    custom_attrs={"data-testid": "conflict-keep"},
                ),
                rx.button(
                    "Save as a copy",
                    variant="soft",
                    on_click=VersionsState.save_copy,
                    custom_attrs={"data-testid": "conflict-copy"},
                ),
                rx.button(
                    "Reload theirs",
                    on_click=VersionsState.reload_latest,
                    custom_attrs={"data-testid": "conflict-reload"},
                ),
                justify="end",
                spacing="2",
                margin_top="16px",
            ),
            max_width="480px",
            custom_attrs={"data-testid": "conflict-dialog"},
        ),
        open=VersionsState.conflict != "",
    )


def mode_banner() -> rx.Component:
    """Says why the canvas is read-only, and the way to a copy one can change."""
    return rx.match(
        EditorState.mode,
        (
            "version",
            _banner(
                "Version "
                + EditorState.viewing.to(str)
                + " (read-only). The latest is v"
                + EditorState.version.to(str)
                + ".",
                rx.link(
                    rx.button("Back to the latest", size="1", variant="soft"),
                    href="/flows/" + EditorState.flow_id,
                    custom_attrs={"data-testid": "back-to-latest"},
                ),
                rx.cond(
                    EditorState.role != "viewer",
                    rx.button(
                        "Restore this version",
                        size="1",
                        on_click=VersionsState.restore(EditorState.viewing),
                        custom_attrs={"data-testid": "restore-viewed"},
                    ),
                ),
            ),
        ),
        ("run", run_banner()),
        (
            "link",
            _banner("Shared with you by link, by " + EditorState.owner + ". View only."),
        ),
        (
            "template",
            _banner(
                "A template from " + EditorState.owner + " (read-only): use it to get your own "
                "copy to change and run.",
                rx.button(
                    rx.icon("copy-plus", size=14),
                    "Use this template",
                    size="1",
                    on_click=GalleryState.use(EditorState.flow_id),
                    custom_attrs={"data-testid": "use-template"},
                ),
                rx.link(
                    rx.button("Back to the gallery", size="1", variant="soft"),
                    href="/gallery",
                ),
            ),
        ),
        rx.cond(
            EditorState.read_only,
            _banner(
                "Shared with you to view by " + EditorState.owner + ". Duplicate it to change it."
            ),
        ),
    )


def _banner(text: rx.Var | str, *actions: rx.Component) -> rx.Component:
    return rx.flex(
        rx.icon("eye", size=14),
        rx.text(text, size="2"),
        *actions,
        align="center",
        spacing="3",
        class_name="editor-banner",
        custom_attrs={"data-testid": "read-only-banner"},
    )
