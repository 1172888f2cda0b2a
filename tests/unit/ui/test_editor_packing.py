"""The pieces that keep an editor tab small: packed JSON, the parsed-flow cache, bounded undo."""

from __future__ import annotations

import json
import pickle
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from reflex_base.utils import format

from bench.flowgen import generated_flow
from designer.flow.document import Flow, Position
from designer.flow.edit import apply_edit
from designer.ui.editor.packed import Packed
from designer.ui.editor.parsed_flows import PARSED, ParsedFlows, flow_of, pack_flow
from designer.ui.editor.undo import BoundedHistory

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(), inner, max_size=5),
    max_leaves=30,
)


def flow(nodes: int, name: str = "Flow") -> Flow:
    return Flow.model_validate(generated_flow(nodes) | {"name": name})


# ----- Packed ---------------------------------------------------------------------------------


@given(json_values)
def test_a_packed_value_reaches_the_browser_as_the_value_itself(value: Any) -> None:
    packed = Packed.of(value)
    assert packed.value() == value
    assert format.json_dumps({"scene": {"nodes": packed}}) == format.json_dumps(
        {"scene": {"nodes": value}}
    )
    assert pickle.loads(pickle.dumps(packed)) == packed


def test_equal_contents_are_held_once() -> None:
    nodes = [{"id": f"n{i}", "position": {"x": i, "y": 0}} for i in range(200)]
    first, again = Packed.of(nodes), Packed.of(json.loads(json.dumps(nodes)))
    assert again is first
    assert pickle.loads(pickle.dumps(first)) is first
    assert Packed.of([*nodes, {"id": "x"}]) is not first


def test_a_packed_flow_is_a_small_part_of_its_json() -> None:
    big = flow(2000)
    packed = Packed.of_json(big.model_dump_json())
    assert packed.size * 5 < len(packed.json())


# ----- the parsed-flow cache -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("budget", "sizes", "kept"),
    [
        # (node budget, nodes of the flows put in order, which of them are still cached)
        (1000, [100, 100, 100], [0, 1, 2]),
        (300, [100, 100, 100], [1, 2]),  # 3 x (100 + 20) > 300: the oldest goes
        (500, [400, 50], [0, 1]),
        (500, [400, 200], [1]),
        (100, [5000], [0]),  # bigger than the budget, but the only one in use
        (100, [5000, 10], [1]),
    ],
)
def test_the_cache_keeps_the_most_recent_flows_within_its_budget(
    budget: int, sizes: list[int], kept: list[int]
) -> None:
    cache = ParsedFlows(node_budget=budget)
    flows = [flow(n, name=f"Flow {i}") for i, n in enumerate(sizes)]
    packed = [Packed.of_json(f.model_dump_json()) for f in flows]
    for p, f in zip(packed, flows, strict=True):
        cache.put(p, f)
    assert [i for i, p in enumerate(packed) if cache.get(p) is not None] == kept


def test_reading_a_flow_makes_it_the_last_to_go() -> None:
    cache = ParsedFlows(node_budget=250)
    flows = [flow(100, name=f"Flow {i}") for i in range(3)]
    packed = [Packed.of_json(f.model_dump_json()) for f in flows]
    cache.put(packed[0], flows[0])
    cache.put(packed[1], flows[1])
    assert cache.get(packed[0]) is flows[0]
    cache.put(packed[2], flows[2])
    assert cache.get(packed[1]) is None
    assert cache.get(packed[0]) is flows[0]


def test_a_dropped_flow_is_parsed_again_from_its_packed_copy() -> None:
    original = flow(30)
    packed = pack_flow(original)
    assert flow_of(packed) is original
    PARSED.clear()
    again = flow_of(packed)
    assert again is not original
    assert again == original


# ----- the bounded undo history --------------------------------------------------------------


@pytest.mark.parametrize(
    ("nodes", "max_bytes", "edits", "steps"),
    [
        # (flow size, byte budget, moves made, undo steps expected; None: some, not all)
        (10, 4 * 1024 * 1024, 120, 100),  # small flows keep their 100 steps
        (2000, 200_000, 30, None),  # a big one keeps the newest steps that fit
        (2000, 1, 5, 1),  # the last edit can always be undone
    ],
)
def test_the_history_keeps_the_newest_steps_that_fit(
    nodes: int, max_bytes: int, edits: int, steps: int | None
) -> None:
    history = BoundedHistory(max_bytes=max_bytes)
    current = flow(nodes)
    for x in range(edits):
        after = apply_edit(current, {"kind": "move", "positions": {"load0": [x, 0]}})
        history.record(current, "Move")
        current = after
        assert history.size <= max_bytes or len(history._past) == 1
    undone = 0
    while (previous := history.undo(current)) is not None:
        current, undone = previous, undone + 1
        assert history.size <= max_bytes or not history.can_undo
    if steps is None:
        assert 1 < undone < edits
    else:
        assert undone == steps
    # The oldest steps were forgotten, not the newest: undo went back ``undone`` moves.
    assert current.node("load0").position == Position(x=edits - 1 - undone, y=0)
