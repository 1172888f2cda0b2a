"""The guided start: from a table and the column to predict to a flow that is ready to run.

The wizard asks two things, which data and which column to predict; everything else is decided
here from what the table's profile says about its columns: classification or regression, which
columns to drop, fill or encode, and a model that works well without tuning. Each step of the
proposal comes with one plain sentence saying what it does and why.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from typing import Any

from blocks.runtime.sklearn_data import target_column
from designer.datasets.profile import ColumnProfile, TableProfile
from designer.datasets.target import named_like_id, suggest_kind
from designer.flow.document import Edge, Flow, Node, Position
from designer.store.flows import PLAIN_LINE
from designer.templates.samples import CannotPropose, Sample, TableSource, sample

#: A text column with more different values than this (and than half its rows) is free text
#: or a name: one-hot encoding it would make a column per row, so it is dropped instead.
MAX_CATEGORIES = 50
#: Keep class proportions needs every class twice; ask for it only with plenty of rows a class.
ROWS_PER_CLASS_TO_STRATIFY = 20
#: Text that differs in every one of at least this many rows is a name or an id, not a category.
MIN_ROWS_FOR_ID = 10


@dataclass(frozen=True)
class Step:
    """One block of the proposal and the sentence that explains it."""

    node: str
    title: str
    explanation: str


@dataclass(frozen=True)
class Proposal:
    flow: Flow
    task: str
    target: str
    #: Why the task is what it is, in words.
    reason: str
    steps: tuple[Step, ...]
    #: Things worth knowing that do not stop the flow from running.
    notes: tuple[str, ...] = ()


@dataclass
class _Plan:
    """The proposal being put together, step by step."""

    nodes: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)

    def add(self, node_id: str, block: str, params: dict[str, Any], title: str, why: str) -> None:
        column = len(self.nodes)
        row = 0 if block.startswith("train.") else 1
        position = Position(x=column * 290.0, y=row * 170.0)
        self.nodes.append(Node(id=node_id, block=block, params=params, position=position))
        self.steps.append(Step(node_id, title, why))

    def connect(self, source: str, source_port: str, target: str, target_port: str) -> None:
        self.edges.append(
            Edge(source=source, source_port=source_port, target=target, target_port=target_port)
        )


def propose_sample(name: str) -> Proposal:
    """A flow for one of the sample datasets: its target is already chosen."""
    chosen = sample(name)
    target = target_column(name)
    plan = _Plan()
    plan.add(
        "load",
        "load.sklearn_dataset",
        {"dataset": name},
        "Sample dataset",
        f"Loads the {chosen.title.lower()} data; the column to predict is “{target}”: "
        f"{chosen.target_meaning}.",
    )
    reason = _sample_reason(chosen)
    _train_and_test(plan, chosen.task, stratify=chosen.task == "classification", prepared=None)
    flow = Flow(
        name=f"{chosen.title}: my first model",
        description=reason,
        nodes=plan.nodes,
        edges=plan.edges,
    )
    return Proposal(flow, chosen.task, target, reason, tuple(plan.steps))


def _sample_reason(chosen: Sample) -> str:
    if chosen.task == "regression":
        return f"The target is {chosen.target_meaning}, so this is regression."
    return f"The target is {chosen.target_meaning}: a category, so this is classification."


def propose_table(source: TableSource, profile: TableProfile, target: str) -> Proposal:
    """A flow that predicts ``target`` from the other columns of the profiled table."""
    column = next((c for c in profile.columns if c.name == target), None)
    if column is None:
        raise CannotPropose(
            f"the table has no column {target!r}; pick one of: {', '.join(profile.column_names())}"
        )
    task, reason = task_for(column, profile.rows)
    features = [c for c in profile.columns if c.name != target]
    drop = [c for c in features if droppable(c, profile.rows)]
    if len(drop) == len(features):
        raise CannotPropose(
            f"no column besides {target!r} can teach a model anything (ids, dates or free text "
            "only); choose a table with measurements or categories to learn from"
        )
    plan = _Plan()
    plan.add(
        "load",
        source.block,
        {**source.params, "target": target, "task": task},
        "Load the table",
        f"Reads “{source.name}” and marks “{target}” as the column to predict.",
    )
    stratify = task == "classification" and _plenty_per_class(column, profile.rows)
    kept = [c for c in features if c not in drop]
    _train_and_test(plan, task, stratify=stratify, prepared=_preparation(kept, drop))
    flow = Flow(
        name=_one_line(f"Predict {target} from {source.name}")[:200],
        description=reason,
        nodes=plan.nodes,
        edges=plan.edges,
    )
    notes = _notes(profile.rows, stratify, task)
    return Proposal(flow, task, target, reason, tuple(plan.steps), notes)


def _one_line(text: str) -> str:
    """``text`` fit to name a flow: control characters and line breaks become spaces (column
    and file names come from the uploaded file)."""
    plain = "".join(" " if unicodedata.category(c) in PLAIN_LINE else c for c in text)
    return " ".join(plain.split()) or "My first model"


def task_for(column: ColumnProfile, rows: int) -> tuple[str, str]:
    """Classification or regression for this target, and why in words.

    The same rule as the load block's Task auto (``blocks.runtime.target_kind``): text and a
    few whole numbers (a rating, class codes) are categories; numbers with fractions and many
    whole numbers (counts, amounts, years) are numbers. Targets nothing can be learnt for are
    refused first. The load block is then told the task, so it does not guess again.
    """
    present = rows - column.missing
    if present == 0:
        raise CannotPropose(f"“{column.name}” is empty in every row; pick another column")
    if column.missing:
        raise CannotPropose(
            f"“{column.name}” is empty in {column.missing} of {rows} rows, and a model cannot "
            "learn from a missing answer: fill or remove those rows in the file and upload it "
            "again, or pick another column"
        )
    if column.distinct == 1:
        raise CannotPropose(f"“{column.name}” holds one value in every row; nothing to predict")
    if column.type == "datetime":
        raise CannotPropose(f"“{column.name}” holds dates; the designer cannot predict dates yet")
    if _id_like(column, present):
        raise CannotPropose(
            f"every row has its own value in “{column.name}”, like an id or a name: there is "
            "nothing shared to learn; pick the column holding the answer you want predicted"
        )
    kind = suggest_kind(column)
    return kind.task, kind.reason


def droppable(column: ColumnProfile, rows: int) -> bool:
    """Columns a model should not learn from: ids, names, dates, constants and free text."""
    present = rows - column.missing
    if present == 0 or column.distinct == 1 or column.type == "datetime":
        return True
    if _id_like(column, present):
        return True
    many = column.distinct is None or column.distinct > max(MAX_CATEGORIES, present // 2)
    return column.type == "text" and many


def _id_like(column: ColumnProfile, present: int) -> bool:
    """Named like an id, or text that differs in every row (names, codes, free text)."""
    if named_like_id(column.name):
        return True
    all_different = column.distinct is None or column.distinct == present
    return column.type == "text" and all_different and present >= MIN_ROWS_FOR_ID


def _plenty_per_class(column: ColumnProfile, rows: int) -> bool:
    return column.distinct is not None and rows >= column.distinct * ROWS_PER_CLASS_TO_STRATIFY


@dataclass(frozen=True)
class _Preparation:
    drop: list[str]
    fill: list[str]
    encode: list[str]


def _preparation(kept: list[ColumnProfile], drop: list[ColumnProfile]) -> _Preparation | None:
    """What Prepare columns must do, or None when every kept column is a complete number."""
    fill = [c.name for c in kept if c.missing]
    encode = [c.name for c in kept if c.type == "text"]
    if not (drop or fill or encode):
        return None
    return _Preparation([c.name for c in drop], fill, encode)


def _train_and_test(
    plan: _Plan, task: str, *, stratify: bool, prepared: _Preparation | None
) -> None:
    plan.add(
        "split",
        "split.train_test",
        {"test_size": 0.2, "seed": 42, "stratify": stratify},
        "Keep test rows aside",
        "Keeps 20% of the rows aside, unseen while the model learns, to test it "
        "honestly afterwards.",
    )
    plan.connect("load", "data", "split", "data")
    train_rows, test_rows = ("split", "train"), ("split", "test")
    if prepared is not None:
        plan.add(
            "prepare",
            "preprocess.prepare_columns",
            _prepare_params(prepared),
            "Prepare the columns",
            _prepare_sentence(prepared),
        )
        plan.connect("split", "train", "prepare", "train")
        plan.connect("split", "test", "prepare", "test")
        train_rows, test_rows = ("prepare", "prepared_train"), ("prepare", "prepared_test")
    if task == "regression":
        plan.add(
            "train",
            "train.random_forest_regressor",
            {"n_estimators": 100, "max_depth": 0, "seed": 42},
            "Train a model",
            "A random forest: many decision trees whose guesses are averaged into one "
            "number; it works well without tuning.",
        )
        plan.add(
            "evaluate",
            "evaluate.regression",
            {},
            "Test the model",
            "Predicts the test rows and reports how far off the guesses are (RMSE, MAE) "
            "and how much of the variation they explain (R²).",
        )
    else:
        plan.add(
            "train",
            "train.random_forest",
            {"n_estimators": 100, "max_depth": 0, "seed": 42},
            "Train a model",
            "A random forest: many decision trees that each vote for a category; it "
            "works well without tuning.",
        )
        plan.add(
            "evaluate",
            "evaluate.classification",
            {},
            "Test the model",
            "Predicts the test rows and reports how often the model is right, with a "
            "confusion matrix of what it mixes up.",
        )
    plan.connect(*train_rows, "train", "train")
    plan.connect("train", "model", "evaluate", "model")
    plan.connect(*test_rows, "evaluate", "test")


def _prepare_params(prepared: _Preparation) -> dict[str, Any]:
    return {
        "drop_columns": prepared.drop,
        "impute": "median",
        "scale": "none",
        "one_hot": bool(prepared.encode),
    }


def _prepare_sentence(prepared: _Preparation) -> str:
    parts = []
    if prepared.drop:
        parts.append(f"drops {_names(prepared.drop)} (ids, dates or free text teach nothing)")
    if prepared.fill:
        parts.append(f"fills empty cells in {_names(prepared.fill)}")
    if prepared.encode:
        parts.append(f"turns the text in {_names(prepared.encode)} into numbers")
    return "Gets the columns ready for the model: " + "; ".join(parts) + "."


def _names(names: list[str], limit: int = 4) -> str:
    shown = ", ".join(f"“{n}”" for n in names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def _notes(rows: int, stratify: bool, task: str) -> tuple[str, ...]:
    notes = []
    if rows < 50:
        notes.append(f"The table has only {rows} rows; scores on so few test rows vary a lot.")
    if task == "classification" and not stratify:
        notes.append(
            "Keep class proportions is off: some categories have few rows. Turn it on in the "
            "split block if every category has at least 2 rows."
        )
    return tuple(notes)
