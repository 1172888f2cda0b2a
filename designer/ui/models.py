"""The models page (``/models``): the models flows deployed here, and a form to try one.

The list holds the models the person may use (their own, those deployed by flows shared with
them; every one for an admin), says whose each is and where it answers: this computer, or KServe
on the cluster (ready or not). Pick a model in the list; the "Try it" form has one input per
column the model reads, pre-filled with typical values, and answers in words ("Predicted class:
2"), with the class probabilities as bars when the model gives them. A model KServe serves shows
its address, or why it is not ready. Its owner (or an admin) may remove it, after a yes.
Scripts use the same models through ``POST /api/v1/models/{name}/predict``.
"""

from __future__ import annotations

import reflex as rx

from designer.ui.confirm import confirm_dialog, confirm_note
from designer.ui.models_state import ModelsState
from designer.ui.shell import app_header

COLUMNS = ("Model", "Owner", "Task", "Predicts", "Deployed")
#: The colour of each serving state's badge.
SERVING_COLORS = {"here": "gray", "ready": "green", "not-ready": "amber"}
# Inline styles: the page adds nothing to the app-wide stylesheet.
BAR_LABEL = {"width": "96px", "overflow": "hidden", "text_overflow": "ellipsis"}
BAR_TRACK = {
    "flex": "1",
    "height": "8px",
    "border_radius": "9999px",
    "background": "var(--gray-a3)",
    "overflow": "hidden",
}
BAR_FILL = {"height": "100%", "border_radius": "9999px", "background": "var(--accent-9)"}
BAR_PERCENT = {"width": "40px", "text_align": "right"}


def _muted(text: rx.Var | str, **props: object) -> rx.Component:
    props.setdefault("size", "2")
    return rx.text(text, color_scheme="gray", **props)


def model_row(model: rx.Var) -> rx.Component:
    chosen = model["name"] == ModelsState.selected
    return rx.table.row(
        rx.table.cell(
            rx.flex(
                rx.flex(
                    rx.text(model["name"], weight="medium"),
                    rx.badge(model["version"], variant="soft", color_scheme="gray", size="1"),
                    align="center",
                    spacing="2",
                ),
                # Only a model KServe serves says where: the rest answer on this computer.
                rx.cond(
                    model["state"] != "here",
                    rx.box(
                        serving_badge(model["state"], model["serving"]),
                        custom_attrs={"data-testid": "model-serving"},
                    ),
                ),
                direction="column",
                spacing="1",
            )
        ),
        rx.table.cell(_muted(model["owner"]), custom_attrs={"data-testid": "model-owner"}),
        rx.table.cell(_muted(model["task"])),
        rx.table.cell(_muted(model["target"])),
        rx.table.cell(
            _muted(model["when"], title=model["when_exact"].to(str)), white_space="nowrap"
        ),
        on_click=ModelsState.select(model["name"]),
        cursor="pointer",
        background=rx.cond(chosen, "var(--accent-a3)", "transparent"),
        custom_attrs={
            "data-testid": "model-row",
            "data-model": model["name"],
            "aria-selected": rx.cond(chosen, "true", "false"),
        },
    )


def serving_badge(state: rx.Var | str, text: rx.Var | str) -> rx.Component:
    return rx.badge(
        text,
        color_scheme=rx.match(
            state,
            *SERVING_COLORS.items(),
            "gray",  # type: ignore[arg-type]
        ),
        variant="soft",
        size="1",
    )


def models_table() -> rx.Component:
    return rx.table.root(
        rx.table.header(rx.table.row(*[rx.table.column_header_cell(t) for t in COLUMNS])),
        rx.table.body(rx.foreach(ModelsState.models, model_row)),
        variant="surface",
        width="100%",
    )


def try_input(field: rx.Var) -> rx.Component:
    return rx.flex(
        rx.text(field["name"], as_="label", size="2", weight="medium"),
        rx.input(
            value=field["value"],
            on_change=lambda value: ModelsState.set_input(field["name"], value),
            type=rx.cond(field["kind"] == "number", "number", "text"),
            step="any",
            placeholder=field["placeholder"],
            custom_attrs={"data-testid": "try-input", "data-column": field["name"]},
        ),
        rx.cond(field["hint"] != "", _muted(field["hint"], size="1")),
        direction="column",
        spacing="1",
    )


def probability_bar(bar: rx.Var) -> rx.Component:
    return rx.flex(
        rx.text(bar["label"], size="1", style=BAR_LABEL),
        rx.box(rx.box(width=bar["width"], style=BAR_FILL), style=BAR_TRACK),
        rx.text(bar["percent"], size="1", color_scheme="gray", style=BAR_PERCENT),
        align="center",
        spacing="2",
        custom_attrs={"data-testid": "probability"},
    )


def answer() -> rx.Component:
    return rx.cond(
        ModelsState.predict_error != "",
        rx.callout(
            ModelsState.predict_error,
            icon="triangle_alert",
            color_scheme="red",
            size="1",
            custom_attrs={"data-testid": "predict-error"},
        ),
        rx.cond(
            ModelsState.answer != "",
            rx.flex(
                rx.heading(ModelsState.answer, as_="p", size="5"),
                rx.cond(
                    ModelsState.notes.length() > 0,
                    rx.callout.root(
                        rx.callout.icon(rx.icon("info", size=16)),
                        rx.flex(
                            rx.text("Not seen in training", size="2", weight="medium"),
                            rx.foreach(ModelsState.notes, lambda note: rx.text(note, size="2")),
                            direction="column",
                            spacing="1",
                        ),
                        color_scheme="amber",
                        size="1",
                        custom_attrs={"data-testid": "unseen-note"},
                    ),
                ),
                rx.cond(
                    ModelsState.bars.length() > 0,
                    rx.flex(
                        _muted("How sure the model is", size="1"),
                        rx.foreach(ModelsState.bars, probability_bar),
                        direction="column",
                        spacing="1",
                    ),
                ),
                direction="column",
                spacing="3",
                custom_attrs={"data-testid": "prediction"},
            ),
        ),
    )


def serving_note() -> rx.Component:
    """Where a model KServe serves answers, or why it does not yet."""
    return rx.cond(
        ModelsState.serving_state == "ready",
        rx.callout.root(
            rx.callout.icon(rx.icon("server", size=16)),
            rx.flex(
                rx.text("Served by KServe on the cluster, ready", size="2", weight="medium"),
                rx.code(ModelsState.serving_url, size="1", variant="ghost"),
                direction="column",
                spacing="1",
            ),
            color_scheme="green",
            size="1",
            custom_attrs={"data-testid": "serving-ready"},
        ),
        rx.cond(
            ModelsState.serving_state == "not-ready",
            rx.callout.root(
                rx.callout.icon(rx.icon("server_off", size=16)),
                rx.flex(
                    rx.text(
                        "Served by KServe on the cluster: not ready", size="2", weight="medium"
                    ),
                    rx.text(ModelsState.serving_reason, size="2"),
                    direction="column",
                    spacing="1",
                ),
                color_scheme="amber",
                size="1",
                custom_attrs={"data-testid": "serving-not-ready"},
            ),
        ),
    )


def remove_button() -> rx.Component:
    return rx.cond(
        ModelsState.can_remove,
        rx.button(
            rx.icon("trash_2", size=14),
            "Remove",
            variant="soft",
            color_scheme="red",
            size="1",
            on_click=ModelsState.ask_remove,
            custom_attrs={"data-testid": "model-remove"},
        ),
    )


def remove_dialog() -> rx.Component:
    return confirm_dialog(
        title="Remove this model?",
        description="Every version of “"
        + ModelsState.removing
        + "” will be removed, and so will its InferenceService if KServe serves it: scripts "
        "and people asking it will get no answer. The name stays yours. This cannot be undone.",
        confirm="Remove",
        on_confirm=ModelsState.remove,
        on_cancel=ModelsState.cancel_remove,
        open=ModelsState.removing != "",
        testid="confirm-remove-model",
        extra=(confirm_note(ModelsState.remove_error, "remove-error", color="red"),),
    )


def try_it() -> rx.Component:
    return rx.card(
        rx.flex(
            rx.flex(
                rx.heading("Try it", as_="h3", size="4"),
                rx.flex(
                    rx.badge(
                        ModelsState.selected + " · v" + ModelsState.version.to(str),
                        variant="soft",
                        size="2",
                    ),
                    remove_button(),
                    align="center",
                    spacing="2",
                ),
                align="center",
                justify="between",
            ),
            rx.cond(ModelsState.description != "", _muted(ModelsState.description)),
            serving_note(),
            _muted("Change the values and ask the model what it predicts for this row."),
            rx.grid(
                rx.foreach(ModelsState.inputs, try_input),
                columns=rx.breakpoints(initial="1", sm="2"),
                spacing="3",
            ),
            rx.button(
                rx.icon("sparkles", size=16),
                "Predict",
                on_click=ModelsState.predict,
                loading=ModelsState.predicting,
                custom_attrs={"data-testid": "predict-button"},
            ),
            answer(),
            direction="column",
            spacing="4",
        ),
        size="3",
        custom_attrs={"data-testid": "try-it"},
    )


def empty_state() -> rx.Component:
    return rx.flex(
        rx.center(rx.icon("rocket", size=26), class_name="empty-icon"),
        rx.heading("No models deployed yet", size="5"),
        _muted(
            "Add a “Deploy locally” block after a train block in a flow and run it: the "
            "model appears here, ready to try.",
            align="center",
            max_width="440px",
            size="3",
        ),
        direction="column",
        align="center",
        spacing="3",
        padding="56px 0",
        custom_attrs={"data-testid": "no-models"},
    )


def content() -> rx.Component:
    return rx.cond(
        ModelsState.error != "",
        rx.callout(ModelsState.error, icon="triangle_alert", color_scheme="red"),
        rx.cond(
            ~ModelsState.loaded,
            rx.center(rx.spinner(size="3"), padding="64px"),
            rx.cond(
                ModelsState.models.length() > 0,
                rx.grid(
                    rx.box(models_table()),
                    try_it(),
                    columns=rx.breakpoints(initial="1", md="2"),
                    spacing="5",
                    align="start",
                ),
                empty_state(),
            ),
        ),
    )


def page() -> rx.Component:
    return rx.box(
        app_header(),
        rx.el.main(
            rx.heading("Models", size="7", margin_bottom="4px"),
            _muted(
                "Models deployed by you and by flows shared with you, on this computer or "
                "served by KServe on the cluster. Pick one to try it on a row of your own; "
                "scripts can ask it too, through the REST API.",
                size="3",
                margin_bottom="24px",
            ),
            content(),
            remove_dialog(),
            max_width="1136px",
            margin="0 auto",
            padding="40px 24px 64px",
        ),
        class_name="app",
    )
