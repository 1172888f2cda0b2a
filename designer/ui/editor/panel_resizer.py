"""The side panel's drag handle as a Reflex component: assets/panel/PanelResizer.jsx.

The width stays in the browser (localStorage): dragging sends nothing to the server. The
handle sets ``--panel-width`` on the editor body, whose grid (``editor/style.py``) gives the
panel that column and the canvas the rest.
"""

from __future__ import annotations

import reflex as rx
from reflex_base.components.component import field

#: The panel's usual width, and the narrowest it may be (a form's labels and inputs fit).
DEFAULT_WIDTH_PX = 360
MIN_WIDTH_PX = 300
#: The widest it may be, as a share of the window: the canvas keeps the rest.
MAX_SHARE = 0.6


class PanelResizer(rx.NoSSRComponent):
    """Reads the window and localStorage: client-only."""

    # assets/ is copied to .web/public before the frontend is built.
    library: str | None = "$/public/panel/PanelResizer.jsx"
    tag: str | None = "PanelResizer"

    default_width: rx.Var[int] = field(doc="The width in pixels a double-click puts back.")
    min_width: rx.Var[int] = field(doc="The narrowest the panel may be, in pixels.")
    max_share: rx.Var[float] = field(doc="The widest, as a share of the window's width.")


def panel_resizer() -> rx.Component:
    return PanelResizer.create(
        default_width=DEFAULT_WIDTH_PX, min_width=MIN_WIDTH_PX, max_share=MAX_SHARE
    )
