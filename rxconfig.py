"""Reflex configuration: the web app is the module designer.designer (see designer/designer.py)."""

import reflex as rx

from designer.api.origins import configured_origins

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
    # Reflex's default, "*", lets a page of any origin read the designer's answers with the
    # visitor's cookie (its CORS middleware echoes the origin) and open the event channel. Only
    # DESIGNER_PUBLIC_URL's origin may (none when unset: the pages are same-origin and need no
    # CORS); designer.api.origin_guard refuses other origins' websockets and posts in any case.
    cors_allowed_origins=configured_origins(),
)
