"""The Resources section in an editor tab: typed values stay, problems show under the box, on
the node and in front of Run; rows are added and removed; undo brings values back.

Tabs are built and loaded as a page load does it (``tests/fixtures/editor_tabs.py``), on a real
SQLite store. The section's events are sent as the browser sends them (text from the boxes),
and each test looks at the delta the browser would get, so a value that is right in the server
but never reaches the page fails too.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from reflex.event import EventHandler

from designer.flow.document import Flow
from designer.settings import load_settings
from designer.store import engine_for
from designer.store.accounts import create_user
from designer.store.flows import create_flow
from designer.store.signin import create_session
from designer.ui.editor.opening import READ_ONLY_REASON
from designer.ui.editor.parsed_flows import PARSED
from designer.ui.editor.resources_state import ResourcesState
from designer.ui.editor.resources_views import resources_view, summary
from designer.ui.editor.state import EditorState
from tests.fixtures.editor_tabs import Tab, open_tab
from tests.fixtures.flow_files import fixture_flow

BAD_MEMORY = "Memory limit must be like 512Mi, 2Gi, 1G or 1e9; found '2 gigs'"


@dataclass
class Opened:
    tab: Tab

    @property
    def editor(self) -> Any:
        return self.tab.state(EditorState)

    @property
    def form(self) -> dict[str, Any]:
        return self.tab.state(ResourcesState).resource_form

    def send(self, handler: EventHandler, *args: Any) -> dict[str, Any]:
        """Send one of the section's events and return what the browser gets for the section."""
        handler.fn(self.tab.state(ResourcesState), *args)
        delta = self.tab.send()
        return next((v for k, v in delta.items() if k.endswith("resources_state")), {})

    def box(self, name: str) -> dict[str, str]:
        return next(f for f in self.form["fields"] if f["name"] == name)


@pytest.fixture
def opened() -> Iterator[Opened]:
    """Ann's iris flow open in a tab, its split block selected."""
    engine = engine_for(load_settings().database_url)
    create_user(engine, "admin", "Admin")
    ann = create_user(engine, "ann", "Ann")
    token = create_session(engine, ann.id, timedelta(hours=1))
    flow_id = create_flow(engine, ann, Flow.model_validate(fixture_flow("iris_classification"))).id
    PARSED.clear()
    tab = open_tab(f"/flows/{flow_id}", token)
    tab.run(EditorState.canvas_select, ["split"])
    yield Opened(tab)
    PARSED.clear()


def test_a_bad_amount_stays_as_typed_and_holds_the_run_back(opened: Opened) -> None:
    sent = opened.send(ResourcesState.set_resource, "memory_limit", "2 gigs")
    form = sent["resource_form_rx_state_"]
    memory = next(f for f in form["fields"] if f["name"] == "memory_limit")
    assert (memory["value"], memory["error"], form["problems"]) == ("2 gigs", BAD_MEMORY, 1)
    assert sent["show_resources_rx_state_"] is True
    editor = opened.editor
    assert editor.problems == {"split": [BAD_MEMORY]}
    assert editor.run_blocker == f"Fix first: split: {BAD_MEMORY}"
    assert [(d["param"], d["where"], d["message"]) for d in editor.diagnostics] == [
        ("resources.memory_limit", "Train/test split (split) · Resources: Memory limit", BAD_MEMORY)
    ]

    opened.send(ResourcesState.set_resource, "memory_limit", "2Gi")
    assert (opened.box("memory_limit")["error"], opened.form["problems"]) == ("", 0)
    assert (editor.problems, editor.run_blocker) == ({}, "")
    assert opened.form["summary"] == "memory up to 2Gi"


def test_the_section_follows_the_selection_and_undo(opened: Opened) -> None:
    opened.send(ResourcesState.set_resource, "cpu_limit", "2")
    opened.tab.run(EditorState.canvas_select, ["train"])
    assert opened.box("cpu_limit")["value"] == ""
    opened.tab.run(EditorState.canvas_select, ["split"])
    assert opened.box("cpu_limit")["value"] == "2"
    opened.tab.run(EditorState.undo)
    assert opened.box("cpu_limit")["value"] == ""
    assert opened.editor.undo_label == ""


def test_labels_and_tolerations_are_added_filled_in_and_removed(opened: Opened) -> None:
    opened.send(ResourcesState.add_selector)
    assert opened.form["selectors"] == [
        {
            "index": 0,
            "key": "",
            "value": "",
            "error": "Node selector label 1 has no key; type one (like disktype) or remove the "
            "label",
        }
    ]
    opened.send(ResourcesState.set_selector, 0, "key", "disktype")
    opened.send(ResourcesState.set_selector, 0, "value", "ssd")
    assert opened.form["selectors"] == [
        {"index": 0, "key": "disktype", "value": "ssd", "error": ""}
    ]

    opened.send(ResourcesState.add_toleration)
    opened.send(ResourcesState.set_toleration, 0, "key", "gpu")
    opened.send(ResourcesState.set_toleration, 0, "operator", "Exists")
    opened.send(ResourcesState.set_toleration, 0, "effect", "NoSchedule")
    assert opened.form["tolerations"] == [
        {
            "index": 0,
            "key": "gpu",
            "operator": "Exists",
            "value": "",
            "effect": "NoSchedule",
            "error": "",
        }
    ]
    assert opened.form["summary"] == "1 label · 1 toleration"
    opened.send(ResourcesState.set_toleration, 0, "effect", "any")
    assert opened.form["tolerations"][0]["effect"] == "any"
    node = opened.editor._doc().node("split")
    assert node.resources.model_dump(exclude_none=True) == {
        "node_selector": {"disktype": "ssd"},
        "tolerations": [{"key": "gpu", "operator": "Exists"}],
    }

    opened.send(ResourcesState.remove_selector, 0)
    opened.send(ResourcesState.remove_toleration, 0)
    assert opened.editor._doc().node("split").resources is None
    assert opened.form["summary"] == "Not set"


def test_an_edit_that_cannot_apply_is_said_and_changes_nothing(opened: Opened) -> None:
    opened.send(ResourcesState.add_selector)
    result = ResourcesState.add_selector.fn(opened.tab.state(ResourcesState))
    assert "fill that one in first" in str(result)
    assert len(opened.form["selectors"]) == 1


def test_the_section_opens_and_closes_but_stays_open_on_a_problem(opened: Opened) -> None:
    assert opened.send(ResourcesState.toggle_resources)["show_resources_rx_state_"] is True
    assert opened.send(ResourcesState.toggle_resources)["show_resources_rx_state_"] is False
    opened.send(ResourcesState.set_resource, "gpu", "lots")
    opened.send(ResourcesState.toggle_resources)
    assert opened.tab.state(ResourcesState).show_resources is True


def test_a_read_only_tab_changes_nothing(opened: Opened) -> None:
    opened.editor.read_only = True
    result = ResourcesState.set_resource.fn(opened.tab.state(ResourcesState), "gpu", "1")
    assert READ_ONLY_REASON["flow"] in str(result)
    assert opened.editor._doc().node("split").resources is None


@pytest.mark.parametrize(
    ("resources", "line"),
    [
        (None, "Not set"),
        ({"cpu_request": "500m", "cpu_limit": "2"}, "CPU 500m to 2"),
        (
            {"cpu_request": "1", "memory_limit": "4Gi", "gpu": 2},
            "CPU 1 · memory up to 4Gi · 2 GPUs",
        ),
        ({"gpu": "0"}, "Not set"),
    ],
)
def test_the_closed_section_sums_up_in_one_line(
    resources: dict[str, Any] | None, line: str
) -> None:
    from designer.flow.resources import NodeResources

    assert summary(NodeResources.model_validate(resources) if resources else None) == line


def test_a_value_the_selects_cannot_show_is_reported_under_its_row() -> None:
    from designer.flow.resources import NodeResources, node_resource_problems

    resources = NodeResources.model_validate({"tolerations": [{"key": "a", "operator": "In"}]})
    problems = [
        {"severity": str(d.severity), "param": d.param or "", "message": d.message}
        for d in node_resource_problems("split", resources)
    ]
    row = resources_view(resources, problems)["tolerations"][0]
    assert (row["operator"], row["error"]) == (
        "Equal",
        "Toleration 1 operator must be Equal or Exists; found 'In'",
    )
