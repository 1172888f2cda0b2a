"""How the editor page is laid out and dressed: the app-wide style rules for its classes."""

from __future__ import annotations

from designer.ui.editor.panel_resizer import DEFAULT_WIDTH_PX, MAX_SHARE, MIN_WIDTH_PX

PANEL_COLUMN = (
    f"clamp({MIN_WIDTH_PX}px, var(--panel-width, {DEFAULT_WIDTH_PX}px), {MAX_SHARE * 100:g}vw)"
)

STYLE: dict[str, object] = {
    ".editor": {"height": "100vh", "display": "flex", "flex_direction": "column"},
    ".editor-bar": {
        "height": "52px",
        "flex_shrink": "0",
        "display": "flex",
        "align_items": "center",
        "justify_content": "space-between",
        "padding": "0 12px",
        "border_bottom": "1px solid var(--gray-a5)",
        "background": "var(--color-panel-solid)",
    },
    # The panel's column is as wide as its drag handle left it (--panel-width, set in the
    # browser by editor/panel_resizer.py), kept between its bounds here too, so a window made
    # narrower after a drag still leaves the canvas its share. The canvas takes the rest.
    ".editor-body": {
        "flex": "1",
        "min_height": "0",
        "display": "grid",
        "grid_template_columns": f"240px minmax(0, 1fr) {PANEL_COLUMN}",
    },
    ".editor-body.viewing": {"grid_template_columns": f"minmax(0, 1fr) {PANEL_COLUMN}"},
    ".editor-palette": {
        "display": "flex",
        "flex_direction": "column",
        "border_right": "1px solid var(--gray-a5)",
        "background": "var(--color-panel-solid)",
        "min_height": "0",
    },
    ".editor-banner": {
        "padding": "6px 16px",
        "background": "var(--blue-3)",
        "color": "var(--blue-11)",
        "border_bottom": "1px solid var(--blue-a5)",
        "flex_shrink": "0",
    },
    ".editor-canvas": {"position": "relative", "min_width": "0", "background": "var(--gray-2)"},
    ".editor-panel": {
        "position": "relative",
        "border_left": "1px solid var(--gray-a5)",
        "background": "var(--color-panel-solid)",
        "min_height": "0",
        "overflow": "hidden",
        "overflow_wrap": "anywhere",
    },
    # Radix's scroll area lays its content out as a table, which grows as wide as the longest
    # unbroken line (a file path in an error): keep the panel's width instead.
    ".editor-panel [data-radix-scroll-area-viewport] > div": {
        "display": "block !important",
        "min_width": "0 !important",
        # The viewport is a flex box: without this its content is as wide as it likes.
        "width": "100%",
    },
    ".palette-category": {
        "font_size": "11px",
        "font_weight": "600",
        "letter_spacing": "0.06em",
        "text_transform": "uppercase",
        "color": "var(--gray-10)",
        "margin": "14px 4px 6px",
    },
    ".palette-item": {
        "align_items": "center",
        "gap": "10px",
        "padding": "7px 8px",
        "border_radius": "var(--radius-2)",
        "cursor": "grab",
        "user_select": "none",
    },
    ".palette-item:hover": {"background": "var(--accent-3)"},
    ".palette-icon": {
        "width": "26px",
        "height": "26px",
        "border_radius": "var(--radius-2)",
        "background": "var(--accent-3)",
        "color": "var(--accent-11)",
        "flex_shrink": "0",
    },
    ".palette-hint": {"padding": "10px 16px", "border_top": "1px solid var(--gray-a4)"},
    ".form-field": {"display": "flex", "flex_direction": "column", "gap": "2px"},
    ".panel-subtitle": {
        "font_size": "11px",
        "font_weight": "600",
        "letter_spacing": "0.06em",
        "text_transform": "uppercase",
        "color": "var(--gray-10)",
    },
    ".port-link": {
        "max_width": "150px",
        "overflow": "hidden",
        "text_overflow": "ellipsis",
        "white_space": "nowrap",
    },
    ".problem-row": {
        "display": "flex",
        "gap": "10px",
        "align_items": "flex-start",
        "text_align": "left",
        "padding": "8px",
        "border_radius": "var(--radius-2)",
        "background": "transparent",
        "border": "none",
        "cursor": "pointer",
        "width": "100%",
    },
    ".problem-row:hover": {"background": "var(--gray-3)"},
    ".empty-icon": {
        "width": "44px",
        "height": "44px",
        "border_radius": "9999px",
        "background": "var(--accent-3)",
        "color": "var(--accent-11)",
    },
    ".empty-icon.ok": {"background": "var(--green-3)", "color": "var(--green-11)"},
    ".flow-name input": {"font_weight": "600"},
}
