"""The run tab's history and what an opened run adds to the editor: one line per run (who,
when, with which parameters, how it was started), the banner over an old run's version, a
cached block's origin and the "Rerun from here" button.
"""

from __future__ import annotations

import reflex as rx

from designer.ui.editor.run_history import RunHistoryState
from designer.ui.editor.run_history_views import CACHED_COLOR, STATUS_COLORS
from designer.ui.editor.run_state import RunState
from designer.ui.editor.state import EditorState


def status_badge(status: rx.Var) -> rx.Component:
    return rx.badge(
        status,
        color_scheme=rx.match(status, *STATUS_COLORS.items(), "gray"),
        variant="soft",
        custom_attrs={"data-testid": "status-badge", "data-status": status},
    )


def _marker(icon: str, text: rx.Var | str, testid: str, color: str = "gray") -> rx.Component:
    return rx.badge(
        rx.icon(icon, size=12),
        text,
        variant="soft",
        color_scheme=color,
        custom_attrs={"data-testid": testid},
    )


def history_row(run: rx.Var) -> rx.Component:
    """Two lines per run, neither wrapping: how it went, then who started it, how and with
    what. What does not fit is cut short; the whole is the row's tooltip."""
    outcome = rx.el.div(
        status_badge(run["status"].to(str)),
        rx.text(run["when"], size="1", class_name="history-when"),
        rx.text("v" + run["version"].to(str), size="1", color_scheme="gray"),
        rx.text(run["headline"], size="1", weight="medium", class_name="history-headline"),
        rx.text(run["duration"], size="1", color_scheme="gray", class_name="history-duration"),
        class_name="history-line",
    )
    how = rx.el.div(
        rx.text(
            run["who"], size="1", class_name="history-who", custom_attrs={"data-testid": "who"}
        ),
        rx.cond(
            run["scheduled"].to(bool),
            _marker("calendar-clock", "scheduled", "history-scheduled", "iris"),
        ),
        rx.cond(
            run["rerun_from"].to(str) != "",
            _marker("rotate-ccw", "from " + run["rerun_from"].to(str), "history-rerun", "amber"),
        ),
        rx.cond(
            run["cached"].to(str) != "",
            _marker("archive-restore", run["cached"].to(str), "history-cached", CACHED_COLOR),
        ),
        rx.cond(run["no_cache"].to(bool), _marker("archive-x", "no cache", "history-no-cache")),
        rx.text(
            run["params"],
            size="1",
            color_scheme="gray",
            class_name="history-params",
            custom_attrs={"data-testid": "history-params"},
        ),
        class_name="history-line history-how",
    )
    return rx.el.button(
        outcome,
        how,
        class_name=rx.cond(run["id"] == RunState.run_id, "history-row active", "history-row"),
        on_click=RunHistoryState.open_run(run["id"]),
        title=run["title"],
        custom_attrs={"data-testid": "history-row", "data-run-id": run["id"]},
    )


def run_banner() -> rx.Component:
    """Over the canvas while an old run's version is on it: which, and the way back."""
    return rx.flex(
        rx.icon("history", size=14),
        rx.text(
            "Run "
            + RunHistoryState.viewed_run
            + " of version "
            + EditorState.viewing.to(str)
            + " — read-only.",
            size="2",
        ),
        rx.button(
            "Back to the current flow",
            size="1",
            variant="soft",
            on_click=RunHistoryState.back_to_flow,
            custom_attrs={"data-testid": "back-to-flow"},
        ),
        align="center",
        spacing="3",
        class_name="editor-banner",
        custom_attrs={"data-testid": "run-banner"},
    )


def cached_from(run: rx.Var) -> rx.Component:
    """Under a cached block's status: the run its result came from, one click away."""
    return rx.flex(
        rx.icon("archive-restore", size=14, color=f"var(--{STATUS_COLORS['cached']}-11)"),
        rx.text("Cached — reused from run", size="1"),
        # A button that looks like a link: it opens the run here, it goes to no other page.
        rx.button(
            run["cached_from"].to(str),
            size="1",
            variant="ghost",
            class_name="cached-from",
            on_click=RunHistoryState.open_run(run["cached_from"].to(str)),
            title="Open that run: the version it ran, with its statuses",
            custom_attrs={"data-testid": "cached-from"},
        ),
        align="center",
        spacing="1",
        wrap="wrap",
        custom_attrs={"data-testid": "node-cached"},
    )


def rerun_button(run: rx.Var) -> rx.Component:
    """Run this block and what comes after it again; the blocks before it may reuse."""
    return rx.cond(
        (EditorState.mode == "flow") | (EditorState.mode == "run"),
        rx.button(
            rx.icon("rotate-ccw", size=14),
            "Rerun from here",
            size="1",
            variant="soft",
            disabled=RunState.running,
            on_click=RunHistoryState.rerun_from(run["id"].to(str)),
            title="Run this block and every block after it again, with this run's parameter "
            "values; the blocks before it reuse their results.",
            custom_attrs={"data-testid": "rerun-from-here"},
        ),
    )


#: Cut a line short with an ellipsis rather than wrap it (the full text is the tooltip).
ONE_LINE = {"white_space": "nowrap", "overflow": "hidden", "text_overflow": "ellipsis"}

STYLE: dict[str, object] = {
    ".cached-from": {"text_decoration": "underline", "cursor": "pointer", "padding": "0 2px"},
    ".history-row": {
        "display": "flex",
        "flex_direction": "column",
        "gap": "3px",
        "width": "100%",
        "min_width": "0",
        "padding": "6px 8px",
        "border": "none",
        "background": "transparent",
        "cursor": "pointer",
        "border_radius": "var(--radius-2)",
        "text_align": "left",
    },
    ".history-line": {
        "display": "flex",
        "align_items": "center",
        "gap": "8px",
        "min_width": "0",
        "white_space": "nowrap",
        "overflow": "hidden",
    },
    # The date and the headline give way first; status, version and duration keep their size.
    ".history-line > *": {"flex_shrink": "0"},
    ".history-line .history-when": {"flex_shrink": "1", "min_width": "0", **ONE_LINE},
    ".history-line .history-headline": {
        "flex": "1 1 auto",
        "min_width": "0",
        "text_align": "right",
        **ONE_LINE,
    },
    ".history-how": {"gap": "6px"},
    # Who gives way before the markers, the parameter values before anything.
    ".history-line .history-who": {
        "flex": "0 1 auto",
        "max_width": "120px",
        "min_width": "24px",
        **ONE_LINE,
    },
    ".history-line .history-params": {"flex": "1 1 auto", "min_width": "0", **ONE_LINE},
    ".history-row:hover": {"background": "var(--gray-3)"},
    ".history-row.active": {"background": "var(--accent-3)"},
}
