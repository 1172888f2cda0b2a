"""Prepare columns: fitted on training rows only, text one-hot encoded, target untouched."""

from collections.abc import Callable
from pathlib import Path

import joblib
import pandas as pd
import pytest
from kfp import dsl

from blocks.base import TableSchema
from blocks.preprocess.prepare_columns import Params, infer, prepare_columns
from blocks.runtime.preparation import prepare_tables
from blocks.runtime.splitting import split_table
from blocks.runtime.table_file import read_table_file
from blocks.runtime.tables import Table, read_table, text_columns

PETS_COLUMNS = ("name", "age", "weight", "color", "indoor", "species")
PETS = TableSchema(PETS_COLUMNS, "species", "classification")


@pytest.fixture(scope="module")
def pets(fixtures_dir: Path) -> tuple[Table, Table]:
    table = read_table_file(str(fixtures_dir / "pets.csv"), "auto", "species")
    return split_table(table, 0.25, 0, True)


def test_defaults_give_a_numeric_table_without_gaps(pets: tuple[Table, Table]) -> None:
    prepared = prepare_tables(*pets, ["name"], "median", "none", True)
    for table in (prepared.train, prepared.test):
        features = table.features
        assert not text_columns(features) and not features.isna().any().any()
        assert table.target == "species" and table.task == "classification"
        assert set(table.frame["species"]) <= {"cat", "dog"}
    assert prepared.input_columns == ["age", "weight", "color", "indoor"]
    assert {"color_black", "color_white", "indoor"} <= set(prepared.output_columns)
    assert "name" not in prepared.train.frame.columns


def test_fitted_on_training_rows_only(pets: tuple[Table, Table]) -> None:
    train, test = pets
    extreme = Table(test.frame.assign(weight=test.frame["weight"] * 1000), "species")
    prepared = prepare_tables(train, extreme, ["name"], "mean", "standard", True)
    numbers = prepared.preprocessor.named_transformers_["numbers"]
    learned = train.frame[["age", "weight", "indoor"]].astype(float).mean()
    assert numbers["impute"].statistics_ == pytest.approx(learned)
    assert numbers["scale"].mean_[1] == pytest.approx(train.frame["weight"].mean())
    assert prepared.train.frame["weight"].abs().max() < 5
    assert prepared.test.frame["weight"].abs().min() > 5


def test_unknown_category_becomes_zeros(pets: tuple[Table, Table]) -> None:
    train, test = pets
    odd = Table(test.frame.assign(color="purple"), "species")
    prepared = prepare_tables(train, odd, ["name"], "median", "minmax", True)
    color = [c for c in prepared.output_columns if c.startswith("color_")]
    assert (prepared.test.frame[color] == 0).all().all()
    assert prepared.train.frame["age"].agg(["min", "max"]).tolist() == pytest.approx([0, 1])


def test_without_one_hot_text_stays_text(pets: tuple[Table, Table]) -> None:
    prepared = prepare_tables(*pets, [], "none", "none", False)
    assert prepared.output_columns == ["age", "weight", "indoor", "name", "color"]
    assert prepared.train.frame["age"].isna().any()


@pytest.mark.parametrize(
    ("drop", "impute", "scale", "words"),
    [
        (["species"], "median", "none", "it is the target column"),
        (["colour"], "median", "none", "'colour' not found; the table has: name, age"),
        (["name", "age", "weight", "color", "indoor"], "median", "none", "no columns left"),
        ([], "zero", "none", "choose one of: none, mean, median, most_frequent"),
        ([], "median", "log", "choose one of: none, standard, minmax"),
    ],
)
def test_clear_errors(
    pets: tuple[Table, Table], drop: list[str], impute: str, scale: str, words: str
) -> None:
    with pytest.raises(ValueError, match=words):
        prepare_tables(*pets, drop, impute, scale, True)


def test_test_table_must_have_the_training_columns(pets: tuple[Table, Table]) -> None:
    train, test = pets
    short = Table(test.frame.drop(columns=["weight"]), "species")
    with pytest.raises(ValueError, match="test table lacks column\\(s\\) 'weight'"):
        prepare_tables(train, short, [], "median", "none", True)


@pytest.mark.parametrize(
    ("params", "problems", "columns_known", "columns"),
    [
        (Params(drop_columns=["name"], one_hot=False), [], True, PETS_COLUMNS[1:]),
        (Params(drop_columns=["name"]), [], False, PETS_COLUMNS[1:]),
        (Params(drop_columns=["nom"]), ["'nom' not found; the table has: name, age"], False, None),
        (Params(drop_columns=["species"]), ["target column and cannot be dropped"], False, None),
    ],
)
def test_infer(
    params: Params, problems: list[str], columns_known: bool, columns: tuple[str, ...] | None
) -> None:
    result = infer(params, {"train": PETS, "test": PETS})
    assert [p.param for p in result.problems] == ["drop_columns"] * len(problems)
    for problem, words in zip(result.problems, problems, strict=True):
        assert words in problem.message
    for name in ("prepared_train", "prepared_test"):
        schema = result.outputs[name]
        assert schema is not None
        assert (schema.target, schema.task, schema.columns_known) == (
            "species",
            "classification",
            columns_known,
        )
        if columns is not None:
            assert schema.columns == columns


def test_infer_after_one_hot_skips_column_checks() -> None:
    unknown = TableSchema(("species",), "species", "classification", columns_known=False)
    result = infer(Params(drop_columns=["anything"]), {"train": unknown, "test": unknown})
    assert not result.problems


def test_component(
    pets: tuple[Table, Table],
    dataset: Callable[[Table, str], dsl.Dataset],
    artifact: Callable[..., dsl.Artifact],
) -> None:
    outputs = [artifact(dsl.Dataset, "prepared_train"), artifact(dsl.Dataset, "prepared_test")]
    preprocessor = artifact(dsl.Model, "preprocessor")
    train, test = dataset(pets[0], "train"), dataset(pets[1], "test")
    prepare_columns(train, test, *outputs, preprocessor, ["name"], "median", "standard", True)
    fitted = joblib.load(preprocessor.path)
    raw = pd.DataFrame([{"age": 3.0, "weight": 4.0, "color": "black", "indoor": True}])
    assert list(fitted.transform(raw).columns) == preprocessor.metadata["output_columns"]
    assert preprocessor.metadata["input_columns"] == ["age", "weight", "color", "indoor"]
    assert read_table(outputs[1].path).target == "species"
