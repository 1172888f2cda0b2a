"""Load the user's own table from a CSV or Parquet file: local, on a web server or in S3."""

import functools
from collections.abc import Mapping
from typing import Literal

from kfp.dsl import Dataset, Output
from pydantic import BaseModel, ConfigDict, Field

from blocks.base import DATASET, Block, Inference, ParamProblem, Port, TableSchema
from blocks.load.common import Task, target_field, task_field


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid", title="Table file")

    uri: str = Field(
        ...,
        min_length=1,
        title="File",
        description="Where the table is: a path on this computer (data/houses.csv), a web "
        "address (https://example.org/houses.csv) or a storage address (s3://bucket/houses.csv).",
        examples=["data/houses.csv"],
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
) -> tuple[list[str], str | None]:
    from pathlib import Path

    from blocks.runtime.table_file import read_local_schema

    return read_local_schema(Path(path), fmt, target, task)


def infer(params: Params, inputs: Mapping[str, TableSchema | None]) -> Inference:
    from blocks.runtime.table_file import local_path

    path = local_path(params.uri)
    if path is None or not path.is_file():
        return Inference(outputs={"data": None})
    stat = path.stat()
    try:
        columns, task = _local_schema(
            str(path), stat.st_mtime, stat.st_size, params.format, params.target, params.task
        )
    except Exception as exc:  # an unreadable file is reported, not raised, while drawing
        problem = ParamProblem("uri", f"could not read {params.uri}: {exc}")
        return Inference(outputs={"data": None}, problems=(problem,))
    if params.target and params.target not in columns:
        problem = ParamProblem(
            "target",
            f"Target column {params.target!r} not found; the table has: {', '.join(columns)}",
        )
        return Inference(outputs={"data": None}, problems=(problem,))
    schema = TableSchema(tuple(columns), params.target or None, task)
    return Inference(outputs={"data": schema})


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
