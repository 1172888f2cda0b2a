"""The audit log page (``/audit``): who signed in, shared, deleted, published, ran or cancelled
what, and when, with filters by person, action, kind of thing and dates.

A site admin sees every event; anyone else the events on their own flows, datasets, blocks and
models, and on their own account. The same log is ``GET /api/v1/audit``.
"""

from __future__ import annotations

from typing import Any

import reflex as rx

from designer.ui.audit.state import ACTION_CHOICES, KIND_CHOICES, AuditState
from designer.ui.shell import app_header

COLUMNS = ("When", "Who", "Did", "Kind", "Name", "Details")


def heading() -> rx.Component:
    return rx.flex(
        rx.heading("Audit log", as_="h1", size="6"),
        rx.text(
            rx.cond(
                AuditState.everything,
                "Everything that happened on this designer, newest first.",
                "What happened to your flows, datasets, blocks and models, and your sign-ins, "
                "newest first.",
            ),
            size="2",
            color_scheme="gray",
        ),
        direction="column",
        spacing="1",
    )


def choice(
    label: str, value: Any, items: list[dict[str, str]], on_change: Any, testid: str
) -> rx.Component:
    return rx.flex(
        rx.text(label, size="1", color_scheme="gray"),
        rx.select.root(
            rx.select.trigger(custom_attrs={"data-testid": testid}, min_width="160px"),
            rx.select.content(
                *[rx.select.item(item["label"], value=item["value"]) for item in items]
            ),
            value=value,
            on_change=on_change,
            size="2",
        ),
        direction="column",
        spacing="1",
    )


def field(label: str, control: rx.Component) -> rx.Component:
    return rx.flex(
        rx.text(label, size="1", color_scheme="gray"), control, direction="column", spacing="1"
    )


def date_field(label: str, value: rx.Var, on_change: Any, testid: str) -> rx.Component:
    return field(
        label,
        rx.input(
            type="date",
            value=value,
            on_change=on_change,
            custom_attrs={"data-testid": testid},
        ),
    )


def filters() -> rx.Component:
    return rx.flex(
        field(
            "Person",
            rx.input(
                value=AuditState.person,
                on_change=AuditState.set_person,
                placeholder="user name",
                max_length=64,
                custom_attrs={"data-testid": "audit-person"},
            ),
        ),
        choice("Action", AuditState.action, ACTION_CHOICES, AuditState.set_action, "audit-action"),
        choice("Kind", AuditState.kind, KIND_CHOICES, AuditState.set_kind, "audit-kind"),
        date_field("From", AuditState.since, AuditState.set_since, "audit-since"),
        date_field("To", AuditState.until, AuditState.set_until, "audit-until"),
        rx.button("Filter", on_click=AuditState.apply, custom_attrs={"data-testid": "audit-apply"}),
        rx.button(
            "Clear",
            type="button",
            variant="soft",
            color_scheme="gray",
            on_click=AuditState.clear_filters,
            custom_attrs={"data-testid": "audit-clear"},
        ),
        align="end",
        spacing="3",
        wrap="wrap",
    )


def event_line(row: dict[str, Any]) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.text(row["when"], size="1", white_space="nowrap")),
        rx.table.cell(row["who"]),
        rx.table.cell(rx.badge(row["action"], variant="soft")),
        rx.table.cell(row["kind"]),
        rx.table.cell(rx.text(row["name"], title=row["object_id"])),
        rx.table.cell(rx.text(row["detail"], size="1", color_scheme="gray")),
        align="center",
        custom_attrs={"data-testid": "audit-row"},
    )


def table() -> rx.Component:
    return rx.cond(
        AuditState.events.length() > 0,
        rx.table.root(
            rx.table.header(rx.table.row(*[rx.table.column_header_cell(c) for c in COLUMNS])),
            rx.table.body(rx.foreach(AuditState.events, event_line)),
            variant="surface",
            size="1",
            custom_attrs={"data-testid": "audit-table"},
        ),
        rx.cond(
            AuditState.loaded,
            rx.text(
                "No events match.", color_scheme="gray", custom_attrs={"data-testid": "audit-empty"}
            ),
            rx.spinner(),
        ),
    )


def pager() -> rx.Component:
    return rx.flex(
        rx.text(AuditState.page_label, size="2", color_scheme="gray"),
        rx.flex(
            rx.button(
                "Newer",
                variant="soft",
                disabled=AuditState.offset == 0,
                on_click=AuditState.newer,
                custom_attrs={"data-testid": "audit-newer"},
            ),
            rx.button(
                "Older",
                variant="soft",
                disabled=~AuditState.more,
                on_click=AuditState.older,
                custom_attrs={"data-testid": "audit-older"},
            ),
            spacing="2",
        ),
        justify="between",
        align="center",
    )


def page() -> rx.Component:
    return rx.box(
        app_header(),
        rx.flex(
            heading(),
            filters(),
            rx.cond(
                AuditState.error != "",
                rx.callout(
                    AuditState.error,
                    icon="triangle_alert",
                    color_scheme="red",
                    custom_attrs={"data-testid": "audit-error"},
                ),
            ),
            table(),
            pager(),
            direction="column",
            spacing="5",
            max_width="1136px",
            margin="0 auto",
            padding="24px",
        ),
    )
