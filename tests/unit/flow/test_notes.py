"""Sticky notes in the flow document: kept, bounded, ignored by compiling, told apart in diffs,
and edited beside blocks in one canvas edit."""

from __future__ import annotations

from typing import Any

import pytest

from designer.flow.compile import compile_flow
from designer.flow.diff import diff_flows
from designer.flow.document import MAX_NOTE_CHARS, MAX_NOTES, Flow, Note, parse_flow
from designer.flow.edit import EditRejected
from designer.flow.note_edits import apply_flow_edit, describe_flow_edit
from tests.fixtures.flow_files import fixture_flow, flow_names

NOTE = {
    "id": "note",
    "text": "Split 80/20.\nAsk Ana before changing it <b>please</b>",
    "position": {"x": -40.0, "y": -160.0},
    "size": {"width": 300.0, "height": 90.0},
    "color": "blue",
}


def iris(*notes: dict[str, Any]) -> dict[str, Any]:
    data = fixture_flow("iris_classification")
    if notes:
        data["notes"] = list(notes)
    return data


def parsed(data: dict[str, Any]) -> tuple[Flow, list[str]]:
    flow, diagnostics = parse_flow(data)
    assert flow is not None
    return flow, [d.message for d in diagnostics]


def test_notes_round_trip_through_the_file_as_plain_text() -> None:
    flow, problems = parsed(iris(NOTE))
    assert problems == []
    assert flow.notes == [Note.model_validate(NOTE)]
    again, problems = parsed(Flow.model_validate_json(flow.to_json()).model_dump())
    assert problems == [] and again == flow
    assert again.notes[0].text == NOTE["text"]  # markup stays text, as typed


@pytest.mark.parametrize("name", flow_names())
def test_flows_without_notes_still_load(name: str) -> None:
    flow, problems = parsed(fixture_flow(name))
    assert problems == [] and flow.notes == []


def test_a_note_takes_defaults_for_what_it_leaves_out() -> None:
    note = Note.model_validate({"id": "n"})
    assert (note.text, note.color, note.size.width, note.size.height) == ("", "yellow", 240, 120)


@pytest.mark.parametrize(
    ("note", "words"),
    [
        ({**NOTE, "text": "x" * (MAX_NOTE_CHARS + 1)}, ["notes[0].text", "at most 2000"]),
        ({**NOTE, "color": "red"}, ["notes[0].color", "'yellow'", 'found "red"']),
        ({**NOTE, "size": {"width": 10, "height": 90}}, ["notes[0].size.width", "80"]),
        ({**NOTE, "size": {"width": 300, "height": 1e6}}, ["notes[0].size.height", "2000"]),
        ({**NOTE, "id": "has space"}, ["notes[0].id", "pattern"]),
        ({**NOTE, "shape": "round"}, ["notes[0].shape", "unknown field"]),
        ({**NOTE, "id": "split"}, ["'split'", "already used by a block", "left out"]),
    ],
    ids=["long-text", "colour", "narrow", "tall", "bad-id", "unknown-field", "id-of-a-block"],
)
def test_a_bad_note_is_left_out_with_the_reason(note: dict[str, Any], words: list[str]) -> None:
    flow, problems = parsed(iris(note))
    assert flow.notes == [] and len(flow.nodes) == 5  # the rest of the flow is kept
    assert len(problems) == 1
    for word in words:
        assert word in problems[0]


def test_too_many_notes_keep_the_first_ones() -> None:
    notes = [{**NOTE, "id": f"n{i}"} for i in range(MAX_NOTES + 3)]
    flow, problems = parsed(iris(*notes))
    assert [n.id for n in flow.notes] == [f"n{i}" for i in range(MAX_NOTES)]
    assert problems == [
        f"notes: a flow holds at most {MAX_NOTES} notes; found {MAX_NOTES + 3}, "
        "so the last 3 were left out (merge some notes)"
    ]


def test_two_notes_with_one_id_keep_the_first() -> None:
    flow, problems = parsed(iris(NOTE, {**NOTE, "text": "second"}))
    assert [n.text for n in flow.notes] == [NOTE["text"]]
    assert "already used by a block or another note" in problems[0]


def test_compiling_ignores_notes() -> None:
    plain, _ = parsed(iris())
    noted, _ = parsed(iris(NOTE, {**NOTE, "id": "note_2", "color": "pink"}))
    assert compile_flow(noted).ir_yaml == compile_flow(plain).ir_yaml


# ----- the version diff ---------------------------------------------------------------------


def with_notes(*notes: dict[str, Any]) -> Flow:
    return parsed(iris(*notes))[0]


LONG = "This note explains a great deal about the split and why"

DIFFS = [
    ("added", [], [NOTE], ["Added note 'Split 80/20. Ask Ana before c…'"], {"notes_added": 1}),
    (
        "removed",
        [NOTE],
        [],
        ["Removed note 'Split 80/20. Ask Ana before c…'"],
        {"notes_removed": 1},
    ),
    (
        "empty-added",
        [],
        [{"id": "n", "text": "  "}],
        ["Added note 'empty note'"],
        {"notes_added": 1},
    ),
    (
        "text",
        [{**NOTE, "text": "old"}],
        [{**NOTE, "text": LONG}],
        ["Changed the text of note 'This note explains a great de…'"],
        {"notes_changed": 1},
    ),
    (
        "colour",
        [{**NOTE, "text": "Hi"}],
        [{**NOTE, "text": "Hi", "color": "green"}],
        ["Coloured note 'Hi' green (was blue)"],
        {"notes_changed": 1},
    ),
    (
        "moved",
        [NOTE],
        [{**NOTE, "position": {"x": 0, "y": 0}}],
        ["Moved or resized 1 note"],
        {"notes_moved": 1},
    ),
    (
        "resized",
        [NOTE, {**NOTE, "id": "b"}],
        [
            {**NOTE, "size": {"width": 400, "height": 90}},
            {**NOTE, "id": "b", "position": {"x": 1, "y": 1}},
        ],
        ["Moved or resized 2 notes"],
        {"notes_moved": 2},
    ),
    ("same", [NOTE], [NOTE], [], {}),
]


@pytest.mark.parametrize(
    ("old", "new", "lines", "counts"), [d[1:] for d in DIFFS], ids=[d[0] for d in DIFFS]
)
def test_the_history_says_what_happened_to_notes(
    old: list[dict[str, Any]], new: list[dict[str, Any]], lines: list[str], counts: dict[str, int]
) -> None:
    diff = diff_flows(with_notes(*old), with_notes(*new))
    assert diff.lines() == lines
    assert {k: n for k, n in diff.counts().items() if n} == counts
    assert diff.only_moves == (set(counts) == {"notes_moved"})
    assert diff.to_dict()["lines"] == lines


# ----- edits from the canvas ----------------------------------------------------------------

SPEC = {"id": "note", "text": "Why", "position": [10.4, 20.6], "size": [250, 100], "color": "pink"}


def noted() -> Flow:
    return apply_flow_edit(with_notes(), {"kind": "add", "nodes": [], "notes": [SPEC]})


def test_a_note_added_from_the_canvas() -> None:
    note = noted().notes[0]
    assert note.model_dump() == {
        "id": "note",
        "text": "Why",
        "position": {"x": 10, "y": 21},
        "size": {"width": 250, "height": 100},
        "color": "pink",
    }


EDITS = [
    (
        "move-blocks-and-notes",
        {"kind": "move", "positions": {"split": [5, 6]}, "notes": {"note": [7, 8]}},
        lambda f: (f.node("split").position.x, f.note("note").position.y) == (5, 8),
    ),
    (
        "remove-both",
        {"kind": "remove", "nodes": ["train"], "edges": [], "notes": ["note"]},
        lambda f: f.node("train") is None and f.notes == [],
    ),
    (
        "paste-both",
        {
            "kind": "add",
            "nodes": [{"id": "train_2", "block": "train.random_forest"}],
            "notes": [{**SPEC, "id": "note_2"}],
        },
        lambda f: f.node("train_2") is not None and [n.id for n in f.notes] == ["note", "note_2"],
    ),
    (
        "text",
        {"kind": "note", "id": "note", "text": "<script>x</script>"},
        lambda f: f.note("note").text == "<script>x</script>" and f.note("note").color == "pink",
    ),
    (
        "colour",
        {"kind": "note", "id": "note", "color": "gray"},
        lambda f: f.notes[0].color == "gray",
    ),
    (
        "resize",
        {"kind": "note", "id": "note", "position": [0, 0], "size": [400.4, 300]},
        lambda f: (f.notes[0].size.width, f.notes[0].position.x) == (400, 0),
    ),
    ("blocks-only", {"kind": "move", "positions": {"split": [1, 1]}}, lambda f: len(f.notes) == 1),
]


@pytest.mark.parametrize(("edit", "check"), [e[1:] for e in EDITS], ids=[e[0] for e in EDITS])
def test_canvas_edits_carry_notes_beside_blocks(edit: dict[str, Any], check: Any) -> None:
    before = noted()
    after = apply_flow_edit(before, edit)
    assert check(after)
    assert before == noted()  # the flow given is never changed


REFUSED = [
    ({"kind": "note", "id": "nope", "text": "x"}, "there is no note 'nope'"),
    ({"kind": "note", "id": "note", "color": "red"}, "malformed note edit: color"),
    ({"kind": "note", "id": "note", "text": "x" * (MAX_NOTE_CHARS + 1)}, "malformed note edit"),
    ({"kind": "note", "id": "note", "size": [10, 10]}, "malformed note edit: size"),
    ({"kind": "add", "nodes": [], "notes": [{**SPEC, "id": "split"}]}, "'split' is already taken"),
    ({"kind": "add", "nodes": [], "notes": [SPEC]}, "'note' is already taken"),
    ({"kind": "add", "nodes": [{"id": "note", "block": "x.y"}]}, "'note' is taken by a note"),
    ({"kind": "remove", "nodes": [], "notes": ["gone"]}, "cannot delete gone: no such note"),
    ({"kind": "move", "positions": {}, "notes": {"gone": [1, 1]}}, "there is no note 'gone'"),
    ({"kind": "move", "positions": {}, "notes": {"note": [1e9, 1]}}, "malformed move edit: notes"),
    ({"kind": "connect", "edge": {}, "notes": []}, "cannot carry notes"),
]


@pytest.mark.parametrize(("edit", "reason"), REFUSED)
def test_note_edits_that_cannot_apply_say_why(edit: dict[str, Any], reason: str) -> None:
    with pytest.raises(EditRejected, match=None) as refused:
        apply_flow_edit(noted(), edit)
    assert reason in str(refused.value)


def test_a_flow_full_of_notes_refuses_one_more() -> None:
    full = with_notes(*({**NOTE, "id": f"n{i}"} for i in range(MAX_NOTES)))
    with pytest.raises(EditRejected, match=f"at most {MAX_NOTES} notes"):
        apply_flow_edit(full, {"kind": "add", "nodes": [], "notes": [SPEC]})


@pytest.mark.parametrize(
    ("edit", "label"),
    [
        ({"kind": "note", "id": "n", "text": "x"}, "Edit note"),
        ({"kind": "add", "nodes": [], "notes": [SPEC]}, "Add 1 note"),
        ({"kind": "add", "nodes": [{}, {}], "notes": [SPEC]}, "Add 2 blocks and 1 note"),
        (
            {"kind": "move", "positions": {"a": [0, 0]}, "notes": {"n": [0, 0]}},
            "Move 1 block and 1 note",
        ),
        ({"kind": "remove", "nodes": [], "edges": [], "notes": ["a", "b"]}, "Delete 2 notes"),
        ({"kind": "move", "positions": {"a": [0, 0]}}, "Move 1 block"),
    ],
)
def test_undo_labels_count_notes(edit: dict[str, Any], label: str) -> None:
    assert describe_flow_edit(edit) == label
