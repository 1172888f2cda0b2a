"""The Reflex app module (rxconfig's app_name "designer" loads designer.designer)."""

import reflex as rx

from designer.ui import catalogue, home
from designer.ui.editor import page as editor
from designer.ui.editor import run_panel
from designer.ui.editor.state import EditorState

app = rx.App(
    style={**catalogue.STYLE, **editor.STYLE, **run_panel.STYLE},
    head_components=[rx.el.link(rel="icon", type="image/svg+xml", href="/logo.svg")],
    toaster=rx.toast.provider(position="bottom-right", close_button=True),
)
app.add_page(
    home.page,
    route="/",
    title="Designer · My flows",
    description="Draw machine-learning flows from prebuilt blocks.",
    image="/logo.svg",
    on_load=home.HomeState.load,
)
app.add_page(editor.page, route="/flows/[flow_id]", title="Designer", on_load=EditorState.load)
app.add_page(catalogue.page, route="/blocks", title="Designer · Blocks")
