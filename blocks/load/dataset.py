"""Load a dataset from the designer's library: a file someone uploaded on the Datasets page.

The component is given where the file is by the designer, not by the person drawing the flow:
the file's path (local folder storage) or an https address signed for this run (S3 storage).
The designer grants the run that one address (``DESIGNER_READ_GRANTS``), so the run reads it
without storage keys and without opening the folder that holds everyone's datasets.
"""

from kfp.dsl import Dataset, Output
from pydantic import BaseModel, ConfigDict, Field

from blocks.base import DATASET, Block, Inference, ParamProblem, Port, StoredTable, TableSchema
from blocks.load.common import Task, target_field, task_field


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid", title="Dataset")

    dataset: str = Field(
        ...,
        min_length=1,
        title="Dataset",
        description="A dataset from your library, or one shared with you. Upload new ones on "
        "the Datasets page.",
        examples=["0f4e1c2ab5d94c7e8a1b2c3d4e5f6a7b"],
        json_schema_extra={"widget": "dataset"},
    )
    version: int = Field(
        0,
        ge=0,
        le=1_000_000,
        title="Version",
        description="Which upload of the dataset to use; latest follows new uploads, a number "
        "keeps the flow on that exact file.",
        json_schema_extra={"widget": "dataset_version"},
    )
    target: str = target_field(json_schema_extra={"widget": "dataset_column"})
    task: Task = task_field()


def load_dataset(
    dataset: str,
    version: int,
    target: str,
    task: str,
    uri: str,
    file_format: str,
    delimiter: str,
    data: Output[Dataset],
) -> None:
    from blocks.runtime.read_policy import ReadRefused
    from blocks.runtime.table_file import read_table_file
    from blocks.runtime.tables import write_table

    try:
        table = read_table_file(uri, file_format, target, task, sep=delimiter or ",")
    except ReadRefused as exc:
        raise ReadRefused(
            uri,
            f"this run was not granted dataset {dataset} version {version} ({exc.reason})",
            "start the run from the designer, which grants each run the datasets its flow reads",
        ) from None
    write_table(table, data.path)
    data.metadata.update({**table.summary(), "dataset": dataset, "dataset_version": version})
    print(
        f"loaded dataset {dataset} version {version}: {len(table.frame)} rows, "
        f"target {table.target!r}, task {table.task!r}"
    )


def infer_dataset(params: Params, table: StoredTable | None) -> Inference:
    if table is None:
        return Inference(outputs={"data": None})
    if params.target and params.target not in table.columns:
        hint = (
            f" (the likely target is {table.suggested_target!r})" if table.suggested_target else ""
        )
        problem = ParamProblem(
            "target",
            f"Target column {params.target!r} is not in {table.name} version {table.version}"
            f"{hint}; its columns: {', '.join(table.columns)}",
        )
        return Inference(outputs={"data": None}, problems=(problem,))
    target = params.target or None
    auto = params.task == "auto" and target is not None
    task = table.tasks.get(params.target) if auto else params.task
    why = table.task_reasons.get(params.target) if auto else None
    schema = TableSchema(table.columns, target, task if target else None, task_reason=why)
    return Inference(outputs={"data": schema})


BLOCK = Block(
    id="load.dataset",
    version="1",
    category="load",
    title="Dataset",
    description="Load a dataset you uploaded (or one shared with you), and say which column "
    "to predict.",
    icon="table",
    inputs=(),
    outputs=(Port("data", DATASET, "The whole table, with its target column if one was chosen."),),
    params=Params,
    function=load_dataset,
    infer_dataset=infer_dataset,
)
