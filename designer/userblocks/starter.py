"""The block a new editor starts from: short, complete, and showing each rule once.

It reads without problems (a test checks it), runs as it is, and keeps the target column the
way every block that changes a table should: ``read_table`` and ``write_table`` carry it from
the table read to the table written.

It has no ``@dsl.component``: a block needs the decorator only to install packages, and under
it KFP refuses ``Literal[...]`` settings, which the comment at the top offers.
"""

from __future__ import annotations

STARTER_SOURCE = '''\
# A block is one Python function: its arguments are the block's ports and settings.
# - Input[...] and Output[...] arguments are ports (Dataset, Model, Classifier, Metrics...).
# - Other arguments are settings in the block's form: str, int, float, bool, list, dict or
#   Literal["a", "b"]; a default makes a setting optional.
# - The docstring gives the title, the description, the palette category and each
#   argument's help. Imports and helpers may sit beside the function: they run in its task.
# - To install extra packages, mark the function @dsl.component(packages_to_install=[...]).
from blocks.runtime.tables import Table, read_table, require_columns, write_table
from blocks.types import Dataset, Input, Output


def drop_missing_rows(
    data: Input[Dataset],
    cleaned: Output[Dataset],
    columns: list[str] = [],
) -> None:
    """Drop rows with missing values.

    Keeps only the rows that have a value in every column, or in every column you list. The
    table keeps its target column.

    Category: preprocess

    Args:
        data: The table to clean.
        cleaned: The same table without the rows that had missing values.
        columns: Only look for missing values in these columns. Leave it empty to look in
            every column.
    """
    table = read_table(data.path)
    require_columns(table.frame, columns, "Columns")
    frame = table.frame.dropna(subset=columns or None)
    write_table(Table(frame, table.target, table.task), cleaned.path)
    cleaned.metadata.update({"rows": len(frame), "dropped": len(table.frame) - len(frame)})
    print(f"kept {len(frame)} of {len(table.frame)} rows")
'''
