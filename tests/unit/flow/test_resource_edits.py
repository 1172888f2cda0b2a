"""Editing a node's resources: kept as typed, cleared when emptied, never changing the original."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from designer.flow import resource_edits as edits
from designer.flow.document import Flow, parse_flow
from designer.flow.edit import EditRejected
from tests.fixtures.flow_files import fixture_flow

Edit = Callable[[Flow], Flow]


def _flow(resources: dict[str, Any] | None = None) -> Flow:
    doc = fixture_flow("iris_classification")
    if resources is not None:
        doc["nodes"][1]["resources"] = resources  # the split node
    flow, problems = parse_flow(doc)
    assert flow is not None and not problems
    return flow


def _resources(flow: Flow) -> dict[str, Any] | None:
    node = flow.node("split")
    assert node is not None
    return node.resources.model_dump(exclude_none=True) if node.resources else None


#: (resources before, the edit, resources after)
EDITS: list[tuple[dict[str, Any] | None, Edit, dict[str, Any] | None]] = [
    (None, lambda f: edits.set_resource(f, "split", "memory_limit", " 2 gigs "),
     {"memory_limit": "2 gigs"}),
    ({"cpu_limit": "2"}, lambda f: edits.set_resource(f, "split", "cpu_limit", "  "), None),
    ({"cpu_limit": "2"}, lambda f: edits.set_resource(f, "split", "gpu", "1"),
     {"cpu_limit": "2", "gpu": "1"}),
    (None, lambda f: edits.add_selector(f, "split"), {"node_selector": {"": ""}}),
    ({"node_selector": {"": ""}}, lambda f: edits.set_selector(f, "split", 0, "key", "disktype"),
     {"node_selector": {"disktype": ""}}),
    ({"node_selector": {"a": "1", "b": "2"}},
     lambda f: edits.set_selector(f, "split", 0, "key", "c"),
     {"node_selector": {"c": "1", "b": "2"}}),  # the renamed label keeps its place
    ({"node_selector": {"disktype": ""}},
     lambda f: edits.set_selector(f, "split", 0, "value", "ssd"),
     {"node_selector": {"disktype": "ssd"}}),
    ({"node_selector": {"a": "1", "b": "2"}}, lambda f: edits.remove_selector(f, "split", 0),
     {"node_selector": {"b": "2"}}),
    ({"node_selector": {"a": "1"}}, lambda f: edits.remove_selector(f, "split", 0), None),
    (None, lambda f: edits.add_toleration(f, "split"), {"tolerations": [{"operator": "Equal"}]}),
    ({"tolerations": [{"operator": "Equal"}]},
     lambda f: edits.set_toleration(f, "split", 0, "key", "gpu"),
     {"tolerations": [{"key": "gpu", "operator": "Equal"}]}),
    ({"tolerations": [{"key": "gpu", "effect": "NoSchedule"}]},
     lambda f: edits.set_toleration(f, "split", 0, "effect", ""),
     {"tolerations": [{"key": "gpu"}]}),
    ({"tolerations": [{"key": "a"}, {"key": "b"}]},
     lambda f: edits.remove_toleration(f, "split", 0), {"tolerations": [{"key": "b"}]}),
    ({"tolerations": [{"key": "a"}]}, lambda f: edits.remove_toleration(f, "split", 0), None),
]  # fmt: skip


@pytest.mark.parametrize(("before", "edit", "after"), EDITS)
def test_an_edit_changes_a_copy(
    before: dict[str, Any] | None, edit: Edit, after: dict[str, Any] | None
) -> None:
    flow = _flow(before)
    assert _resources(edit(flow)) == after
    assert _resources(flow) == (before or None)


#: (resources before, the edit, why it is refused)
REFUSED: list[tuple[dict[str, Any] | None, Edit, str]] = [
    (None, lambda f: edits.set_resource(f, "split", "cpu", "2"),
     "there is no resource setting 'cpu'; settings: cpu_request, cpu_limit, memory_request, "
     "memory_limit, gpu, gpu_type"),
    (None, lambda f: edits.set_resource(f, "gone", "cpu_limit", "2"),
     "there is no node 'gone' in the flow; it may have been deleted"),
    ({"node_selector": {"": ""}}, lambda f: edits.add_selector(f, "split"),
     "the node selector already has a label with no key; fill that one in first"),
    ({"node_selector": {"a": "1", "b": "2"}},
     lambda f: edits.set_selector(f, "split", 1, "key", "a"),
     "the node selector already has a label 'a'; change that one instead"),
    ({"node_selector": {"a": "1"}}, lambda f: edits.set_selector(f, "split", 3, "key", "b"),
     "there is no node selector label 3; it may have been removed"),
    ({"node_selector": {"a": "1"}}, lambda f: edits.set_selector(f, "split", 0, "colour", "b"),
     "a node selector label has a key and a value, not 'colour'"),
    ({"node_selector": {str(i): "" for i in range(32)}}, lambda f: edits.add_selector(f, "split"),
     "a node selector holds at most 32 labels"),
    (None, lambda f: edits.remove_toleration(f, "split", 0),
     "there is no toleration 0; it may have been removed"),
    ({"tolerations": [{"key": "a"}]},
     lambda f: edits.set_toleration(f, "split", 0, "seconds", "5"),
     "a toleration has a key, operator, value, effect; there is no 'seconds'"),
    ({"tolerations": [{"key": str(i)} for i in range(32)]},
     lambda f: edits.add_toleration(f, "split"), "a node takes at most 32 tolerations"),
]  # fmt: skip


@pytest.mark.parametrize(("before", "edit", "reason"), REFUSED)
def test_an_edit_that_cannot_apply_says_why(
    before: dict[str, Any] | None, edit: Edit, reason: str
) -> None:
    with pytest.raises(EditRejected) as caught:
        edit(_flow(before))
    assert str(caught.value) == reason


def test_typed_text_is_cut_at_a_length_no_valid_value_reaches() -> None:
    flow = edits.set_resource(_flow(), "split", "gpu_type", "x" * 5000)
    assert _resources(flow) == {"gpu_type": "x" * edits.MAX_TYPED}


@pytest.mark.parametrize(
    ("name", "label"), [("cpu_limit", "Change CPU limit"), ("anything", "Change resources")]
)
def test_undo_names_the_setting(name: str, label: str) -> None:
    assert edits.describe(name) == label
