"""The Reflex app module (rxconfig's app_name "designer" loads designer.designer)."""

import os

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

if os.environ.get("DESIGNER_CANVAS_LAB"):
    from designer.ui.canvas import lab

    app.add_page(lab.page, route="/lab/canvas", title="Canvas lab")
