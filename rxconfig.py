"""Reflex configuration: the web app is the module designer.designer (see designer/designer.py)."""

import reflex as rx

config = rx.Config(
    app_name="designer",
    telemetry_enabled=False,
    plugins=[
        rx.plugins.RadixThemesPlugin(
            theme=rx.theme(accent_color="indigo", gray_color="slate", radius="large")
        ),
    ],
    # A single-page tool, not a site to index: no sitemap.xml.
    disable_plugins=[rx.plugins.SitemapPlugin],
    show_built_with_reflex=False,
)
