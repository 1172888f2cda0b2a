"""The Run dialog: the values of the flow's parameters for one run, and whether it may reuse
earlier results.

Run opens it when the flow has parameters (the gear beside Run opens it for any flow, for the
caching switch). Each box starts with its parameter's default and is checked as it changes,
as the settings form checks a block's settings: a value of the wrong type, an empty box, a
value a bound setting refuses each get a message under their box, and what was typed stays
in the box. Start hands the checked values to ``RunState.start_run``.
"""

from __future__ import annotations

from typing import Any

import reflex as rx

from designer.flow.document import Flow, FlowParam
from designer.flow.param_edits import TYPE_TITLES
from designer.flow.param_values import MAX_TYPED, check_run_values, form_text
from designer.ui.editor.state import EditorState

#: How long a box waits after the last key before its value is checked.
TYPING_DEBOUNCE_MS = 300


class RunDialogState(EditorState):
    show_run_dialog: bool = False
    #: One row per flow parameter: name, type, description, what the box holds, its problem.
    run_fields: list[dict[str, str]] = []
    use_cache: bool = True

    @rx.event
    def open_run_dialog(self) -> None:
        flow = self._doc()
        if flow is None:
            return
        self.run_fields = [_row(p) for p in flow.params]
        self.use_cache = True
        self._check(flow)
        self.show_run_dialog = True

    @rx.event
    def set_run_value(self, name: str, raw: Any) -> None:
        text = "" if raw is None else str(raw)[:MAX_TYPED]
        fields = self.run_fields
        self.run_fields = [{**f, "value": text} if f["name"] == name else f for f in fields]
        if self._doc() is not None:
            self._check(self._doc())

    @rx.event
    def set_use_cache(self, on: bool) -> None:
        self.use_cache = bool(on)

    @rx.event
    def set_show_run_dialog(self, show: bool) -> None:
        self.show_run_dialog = bool(show)

    @rx.event
    def confirm_run(self) -> Any:
        """Start the run with the boxes' values, or say under each box what is wrong."""
        flow = self._doc()
        if flow is None:
            return None
        values = self._check(flow)
        if values is None:
            return rx.toast.error("Some values need fixing first: see the messages in red.")
        self.show_run_dialog = False
        from designer.ui.editor.run_state import RunState

        return RunState.start_run(values, self.use_cache)

    def _check(self, flow: Flow) -> dict[str, Any] | None:
        """Put each box's problem under it; the run's values when there is none."""
        known = {f["name"] for f in self.run_fields}
        declared = {p.name for p in flow.params}
        # The boxes follow the flow's parameters as they are now (an undo may have changed
        # them): a box for each, what was typed kept.
        fields = [f for f in self.run_fields if f["name"] in declared]
        fields += [_row(p) for p in flow.params if p.name not in known]
        raw = {f["name"]: f["value"] for f in fields}
        values, problems = check_run_values(flow, raw, self._blocks())
        self.run_fields = [{**f, "error": problems.get(f["name"], "")} for f in fields]
        return None if problems else values


def _row(param: FlowParam) -> dict[str, str]:
    return {
        "name": param.name,
        "type": param.type,
        "type_title": TYPE_TITLES[param.type],
        "description": param.description,
        "value": form_text(param),
        "error": "",
    }


def run_options_button() -> rx.Component:
    """The gear beside Run: the dialog for any flow (values, and whether to reuse results)."""
    return rx.tooltip(
        rx.icon_button(
            rx.icon("settings-2", size=16),
            variant="soft",
            on_click=RunDialogState.open_run_dialog,
            disabled=EditorState.run_blocker != "",
            aria_label="Run with options",
            custom_attrs={"data-testid": "run-options"},
        ),
        content="Run with options: parameter values, reuse of earlier results",
    )


def _value_box(field: rx.Var) -> rx.Component:
    return rx.cond(
        field["type"] == "boolean",
        rx.select(
            ["true", "false"],
            value=field["value"].to(str),
            placeholder="choose true or false",
            on_change=lambda value: RunDialogState.set_run_value(field["name"], value),
            width="100%",
            custom_attrs={"data-testid": "run-value-select", "data-param": field["name"]},
        ),
        rx.input(
            value=field["value"],
            on_change=lambda value: RunDialogState.set_run_value(field["name"], value),
            debounce_timeout=TYPING_DEBOUNCE_MS,
            placeholder=rx.cond(field["type"] == "string", "text", "enter a value"),
            width="100%",
            key="run-value." + field["name"].to(str),
            custom_attrs={"data-testid": "run-value", "data-param": field["name"]},
        ),
    )


def _field_row(field: rx.Var) -> rx.Component:
    return rx.box(
        rx.flex(
            rx.code(field["name"], size="2", weight="medium"),
            rx.text(field["type_title"], size="1", color_scheme="gray"),
            justify="between",
            align="baseline",
            margin_bottom="4px",
        ),
        _value_box(field),
        rx.cond(
            field["error"] != "",
            rx.text(
                field["error"],
                size="1",
                color_scheme="red",
                custom_attrs={"data-testid": "run-value-error", "data-param": field["name"]},
            ),
        ),
        rx.cond(
            field["description"] != "",
            rx.text(field["description"], size="1", color_scheme="gray"),
        ),
        class_name="form-field",
    )


def run_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Run this flow"),
            rx.dialog.description(
                rx.cond(
                    RunDialogState.run_fields.length() > 0,
                    "The values this run uses; they start as the flow's defaults.",
                    "This flow has no parameters.",
                ),
                size="2",
                color_scheme="gray",
                margin_bottom="12px",
            ),
            rx.flex(
                rx.foreach(RunDialogState.run_fields, _field_row),
                rx.separator(size="4"),
                rx.flex(
                    rx.switch(
                        checked=RunDialogState.use_cache,
                        on_change=RunDialogState.set_use_cache,
                        custom_attrs={"data-testid": "run-use-cache"},
                    ),
                    rx.flex(
                        rx.text("Reuse earlier results", size="2", weight="medium"),
                        rx.text(
                            "Blocks whose inputs and settings match an earlier run are not run "
                            "again; turn off to run every block afresh.",
                            size="1",
                            color_scheme="gray",
                        ),
                        direction="column",
                    ),
                    spacing="3",
                    align="start",
                ),
                direction="column",
                spacing="3",
            ),
            rx.flex(
                rx.dialog.close(rx.button("Cancel", variant="soft", color_scheme="gray")),
                rx.button(
                    rx.icon("play", size=16),
                    "Start run",
                    on_click=RunDialogState.confirm_run,
                    custom_attrs={"data-testid": "run-confirm"},
                ),
                justify="end",
                spacing="3",
                margin_top="16px",
            ),
            max_width="460px",
            custom_attrs={"data-testid": "run-dialog"},
        ),
        open=RunDialogState.show_run_dialog,
        on_open_change=RunDialogState.set_show_run_dialog,
    )
