"""A Katib trial scores one setting exactly as the in-block search does; a local run asked to
search on Katib searches in the block and says why."""

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from kfp import dsl
from minio import Minio
from sklearn.model_selection import GridSearchCV

from blocks.catalogue import get_block
from blocks.runtime import katib_trial
from blocks.runtime.tables import Table, write_table
from blocks.runtime.tuning import KATIB_HERE_NOTE, base_estimator, checked, tune
from designer.settings import StorageSettings
from tests.fixtures.object_stores import s3_server, s3_settings

__all__ = ["s3_server", "s3_settings"]


@pytest.fixture
def storage(
    s3_settings: StorageSettings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[Callable[[Table], str]]:
    """The pod's storage variables set; returns a function that puts a table in the bucket."""
    client = Minio(
        s3_settings.endpoint,
        access_key=s3_settings.access_key,
        secret_key=s3_settings.secret_key,
        secure=False,
    )
    client.make_bucket(s3_settings.bucket)
    monkeypatch.setenv("DESIGNER_S3_ENDPOINT", s3_settings.endpoint)
    monkeypatch.setenv("DESIGNER_S3_ACCESS_KEY", s3_settings.access_key or "")
    monkeypatch.setenv("DESIGNER_S3_SECRET_KEY", s3_settings.secret_key or "")

    def put(table: Table) -> str:
        path = tmp_path / "train.parquet"
        write_table(table, str(path))
        client.fput_object(s3_settings.bucket, "run/tune/katib/train.parquet", str(path))
        return f"s3://{s3_settings.bucket}/run/tune/katib/train.parquet"

    yield put


def trial_args(table_uri: str, estimator: str, scoring: str, *params: str) -> list[str]:
    results = table_uri.rsplit("/", 1)[0] + "/trials"
    args = ["--table", table_uri, "--results", results, "--trial", "tune-abc-x7k2m9qz"]
    args += ["--estimator", estimator, "--search", "grid", "--scoring", scoring]
    args += ["--folds", "4", "--seed", "7"]
    for param in params:
        args += ["--param", param]
    return args


def result_of(table_uri: str) -> dict:
    from blocks.runtime import pod_storage

    folder = table_uri.rsplit("/", 1)[0]
    return pod_storage.read_json(f"{folder}/trials/tune-abc-x7k2m9qz.json")


@pytest.mark.parametrize(
    ("estimator", "data", "scoring", "params", "grid_params"),
    [
        (
            "random_forest",
            "iris_split",
            "accuracy",
            ("n_estimators=50", "max_depth=0"),
            {"n_estimators": 50, "max_depth": None},
        ),
        ("linear_regression", "diabetes_split", "rmse", ("alpha=10.0",), {"alpha": 10.0}),
    ],
)
def test_a_trial_scores_as_the_grid_search_does(
    request: pytest.FixtureRequest,
    storage: Callable[[Table], str],
    capsys: pytest.CaptureFixture[str],
    estimator: str,
    data: str,
    scoring: str,
    params: tuple[str, ...],
    grid_params: dict,
) -> None:
    train: Table = request.getfixturevalue(data)[0]
    uri = storage(train)
    assert katib_trial.main(trial_args(uri, estimator, scoring, *params)) == 0
    lines = capsys.readouterr().out.splitlines()
    score_lines = [line for line in lines if line.startswith("score=")]
    assert len(score_lines) == 1  # Katib keeps the best of all score= lines: print one

    problem = checked(train, estimator, scoring, 4, 7)
    search = GridSearchCV(
        base_estimator(estimator, 7),
        {k: [v] for k, v in grid_params.items()},
        scoring=problem.scorer,
        cv=problem.splitter(),
    ).fit(problem.features, problem.labels)
    expected = float(search.cv_results_["mean_test_score"][0])
    expected = -expected if problem.negated else expected  # errors are shown positive
    assert float(score_lines[0].removeprefix("score=")) == expected
    report = result_of(uri)
    assert report["score"] == expected and report["error"] == ""
    assert report["std"] == float(search.cv_results_["std_test_score"][0])
    assert report["params"] == {k: 0 if v is None else v for k, v in grid_params.items()}


@pytest.mark.parametrize(
    ("params", "words"),
    [
        (("n_estimators=51", "max_depth=0"), "n_estimators='51' is not one of 50, 100, 200"),
        (("n_estimators=50",), "left out max_depth"),
        (("n_estimators",), "is not name=value"),
    ],
)
def test_a_bad_setting_fails_the_trial_saying_why(
    iris_split: tuple[Table, Table],
    storage: Callable[[Table], str],
    capsys: pytest.CaptureFixture[str],
    params: tuple[str, ...],
    words: str,
) -> None:
    uri = storage(iris_split[0])
    assert katib_trial.main(trial_args(uri, "random_forest", "accuracy", *params)) == 1
    out = capsys.readouterr()
    assert "score=" not in out.out
    assert words in out.err
    assert words in result_of(uri)["error"]


def test_a_missing_table_fails_the_trial_saying_why(
    storage: Callable[[Table], str], s3_settings: StorageSettings
) -> None:
    uri = f"s3://{s3_settings.bucket}/run/tune/katib/train.parquet"  # never put there
    code = katib_trial.main(trial_args(uri, "random_forest", "accuracy", "n_estimators=50",
                                       "max_depth=3"))  # fmt: skip
    assert code == 1
    assert "NoSuchKey" in result_of(uri)["error"]


def test_a_trial_name_must_be_one(storage: Callable[[Table], str], iris: Table) -> None:
    args = trial_args(storage(iris), "random_forest", "accuracy", "n_estimators=50", "max_depth=0")
    args[args.index("--trial") + 1] = "../../other"
    assert katib_trial.main(args) == 2


def test_a_local_run_asked_for_katib_searches_here(
    iris_split: tuple[Table, Table],
    dataset: Callable[[Table, str], dsl.Dataset],
    artifact: Callable[..., dsl.Artifact],
    capsys: pytest.CaptureFixture[str],
) -> None:
    block = get_block("train.tune_classifier")
    assert block is not None
    assert block.params_schema()["properties"]["search_on"]["enum"] == ["here", "katib"]
    assert block.params().search_on == "here"
    model, search = artifact(dsl.Model, "model"), artifact(dsl.Metrics, "search")
    params = block.params(algorithm="logistic_regression", folds=3, search_on="katib")
    block.function(
        train=dataset(iris_split[0], "train"), model=model, search=search, **params.model_dump()
    )
    out = capsys.readouterr().out
    assert out.splitlines()[0] == KATIB_HERE_NOTE
    here = tune(iris_split[0], "logistic_regression", "grid", 3, 10, "accuracy", 42)
    assert model.metadata["best_params"] == here.metadata["best_params"]
    assert search.metadata == here.metrics
    assert json.dumps(model.metadata, default=str)  # metadata stays plain JSON
