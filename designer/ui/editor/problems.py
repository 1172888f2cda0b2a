"""The problems panel (the validator's findings) and the keyboard shortcuts dialog."""

from __future__ import annotations

import reflex as rx

from designer.ui.editor.state import EditorState

SHORTCUTS = (
    ("Delete / Backspace", "Delete the selection"),
    ("Ctrl + C, Ctrl + V", "Copy and paste blocks"),
    ("Ctrl + D", "Duplicate the selection"),
    ("Ctrl + Z", "Undo"),
    ("Ctrl + Shift + Z, Ctrl + Y", "Redo"),
    ("Ctrl + S", "Save a version (in a setting too: what you typed is saved)"),
    ("Escape", "Leave the setting you are typing in"),
    ("Shift + drag", "Select with a box"),
    ("Shift + click", "Add a block to the selection"),
    ("L", "Tidy the layout"),
    ("F", "Fit the flow in view"),
    ("?", "Show these shortcuts"),
)


def problem_row(problem: rx.Var) -> rx.Component:
    is_error = problem["severity"] == "error"
    return rx.el.button(
        # Two static icons, not rx.icon(rx.cond(...)): a dynamic name makes the build ship
        # every lucide icon as its own file.
        rx.cond(
            is_error,
            rx.icon("circle-x", size=16, color="var(--red-9)", flex_shrink="0"),
            rx.icon("triangle-alert", size=16, color="var(--amber-9)", flex_shrink="0"),
        ),
        rx.flex(
            # The block as the canvas names it and the setting as the form does.
            rx.cond(
                problem["where"] != "",
                rx.text(
                    problem["where"],
                    size="1",
                    weight="medium",
                    color_scheme="gray",
                    custom_attrs={"data-testid": "problem-where"},
                ),
            ),
            rx.text(problem["message"], size="2"),
            direction="column",
            spacing="1",
            align="start",
        ),
        class_name="problem-row",
        on_click=EditorState.focus_node(problem["node"]),
        custom_attrs={
            "data-testid": "problem",
            "data-node": problem["node"],
            "data-param": problem["param"],
        },
    )


def problems_panel() -> rx.Component:
    return rx.cond(
        EditorState.diagnostics.length() > 0,
        rx.flex(
            rx.foreach(EditorState.diagnostics, problem_row),
            direction="column",
            spacing="1",
        ),
        rx.flex(
            rx.center(rx.icon("circle-check", size=22), class_name="empty-icon ok"),
            rx.text("No problems", size="3", weight="medium"),
            rx.text("The flow is ready to run.", size="2", color_scheme="gray"),
            direction="column",
            align="center",
            spacing="2",
            padding="32px 12px",
        ),
    )


def shortcuts_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Keyboard shortcuts"),
            rx.table.root(
                rx.table.body(
                    *[
                        rx.table.row(
                            rx.table.cell(rx.code(keys, size="2")),
                            rx.table.cell(rx.text(what, size="2")),
                        )
                        for keys, what in SHORTCUTS
                    ]
                ),
                size="1",
            ),
            rx.flex(
                rx.dialog.close(rx.button("Close", variant="soft")),
                justify="end",
                margin_top="16px",
            ),
            max_width="460px",
            custom_attrs={"data-testid": "shortcuts-dialog"},
        ),
        open=EditorState.show_help,
        on_open_change=EditorState.set_show_help,
    )
