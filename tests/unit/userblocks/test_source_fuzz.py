"""Property tests: no text, however broken, makes reading a block's source raise.

Whatever comes in (arbitrary text, a valid block with characters deleted or junk inserted, a
block whose arguments get random annotations and defaults), ``read_source`` answers with a
spec that survives JSON, or with problems that each say something and point into the source.
"""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from designer.userblocks.source import MAX_PROBLEMS, STARTER_SOURCE, read_source
from designer.userblocks.spec import BlockSpec, SourceCheck

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

IMPORTS = (
    "from typing import Dict, List, Literal, Optional, Union\n"
    "from kfp import dsl\n"
    "from blocks.types import Input, Output, Dataset, Model, Classifier, Metrics, HTML\n"
)
VALID_SOURCES = [
    STARTER_SOURCE,
    IMPORTS
    + '''
@dsl.component(packages_to_install=["scipy>=1.11"])
def score_rows(
    model: Input[Classifier],
    scores: Output[Metrics],
    rows: Input[Dataset] = None,
    threshold: float = 0.5,
    how: str = "any",
    columns: List[str] = [],
    extra: Optional[dict] = None,
) -> None:
    """Score rows.

    Gives each row a score.

    Category: evaluate

    Args:
        model: The classifier.
        threshold: Above this,
            a row is positive.
    """
    print(threshold)
''',
    IMPORTS
    + """
def _helper(x):
    return x


def pick(data: Input[Dataset], out: Output[HTML], k: Literal[1, 2, 3] = 2, *, on: bool = True):
    '''Pick rows.'''
""",
]
JUNK = [
    "(", ")", "[", "]", ":", ",", "=", "*", "**", "/", "|", "@", "\\", "'", '"', '"""', "#",
    "\n", "    ", "\t", "None", "-> int", "async ", "def ", "lambda: 0", "Input[", "Output[",
    "Literal[", "Optional[", "@dsl.component(base_image='x')\n", "_", "é", "\x00", "\u202e",
    "Args:\n", "Category: nowhere\n", "from __future__ import annotations\n", "1e999",
    "0x" + "f" * 40,
]  # fmt: skip
NAMES = [
    "int", "float", "str", "bool", "list", "dict", "None", "Input", "Output", "Optional",
    "Union", "Literal", "List", "Dict", "Dataset", "Model", "Classifier", "HTML", "Metrics",
    "Unknown", "dsl.Input", "kfp.dsl.Output", "typing.List", "set", "tuple",
]  # fmt: skip
DEFAULTS = [
    "", " = None", " = 1", " = -2.5", " = 'a'", " = True", " = []", " = [1, 'b']", " = {}",
    " = {'k': [1]}", " = {1: 2}", " = (1,)", " = b'x'", " = 1e999", " = len('x')", " = ...",
]  # fmt: skip


def annotations() -> st.SearchStrategy[str]:
    """Annotation text: names, subscripts of them, unions, quoted and literal values."""
    leaves = st.sampled_from(NAMES) | st.sampled_from(["'a'", "1", "-1", "True", "1.5", "'int'"])
    return st.recursive(
        leaves,
        lambda inner: (
            st.tuples(st.sampled_from(NAMES), st.lists(inner, min_size=1, max_size=3)).map(
                lambda t: f"{t[0]}[{', '.join(t[1])}]"
            )
            | st.tuples(inner, inner).map(lambda t: f"{t[0]} | {t[1]}")
        ),
        max_leaves=6,
    )


def assert_well_formed(source: str, check: SourceCheck) -> None:
    assert isinstance(check, SourceCheck)
    last_line = len(source.splitlines())
    if check.spec is not None:
        assert check.problems == ()
        text = json.dumps(check.spec.to_json(), allow_nan=False)
        assert BlockSpec.from_json(json.loads(text)) == check.spec
        return
    assert 0 < len(check.problems) <= MAX_PROBLEMS
    assert [p.line for p in check.problems] == sorted(p.line for p in check.problems)
    for problem in check.problems:
        assert problem.message.strip()
        assert 0 <= problem.line <= last_line
        assert problem.column >= 0
        assert problem.line or not problem.column


def test_the_sources_mutated_are_blocks() -> None:
    for source in VALID_SOURCES:
        assert read_source(source).ok, read_source(source).problems


@FUZZ
@given(st.text(max_size=300))
def test_arbitrary_text(source: str) -> None:
    assert_well_formed(source, read_source(source))


@FUZZ
@given(
    st.sampled_from(VALID_SOURCES),
    st.lists(
        st.tuples(st.floats(0, 1), st.sampled_from(["delete", "insert"]), st.sampled_from(JUNK)),
        min_size=1,
        max_size=4,
    ),
)
def test_mutated_blocks(source: str, edits: list[tuple[float, str, str]]) -> None:
    for where, action, junk in edits:
        at = int(where * len(source))
        source = (
            source[:at] + source[at + 1 :]
            if action == "delete"
            else source[:at] + junk + source[at:]
        )
    assert_well_formed(source, read_source(source))


@FUZZ
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["a", "b", "data", "out", "_x", "n2"]),
            annotations(),
            st.sampled_from(DEFAULTS),
        ),
        max_size=5,
        unique_by=lambda t: t[0],
    ),
    st.sampled_from(["", "@dsl.component\n", "@dsl.component(packages_to_install=['x'])\n"]),
    st.sampled_from(["", " -> None", " -> int"]),
)
def test_random_annotations(
    arguments: list[tuple[str, str, str]], decorator: str, returns: str
) -> None:
    # Python wants arguments without defaults first: sort them there so most sources parse.
    arguments.sort(key=lambda a: bool(a[2]))
    signature = ", ".join(
        f"{name}: {annotation}{default}" for name, annotation, default in arguments
    )
    source = f"{IMPORTS}{decorator}def block({signature}){returns}:\n    '''Block.'''\n"
    assert_well_formed(source, read_source(source))


@FUZZ
@given(
    st.text(max_size=40) | st.none(),
    st.text(max_size=40) | st.none(),
    st.text(max_size=40) | st.none(),
)
def test_random_fields_beside_the_editor(
    title: str | None, category: str | None, description: str | None
) -> None:
    check = read_source(STARTER_SOURCE, title=title, category=category, description=description)
    assert_well_formed(STARTER_SOURCE, check)
