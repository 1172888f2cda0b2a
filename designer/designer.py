"""The Reflex app module (rxconfig's app_name "designer" loads designer.designer)."""

import reflex as rx

from designer.ui import catalogue

app = rx.App(
    style=catalogue.STYLE,
    head_components=[rx.el.link(rel="icon", type="image/svg+xml", href="/logo.svg")],
)
app.add_page(
    catalogue.page,
    route="/",
    title="Designer · Block catalogue",
    description="Draw machine-learning flows from prebuilt blocks.",
    image="/logo.svg",
)
