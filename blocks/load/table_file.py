"""Load the user's own table from a CSV or Parquet file: in a data folder, on a web server or
in S3 storage; where it may come from is the read policy's call (``blocks.runtime.read_policy``).
"""

import functools
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

from kfp.dsl import Dataset, Output
from pydantic import BaseModel, ConfigDict, Field

from blocks.base import DATASET, Block, Inference, ParamProblem, Port, TableSchema
from blocks.load.common import Task, target_field, task_field
from blocks.runtime.read_policy import ADDRESS_PARAM


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid", title="Table file")

    uri: str = Field(
        ...,
        min_length=1,
        title="File",
        description="Where the table is: a file in the designer's data folders (houses.csv), "
        "a web address (https://example.org/houses.csv) or a storage address "
        "(s3://bucket/houses.csv). Tables you upload on the Datasets page are read with the "
        "Dataset block instead.",
        examples=["houses.csv"],
        json_schema_extra=ADDRESS_PARAM,
    )
    format: Literal["auto", "csv", "parquet"] = Field(
        "auto",
        title="Format",
        description="auto tells CSV and Parquet apart by the file name and content; choose one "
        "when the name does not end in .csv or .parquet.",
    )
    target: str = target_field()
    task: Task = task_field()


def load_table_file(uri: str, format: str, target: str, task: str, data: Output[Dataset]) -> None:
    from blocks.runtime.table_file import read_table_file
    from blocks.runtime.tables import write_table

    table = read_table_file(uri, format, target, task)
    write_table(table, data.path)
    data.metadata.update(table.summary())
    print(f"loaded {uri}: {len(table.frame)} rows, target {table.target!r}, task {table.task!r}")


@functools.lru_cache(maxsize=64)
def _local_schema(
    path: str, mtime: float, size: int, fmt: str, target: str, task: str
) -> tuple[list[str], str | None, str | None]:
    """Columns, task and why, of an allowed file, remembered while it stays the same size and
    age."""
    from blocks.runtime.read_policy import LocalFile, ReadPolicy
    from blocks.runtime.table_file import read_local_schema

    policy = ReadPolicy.from_env()
    file = policy.check(path)
    assert isinstance(file, LocalFile)  # the caller checked the same path
    with policy.open_file(file) as handle:
        return read_local_schema(handle, file, fmt, target, task)


def infer(params: Params, inputs: Mapping[str, TableSchema | None]) -> Inference:
    """The table's columns when it is an allowed local file; a refused address is a problem on
    File before any run. Nothing of a refused file is read, and no problem quotes a file's
    content (only the column names of an allowed one). Web and storage addresses are not
    fetched while the flow is drawn: their form is checked here, their server when the run
    connects."""
    from blocks.runtime.read_policy import LocalFile, ReadPolicy

    try:
        address = ReadPolicy.from_env().check(params.uri)
    except (PermissionError, ValueError) as exc:
        return Inference(outputs={"data": None}, problems=(ParamProblem("uri", str(exc)),))
    if not isinstance(address, LocalFile) or not address.path.is_file():
        return Inference(outputs={"data": None})
    try:
        stat = address.path.stat()
        columns, task, why = _local_schema(
            str(address.path),
            stat.st_mtime,
            stat.st_size,
            params.format,
            params.target,
            params.task,
        )
    except Exception as exc:  # an unreadable file is reported, not raised, while drawing
        problem = ParamProblem("uri", _unreadable(params.uri, exc))
        return Inference(outputs={"data": None}, problems=(problem,))
    if params.target and params.target not in columns:
        problem = ParamProblem(
            "target",
            f"Target column {params.target!r} not found; the table has: {', '.join(columns)}",
        )
        return Inference(outputs={"data": None}, problems=(problem,))
    schema = TableSchema(tuple(columns), params.target or None, task, task_reason=why)
    return Inference(outputs={"data": schema})


def _unreadable(uri: str, exc: Exception) -> str:
    """Why a file could not be read, without quoting it: a parser's message can hold its text."""
    if isinstance(exc, PermissionError | FileNotFoundError | IsADirectoryError):
        return str(exc)
    kind = (
        "Parquet" if Path(uri).suffix.lower() in (".parquet", ".pq", ".parq") else "CSV or Parquet"
    )
    return (
        f"could not read {uri!r} as a table ({type(exc).__name__}); check that it is a {kind} "
        "file, or set Format to the right one"
    )


BLOCK = Block(
    id="load.table_file",
    version="1",
    category="load",
    title="Table file",
    description="Load your own table from a CSV or Parquet file on this computer, a web "
    "address or S3 storage, and say which column to predict.",
    icon="file-spreadsheet",
    inputs=(),
    outputs=(Port("data", DATASET, "The whole table, with its target column if one was chosen."),),
    params=Params,
    function=load_table_file,
    infer=infer,
)
