"""The side panel of a template's preview: what the gallery card says, and the way to a copy."""

from __future__ import annotations

import reflex as rx

from designer.ui.editor.state import EditorState
from designer.ui.gallery import GalleryState


def template_about() -> rx.Component:
    card = EditorState.template
    return rx.flex(
        rx.flex(
            rx.badge(card["task_label"].to(str), color_scheme=card["task_color"].to(str)),
            rx.badge(
                card["difficulty_label"].to(str),
                color_scheme=card["difficulty_color"].to(str),
                variant="outline",
            ),
            rx.cond(
                card["run"].to(str) != "",
                rx.badge("runs in " + card["run"].to(str), color_scheme="gray", variant="soft"),
            ),
            spacing="2",
            wrap="wrap",
        ),
        rx.heading(card["title"].to(str), size="4"),
        rx.text(card["description"].to(str), size="2"),
        rx.cond(
            card["learn"].to(list[str]).length() > 0,
            rx.flex(
                rx.text("What you will learn", size="2", weight="bold"),
                rx.el.ul(
                    rx.foreach(card["learn"].to(list[str]), lambda item: rx.el.li(item)),
                    class_name="template-learn",
                ),
                direction="column",
                spacing="1",
            ),
        ),
        rx.cond(
            card["publisher"].to(str) != "",
            rx.text(
                "Published by " + card["publisher"].to(str) + " for " + card["team_name"].to(str),
                size="1",
                color_scheme="gray",
            ),
        ),
        rx.button(
            rx.icon("copy-plus", size=16),
            "Use this template",
            on_click=GalleryState.use(EditorState.flow_id),
            custom_attrs={"data-testid": "use-template-panel"},
        ),
        rx.text(
            "Click a block on the canvas to see how it is set up. ",
            rx.link("Glossary", href="/glossary", target="_blank"),
            size="1",
            color_scheme="gray",
        ),
        direction="column",
        spacing="3",
        custom_attrs={"data-testid": "template-about"},
    )
