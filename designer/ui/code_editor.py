"""A code editor as a Reflex component: assets/code/CodeEditor.jsx, CodeMirror 6 through
``@uiw/react-codemirror``.

Like the canvas, the editor owns what changes fast: the text lives in the browser while the
person types, and reaches the server only as a debounced ``on_change`` (the whole text and its
length, about 300 ms after the last key). The server never sends the text back while it is
being typed: ``value`` is read when the editor mounts and again only when ``doc_key`` changes
(another version opened, a version restored), so a reply never moves the cursor.

Problems come back as ``problems`` (``{"line", "column", "message"}``, 1-based) and show as
lint marks on their lines; ``cursor`` (``{"line", "column", "seq"}``) moves the cursor there
each time its ``seq`` changes. A text longer than ``max_chars`` is not sent over the page's
connection: ``on_change`` then carries "" and the length, and the page says it is too long.
Ctrl+S (Cmd+S) in the editor, or anywhere on the page while it is editable, calls ``on_save``
with the text at once.
"""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex_base.components.component import field
from reflex_base.event import passthrough_event_spec

#: CodeMirror and its language, lint, state and view packages, pinned (reflex.lock/ records
#: what bun resolved). State and view are pinned too so that one copy of each is installed:
#: CodeMirror refuses extensions made by a second copy.
REACT_CODEMIRROR = "@uiw/react-codemirror@4.25.12"
LANG_PYTHON = "@codemirror/lang-python@6.2.1"
LANG_YAML = "@codemirror/lang-yaml@6.1.3"
LINT = "@codemirror/lint@6.9.8"
STATE = "@codemirror/state@6.7.6"
VIEW = "@codemirror/view@6.43.15"
#: How long the editor waits after the last key before it sends the text.
CHANGE_DEBOUNCE_MS = 300
#: The languages the editor highlights.
LANGUAGES = ("python", "yaml")


class CodeEditor(rx.NoSSRComponent):
    """CodeMirror reads the window and measures the DOM: client-only, loaded lazily."""

    # assets/ is copied to .web/public before the frontend is built.
    library: str | None = "$/public/code/CodeEditor.jsx"
    tag: str | None = "CodeEditor"
    lib_dependencies: list[str] = [REACT_CODEMIRROR, LANG_PYTHON, LANG_YAML, LINT, STATE, VIEW]

    value: rx.Var[str] = field(doc="The text shown when mounted and whenever doc_key changes.")
    doc_key: rx.Var[str] = field(doc="Changes when the server replaces the text (value is read).")
    language: rx.Var[str] = field(doc='"python" or "yaml".')
    read_only: rx.Var[bool] = field(doc="Show the text without letting it change.")
    problems: rx.Var[list[dict[str, Any]]] = field(
        doc='Lint marks: {"line", "column", "message"}, 1-based; line 0 marks nothing.'
    )
    cursor: rx.Var[dict[str, Any]] = field(
        doc='{"line", "column", "seq"}: put the cursor there (and show it) when seq changes.'
    )
    max_chars: rx.Var[int] = field(doc="Longer texts are not sent: on_change carries their length.")
    debounce_ms: rx.Var[int] = field(doc="Quiet time after the last key before on_change.")

    on_change: rx.EventHandler[passthrough_event_spec(str, int)] = field(
        doc="(text, length), debounced; text is '' when length is over max_chars."
    )
    on_save: rx.EventHandler[passthrough_event_spec(str, int)] = field(
        doc="(text, length) on Ctrl+S / Cmd+S, at once."
    )


def code_editor(**props: Any) -> rx.Component:
    """The editor, filling its container (which must have a height)."""
    props.setdefault("language", "python")
    props.setdefault("debounce_ms", CHANGE_DEBOUNCE_MS)
    props.setdefault("problems", [])
    props.setdefault("cursor", {})
    props.setdefault("read_only", False)
    props.setdefault("doc_key", "")
    props.setdefault("width", "100%")
    props.setdefault("height", "100%")
    return CodeEditor.create(**props)
