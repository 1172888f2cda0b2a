"""The result cache's keys, storage, eviction and scopes, and the engine's side of the channel,
without running a pipeline (tests/unit/runs/test_warm_engine.py runs them for real)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from designer.runs.cache_keys import NotCacheable, TaskInputs, task_key
from designer.runs.cache_service import SHARED_SCOPE, CachePlan, CacheService
from designer.runs.task_cache import Reused, TaskCache


def task_in(
    run_dir: Path,
    *,
    params: dict[str, Any] | None = None,
    data: str = "1,2\n",
    env: dict[str, str] | None = None,
    name: str = "clean",
) -> dict[str, Any]:
    """A worker's "start" message for a task reading one table and writing another."""
    source = run_dir / "artifacts" / "p" / "load" / "table"
    source.parent.mkdir(parents=True, exist_ok=True)
    source.write_text(data)
    out = run_dir / "artifacts" / "p" / name
    executor_input = {
        "inputs": {
            "parameterValues": params or {"limit": 3},
            "artifacts": {"data": {"artifacts": [{"uri": str(source), "metadata": {}}]}},
        },
        "outputs": {
            "artifacts": {"kept": {"artifacts": [{"uri": str(out / "kept"), "type": {}}]}},
            "outputFile": str(out / "executor_output.json"),
        },
    }
    command = ["sh", "-ec", "script", "PROGRAM", "--executor_input", json.dumps(executor_input)]
    return {"op": "start", "image": "python", "command": command, "env": env or {}}


def written(message: dict[str, Any], text: str = "kept rows") -> None:
    task = TaskInputs.from_request(message)
    out = Path(task.output_artifacts()["kept"]["uri"])
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text)
    task.output_file().write_text(
        json.dumps(
            {"artifacts": {"kept": {"artifacts": [{"uri": str(out), "metadata": {"rows": 1}}]}}}
        )
    )


def key(run_dir: Path, **kwargs: Any) -> str:
    return task_key(TaskInputs.from_request(task_in(run_dir, **kwargs)), run_dir)


def test_keys_follow_settings_and_input_content_not_paths(tmp_path: Path) -> None:
    one, two = tmp_path / "run-1", tmp_path / "run-2"
    assert key(one) == key(two)  # same content, other folders
    assert key(one) != key(two, data="1,3\n")
    assert key(one) != key(two, params={"limit": 4})
    assert key(one) != key(two, env={"SEED": "1"})


@pytest.mark.parametrize(
    "params",
    [{"url": "https://example.com/data.csv"}, {"where": ["s3://bucket/key"]}, {"u": " HTTP://x"}],
)
def test_a_task_reading_an_address_is_never_reused(tmp_path: Path, params: dict) -> None:
    with pytest.raises(NotCacheable, match="address"):
        key(tmp_path, params=params)


def test_an_input_outside_the_run_or_through_a_link_has_no_key(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    message = task_in(run_dir)
    task = TaskInputs.from_request(message)
    source = Path(task.inputs["artifacts"]["data"]["artifacts"][0]["uri"])
    source.unlink()
    source.symlink_to(tmp_path / "elsewhere")
    with pytest.raises(NotCacheable, match="outside the run"):
        task_key(task, run_dir)


def test_granted_files_count_by_content_and_addresses_are_refused(tmp_path: Path) -> None:
    data = tmp_path / "data.csv"
    data.write_text("a\n1\n")
    grants = {"DESIGNER_READ_GRANTS": json.dumps([str(data)])}
    first = key(tmp_path / "r", env=grants)
    data.write_text("a\n2\n")
    assert key(tmp_path / "r", env=grants) != first
    signed = {"DESIGNER_READ_GRANTS": json.dumps(["https://s3.local/b/k?X-Amz-Signature=1"])}
    with pytest.raises(NotCacheable):
        key(tmp_path / "r", env=signed)


def serve(plan: CachePlan, run_dir: Path, run_id: str) -> tuple[CacheService, list, list]:
    reused: list[tuple[str, Reused]] = []
    notes: list[str] = []
    service = CacheService(plan, run_dir, run_id, lambda n, r: reused.append((n, r)), notes.append)
    return service, reused, notes


def plan(cache: TaskCache | None, scopes: list[str] | None = None) -> CachePlan:
    nodes = {"clean": "clean-node"}
    return CachePlan(cache, scopes=scopes or [SHARED_SCOPE], reusable=nodes, nodes=nodes)


def test_a_kept_result_comes_back_into_another_run_with_its_own_addresses(tmp_path: Path) -> None:
    cache = TaskCache(tmp_path / "cache", 10_000)
    first_dir, second_dir = tmp_path / "runs" / "a", tmp_path / "runs" / "b"
    first, _, _ = serve(plan(cache), first_dir, "a")
    message = task_in(first_dir)
    assert first.handle(message) == {"cached": False}
    written(message)
    first.handle({"op": "done", "succeeded": True})

    second, reused, notes = serve(plan(cache), second_dir, "b")
    again = task_in(second_dir)
    assert second.handle(again) == {"cached": True}
    assert reused == [("clean-node", Reused("a", "clean-node"))] and not notes
    task = TaskInputs.from_request(again)
    out = Path(task.output_artifacts()["kept"]["uri"])
    assert out.read_text() == "kept rows" and out.is_relative_to(second_dir)
    output = json.loads(task.output_file().read_text())
    assert output["artifacts"]["kept"]["artifacts"][0] == {"uri": str(out), "metadata": {"rows": 1}}


def test_a_failed_task_is_not_kept_and_a_person_scope_is_not_shared(tmp_path: Path) -> None:
    cache = TaskCache(tmp_path / "cache", 10_000)
    failing, _, _ = serve(plan(cache), tmp_path / "a", "a")
    message = task_in(tmp_path / "a")
    failing.handle(message)
    written(message)
    failing.handle({"op": "done", "succeeded": False})
    own, _, _ = serve(plan(cache, ["person-ada", SHARED_SCOPE]), tmp_path / "b", "b")
    message = task_in(tmp_path / "b")
    assert own.handle(message) == {"cached": False}
    written(message)
    own.handle({"op": "done", "succeeded": True})
    shared, _, _ = serve(plan(cache), tmp_path / "c", "c")
    assert shared.handle(task_in(tmp_path / "c")) == {"cached": False}
    ada_again, _, _ = serve(plan(cache, ["person-ada", SHARED_SCOPE]), tmp_path / "d", "d")
    assert ada_again.handle(task_in(tmp_path / "d")) == {"cached": True}


def test_a_node_with_caching_off_runs_but_what_it_left_behind_is_cleared(tmp_path: Path) -> None:
    cache = TaskCache(tmp_path / "cache", 10_000)
    nodes = {"clean": "clean-node"}
    service, _, _ = serve(CachePlan(cache, reusable={}, nodes=nodes), tmp_path / "a", "a")
    message = task_in(tmp_path / "a")
    planted = Path(TaskInputs.from_request(message).output_artifacts()["kept"]["uri"])
    planted.parent.mkdir(parents=True, exist_ok=True)
    planted.write_text("put there by another task")
    assert service.handle(message) == {"cached": False}
    assert not planted.exists()


@pytest.mark.parametrize(
    "message",
    [
        {},
        {"op": "start"},
        {"op": "start", "command": "rm -rf /"},
        {"op": "done"},
        {"op": "start", "command": ["--executor_input", "not json"]},
        {"op": 3},
    ],
)
def test_a_garbled_message_gets_no_reuse_and_no_failure(tmp_path: Path, message: dict) -> None:
    service, reused, notes = serve(plan(TaskCache(tmp_path / "c", 100)), tmp_path, "a")
    assert service.handle(message) in ({}, {"cached": False})
    assert not reused and not notes


def test_least_recently_used_results_go_first_when_the_cache_is_over(tmp_path: Path) -> None:
    cache = TaskCache(tmp_path / "cache", 25)  # two results of 10 bytes fit, three do not

    def keep(number: int) -> tuple[str, TaskInputs, Path]:
        run_dir = tmp_path / f"run-{number}"
        message = task_in(run_dir, params={"limit": number})
        written(message, text="0123456789")
        task = TaskInputs.from_request(message)
        key_of = task_key(task, run_dir)
        cache.keep(SHARED_SCOPE, key_of, task, run_dir, run_id=f"run-{number}", node="n")
        entry = next(cache.root.glob(f"*/*/{key_of}/entry.json"))
        os.utime(entry, (number, number))  # kept long ago, in this order
        return key_of, task, run_dir

    first, second = keep(1), keep(2)
    assert cache.restore([SHARED_SCOPE], *first) is not None  # used again: now the newest
    third = keep(3)
    assert cache.size() == 20
    assert cache.restore([SHARED_SCOPE], *second) is None
    assert cache.restore([SHARED_SCOPE], *first) is not None
    assert cache.restore([SHARED_SCOPE], *third) is not None
