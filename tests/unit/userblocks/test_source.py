"""Reading a person's Python block: sources in, ports, settings, texts or problems out.

Each table row is a source (its imports on line 1, the function from line 2) and what reading it
must find. Line numbers in the expected problems count from that first line.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any, Literal, Optional

import pandas as pd
import pytest
from kfp import dsl
from kfp.dsl import executor, utils
from kfp.dsl.types import artifact_types

from blocks.runtime.tables import Table, read_table, write_table
from designer.userblocks.source import (
    MAX_NAME_CHARS,
    MAX_PROBLEMS,
    STARTER_SOURCE,
    read_source,
)
from designer.userblocks.spec import (
    MAX_PACKAGES,
    MAX_PARAMS,
    MAX_PORTS,
    MAX_SOURCE_CHARS,
    MAX_TEXT_CHARS,
    MAX_TITLE_CHARS,
    BlockSpec,
    ParamSpec,
    PortSpec,
    SourceCheck,
)

#: Line 1 of every table source: everything a block may import, on one line.
IMPORTS = (
    "import kfp, typing, functools, blocks.types; from typing import Dict, List, Literal, "
    "Optional, Union; from kfp import dsl; from kfp.dsl import component; from blocks.types "
    "import Input, Output, Dataset, Model, Classifier, Regressor, Clusterer, Preprocessor, "
    "Metrics, ClassificationMetrics, Artifact, HTML, Markdown, SlicedClassificationMetrics"
)


def block(body: str) -> str:
    """A source: the imports on line 1, then ``body`` (dedented) from line 2."""
    return IMPORTS + "\n" + textwrap.dedent(body).lstrip("\n")


def one_argument(argument: str) -> str:
    return block(f"def b({argument}) -> None:\n    pass\n")


def read_ok(source: str, **fields: str) -> BlockSpec:
    check = read_source(source, **fields)
    assert check.problems == (), [str(p) for p in check.problems]
    assert check.spec is not None
    return check.spec


def problems_of(source: str, **fields: str) -> list[tuple[int, str]]:
    check = read_source(source, **fields)
    assert check.spec is None and check.problems
    return [(p.line, p.message) for p in check.problems]


def assert_problems(source: str, expected: list[tuple[int, str]], **fields: str) -> None:
    """Each expected (line, words) is one problem found, and nothing else is found."""
    found = problems_of(source, **fields)
    assert len(found) == len(expected), found
    assert [line for line, _ in found] == sorted(line for line, _ in found)
    unmatched = list(found)
    for want_line, words in expected:
        match = next((f for f in unmatched if f[0] == want_line and words in f[1]), None)
        assert match is not None, (want_line, words, found)
        unmatched.remove(match)


# --- the starter ------------------------------------------------------------------------------


def test_the_starter_reads_clean() -> None:
    spec = read_ok(STARTER_SOURCE)
    assert spec.name == spec.function == "drop_missing_rows"
    assert (spec.title, spec.category, spec.kind) == (
        "Drop rows with missing values",
        "preprocess",
        "python",
    )
    assert spec.description.startswith("Keeps only the rows")
    assert spec.inputs == (PortSpec("data", "Dataset", "The table to clean."),)
    assert [(p.name, p.type) for p in spec.outputs] == [("cleaned", "Dataset")]
    [columns] = spec.params
    assert (columns.name, columns.type, columns.default, columns.required) == (
        "columns", "array", [], False,
    )  # fmt: skip
    assert columns.description.endswith("Leave it empty to look in every column.")
    assert spec.notes == ()
    assert BlockSpec.from_json(json.loads(json.dumps(spec.to_json()))) == spec


def test_the_starter_runs_as_its_task_would(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Written to a file, loaded as a module and run by KFP's executor (our code, not a
    person's: the designer itself never does this)."""
    monkeypatch.setattr(artifact_types, "CONTAINER_TASK_ROOT", artifact_types.CONTAINER_TASK_ROOT)
    (tmp_path / "block.py").write_text(STARTER_SOURCE)
    module = utils.load_module(module_name="block", module_directory=str(tmp_path))
    frame = pd.DataFrame({"a": [1.0, None, 3.0], "b": ["x", "y", None]})
    write_table(Table(frame, "b"), str(tmp_path / "data"))
    artifact = {"name": "", "type": {"schemaTitle": "system.Dataset"}}

    def run(columns: list[str]) -> Table:
        executor_input: dict[str, Any] = {
            "inputs": {
                "artifacts": {"data": {"artifacts": [{**artifact, "uri": str(tmp_path / "data")}]}},
                "parameterValues": {"columns": columns},
            },
            "outputs": {
                "artifacts": {
                    "cleaned": {"artifacts": [{**artifact, "uri": str(tmp_path / "cleaned")}]}
                },
                "outputFile": str(tmp_path / "executor_output.json"),
            },
        }
        runner = executor.Executor(executor_input, module.drop_missing_rows)
        runner.execute()
        return read_table(str(tmp_path / "cleaned"))

    assert run([]).frame["a"].tolist() == [1.0]
    kept = run(["a"])
    assert kept.frame["a"].tolist() == [1.0, 3.0] and kept.target == "b"


# --- ports ------------------------------------------------------------------------------------

PORTS = [
    # argument, side, port
    ("data: Input[Dataset]", "inputs", PortSpec("data", "Dataset")),
    ("data: dsl.Input[dsl.Dataset]", "inputs", PortSpec("data", "Dataset")),
    ("data: kfp.dsl.Input[kfp.dsl.Dataset]", "inputs", PortSpec("data", "Dataset")),
    ("m: blocks.types.Input[blocks.types.Regressor]", "inputs", PortSpec("m", "Regressor")),
    ("m: Input[Model]", "inputs", PortSpec("m", "Model")),
    ("m: Output[Classifier]", "outputs", PortSpec("m", "Classifier")),
    ("m: Output[Regressor]", "outputs", PortSpec("m", "Regressor")),
    ("m: Output[Clusterer]", "outputs", PortSpec("m", "Clusterer")),
    ("m: Output[Preprocessor]", "outputs", PortSpec("m", "Preprocessor")),
    ("s: Output[Metrics]", "outputs", PortSpec("s", "Metrics")),
    ("s: Output[ClassificationMetrics]", "outputs", PortSpec("s", "ClassificationMetrics")),
    ("a: Output[Artifact]", "outputs", PortSpec("a", "system.Artifact")),
    ("a: Output[HTML]", "outputs", PortSpec("a", "system.HTML")),
    ("a: Input[Markdown]", "inputs", PortSpec("a", "system.Markdown")),
    (
        "a: Output[SlicedClassificationMetrics]",
        "outputs",
        PortSpec("a", "system.SlicedClassificationMetrics"),
    ),
    ("data: Input[Dataset] = None", "inputs", PortSpec("data", "Dataset", optional=True)),
    (
        "data: Optional[Input[Dataset]] = None",
        "inputs",
        PortSpec("data", "Dataset", optional=True),
    ),
    ("*, data: Input[Dataset] = None", "inputs", PortSpec("data", "Dataset", optional=True)),
]


@pytest.mark.parametrize(("argument", "side", "port"), PORTS)
def test_ports(argument: str, side: str, port: PortSpec) -> None:
    spec = read_ok(one_argument(argument))
    assert getattr(spec, side) == (port,)
    assert spec.params == ()


# --- settings ---------------------------------------------------------------------------------

PARAMS = [
    # argument, type, default, required, choices
    ("n: int = 5", "integer", 5, False, ()),
    ("n: int = -3", "integer", -3, False, ()),
    ("n: int", "integer", None, True, ()),
    ("x: float = 1", "number", 1.0, False, ()),
    ("x: float = 0.25", "number", 0.25, False, ()),
    ("x: float = -1e-3", "number", -0.001, False, ()),
    ("s: str = 'median'", "string", "median", False, ()),
    ("s: str", "string", None, True, ()),
    ("b: bool = True", "boolean", True, False, ()),
    ("items: list = [1, 'a', None, [2.5]]", "array", [1, "a", None, [2.5]], False, ()),
    ("items: list[str] = []", "array", [], False, ()),
    ("items: List[int] = [1]", "array", [1], False, ()),
    ("items: typing.List[int]", "array", None, True, ()),
    ("items: List", "array", None, True, ()),
    ("d: dict = {'a': 1}", "object", {"a": 1}, False, ()),
    ("d: Dict[str, int] = {}", "object", {}, False, ()),
    ("d: dict[str, list[int]] = {'a': [1]}", "object", {"a": [1]}, False, ()),
    ("c: Literal['a', 'b'] = 'b'", "string", "b", False, ("a", "b")),
    ("c: typing.Literal['a']", "string", None, True, ("a",)),
    ("c: Literal[1, 2, 3] = 2", "integer", 2, False, (1, 2, 3)),
    ("c: Literal[-1, 1] = -1", "integer", -1, False, (-1, 1)),
    ("o: Optional[int] = None", "integer", None, False, ()),
    ("o: Optional[float] = 2", "number", 2.0, False, ()),
    ("o: int | None = None", "integer", None, False, ()),
    ("o: None | str = None", "string", None, False, ()),
    ("o: Union[int, None] = None", "integer", None, False, ()),
    ("o: typing.Optional[list[str]] = None", "array", None, False, ()),
    ("o: Optional[Literal['x', 'y']] = None", "string", None, False, ("x", "y")),
    ("*, n: int = 1", "integer", 1, False, ()),
]


@pytest.mark.parametrize(("argument", "kind", "default", "required", "choices"), PARAMS)
def test_settings(
    argument: str, kind: str, default: Any, required: bool, choices: tuple[Any, ...]
) -> None:
    spec = read_ok(one_argument(argument))
    [param] = spec.params
    assert (param.type, param.default, param.required, param.choices) == (
        kind, default, required, choices,
    )  # fmt: skip
    assert type(param.default) is type(default)
    assert param.title == param.name.capitalize()
    assert spec.inputs == spec.outputs == ()


def test_ports_and_settings_keep_their_order_and_help() -> None:
    spec = read_ok(
        block('''
        @dsl.component
        def score_rows(
            model: Input[Classifier],
            test_rows: Input[Dataset],
            scores: Output[Metrics],
            decision_threshold: float = 0.5,
            label_column: str = "target",
        ):
            """Score rows.

            Args:
                model: The classifier.
                test_rows (Dataset): Rows it has not
                    seen before.
                decision_threshold: Above this, a row is positive.
            """
        ''')
    )
    assert [p.name for p in spec.inputs] == ["model", "test_rows"]
    assert spec.inputs[1].description == "Rows it has not seen before."
    assert spec.params == (
        ParamSpec(
            "decision_threshold", "number", 0.5, False, "Decision threshold",
            "Above this, a row is positive.",
        ),
        ParamSpec("label_column", "string", "target", False, "Label column", ""),
    )  # fmt: skip


# --- choosing the function --------------------------------------------------------------------

FUNCTIONS = [
    # source body, the block's function
    ("def clean(): pass", "clean"),
    ("def _helper(): pass\ndef clean(): pass\nclass Thing: pass", "clean"),
    ("def helper(): pass\n@dsl.component\ndef clean(): pass", "clean"),
    ("def helper(): pass\n@component\ndef clean(): pass", "clean"),
    ("def helper(): pass\n@kfp.dsl.component()\ndef clean(): pass", "clean"),
    ("@dsl.component(packages_to_install=[])\ndef clean(): pass\ndef other(): pass", "clean"),
    ("if True:\n    def nested(): pass\ndef clean(): pass", "clean"),
    ("def clean():\n    def inner(): pass\n    return None", "clean"),
    ("LIMIT = 3\nimport math\ndef clean() -> None: pass", "clean"),
]


@pytest.mark.parametrize(("body", "function"), FUNCTIONS)
def test_which_function_is_the_block(body: str, function: str) -> None:
    spec = read_ok(block(body))
    assert spec.function == spec.name == function


# --- problems ---------------------------------------------------------------------------------

PROBLEMS = [
    # source body (line 2 on), [(line, words in the message)]
    ("def b(:\n    pass", [(2, "Python cannot read this")]),
    ("x = 1", [(0, "no block function found")]),
    ("def _helper(): pass", [(0, "_helper() (line 2) start with _")]),
    ("def one(): pass\n\ndef two(): pass", [(4, "one() (line 2), two() (line 4)")]),
    (
        "@dsl.component\ndef one(): pass\n@component\ndef two(): pass",
        [(5, "more than one function is marked @dsl.component")],
    ),
    ("async def b(): pass", [(2, "`async def b`")]),
    ("def Clean(): pass", [(2, "`Clean` cannot name a block")]),
    ("def clean2_(): pass\nclean2_ = 3", [(3, "defined again here")]),
    ("def b(): pass\ndef _h(): pass\nfrom x import b", [(4, "defined again here")]),
    ("def b(x, /): pass", [(2, "positional-only"), (2, "`x` has no type")]),
    ("def b(*rows): pass", [(2, "`*rows` cannot be set")]),
    ("def b(**options): pass", [(2, "`**options` cannot be set")]),
    ("def b(*, n: int): pass", [(2, "`n` comes after `*` and has no default")]),
    ("def b(\n    rows,\n): pass", [(3, "`rows` has no type; write `rows: Input[Dataset]`")]),
    ("def b(x: 'int' = 1): pass", [(2, "without quotes")]),
    ("def b(_x: int = 1): pass", [(2, "cannot start with `_`")]),
    (f"def b({'n' * (MAX_NAME_CHARS + 1)}: int = 1): pass", [(2, "has at most 64")]),
    ("def b(naïve: int = 1): pass", [(2, "plain letters")]),
    ("def b() -> int: return 1", [(2, "return values are not ports")]),
    ("def b() -> Output[Model]: pass", [(2, "return values are not ports")]),
    ("@functools.cache\ndef b(): pass", [(2, "`@functools.cache` cannot decorate")]),
    # Ports.
    ("def b(m: Input[str]): pass", [(2, "`Input[str]` is not a port type")]),
    ("def b(m: Output[List[Dataset]]): pass", [(2, "T one of Dataset, Model, Classifier")]),
    ("def b(m: Output[Model] = None): pass", [(2, "output `m` cannot be optional")]),
    ("def b(m: Optional[Output[Model]] = None): pass", [(2, "output `m` cannot be optional")]),
    ("def b(m: Input[Model] = 3): pass", [(2, "input `m` can only default to None")]),
    ("def b(m: Optional[Input[Model]]): pass", [(2, "needs `= None`")]),
    # Settings.
    ("def b(x: set = 1): pass", [(2, "`x: set` is neither a port nor a setting")]),
    ("def b(x: typing.Tuple[int] = 1): pass", [(2, "is neither a port nor a setting")]),
    ("def b(x: int | str = 1): pass", [(2, "is neither a port nor a setting")]),
    ("def b(x: Optional[int]): pass", [(2, "needs a default: write `x: Optional[int] = None`")]),
    ("def b(n: int = len('a')): pass", [(2, "must be a value written out")]),
    ("def b(n: int = 'a'): pass", [(2, "is text, but the setting holds a whole number")]),
    ("def b(n: int = True): pass", [(2, "is True or False, but")]),
    ("def b(n: int = 1.5): pass", [(2, "is a number, but")]),
    ("def b(x: bool = 1): pass", [(2, "is a whole number, but the setting holds True or False")]),
    ("def b(x: float = 'a'): pass", [(2, "is text, but the setting holds a number")]),
    ("def b(x: list = (1, 2)): pass", [(2, "is a tuple, but the setting holds a list")]),
    ("def b(x: dict = {1: 2}): pass", [(2, "a form cannot keep")]),
    ("def b(x: float = 1e999): pass", [(2, "a form cannot keep")]),
    ("def b(x: int = 0x7fffffffffffffffff): pass", [(2, "a form cannot keep")]),
    ("def b(x: list = [b'raw']): pass", [(2, "a form cannot keep")]),
    ("def b(s: str = None): pass", [(2, "defaults to None but its type does not allow it")]),
    ("def b(c: Literal['a', 'b'] = 'z'): pass", [(2, "not one of its choices: 'a', 'b'")]),
    ("def b(c: Literal['a', 1] = 'a'): pass", [(2, "all strings or all whole numbers")]),
    ("def b(c: Literal[True] = True): pass", [(2, "quoted strings or whole numbers")]),
    ("def b(c: Literal[1.5]): pass", [(2, "quoted strings or whole numbers")]),
    ("def b(c: Literal['a', 'a']): pass", [(2, "'a' is offered twice")]),
    # What KFP itself refuses under the decorator.
    (
        "@dsl.component\ndef b(c: Literal['a'] = 'a'): pass",
        [(3, "KFP refuses Literal[...]")],
    ),
    ("@dsl.component\ndef b(n: int | None = None): pass", [(3, "write `Optional[int]`")]),
    # Names the task would not find.
    (
        "def b(m: Inputs[Dataset], x: Lst[int] = []): pass",
        [
            (2, "`Inputs` is not defined"),
            (2, "neither a port nor a setting"),
            (2, "`Lst` is not defined"),
            (2, "neither a port nor a setting"),
        ],
    ),
    # The decorator's options.
    ("@dsl.component(base_image='python:3.11')\ndef b(): pass", [(2, "`base_image=` cannot")]),
    ("@dsl.component(target_image='x')\ndef b(): pass", [(2, "chooses the image")]),
    ("@dsl.component('x')\ndef b(): pass", [(2, "no positional arguments")]),
    ("@dsl.component(**OPTIONS)\ndef b(): pass", [(2, "`**options` cannot be passed")]),
    ("@dsl.component(packages_to_install='scipy')\ndef b(): pass", [(2, "must be a list")]),
    ("@dsl.component(packages_to_install=[NAME])\ndef b(): pass", [(2, "a quoted requirement")]),
]


@pytest.mark.parametrize(("body", "expected"), PROBLEMS)
def test_problems(body: str, expected: list[tuple[int, str]]) -> None:
    assert_problems(block(body), expected)


def test_a_source_without_the_imports_is_told_what_to_import() -> None:
    source = "def b(data: Input[Dataset], m: Output[dsl.Model], c: Literal['a'] = 'a',\n"
    source += "      more: Input[Dataset] = None): pass"
    found = problems_of(source)
    # Each name once, where it is first used.
    assert [line for line, _ in found] == [1, 1, 1, 1, 1]
    hints = " | ".join(message for _, message in found)
    for hint in (
        "`Input` is not defined in this source; add `from blocks.types import Input`",
        "add `from blocks.types import Dataset`",
        "add `from typing import Literal`",
        "add `from kfp import dsl`",
    ):
        assert hint in hints


def test_a_star_import_defines_everything() -> None:
    spec = read_ok("from blocks.types import *\ndef b(data: Input[Dataset]): pass")
    assert spec.inputs == (PortSpec("data", "Dataset"),)


def test_future_annotations_are_refused() -> None:
    source = "from __future__ import annotations\n" + block("def b(n: int = 1): pass")
    assert_problems(source, [(1, "KFP cannot read")])


def test_all_problems_at_once_sorted_by_line_with_columns() -> None:
    source = block(
        """
        @dsl.component(base_image="x")
        def b(
            a,
            n: int = "5",
            *rest,
        ) -> int:
            '''Title.

            Category: nowhere

            Args:
                ghost: Not an argument.
            '''
        """
    )
    check = read_source(source)
    assert [(p.line, p.column) for p in check.problems] == [
        (2, 16), (4, 5), (5, 14), (6, 6), (7, 6), (10, 0), (13, 0),
    ]  # fmt: skip
    assert "ghost" in check.problems[-1].message
    assert "nowhere" in check.problems[-2].message


def test_columns_count_characters_not_bytes() -> None:
    source = block("def b(é=1, n: int = 'x'): pass")
    columns = [p.column for p in read_source(source).problems]
    # é is two bytes in UTF-8: the default starts at character 21, byte 22.
    assert columns == [7, 21]


def test_problems_are_capped_with_a_count_of_the_rest() -> None:
    arguments = ", ".join(f"a{i}" for i in range(30))
    check = read_source(block(f"def b({arguments}): pass"))
    assert len(check.problems) == MAX_PROBLEMS
    assert check.problems[-1].message.startswith(f"{30 - MAX_PROBLEMS + 1} more problems")
    assert check.problems[-1].line == 2


@pytest.mark.parametrize(
    ("source", "words"),
    [
        ("x" * (MAX_SOURCE_CHARS + 1), "at most 100,000"),
        ("def b():\x00 pass", "null bytes"),
        ("def b(): pass  # \ud800", "lone surrogate"),
        ("x = " + "(" * 500 + ")" * 500, "too many nested parentheses"),
        ("x = " + "-" * 50_000 + "1\ndef b(): pass", "nests too deeply"),
        ("def b(x: " + "int | " * 15_000 + "None = None): pass", "nests too deeply"),
        ("", "no block function found"),
    ],
)
def test_sources_that_cannot_be_read(source: str, words: str) -> None:
    check = read_source(source)
    assert check.spec is None
    assert any(words in p.message for p in check.problems), check.problems


def test_bounds_on_ports_settings_and_packages() -> None:
    ports = ", ".join(f"p{i}: Input[Dataset]" for i in range(MAX_PORTS + 1))
    assert_problems(block(f"def b({ports}): pass"), [(2, f"a block has at most {MAX_PORTS}")])
    params = ", ".join(f"p{i}: int = 1" for i in range(MAX_PARAMS + 1))
    assert_problems(block(f"def b({params}): pass"), [(2, f"a block has at most {MAX_PARAMS}")])
    names = ", ".join(f'"pkg{i}"' for i in range(MAX_PACKAGES + 1))
    assert_problems(
        block(f"@dsl.component(packages_to_install=[{names}])\ndef b(): pass"),
        [(2, f"a block may install at most {MAX_PACKAGES}")],
    )
    read_ok(block(f"def b({', '.join(f'p{i}: Input[Dataset]' for i in range(MAX_PORTS))}): pass"))


# --- packages ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("entries", "packages"),
    [
        ('"scipy"', ("scipy",)),
        ('"scipy>=1.11", "statsmodels==0.14.*"', ("scipy>=1.11", "statsmodels==0.14.*")),
        ('"requests[socks] >= 2, < 3"', ("requests[socks]<3,>=2",)),
        ("", ()),
    ],
)
def test_packages_to_install(entries: str, packages: tuple[str, ...]) -> None:
    spec = read_ok(block(f"@dsl.component(packages_to_install=[{entries}])\ndef b(): pass"))
    assert spec.packages == packages


@pytest.mark.parametrize(
    ("entry", "words"),
    [
        ("git+https://github.com/a/b", "URLs and paths cannot be installed"),
        ("https://example.com/pkg.whl", "URLs and paths"),
        ("./local/pkg", "URLs and paths"),
        ("/abs/pkg", "URLs and paths"),
        ("-e .", "pip options"),
        ("--index-url=https://example.com", "pip options"),
        ("pkg @ https://example.com/pkg.whl", "`name @ address` references"),
        ("pkg @ file:///tmp/pkg", "`name @ address` references"),
        ("pkg; python_version < '3.12'", "environment markers"),
        ("pkg-1.0-py3-none-any.whl", "is a file name"),
        ("pkg.tar.gz", "is a file name"),
        ("", "an empty package name"),
        ("two words", "is not a package requirement"),
        ("pkg==1 --hash=sha256:00", "is not a package requirement"),
    ],
)
def test_packages_that_are_refused(entry: str, words: str) -> None:
    source = block(f"@dsl.component(\n    packages_to_install=[{entry!r}],\n)\ndef b(): pass")
    assert_problems(source, [(3, words)])


def test_a_package_listed_twice() -> None:
    source = block('@dsl.component(packages_to_install=["Pandas", "pandas>=2"])\ndef b(): pass')
    assert_problems(source, [(2, "listed twice")])


# --- texts ------------------------------------------------------------------------------------

DOCSTRINGS = [
    # docstring, title, description, category, help by argument
    (None, "Clean rows", "", "custom", {}),
    ('"""Keep the good rows."""', "Keep the good rows", "", "custom", {}),
    ('"""\n    Keep rows...\n    """', "Keep rows...", "", "custom", {}),
    (
        '"""Keep rows.\n\n    First part of the\n    story.\n\n    Second part.\n    """',
        "Keep rows",
        "First part of the story.\n\nSecond part.",
        "custom",
        {},
    ),
    (
        '"""Keep rows.\n\n    category: Preprocess\n    """',
        "Keep rows",
        "",
        "preprocess",
        {},
    ),
    (
        '"""Keep rows.\n\n    Steps:\n        one\n    Args:\n        data (Dataset): The rows.\n'
        "        n: How many\n            to keep.\n\n    Returns:\n        nothing\n"
        '    Category: train\n    Tail text.\n    """',
        "Keep rows",
        "Steps: one\n\nTail text.",
        "train",
        {"data": "The rows.", "n": "How many to keep."},
    ),
    (
        "'''Keep rows.\n\n\tArgs:\n\t    n: Tabs\n\t        work.\n\t'''",
        "Keep rows",
        "",
        "custom",
        {"n": "Tabs work."},
    ),
]


@pytest.mark.parametrize(("docstring", "title", "description", "category", "helps"), DOCSTRINGS)
def test_texts_from_the_docstring(
    docstring: str | None,
    title: str,
    description: str,
    category: str,
    helps: dict[str, str],
) -> None:
    body = f"    {docstring}\n" if docstring else "    pass\n"
    spec = read_ok(block(f"def clean_rows(data: Input[Dataset], n: int = 1):\n{body}"))
    assert (spec.title, spec.description, spec.category) == (title, description, category)
    described = {p.name: p.description for p in (*spec.inputs, *spec.params) if p.description}
    assert described == helps
    assert bool(spec.notes) is (docstring is None)


@pytest.mark.parametrize(
    ("fields", "title", "category", "description"),
    [
        ({}, "From the docstring", "train", "Its description."),
        ({"title": "  Mine  "}, "Mine", "train", "Its description."),
        ({"title": "   ", "category": ""}, "From the docstring", "train", "Its description."),
        ({"category": "Evaluate"}, "From the docstring", "evaluate", "Its description."),
        ({"description": "One\r\ntwo"}, "From the docstring", "train", "One\ntwo"),
    ],
)  # fmt: skip
def test_fields_beside_the_editor_win(
    fields: dict[str, str], title: str, category: str, description: str
) -> None:
    source = block(
        '''
        def b():
            """From the docstring.

            Its description.

            Category: train
            """
        '''
    )
    spec = read_ok(source, **fields)
    assert (spec.title, spec.category, spec.description) == (title, category, description)


def test_a_field_that_wins_hides_the_docstring_problem() -> None:
    source = block('def b():\n    """T.\n\n    Category: nowhere\n    """')
    assert_problems(source, [(5, "the Category line names 'nowhere'")])
    assert read_ok(source, category="deploy").category == "deploy"


@pytest.mark.parametrize(
    ("fields", "docstring", "expected"),
    [
        ({"category": "elsewhere"}, "T.", [(0, "the category names 'elsewhere'; choose one of")]),
        ({"title": "two\nlines"}, "T.", [(0, "the title holds a control character (U+000A)")]),
        ({"title": "x" * (MAX_TITLE_CHARS + 1)}, "T.", [(0, "the title has 101 characters")]),
        ({"description": "x" * (MAX_TEXT_CHARS + 1)}, "T.", [(0, "the description has 2,001")]),
        ({"description": "bell \x07"}, "T.", [(0, "control character (U+0007)")]),
        ({"description": "spoof \u202e"}, "T.", [(0, "control character (U+202E)")]),
        ({}, "x" * (MAX_TITLE_CHARS + 1), [(3, "the title has 101 characters")]),
        ({}, "T.\n\n    Category:", [(5, "the Category line names no category")]),
        ({}, "Bell \\x07 title", [(3, "the title holds a control character")]),
        ({}, "T.\n\n    " + "word " * 500, [(5, "the description has 2,4")]),
        ({}, "T.\n\n    Args:\n        ghost: Boo.", [(6, "describes `ghost`, which is not an")]),
        ({}, "T.\n\n    Args:\n        not an entry", [(6, "write each entry under Args:")]),
        ({}, "T.\n\n    Args:\n        n: One.\n        n: Two.", [(7, "`n` is described twice")]),
        ({}, "T.\n\n    Args:\n        n: " + "w " * 1001, [(6, "the help of `n` has 2,00")]),
    ],
)
def test_text_problems(
    fields: dict[str, str], docstring: str, expected: list[tuple[int, str]]
) -> None:
    source = block(f'def b(n: int = 1):\n    """{docstring}\n    """\n')
    assert_problems(source, expected, **fields)


def test_a_description_keeps_line_breaks_and_tabs() -> None:
    spec = read_ok(block("def b(): pass"), description="one\n\ttwo")
    assert spec.description == "one\n\ttwo"


# --- facts about KFP the rules rest on ----------------------------------------------------------


@pytest.mark.parametrize(
    ("annotation", "accepted"),
    [
        (Literal["any", "all"], False),
        (int | None, False),
        (Optional[int], True),  # noqa: UP045  (the spelling KFP takes)
        (str, True),
    ],
)
def test_what_kfp_accepts_under_its_decorator(annotation: Any, accepted: bool) -> None:
    """Why ``Literal[...]`` and ``X | None`` are problems under ``@dsl.component``."""

    def block_function(how: Any = None) -> None:
        print(how)

    # This module's own annotations are strings (``from __future__``): set real ones.
    block_function.__annotations__ = {"how": annotation, "return": None}
    if accepted:
        dsl.component(block_function)
    else:
        with pytest.raises(TypeError, match="schema_title"):
            dsl.component(block_function)


def test_reading_never_runs_the_source(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    source = block(
        f"""
        open({str(marker)!r}, "w").write("top level")
        def b(n: int = 1) -> None:
            open({str(marker)!r}, "w").write("body")
        """
    )
    assert read_source(source).ok
    assert not marker.exists()


def test_the_check_is_a_spec_or_problems() -> None:
    assert isinstance(read_source("def b(): pass"), SourceCheck)
    assert read_source("def b(): pass").ok
    assert not read_source("def b(x): pass").ok
