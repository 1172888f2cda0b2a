"""One table of target columns, one answer on every path that asks "categories or a number?".

The paths: the load block reading the file with Task auto (run time) and while the flow is drawn,
the dataset profile's suggestion and the tasks the Dataset block is offered, the dataset page's
"Likely target" line, and the guided start. A count (0..977) and a year are numbers, a rating
1-5 and class codes are categories, whatever the file's column types.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from blocks.load import dataset as dataset_block
from blocks.load import table_file as table_file_block
from blocks.runtime.table_file import read_table_file
from blocks.runtime.tables import guess_kind
from designer.datasets.library import auto_task, stored_table
from designer.datasets.profile import TableProfile, inspect_file
from designer.datasets.target import suggest_kind
from designer.objects.local import LocalFolderStore
from designer.store.datasets import DatasetVersion
from designer.templates.guided import task_for
from designer.templates.samples import CannotPropose
from designer.ui import dataset_views

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "data" / "target_kinds.csv"

#: column -> task and words of the reason (None: the guided start refuses it, with these words)
TARGETS = {
    "rentals": ("regression", "61 different whole numbers from 0 to 977, like a count"),
    "year": ("regression", "different whole numbers from 1950 to 2020"),
    "rating": ("classification", "five whole numbers from 1 to 5, like a rating or a class code"),
    "churned": ("classification", "two whole numbers, 0 and 1"),
    "digit": ("classification", "ten whole numbers from 0 to 9"),
    "zone_code": ("classification", "its name says they are codes or classes"),
    "pets_count": ("regression", "its name says it is a count or an amount"),
    "price": ("regression", "numbers with fractions from 3.49 to 99.99"),
    "species": ("classification", "text with three different values"),
    "member": ("classification", "true/false values"),
    # whole numbers read as floats because of one empty cell: still whole numbers
    "visits": ("regression", "different whole numbers from 1 to 297"),
}


@pytest.fixture(scope="module")
def profile() -> TableProfile:
    return inspect_file(FIXTURE, FIXTURE.name)


def test_the_table_holds_every_case(profile: TableProfile) -> None:
    assert profile.column_names() == list(TARGETS)
    assert profile.rows >= 60
    kinds = {c.name: c.type for c in profile.columns}
    assert (kinds["rentals"], kinds["visits"], kinds["member"]) == ("integer", "number", "boolean")


@pytest.mark.parametrize(("target", "task", "words"), [(n, *t) for n, t in TARGETS.items()])
def test_every_path_agrees_and_says_why(
    profile: TableProfile, tmp_path: Path, target: str, task: str, words: str
) -> None:
    # the load block at run time, Task auto, and the reason a task mismatch would quote
    table = read_table_file(str(FIXTURE), "auto", target, "auto")
    assert table.task == task
    assert words in guess_kind(table.labels).reason

    # the Table file block while the flow is drawn
    drawn = table_file_block.infer(table_file_block.Params(uri=str(FIXTURE), target=target), {})
    schema = drawn.outputs["data"]
    assert schema is not None and (schema.task, not drawn.problems) == (task, True)
    assert schema.task_reason and words in schema.task_reason

    # the dataset's profile, the tasks the Dataset block offers, and what it tells the checker
    column = next(c for c in profile.columns if c.name == target)
    assert (suggest_kind(column).task, auto_task(column)) == (task, task)
    assert words in suggest_kind(column).reason
    stored = stored_table(_version(profile), profile.to_dict(), LocalFolderStore(tmp_path))
    assert stored.tasks[target] == task and words in stored.task_reasons[target]
    params = dataset_block.Params(dataset="d" * 32, target=target)
    offered = dataset_block.infer_dataset(params, stored).outputs["data"]
    assert offered is not None and offered.task == task
    assert offered.task_reason and words in offered.task_reason

    # the dataset page, were this column the likely target
    page = {**profile.to_dict(), "suggested_target": target}
    assert dataset_views.target_line(page) == f"Likely target: {target} ({task})"
    assert words in dataset_views.target_reason(page)

    # the guided start (and `designer start`, which proposes through it)
    if column.missing:
        with pytest.raises(CannotPropose, match=f"empty in {column.missing} of"):
            task_for(column, profile.rows)
    else:
        assert task_for(column, profile.rows)[0] == task
        assert words in task_for(column, profile.rows)[1]


def _version(profile: TableProfile) -> DatasetVersion:
    return DatasetVersion(
        dataset_id="d" * 32,
        dataset_name="kinds",
        number=1,
        sha256="0" * 64,
        size=FIXTURE.stat().st_size,
        format="csv",
        filename=FIXTURE.name,
        rows=profile.rows,
        columns=tuple(profile.column_names()),
        object_key="datasets/kinds.csv",
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
        author="ada",
    )
