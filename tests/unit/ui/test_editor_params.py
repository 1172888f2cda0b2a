"""Flow parameters in an editor tab: the Parameters tab, linking a block setting to one, the
caching switch, and the Run dialog that asks for the values.

Tabs are built and loaded as a page load does it (``tests/fixtures/editor_tabs.py``), on a real
SQLite store; events are sent as the browser sends them (text from the boxes).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest

from designer.flow.document import Flow
from designer.settings import load_settings
from designer.store import engine_for
from designer.store.accounts import Actor, create_user
from designer.store.flows import create_flow, get_flow
from designer.store.signin import create_session
from designer.ui.editor.params_state import ParamsState
from designer.ui.editor.parsed_flows import PARSED
from designer.ui.editor.properties_state import PropertiesState
from designer.ui.editor.run_dialog import RunDialogState
from designer.ui.editor.state import EditorState
from designer.ui.editor.versions import VersionsState
from tests.fixtures.editor_tabs import Tab, open_tab
from tests.fixtures.flow_files import fixture_flow
from tests.fixtures.threads import run_coroutine


@dataclass
class Opened:
    tab: Tab
    flow_id: str
    engine: Any
    actor: Actor

    @property
    def editor(self) -> Any:
        return self.tab.state(EditorState)

    @property
    def doc(self) -> Flow:
        flow = self.editor._doc()
        assert flow is not None
        return flow

    def rows(self) -> dict[str, dict[str, Any]]:
        return {row["name"]: row for row in self.tab.state(ParamsState).flow_params}

    def dialog(self) -> dict[str, dict[str, str]]:
        return {f["name"]: f for f in self.tab.state(RunDialogState).run_fields}

    def setting(self, node: str, name: str) -> Any:
        found = self.doc.node(node)
        assert found is not None
        return found.params.get(name)

    def stored(self) -> Flow:
        return get_flow(self.engine, self.actor, self.flow_id).flow


@pytest.fixture
def opened() -> Iterator[Opened]:
    """Ann's iris flow open in a tab: ``seed`` (whole number, default 7) is bound to the split's
    and the forest's seeds; the split block is selected."""
    engine = engine_for(load_settings().database_url)
    create_user(engine, "admin", "Admin")
    ann = create_user(engine, "ann", "Ann")
    token = create_session(engine, ann.id, timedelta(hours=1))
    flow_id = create_flow(engine, ann, Flow.model_validate(fixture_flow("iris_classification"))).id
    PARSED.clear()
    tab = open_tab(f"/flows/{flow_id}", token)
    tab.run(EditorState.canvas_select, ["split"])
    yield Opened(tab, flow_id, engine, ann)
    PARSED.clear()


def test_the_tab_lists_each_parameter_with_where_it_is_used(opened: Opened) -> None:
    assert opened.rows() == {
        "seed": {
            "name": "seed",
            "type": "integer",
            "type_title": "Whole number",
            "default": "7",
            "has_default": True,
            "description": "Random seed for split and model",
            "used_by": "split · Random seed, train · Random seed",
            "error": "",
        }
    }


def test_renaming_moves_the_bound_settings_and_undo_brings_the_name_back(opened: Opened) -> None:
    opened.tab.run(ParamsState.rename_flow_param, "seed", "random_seed")
    assert list(opened.rows()) == ["random_seed"]
    assert opened.setting("train", "seed") == {"$param": "random_seed"}
    # The canvas's copy of each bound node follows, so a paste keeps the new name.
    updates = [op for op in opened.editor.ops if op["kind"] == "update"]
    assert {n["id"] for op in updates for n in op["nodes"]} == {"split", "train"}
    assert opened.editor.undo_label == "Rename parameter seed"
    opened.tab.run(EditorState.undo)
    assert list(opened.rows()) == ["seed"]
    assert opened.setting("train", "seed") == {"$param": "seed"}


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("my seed", "'my seed' cannot be a parameter name: start with a letter or _"),
        ("import", "'import' is a reserved word; choose another name"),
    ],
)
def test_a_refused_name_stays_with_its_reason(opened: Opened, typed: str, message: str) -> None:
    opened.tab.run(ParamsState.add_flow_param)
    opened.tab.run(ParamsState.rename_flow_param, "param", typed)
    problem = opened.tab.state(ParamsState).name_problem
    assert problem["param"] == "param" and problem["typed"] == typed
    assert problem["message"].startswith(message)
    assert list(opened.rows()) == ["seed", "param"]
    opened.tab.run(ParamsState.rename_flow_param, "param", "seed")
    assert "already has a parameter 'seed'" in opened.tab.state(ParamsState).name_problem["message"]
    opened.tab.run(ParamsState.rename_flow_param, "param", "share")
    assert opened.tab.state(ParamsState).name_problem == {}
    assert list(opened.rows()) == ["seed", "share"]


def test_a_default_of_the_wrong_type_stays_and_holds_the_run_back(opened: Opened) -> None:
    opened.tab.run(ParamsState.set_flow_param_default, "seed", "seven")
    message = "flow parameter 'seed' is declared as integer but its default is 'seven'"
    assert opened.rows()["seed"]["default"] == "seven"
    assert opened.rows()["seed"]["error"] == message
    assert opened.editor.run_blocker.startswith("Fix first: flow parameter 'seed'")
    opened.tab.run(ParamsState.set_flow_param_default, "seed", "8")
    assert (opened.rows()["seed"]["default"], opened.rows()["seed"]["error"]) == ("8", "")
    assert opened.editor.run_blocker == ""


def test_a_parameter_without_a_default_is_a_warning_and_run_asks_for_it(opened: Opened) -> None:
    opened.tab.run(ParamsState.clear_flow_param_default, "seed")
    assert opened.rows()["seed"]["has_default"] is False
    assert opened.editor.run_blocker == ""
    [warned] = [d for d in opened.editor.diagnostics if d["code"] == "param_without_default"]
    assert warned["severity"] == "warning"
    opened.tab.run(RunDialogState.open_run_dialog)
    assert opened.dialog()["seed"]["value"] == ""
    assert opened.dialog()["seed"]["error"] == (
        "seed has no default: enter a whole number for this run"
    )


def test_type_description_and_delete(opened: Opened) -> None:
    opened.tab.run(ParamsState.set_flow_param_type, "seed", "string")
    assert opened.rows()["seed"]["type"] == "integer"  # the seeds take whole numbers only
    opened.tab.run(ParamsState.add_flow_param)
    opened.tab.run(ParamsState.set_flow_param_default, "param", "0.5")
    opened.tab.run(ParamsState.set_flow_param_type, "param", "number")
    opened.tab.run(ParamsState.set_flow_param_description, "param", "Share\nof rows")
    assert opened.doc.param("param") == opened.doc.param("param").model_copy(  # type: ignore[union-attr]
        update={"type": "number", "default": 0.5, "description": "Share of rows"}
    )
    result = opened.tab.run(ParamsState.delete_flow_param, "seed")
    assert "Deleted seed: split · Random seed, train · Random seed keep its default '7'" in str(
        result
    )
    assert list(opened.rows()) == ["param"]
    assert opened.setting("split", "seed") == 7


def test_a_setting_is_linked_to_a_parameter_from_its_form(opened: Opened) -> None:
    links = opened.tab.state(PropertiesState).param_links
    assert links["seed"] == {"linkable": True, "linked": "seed", "params": []}
    assert links["test_size"] == {"linkable": True, "linked": "", "params": []}
    opened.tab.run(PropertiesState.new_param_from_setting, "test_size")
    assert opened.setting("split", "test_size") == {"$param": "test_size"}
    assert opened.rows()["test_size"]["default"] == "0.3"
    field = next(f for f in opened.editor.panel["fields"] if f["name"] == "test_size")
    assert (field["kind"], field["value"]) == ("reference", "flow parameter test_size")

    opened.tab.run(PropertiesState.unlink_setting, "test_size")
    assert opened.setting("split", "test_size") == 0.3
    assert opened.tab.state(PropertiesState).param_links["test_size"]["params"] == ["test_size"]
    opened.tab.run(PropertiesState.link_setting, "test_size", "test_size")
    assert opened.setting("split", "test_size") == {"$param": "test_size"}
    # A parameter of another type is not offered, and refused if sent anyway.
    result = opened.tab.run(PropertiesState.link_setting, "stratify", "seed")
    assert "cannot take its value from 'seed'" in str(result)


def test_the_caching_switch_is_saved_with_the_flow(opened: Opened) -> None:
    assert opened.tab.state(PropertiesState).node_cache is True
    opened.tab.run(PropertiesState.set_node_cache, False)
    assert opened.tab.state(PropertiesState).node_cache is False
    assert opened.editor.undo_label == "Always run again"
    run_coroutine(VersionsState.save.fn(opened.tab.state(VersionsState)))
    assert opened.stored().node("split").cache is False  # type: ignore[union-attr]


def test_the_run_dialog_checks_each_box_and_keeps_what_was_typed(opened: Opened) -> None:
    opened.tab.run(PropertiesState.new_param_from_setting, "test_size")
    opened.tab.run(RunDialogState.open_run_dialog)
    dialog = opened.tab.state(RunDialogState)
    assert dialog.show_run_dialog and dialog.use_cache
    assert {n: f["value"] for n, f in opened.dialog().items()} == {"seed": "7", "test_size": "0.3"}

    opened.tab.run(RunDialogState.set_run_value, "seed", "seven")
    opened.tab.run(RunDialogState.set_run_value, "test_size", "1.5")
    assert {n: (f["value"], f["error"]) for n, f in opened.dialog().items()} == {
        "seed": ("seven", "parameter 'seed' expects a whole number; found 'seven'"),
        "test_size": (
            "1.5",
            "split: Test share must be a number from 0.05 to 0.95; found 1.5",
        ),
    }
    refused = opened.tab.run(RunDialogState.confirm_run)
    assert "need fixing" in str(refused) and dialog.show_run_dialog

    opened.tab.run(RunDialogState.set_run_value, "seed", "3")
    opened.tab.run(RunDialogState.set_run_value, "test_size", "0.25")
    opened.tab.run(RunDialogState.set_use_cache, False)
    started = opened.tab.run(RunDialogState.confirm_run)
    assert not dialog.show_run_dialog
    assert started.handler.fn.__name__ == "start_run"
    assert [arg[1]._var_value for arg in started.args] == [{"seed": 3, "test_size": 0.25}, False]
    opened.tab.run(RunDialogState.set_show_run_dialog, True)
    assert dialog.show_run_dialog


def test_a_viewer_changes_nothing(opened: Opened) -> None:
    opened.editor.read_only = True
    before = opened.doc
    for handler, args in [
        (ParamsState.add_flow_param, ()),
        (ParamsState.delete_flow_param, ("seed",)),
        (PropertiesState.set_node_cache, (False,)),
        (PropertiesState.unlink_setting, ("seed",)),
    ]:
        opened.tab.run(handler, *args)
    assert opened.doc == before
