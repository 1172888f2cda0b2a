"""Undo and redo over real edits."""

from __future__ import annotations

import pytest

from designer.flow import history as history_module
from designer.flow.document import Flow
from designer.flow.edit import apply_edit
from designer.flow.history import History
from tests.fixtures.flow_files import fixture_flow


def test_undo_and_redo_walk_back_and_forth() -> None:
    history = History()
    flow = Flow.model_validate(fixture_flow("iris_classification"))
    states = [flow]
    for i in range(5):
        history.record(states[-1], f"move {i}")
        states.append(apply_edit(states[-1], {"kind": "move", "positions": {"load": [i, i]}}))
    current = states[-1]
    for expected in reversed(states[:-1]):
        current = history.undo(current)
        assert current == expected
    assert history.undo(current) is None and not history.can_undo
    for expected in states[1:]:
        current = history.redo(current)
        assert current == expected
    assert history.redo(current) is None


def test_a_new_edit_forgets_the_redo_stack() -> None:
    history = History()
    flow = Flow.model_validate(fixture_flow("iris_classification"))
    history.record(flow, "a")
    history.undo(flow)
    assert history.can_redo
    history.record(flow, "b")
    assert not history.can_redo and history.undo_label == "b"


@pytest.mark.parametrize("limit", [1, 50, 100])
def test_history_keeps_at_least_its_limit(limit: int) -> None:
    history = History(limit=limit)
    flow = Flow.model_validate(fixture_flow("iris_classification"))
    for i in range(limit + 10):
        history.record(flow, str(i))
    steps = 0
    while history.undo(flow) is not None:
        steps += 1
    assert steps == limit


def test_typing_in_one_field_is_one_undo_step(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = iter([0.0, 0.5, 1.0, 10.0])
    monkeypatch.setattr(history_module.time, "monotonic", lambda: next(clock))
    history = History()
    flow = Flow.model_validate(fixture_flow("iris_classification"))
    for _ in range(3):
        history.record(flow, "Change seed", merge_key="split.seed")
    history.record(flow, "Change seed", merge_key="split.seed")  # after a pause: a new step
    assert history.undo(flow) is not None and history.undo(flow) is not None
    assert history.undo(flow) is None
