"""Exporting a flow as a KFP Python script: run in a fresh Python, the script compiles to the IR
the designer compiles, for every kind of node setting; nothing typed escapes its string or
comment; and the script is laid out as ``ruff format`` lays it out."""

from __future__ import annotations

import argparse
import ast
import dataclasses
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st
from kfp import compiler, components, dsl
from kfp.dsl import structures, yaml_component

from blocks.base import Block, StoredTable
from blocks.catalogue import get_block
from designer.cli import export as export_cli
from designer.cli.common import USAGE, UsageError
from designer.flow import compile as compile_module
from designer.flow.compile import FlowInvalid, compile_flow, pipeline_name
from designer.flow.document import Flow
from designer.flow.export_python import (
    LINE_LENGTH,
    call_group,
    comment,
    component_yaml,
    export_python,
    lay_out,
    literal,
    string_literal,
    text_block,
    yaml_component_lines,
)
from designer.flow.resources import apply_resources
from designer.flow.validate import check_flow
from tests.fixtures.flow_files import FLOWS, fixture_flow, flow_names

HOUSES = Path(__file__).parents[2] / "fixtures" / "data" / "houses.csv"
RUFF = Path(sys.executable).parent / "ruff"
#: Text that would end a string, a docstring or a comment and start code if written as is.
HOSTILE = (
    'He said "hi" \'\'\' """; import os\nos.system("touch pwned") \\ \r\n\x00 \u2028 \u202e tail\\'
)
#: The same, less line breaks and NUL, for text that goes into the IR: kfp writes a pipeline's
#: description and its parameters' defaults into the IR's opening comment as they are, so a
#: line break there would end the comment in the designer's own IR too.
HOSTILE_IN_IR = 'He said "hi" \'\'\' """; import os; os.system("touch pwned") \\ \u202e tail\\'


def flow_of(doc: dict[str, Any]) -> Flow:
    return Flow.model_validate(doc)


def ir_documents(text: str) -> list[Any]:
    return list(yaml.safe_load_all(text))


def script_ir(script: str, folder: Path, *, resources: bool = False) -> list[Any]:
    """Write ``script``, run it with this Python in ``folder`` and read the IR it writes."""
    if resources:
        script, switched = re.subn(r"(?m)^(CLUSTER_RESOURCES\w*) = False$", r"\1 = True", script)
        assert switched == 1
    path = folder / "flow_script.py"
    path.write_text(script, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, path.name], cwd=folder, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    [package] = folder.glob("*.yaml")
    return ir_documents(package.read_text(encoding="utf-8"))


def assert_formatted(script: str, folder: Path) -> None:
    path = folder / "formatted.py"
    path.write_text(script, encoding="utf-8")
    done = subprocess.run(
        [str(RUFF), "format", "--isolated", "--diff", str(path)], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr


def imported_modules(script: str) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(script)):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            found.add(node.module or "")
    return found


def houses_lookup(uri: str):
    """A library holding houses.csv at ``uri`` under any dataset id."""

    def lookup(dataset_id: str, version: int) -> StoredTable:
        return StoredTable(
            dataset_id=dataset_id,
            name="houses",
            version=version or 3,
            uri=uri,
            format="csv",
            delimiter=",",
            columns=("rooms", "area", "city", "price"),
            suggested_target="price",
            tasks={"price": "regression"},
        )

    return lookup


def library_flow(dataset_id: str, name: str = "House prices") -> Flow:
    return flow_of(
        {
            "name": name,
            "nodes": [
                {
                    "id": "load",
                    "block": "load.dataset",
                    "params": {"dataset": dataset_id, "target": "price"},
                },
                {"id": "split", "block": "split.train_test", "params": {"stratify": False}},
                {"id": "prepare", "block": "preprocess.prepare_columns", "params": {}},
                {"id": "fit", "block": "train.linear_regression", "params": {}},
            ],
            "edges": [
                {"source": "load", "source_port": "data", "target": "split", "target_port": "data"},
                *(
                    {"source": "split", "source_port": p, "target": "prepare", "target_port": p}
                    for p in ("train", "test")
                ),
                {
                    "source": "prepare",
                    "source_port": "prepared_train",
                    "target": "fit",
                    "target_port": "train",
                },
            ],
        }
    )


#: Flow parameters whose names the script also wants (for its modules, function and
#: switches), an odd mix of node ids, a label, caching off and every kind of resource.
CROWDED = {
    "name": "Crowded names",
    "description": "Every name the script would like is taken.",
    "params": [
        {"name": "test_size", "type": "number"},
        {"name": "load_task", "type": "integer", "default": 3},
        {"name": "dsl", "type": "string", "default": "iris"},
        {"name": "flow", "type": "boolean", "default": True},
        {"name": "kubernetes", "type": "number", "default": 0.5},
        {"name": "CLUSTER_RESOURCES", "type": "string", "default": "x"},
        {"name": "train_random_forest", "type": "integer", "default": 20},
    ],
    "nodes": [
        {
            "id": "load",
            "block": "load.sklearn_dataset",
            "params": {"dataset": {"$param": "dsl"}},
        },
        {
            "id": "2 split!",
            "block": "split.train_test",
            "params": {"test_size": {"$param": "test_size"}, "seed": {"$param": "load_task"}},
        },
        {
            "id": "class",
            "block": "train.random_forest",
            "label": "The forest",
            "params": {"n_estimators": {"$param": "train_random_forest"}},
            "cache": False,
            "resources": {
                "cpu_request": "500m",
                "cpu_limit": 2,
                "memory_request": "1Gi",
                "memory_limit": "2Gi",
                "gpu": 1,
                "node_selector": {"disktype": "ssd", "zone": "eu-1"},
                "tolerations": [
                    {"key": "gpu", "operator": "Exists", "effect": "NoSchedule"},
                    {"key": "team", "value": "ml"},
                ],
            },
        },
        {"id": "a-b", "block": "evaluate.classification", "params": {}},
        {
            "id": "a_b",
            "block": "train.logistic_regression",
            "params": {},
            "resources": {"cpu_limit": "1"},
        },
    ],
    "edges": [
        {"source": "load", "source_port": "data", "target": "2 split!", "target_port": "data"},
        {"source": "2 split!", "source_port": "train", "target": "class", "target_port": "train"},
        {"source": "2 split!", "source_port": "train", "target": "a_b", "target_port": "train"},
        {"source": "class", "source_port": "model", "target": "a-b", "target_port": "model"},
        {"source": "2 split!", "source_port": "test", "target": "a-b", "target_port": "test"},
    ],
}


def hostile_flow() -> Flow:
    doc = fixture_flow("iris_classification")
    doc["name"] = "x" + HOSTILE
    doc["description"] = HOSTILE_IN_IR
    doc["params"].append({"name": "note", "type": "string", "default": HOSTILE_IN_IR})
    for node in doc["nodes"]:
        node["label"] = HOSTILE
    return flow_of(doc)


@pytest.mark.parametrize(
    "flow",
    [
        *(flow_of(fixture_flow(name)) for name in flow_names()),
        flow_of(CROWDED),
        hostile_flow(),
    ],
    ids=[*flow_names(), "crowded names, resources, caching off", "hostile text"],
)
def test_the_script_compiles_to_the_designers_ir(flow: Flow, tmp_path: Path) -> None:
    script = export_python(flow)
    assert script_ir(script, tmp_path) == ir_documents(compile_flow(flow).ir_yaml)
    functions = (get_block(node.block).function for node in flow.nodes)  # type: ignore[union-attr]
    assert imported_modules(script) == {"kfp"} | {f.__module__ for f in functions if f}
    assert_formatted(script, tmp_path)


def test_the_script_reads_like_the_flow() -> None:
    script = export_python(flow_of(fixture_flow("iris_classification")))
    assert script.startswith('"""A flow exported from the designer')
    assert "    iris-classification.yaml\n" in script  # said in the docstring
    assert "from blocks.train.random_forest import train_random_forest\n" in script
    assert "@dsl.pipeline(\n" in script and "def flow(seed: int = 7) -> None:\n" in script
    assert "    # Train/test split (node split)\n    split_task = split_train_test(\n" in script
    assert '        data=load_task.outputs["data"],\n' in script
    assert "    evaluate_task.set_caching_options(enable_caching=False)\n" in script
    assert script.endswith(
        'if __name__ == "__main__":\n'
        '    compiler.Compiler().compile(flow, "iris-classification.yaml")\n'
    )


def test_names_step_aside_for_flow_parameters() -> None:
    script = export_python(flow_of(CROWDED))
    assert "from kfp import compiler, dsl as dsl_2, kubernetes as kubernetes_2\n" in script
    assert "def flow_2(\n" in script and "CLUSTER_RESOURCES_2 = False\n" in script
    assert "import train_random_forest as train_random_forest_2\n" in script
    for task in ("load_task_2", "node_2_split_task", "class_task", "a_b_task", "a_b_task_2"):
        assert f"    {task} = " in script
    assert "    # The forest (node class)\n" in script
    assert "        seed=load_task,\n" in script  # the flow parameter, not the task


def test_resources_apply_as_the_designer_applies_them_on_a_cluster(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    flow = flow_of(CROWDED)
    script = export_python(flow)
    monkeypatch.setattr(
        compile_module,
        "apply_resources",
        lambda task, resources, cluster: apply_resources(task, resources, cluster=True),
    )
    expected = ir_documents(compile_flow(flow).ir_yaml)
    assert len(expected) == 2  # the node selector and tolerations are in the platform spec
    assert script_ir(script, tmp_path, resources=True) == expected


@pytest.mark.parametrize(
    ("dataset_id", "file_name"),
    [("houses-id", "houses.csv"), (HOSTILE, 'we"ird \'""" name\\\n.csv')],
    ids=["plain", "hostile id and file name"],
)
def test_a_library_dataset_is_read_where_the_designer_says(
    dataset_id: str, file_name: str, tmp_path: Path
) -> None:
    data = tmp_path / "library"
    data.mkdir()
    (data / file_name).write_bytes(HOUSES.read_bytes())
    lookup = houses_lookup(str(data / file_name))
    flow = library_flow(dataset_id, name=f"houses {dataset_id}")
    script = export_python(flow, datasets=lookup)
    compiled = compile_flow(flow, datasets=lookup)
    assert compiled.reads == (str(data / file_name),)
    out = tmp_path / "out"
    out.mkdir()
    assert script_ir(script, out) == ir_documents(compiled.ir_yaml)
    assert "load_task.set_env_variable(" in script
    assert_formatted(script, out)


def hostile_component(block: Block) -> Any:
    """The block's component as a person's block might hold it: a YamlComponent with no text
    of its own, whose description and command carry text made to break out of a string."""
    spec = block.component().component_spec
    container = spec.implementation.container
    command = [*container.command, f"# {HOSTILE}", '"""', "\\"]
    implementation = structures.Implementation(
        container=dataclasses.replace(container, command=command)
    )
    own = dataclasses.replace(spec, description=HOSTILE_IN_IR, implementation=implementation)
    return yaml_component.YamlComponent(own, component_yaml="")


def test_a_component_given_as_yaml_is_loaded_back_as_it_was(tmp_path: Path) -> None:
    component = hostile_component(get_block("load.sklearn_dataset"))  # type: ignore[arg-type]
    loaded = components.load_component_from_text(component_yaml(component))
    assert loaded.component_spec == component.component_spec
    lines = yaml_component_lines("sample", component, "components")
    script = "\n".join(
        [
            "from kfp import compiler, components, dsl",
            "",
            *lines,
            "",
            "",
            '@dsl.pipeline(name="from-yaml")',
            'def flow(dataset: str = "wine") -> None:',
            "    sample(dataset=dataset)",
            "",
            "",
            'compiler.Compiler().compile(flow, "from-yaml.yaml")',
            "",
        ]
    )

    def flow(dataset: str = "wine") -> None:
        component(dataset=dataset)

    flow.__annotations__ = {"dataset": str}  # kfp reads types, not this module's strings
    package = tmp_path / "expected.yaml"
    compiler.Compiler().compile(dsl.pipeline(name="from-yaml")(flow), str(package))
    expected = ir_documents(package.read_text())
    package.unlink()
    assert script_ir(script, tmp_path) == expected
    assert imported_modules(script) == {"kfp"}
    assert_formatted(script, tmp_path)


def test_a_description_yaml_cannot_carry_is_left_out() -> None:
    component = hostile_component(get_block("load.sklearn_dataset"))  # type: ignore[arg-type]
    component.component_spec.description = "nul \x00 and bell \x07"
    loaded = components.load_component_from_text(component_yaml(component))
    assert loaded.component_spec.description is None
    assert loaded.component_spec.implementation == component.component_spec.implementation


def test_a_block_without_a_function_goes_into_the_script_as_yaml(tmp_path: Path) -> None:
    forest = get_block("train.random_forest")
    assert forest is not None
    component = hostile_component(forest)
    own = dataclasses.replace(
        forest, id="someone/forest@1", function=None, build=lambda engine, image: component
    )

    def blocks(block_id: str) -> Block | None:
        return own if block_id == own.id else get_block(block_id)

    doc = fixture_flow("iris_classification")
    doc["nodes"][2]["block"] = own.id
    flow = flow_of(doc)
    check = check_flow(flow, blocks=blocks)
    assert check.valid, check.diagnostics
    script = export_python(flow, check)
    assert "train_random_forest = components.load_component_from_text(\n" in script
    assert "import train_random_forest" not in script
    assert script_ir(script, tmp_path) == ir_documents(compile_flow(flow, check).ir_yaml)
    assert_formatted(script, tmp_path)


def test_a_flow_with_errors_is_refused_with_every_one() -> None:
    doc = fixture_flow("iris_classification")
    doc["nodes"][0]["block"] = "load.nothing"
    doc["nodes"][1]["params"]["test_size"] = 2
    with pytest.raises(FlowInvalid) as raised:
        export_python(flow_of(doc))
    assert {"unknown_block", "bad_param"} <= {d.code for d in raised.value.diagnostics}


def test_an_address_the_designer_cannot_sign_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DESIGNER_S3_READ_BUCKETS", "open-tables")
    doc = {
        "name": "Read",
        "nodes": [
            {
                "id": "load",
                "block": "load.table_file",
                "params": {"uri": "s3://open-tables/pets.csv", "target": "species"},
            }
        ],
    }
    flow = flow_of(doc)
    assert check_flow(flow).valid
    with pytest.raises(FlowInvalid, match="no S3 storage to sign it with") as raised:
        export_python(flow)
    assert [(d.code, d.node, d.param) for d in raised.value.diagnostics] == [
        ("read_refused", "load", "uri")
    ]


@pytest.mark.parametrize(
    "text",
    [
        "",
        "plain",
        'say "hi"',
        "it's",
        'both \' and ""',
        '"""',
        "'''",
        "back\\slash\\",
        "line\nbreak\r\n",
        "\x00\x7f\x85\u2028\u2029",
        "\u202eevil\u202c",
        "\ud800 lone surrogate",
        "wide 漢字 and é",
    ],
)
def test_strings_are_written_so_they_read_back_exactly(text: str, tmp_path: Path) -> None:
    for source in (string_literal(text), text_block(text), literal([text, {text: text}])):
        assert ast.literal_eval(source) == ([text, {text: text}] if source[0] == "[" else text)
    assert_formatted(f"x = {string_literal(text)}\ny = f(\n    {text_block(text)}\n)\n", tmp_path)


@given(st.text(alphabet=st.characters(codec=None)))
def test_any_text_stays_in_its_string_and_comment(text: str) -> None:
    assert ast.literal_eval(string_literal(text)) == text
    assert ast.literal_eval(text_block(text)) == text
    note = comment(text)
    assert note.startswith("#") and note.splitlines() == [note]
    assert ast.parse(f"{note}\n").body == []


JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner),
    max_leaves=20,
)


@given(JSON)
def test_any_json_value_is_written_as_an_equal_literal(value: Any) -> None:
    assert ast.literal_eval(literal(value)) == value


@given(st.dictionaries(st.from_regex(r"[a-z_]{1,12}", fullmatch=True) | st.text(), JSON))
def test_a_call_is_laid_out_as_black_would_and_reads_back(arguments: dict[str, Any]) -> None:
    lines = lay_out("task = ", call_group("component", [], arguments), "", depth=1)
    [statement] = ast.parse("\n".join(line.removeprefix("    ") for line in lines)).body
    assert isinstance(statement, ast.Assign) and isinstance(statement.value, ast.Call)
    found: dict[str, Any] = {}
    for argument in statement.value.keywords:
        if argument.arg is None:  # **{...}: names that are no Python name
            found.update(ast.literal_eval(argument.value))
        else:
            found[argument.arg] = ast.literal_eval(argument.value)
    assert found == arguments


#: Values that need splitting at several depths, or that cannot be split at all.
NESTED = {
    "columns": [f"column_{n}_with_a_long_name" for n in range(8)],
    "short": [1, 2.5, None, True],
    "empty": [],
    "one": ("only",),
    "table": {"weights": {"a": [0.1] * 30, "漢字" * 30: "wide"}, "note": "x" * 120},
    "class": "a keyword is passed by name",
    "\ufb00": "a ligature Python would read as ff",
}


def test_nested_values_are_laid_out_as_ruff_formats_them(tmp_path: Path) -> None:
    lines = lay_out("task = ", call_group("component", [], NESTED), "")
    assert max(map(len, lines)) > LINE_LENGTH  # the long note cannot be split
    assert "    columns=[\n" in "\n".join(lines) + "\n"
    assert "    short=[1, 2.5, None, True]," in lines and '    one=("only",),' in lines
    # Names Python would not read as written are passed in a dict.
    assert lines[-4:-1] == [
        '        "class": "a keyword is passed by name",',
        '        "\ufb00": "a ligature Python would read as ff",',
        "    },",
    ]
    assert_formatted("\n".join(lines) + "\n", tmp_path)


@pytest.mark.parametrize("value", [float("inf"), float("nan"), {1, 2}, b"bytes"])
def test_values_without_a_literal_are_refused(value: Any) -> None:
    with pytest.raises((TypeError, ValueError)):
        literal(value)


def run_cli(*args: str | Path) -> int:
    """``designer export ...`` as ``designer.cli.main`` runs a command group's handler."""
    parser = argparse.ArgumentParser(prog="designer")
    export_cli.add_parsers(parser.add_subparsers(dest="command", required=True))
    parsed = parser.parse_args([str(a) for a in args])
    try:
        return parsed.handler(parsed)
    except UsageError as exc:
        print(f"designer: {exc}", file=sys.stderr)
        return USAGE


def test_the_command_writes_the_script(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "iris.py"
    assert run_cli("export", FLOWS / "wine_boosting.json", "-o", target) == 0
    assert f"wrote {target} (6 tasks)" in capsys.readouterr().out
    flow = flow_of(fixture_flow("wine_boosting"))
    assert target.read_text(encoding="utf-8") == export_python(flow)


def test_the_command_lists_a_flows_problems(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = fixture_flow("iris_classification")
    doc["nodes"][2]["block"] = "train.nope"
    source = tmp_path / "bad.json"
    source.write_text(json.dumps(doc))
    assert run_cli("export", source, "-o", tmp_path / "bad.py") == 1
    assert "train.nope" in capsys.readouterr().err
    assert not (tmp_path / "bad.py").exists()


@pytest.mark.parametrize(
    ("make", "says"),
    [
        (lambda folder: folder / "missing.json", "no such file"),
        (lambda folder: folder, "it is a folder"),
    ],
    ids=["missing", "a folder"],
)
def test_the_command_refuses_a_file_it_cannot_read(
    make: Any, says: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli("export", make(tmp_path), "-o", tmp_path / "out.py") == USAGE
    assert says in capsys.readouterr().err


def test_the_pipeline_name_is_the_designers(tmp_path: Path) -> None:
    flow = hostile_flow()
    script = export_python(flow)
    assert f'"{pipeline_name(flow.name)}.yaml"' in script
    assert HOSTILE not in script


def test_orders_and_values_fed_by_edges_compile_as_the_designer_compiles_them(
    tmp_path: Path,
) -> None:
    from designer.userblocks.blocks import BlockRef, make_block
    from designer.userblocks.component_file import read_component

    text = (
        Path(__file__).parents[2] / "fixtures" / "components" / "python_count_rows.yaml"
    ).read_text()
    read = read_component(text)
    assert read.check.spec is not None
    block = make_block(BlockRef("ana", "count_rows", 1), read.check.spec, read.component_yaml, True)

    def blocks(block_id: str) -> Block | None:
        return block if block_id == block.id else get_block(block_id)

    doc = fixture_flow("iris_classification")
    doc["nodes"] += [
        {"id": "first", "block": block.id, "params": {"rows": 3}, "after": ["train"]},
        {"id": "second", "block": block.id, "params": {"rows": 9}, "after": ["evaluate", "first"]},
    ]
    doc["edges"].append(
        {"source": "first", "source_port": "Output", "target": "second", "target_port": "rows"}
    )
    flow = flow_of(doc)
    check = check_flow(flow, blocks=blocks)
    assert check.valid, check.diagnostics
    script = export_python(flow, check)
    assert "first_task.after(train_task)" in script
    assert "second_task.after(evaluate_task, first_task)" in script
    assert 'rows=first_task.outputs["Output"]' in script
    assert script_ir(script, tmp_path) == ir_documents(compile_flow(flow, check).ir_yaml)
    assert_formatted(script, tmp_path)
