"""Every button, menu item and field of every page is pressed by at least one test.

The pages are walked for the handlers they wire (``tests.fixtures.handlers``); each must be
reached by an e2e test (its test id, text or element id) or a unit test (its name). A handler
no page wires must say which handler calls it. ``python -m tests.fixtures.handlers`` prints
the whole table: handler, the tests that reach it, and where the pages use it.
"""

from __future__ import annotations

import inspect

import pytest

from tests.fixtures.handlers import Trigger, evidence, page_triggers, state_handlers

#: Handlers fired by controls drawn in JavaScript (the canvas, the upload zones), which the
#: component tree does not show: the string e2e tests use to drive each one.
MARKERS = {
    "ImportState.upload": "#import-component input[type=file]",
    "BlockEditorState.import_version": "#block-file input[type=file]",
    "EditorState.canvas_command": "tool-undo",
    "EditorState.canvas_select": '"data-selected", "true"',
    "EditorState.canvas_edit": ".connect(",
    "DatasetsState.uploaded": 'get_by_test_id("upload-input")',
    "DatasetState.version_uploaded": 'get_by_test_id("new-version")',
    "StartState.uploaded": 'get_by_test_id("upload-input")',
    "FilesState.import_json": "#flow-import",
    "HomeState.import_flow": "#home-import",
}

#: Handlers no control fires directly, and the method that returns or yields them.
CALLED_BY = {
    "EditorState.autosave": "EditorState._after_edit",
    "EditorState.open_help": "EditorState.canvas_command",
    "EditorState.undo": "EditorState.canvas_command",
    "EditorState.redo": "EditorState.canvas_command",
    "ModelsState.watch_serving": "ModelsState.load",
    "RunState.attach": "EditorState.load",
    "RunState.attach_link": "EditorState.load",
    "RunState.follow": "RunState.attach",
    "VersionsState.reset_history": "EditorState.load",
}


@pytest.fixture(scope="module")
def triggers() -> list[Trigger]:
    return page_triggers()


def test_every_handler_a_page_wires_is_reached_by_a_test(triggers: list[Trigger]) -> None:
    reached = evidence(triggers, MARKERS)
    missing: dict[str, set[str]] = {}
    for row in triggers:
        if not reached.get(row.handler):
            missing.setdefault(row.handler, set()).add(row.testid or row.label or row.event)
    lines = [f"{handler} ({', '.join(sorted(where))})" for handler, where in missing.items()]
    assert not lines, "no test presses these:\n" + "\n".join(sorted(lines))


def test_every_handler_a_script_fires_is_reached_by_a_test() -> None:
    drawn = [Trigger(handler, "(script)", "script", None, None) for handler in MARKERS]
    reached = evidence(drawn, MARKERS)
    assert not [h for h in MARKERS if not reached.get(h)], "no test drives these"


def test_every_other_handler_says_who_calls_it(triggers: list[Trigger]) -> None:
    wired = {row.handler for row in triggers}
    unexplained = sorted(state_handlers() - wired - MARKERS.keys() - CALLED_BY.keys())
    assert not unexplained, f"wired by no page and called by no listed handler: {unexplained}"


@pytest.mark.parametrize(("handler", "caller"), CALLED_BY.items())
def test_the_listed_caller_does_call_the_handler(handler: str, caller: str) -> None:
    source = _source_of(caller)
    method = handler.split(".")[-1]
    assert method in source, f"{caller} does not mention {method}"


def test_markers_name_handlers_that_exist() -> None:
    assert MARKERS.keys() <= state_handlers()


def _source_of(qualified: str) -> str:
    from reflex.state import BaseState

    state_handlers()  # loads the app, and with it every state
    state_name, method = qualified.split(".")
    pending = list(BaseState.__subclasses__())
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if cls.__name__ == state_name and hasattr(cls, method):
            found = cls.event_handlers.get(method)
            return inspect.getsource(found.fn if found else getattr(cls, method))
    raise AssertionError(f"no handler {qualified}")
