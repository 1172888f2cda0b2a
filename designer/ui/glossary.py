"""The glossary page (``/glossary``): every machine-learning word the designer uses, in one
plain sentence or two; each entry has an anchor so other pages can link to it."""

from __future__ import annotations

import reflex as rx

from designer.templates.glossary import GLOSSARY, Term
from designer.ui.shell import app_header


def entry(term: Term) -> rx.Component:
    return rx.el.div(
        rx.el.dt(rx.text(term.term, weight="bold", size="3")),
        rx.el.dd(rx.text(term.meaning, size="2", color_scheme="gray"), margin="2px 0 0 0"),
        id=term.anchor,
        padding="10px 0",
        border_bottom="1px solid var(--gray-a4)",
        custom_attrs={"data-testid": "glossary-term"},
    )


def page() -> rx.Component:
    return rx.box(
        app_header(),
        rx.el.main(
            rx.heading("Glossary", size="8", weight="bold", margin_bottom="8px"),
            rx.text(
                "The words machine learning people use, in plain language.",
                size="3",
                color_scheme="gray",
                margin_bottom="24px",
                as_="p",
            ),
            rx.el.dl(*[entry(term) for term in GLOSSARY], margin="0"),
            max_width="760px",
            margin="0 auto",
            padding="40px 24px 64px",
        ),
        class_name="app",
    )
