"""Reading a lightweight task's command without a shell: what runs warm, and what does not."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from designer.runs.task_command import LightweightTask, read_command
from designer.userblocks.components import task_script

GOLDEN = Path(__file__).resolve().parents[2] / "golden"

SDK_SCRIPT = (
    '\nif ! [ -x "$(command -v pip)" ]; then\n    python3 -m ensurepip\nfi\n'  # an install line
)


def golden_commands() -> list[list[str]]:
    spec = yaml.safe_load((GOLDEN / "iris_classification.yaml").read_text())
    return [
        [*e["container"]["command"], *e["container"]["args"]]
        for e in spec["deploymentSpec"]["executors"].values()
    ]


def test_every_built_in_block_of_a_compiled_flow_runs_warm() -> None:
    for command in golden_commands():
        task = read_command(command)
        assert task is not None
        assert task.module_file == "ephemeral_component.py"
        assert task.files["ephemeral_component.py"] == command[3]
        assert task.arguments == tuple(command[4:])


def test_a_persons_block_without_packages_runs_warm_with_its_source_beside() -> None:
    task = read_command(["sh", "-ec", task_script("local", ()), "SOURCE", "--executor_input", "{}"])
    assert task is not None
    assert task.files["block_source.py"] == "SOURCE"
    assert "block_program" in task.files["ephemeral_component.py"]
    assert task.arguments == ("--executor_input", "{}")


#: Commands that must run as written, in a fresh process.
NOT_WARM = [
    ["sh", "-ec", task_script("local", ("numpy==2.0",)), "SOURCE"],  # pip install first
    ["sh", "-ec", task_script("kubeflow", ()), "SOURCE"],  # another executor module
    ["sh", "-ec", SDK_SCRIPT + task_script("local", ()), "SOURCE"],
    ["sh", "-c", task_script("local", ()), "SOURCE"],
    ["python3", "-m", "kfp.dsl.executor_main"],
    ["sh", "-ec", 'program_path=$(mktemp -d)\nprintf "%s" "$0" > "/etc/x.py"\n', "S"],
    ["sh", "-ec", 'program_path=$(mktemp -d)\nprintf "%s" "$0" > "$program_path/../x.py"\n'],
    ["sh", "-ec", "program_path=$(mktemp -d)\nprintf '%s' 'unclosed\n", "S"],
    [],
]


@pytest.mark.parametrize("command", NOT_WARM)
def test_anything_else_runs_as_its_command_says(command: list[str]) -> None:
    assert read_command(command) is None


@given(st.lists(st.text(max_size=80), max_size=8))
def test_any_command_is_read_or_refused_never_raises(command: list[str]) -> None:
    task = read_command(command)
    assert task is None or isinstance(task, LightweightTask)


@given(st.text(max_size=300))
def test_any_script_after_the_folder_line_is_read_or_refused(script: str) -> None:
    task = read_command(["sh", "-ec", "program_path=$(mktemp -d)\n" + script, "SOURCE"])
    if task is not None:
        assert task.module_file in task.files
        assert all("/" not in name and name.endswith(".py") for name in task.files)
