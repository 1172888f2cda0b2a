"""Every Python example in docs/blocks.md reads as a block without a problem: the guide's
examples are what people copy first."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from designer.userblocks.source import read_source

GUIDE = Path(__file__).resolve().parents[3] / "docs" / "blocks.md"
EXAMPLES = re.findall(r"```python\n(.*?)```", GUIDE.read_text(), re.S)


def test_the_guide_has_examples() -> None:
    assert len(EXAMPLES) >= 3


@pytest.mark.parametrize("example", EXAMPLES, ids=[f"example-{i}" for i in range(len(EXAMPLES))])
def test_each_example_reads_as_a_block(example: str) -> None:
    check = read_source(example)
    assert check.ok, check.problems
