"""The editor's Schedule… button and dialog, and the flow's schedules in the Run tab."""

from __future__ import annotations

import reflex as rx

from designer.flow.cron import PRESETS
from designer.ui.confirm import confirm_dialog
from designer.ui.editor.schedule_state import ScheduleState
from designer.ui.editor.state import EditorState


def schedule_button() -> rx.Component:
    return rx.tooltip(
        rx.button(
            rx.icon("calendar-clock", size=16),
            "Schedule…",
            variant="soft",
            color_scheme="gray",
            on_click=ScheduleState.open_schedule,
            custom_attrs={"data-testid": "schedule-open"},
        ),
        content="Run a saved version of this flow on a schedule",
    )


def _field(label: str, control: rx.Component, hint: str = "") -> rx.Component:
    return rx.flex(
        rx.text(label, size="2", weight="medium"),
        control,
        *([rx.text(hint, size="1", color_scheme="gray")] if hint else []),
        direction="column",
        spacing="1",
    )


def _presets() -> rx.Component:
    return rx.flex(
        *[
            rx.button(
                preset.label,
                size="1",
                variant=rx.cond(ScheduleState.sched_cron == preset.cron, "solid", "soft"),
                color_scheme="gray",
                on_click=ScheduleState.pick_preset(preset.key),
                custom_attrs={"data-testid": f"schedule-preset-{preset.key}"},
            )
            for preset in PRESETS
        ],
        spacing="2",
        wrap="wrap",
    )


def _zone_picker() -> rx.Component:
    """Any IANA zone here; on Kubeflow, UTC only (its scheduler keeps UTC)."""
    return rx.cond(
        ScheduleState.sched_engine == "kubeflow",
        rx.text(
            "UTC: Kubeflow's scheduler runs by UTC, so give the times in UTC.",
            size="2",
            custom_attrs={"data-testid": "schedule-zone-utc"},
        ),
        rx.select.root(
            rx.select.trigger(width="100%", custom_attrs={"data-testid": "schedule-zone"}),
            rx.select.content(
                rx.foreach(ScheduleState.sched_zones, lambda z: rx.select.item(z, value=z))
            ),
            value=ScheduleState.sched_zone,
            on_change=ScheduleState.set_sched_zone,
        ),
    )


def _preview() -> rx.Component:
    return rx.cond(
        ScheduleState.sched_problem != "",
        rx.callout(
            ScheduleState.sched_problem,
            icon="triangle_alert",
            color_scheme="red",
            size="1",
            custom_attrs={"data-testid": "schedule-problem"},
        ),
        rx.card(
            rx.flex(
                rx.text(ScheduleState.sched_words, size="2", weight="medium"),
                rx.text("Next runs", size="1", color_scheme="gray"),
                rx.grid(
                    rx.foreach(
                        ScheduleState.sched_times,
                        lambda moment: rx.text(
                            moment, size="2", custom_attrs={"data-testid": "schedule-next"}
                        ),
                    ),
                    columns="2",
                    spacing_x="4",
                    spacing_y="1",
                ),
                direction="column",
                spacing="1",
            ),
            size="1",
            custom_attrs={"data-testid": "schedule-preview"},
        ),
    )


def schedule_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Run on a schedule"),
            rx.dialog.description(
                rx.cond(
                    ScheduleState.sched_engine == "kubeflow",
                    "Kubeflow runs the saved version at these times, as you.",
                    "The designer runs the saved version at these times, as you; a time it "
                    "missed while stopped runs once when it starts again.",
                ),
                size="2",
                color_scheme="gray",
            ),
            rx.flex(
                _field("Often used", _presets()),
                _field(
                    "Cron expression",
                    rx.input(
                        value=ScheduleState.sched_cron,
                        on_change=ScheduleState.set_sched_cron,
                        font_family="var(--code-font-family)",
                        custom_attrs={
                            "data-testid": "schedule-cron",
                            "aria-label": "Cron expression",
                        },
                    ),
                    "minute hour day month weekday: */15 * * * * is every quarter of an hour",
                ),
                rx.grid(
                    _field("Time zone", _zone_picker()),
                    _field(
                        "Version",
                        rx.select.root(
                            rx.select.trigger(
                                width="100%", custom_attrs={"data-testid": "schedule-version"}
                            ),
                            rx.select.content(
                                rx.foreach(
                                    ScheduleState.sched_versions,
                                    lambda v: rx.select.item(v["label"], value=v["key"]),
                                )
                            ),
                            value=ScheduleState.sched_version,
                            on_change=ScheduleState.set_sched_version,
                        ),
                    ),
                    columns="2",
                    spacing="3",
                ),
                _preview(),
                rx.cond(
                    EditorState.save_state != "saved",
                    rx.callout(
                        "Edits you have not saved are not scheduled: Save first to include them.",
                        icon="info",
                        color_scheme="amber",
                        size="1",
                    ),
                ),
                rx.cond(
                    ScheduleState.sched_error != "",
                    rx.callout(
                        ScheduleState.sched_error,
                        icon="triangle_alert",
                        color_scheme="red",
                        size="1",
                        custom_attrs={"data-testid": "schedule-error"},
                    ),
                ),
                rx.flex(
                    rx.dialog.close(rx.button("Cancel", variant="soft", color_scheme="gray")),
                    rx.button(
                        rx.cond(ScheduleState.sched_saving, rx.spinner(size="2")),
                        "Create schedule",
                        on_click=ScheduleState.create_schedule,
                        disabled=(ScheduleState.sched_problem != "")
                        | ScheduleState.sched_saving
                        | (ScheduleState.sched_version == ""),
                        custom_attrs={"data-testid": "schedule-create"},
                    ),
                    justify="end",
                    spacing="2",
                ),
                direction="column",
                spacing="3",
                margin_top="12px",
            ),
            max_width="600px",
            custom_attrs={"data-testid": "schedule-dialog"},
        ),
        open=ScheduleState.sched_open,
        on_open_change=ScheduleState.set_sched_open,
    )


def schedule_row(row: rx.Var) -> rx.Component:
    schedule_id = row["id"].to(str)
    manage = row["can_manage"].to(bool)
    return rx.flex(
        rx.flex(
            rx.icon("calendar-clock", size=14, flex_shrink="0", margin_top="3px"),
            rx.text(row["words"], size="2", weight="medium"),
            rx.cond(row["paused"].to(bool), rx.badge("paused", color_scheme="amber")),
            align="start",
            spacing="2",
        ),
        rx.text(
            "v"
            + row["version"].to(str)
            + " · "
            + row["owner"].to(str)
            + " · "
            + row["engine"].to(str)
            + " · "
            + row["next"].to(str),
            size="1",
            color_scheme="gray",
            custom_attrs={"data-testid": "schedule-next-run"},
        ),
        rx.cond(
            row["error"].to(str) != "",
            rx.text(row["error"], size="1", color_scheme="red"),
        ),
        rx.cond(
            manage,
            rx.flex(
                rx.cond(
                    row["paused"].to(bool),
                    rx.button(
                        "Resume",
                        size="1",
                        variant="soft",
                        on_click=ScheduleState.resume_schedule(schedule_id),
                        custom_attrs={"data-testid": "schedule-resume"},
                    ),
                    rx.button(
                        "Pause",
                        size="1",
                        variant="soft",
                        color_scheme="gray",
                        on_click=ScheduleState.pause_schedule(schedule_id),
                        custom_attrs={"data-testid": "schedule-pause"},
                    ),
                ),
                rx.button(
                    "Delete",
                    size="1",
                    variant="soft",
                    color_scheme="red",
                    on_click=ScheduleState.ask_delete_schedule(schedule_id),
                    custom_attrs={"data-testid": "schedule-delete"},
                ),
                spacing="2",
            ),
        ),
        direction="column",
        spacing="1",
        padding="8px 0",
        border_bottom="1px solid var(--gray-a4)",
        custom_attrs={"data-testid": "schedule-row", "data-schedule-id": schedule_id},
    )


def schedules_section() -> rx.Component:
    """The flow's schedules (nothing when it has none); read as the Run tab shows."""
    return rx.box(
        rx.cond(
            ScheduleState.schedules.length() > 0,
            rx.flex(
                rx.text("Schedules", class_name="panel-subtitle"),
                rx.foreach(ScheduleState.schedules, schedule_row),
                direction="column",
                spacing="1",
            ),
        ),
        confirm_dialog(
            title="Delete this schedule?",
            description="“"
            + ScheduleState.sched_deleting_words
            + "” will not run again. The runs it started stay in the history.",
            confirm="Delete schedule",
            on_confirm=ScheduleState.delete_schedule,
            on_cancel=ScheduleState.cancel_delete_schedule,
            open=ScheduleState.sched_deleting != "",
            testid="schedule-delete-confirm",
        ),
        on_mount=ScheduleState.load_schedules,
        custom_attrs={"data-testid": "schedules-section"},
    )
