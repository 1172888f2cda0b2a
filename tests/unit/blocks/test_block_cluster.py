"""K-means and its evaluation: groups that match known species, clear errors, deployable."""

from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import joblib
import numpy as np
import pandas as pd
import pytest
from kfp import dsl
from sklearn.datasets import make_blobs
from sklearn.metrics import silhouette_score

from blocks.base import CLASSIFIER, CLUSTERER, MODEL, TableSchema
from blocks.catalogue import get_block
from blocks.deploy.local_model import deploy_local_model
from blocks.evaluate.clustering import evaluate_clustering
from blocks.runtime import clustering
from blocks.runtime.clustering import (
    assign_clusters,
    clustering_scores,
    fit_kmeans,
    summary_line,
)
from blocks.runtime.model_registry import list_models, model_task, predict, register
from blocks.runtime.sklearn_data import load_sample
from blocks.runtime.table_file import read_table_file
from blocks.runtime.tables import Table
from blocks.runtime.training import fit
from blocks.train import kmeans
from tests.fixtures.models import publish_bundles


@pytest.mark.parametrize(
    ("data", "n_clusters", "scale", "silhouette", "agreement"),
    [
        ("iris", 3, True, 0.3, 0.4),
        ("iris", 3, False, 0.3, 0.4),
        ("wine", 3, True, 0.2, 0.8),  # unscaled, proline (in the hundreds) decides alone
        ("breast_cancer", 2, True, 0.3, 0.5),
    ],
)
def test_groups_match_known_classes(
    data: str, n_clusters: int, scale: bool, silhouette: float, agreement: float
) -> None:
    table = load_sample(data)
    model, facts = fit_kmeans(table, n_clusters, scale, 0)
    assert [name for name, _ in model.steps] == (["standardscaler"] if scale else []) + ["kmeans"]
    assert facts["feature_columns"] == list(table.features.columns)  # the target is not used
    assert (facts["task"], facts["unused_target"], facts["n_clusters"]) == (
        "clustering",
        table.target,
        n_clusters,
    )
    scores = clustering_scores(model, table)
    assert scores["silhouette"] > silhouette and scores["adjusted_rand"] > agreement
    assert scores["n_clusters"] == n_clusters
    assert scores["smallest_cluster"] <= len(table.frame) / n_clusters <= scores["largest_cluster"]
    assert scores["inertia"] == pytest.approx(model[-1].inertia_)  # same rows as it learned
    assert summary_line(scores).startswith(f"{n_clusters} groups of ")


def test_clustered_rows_keep_target_and_gain_a_cluster(iris: Table) -> None:
    model, _ = fit_kmeans(iris, 4, True, 1)
    grouped = assign_clusters(model, iris)
    assert list(grouped.frame.columns) == [*iris.frame.columns, "cluster"]
    assert (grouped.target, grouped.task) == (iris.target, iris.task)
    assert grouped.frame["species"].equals(iris.frame["species"])
    assert sorted(grouped.frame["cluster"].unique()) == [0, 1, 2, 3]
    assert "cluster" not in iris.frame.columns  # the input is left alone
    assert kmeans.CLUSTER_COLUMN == clustering.CLUSTER_COLUMN


def test_scores_without_a_target_or_with_gaps_in_it(iris: Table) -> None:
    model, _ = fit_kmeans(iris, 3, True, 0)
    assert "adjusted_rand" not in clustering_scores(model, Table(iris.features))
    gappy = iris.frame.astype({"species": object})
    gappy.loc[::10, "species"] = np.nan
    scores = clustering_scores(model, Table(gappy, "species", "classification"))
    assert scores["adjusted_rand"] > 0.4


def test_silhouette_uses_a_fixed_sample_of_large_tables(monkeypatch: pytest.MonkeyPatch) -> None:
    points, _ = make_blobs(n_samples=600, centers=3, random_state=0)
    table = Table(pd.DataFrame(points, columns=["a", "b"]))
    model, _ = fit_kmeans(table, 3, False, 0)
    full = silhouette_score(points, model.predict(table.frame))
    assert clustering_scores(model, table)["silhouette"] == pytest.approx(full)
    monkeypatch.setattr(clustering, "SILHOUETTE_ROWS", 100)
    sampled = [clustering_scores(model, table)["silhouette"] for _ in range(2)]
    assert sampled[0] == sampled[1] != pytest.approx(full, abs=1e-9)
    assert sampled[0] == pytest.approx(full, abs=0.1)


@pytest.fixture(scope="module")
def raw_pets(fixtures_dir: Path) -> Table:
    return read_table_file(str(fixtures_dir / "pets.csv"), "auto", "species")


@pytest.mark.parametrize(
    ("data", "n_clusters", "words"),
    [
        ("raw_pets", 2, "'name', 'color' hold text; add a \"Prepare columns\" block"),
        ("pets_numbers", 2, "empty cells, found in column\\(s\\) 'age' \\(3 empty\\)"),
        ("only_target", 2, "needs at least one column besides the target"),
        ("no_rows", 2, "got a table with no rows"),
        ("two_rows", 3, "cannot make 3 groups from 2 different row\\(s\\)"),
        ("has_cluster", 2, "adds a 'cluster' column, and the table already has one"),
    ],
)
def test_clear_errors(raw_pets: Table, data: str, n_clusters: int, words: str) -> None:
    numbers = pd.DataFrame({"x": [1.0, 2.0, 1.0], "y": [0, 1, 0]})
    tables = {
        "raw_pets": raw_pets,
        "pets_numbers": Table(raw_pets.frame[["age", "weight", "species"]], "species"),
        "only_target": Table(numbers[["y"]], "y"),
        "no_rows": Table(numbers.head(0), "y"),
        "two_rows": Table(numbers, "y"),
        "has_cluster": Table(numbers.rename(columns={"x": "cluster"})),
    }
    with pytest.raises(ValueError, match=words):
        fit_kmeans(tables[data], n_clusters, True, 0)


@pytest.mark.parametrize(
    ("case", "words"),
    [
        ("classifier", "predicts a target, not groups: use Evaluate classification"),
        ("missing_column", "lacks column\\(s\\) the model grouped by: 'petal width \\(cm\\)'"),
        ("text_column", "'sepal length \\(cm\\)' hold text"),
    ],
)
def test_evaluation_errors(iris: Table, case: str, words: str) -> None:
    model, _ = fit_kmeans(iris, 3, True, 0)
    frame = iris.frame
    inputs = {
        "classifier": (fit(iris, "logistic_regression", {"C": 1.0, "max_iter": 500})[0], iris),
        "missing_column": (model, Table(frame.drop(columns=["petal width (cm)"]), "species")),
        "text_column": (model, Table(frame.astype({"sepal length (cm)": str}), "species")),
    }
    with pytest.raises(ValueError, match=words):
        clustering_scores(*inputs[case])


WITH_TARGET = TableSchema(("a", "b", "y"), "y", "classification")


@pytest.mark.parametrize(
    ("schema", "output", "words"),
    [
        (WITH_TARGET, TableSchema(("a", "b", "y", "cluster"), "y", "classification"), None),
        (TableSchema(("a",)), TableSchema(("a", "cluster")), None),
        (None, None, None),
        (TableSchema(("y",), "y"), TableSchema(("y", "cluster"), "y"), "besides the target"),
        (
            TableSchema(("y",), "y", "regression", columns_known=False),
            TableSchema(("y", "cluster"), "y", "regression", columns_known=False),
            None,
        ),
        (TableSchema(("a", "cluster")), TableSchema(("a", "cluster", "cluster")), "already has"),
    ],
)
def test_infer(schema: TableSchema | None, output: TableSchema | None, words: str | None) -> None:
    block = get_block("train.kmeans")
    assert block is not None and block.infer is not None
    result = block.infer(block.params(), {"data": schema})
    assert result.outputs == {"clustered": output}
    assert [p.param for p in result.problems] == ([""] if words else [])
    if words:
        assert words in result.problems[0].message


def test_clusterer_port_type() -> None:
    assert MODEL.accepts(CLUSTERER) and CLUSTERER.accepts(CLUSTERER)
    assert not CLASSIFIER.accepts(CLUSTERER) and not CLUSTERER.accepts(CLASSIFIER)
    deploy = get_block("deploy.local_model")
    assert deploy is not None and deploy.input("model").type.accepts(CLUSTERER)  # type: ignore[union-attr]


def test_components(
    iris: Table,
    dataset: Callable[[Table, str], dsl.Dataset],
    artifact: Callable[..., dsl.Artifact],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    block = get_block("train.kmeans")
    assert block is not None
    model, grouped = artifact(dsl.Model, "model"), artifact(dsl.Dataset, "clustered")
    block.function(
        data=dataset(iris, "data"), model=model, clustered=grouped, **block.params().model_dump()
    )
    assert model.metadata["task"] == "clustering" and model.metadata["target"] == ""
    assert grouped.metadata["columns"][-1] == "cluster" and grouped.metadata["target"] == "species"
    metrics = artifact(dsl.Metrics, "metrics")
    evaluate_clustering(model, grouped, metrics)
    assert {"silhouette", "n_clusters", "smallest_cluster", "largest_cluster", "inertia"} < set(
        metrics.metadata
    )
    assert metrics.metadata["adjusted_rand"] > 0.4
    monkeypatch.setenv("DESIGNER_HOME", str(tmp_path / "home"))
    deployment = artifact(dsl.Artifact, "deployment")
    deploy_local_model(model, deployment, "iris-groups", "", None)
    assert deployment.metadata["task"] == "clustering"
    [published] = publish_bundles(tmp_path / "home" / "models", tmp_path)
    assert published.version == 1


@pytest.mark.parametrize(
    ("kind", "task"),
    [("kmeans", "clustering"), ("logistic_regression", "classification"), ("linear", "regression")],
)
def test_registry_predicts_cluster_numbers(
    iris: Table, diabetes: Table, tmp_path: Path, kind: str, task: str
) -> None:
    trained = {
        "kmeans": lambda: fit_kmeans(iris, 3, True, 0)[0],
        "logistic_regression": lambda: fit(
            iris, "logistic_regression", {"C": 1.0, "max_iter": 500}
        )[0],
        "linear": lambda: fit(diabetes, "linear_regression", {"alpha": 0.0})[0],
    }[kind]()
    assert model_task(trained) == task
    joblib.dump(trained, tmp_path / "model.joblib")
    info = register(tmp_path / "models", "m", tmp_path / "model.joblib")  # task read from the file
    assert info["task"] == task
    if kind == "kmeans":
        rows = iris.features.sample(10, random_state=0)
        answers = predict(tmp_path / "models", "m", rows)
        assert answers == trained.predict(rows).tolist()
        assert all(isinstance(a, int) and 0 <= a < 3 for a in answers)


class Outputs(NamedTuple):
    metrics: dsl.Metrics
    clustered: dsl.Dataset


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore:You may be attemping to run a task:RuntimeWarning")
def test_cluster_evaluate_and_deploy_in_kfp_local(
    local_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from blocks.runtime.tables import read_table

    monkeypatch.setenv("DESIGNER_HOME", str(tmp_path / "home"))
    load, group, evaluate, deploy = (
        get_block(i).component()  # type: ignore[union-attr]
        for i in (
            "load.sklearn_dataset",
            "train.kmeans",
            "evaluate.clustering",
            "deploy.local_model",
        )
    )

    @dsl.pipeline(name="kmeans-local")
    def pipeline() -> Outputs:
        data = load(dataset="iris").outputs["data"]
        grouped = group(data=data, n_clusters=3, scale=True, seed=0)
        scored = evaluate(model=grouped.outputs["model"], data=grouped.outputs["clustered"])
        deploy(model=grouped.outputs["model"], model_name="iris-groups", description="")
        return Outputs(metrics=scored.outputs["metrics"], clustered=grouped.outputs["clustered"])

    outputs = pipeline().outputs
    scores = outputs["metrics"].metadata
    assert scores["silhouette"] > 0.3 and scores["adjusted_rand"] > 0.4
    assert scores["n_clusters"] == 3
    clustered = read_table(outputs["clustered"].path)
    assert clustered.target == "species" and "cluster" in clustered.frame.columns
    publish_bundles(tmp_path / "home" / "models", local_root)
    [info] = list_models(tmp_path / "home" / "models")
    assert info["task"] == "clustering"
    rows = pd.DataFrame(
        [[5.1, 3.5, 1.4, 0.2], [6.7, 3.0, 5.2, 2.3]], columns=info["feature_columns"]
    )
    answers = predict(tmp_path / "home" / "models", "iris-groups", rows)
    assert len(set(answers)) == 2 and all(0 <= a < 3 for a in answers)
