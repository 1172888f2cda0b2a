"""The Katib Experiment of a tuning block: what Katib's webhooks admit, and the search space."""

import copy
import itertools
import math
from typing import Any

import pytest

from blocks.runtime import katib_search, pod_storage
from blocks.runtime.katib_experiment import (
    CONTAINER,
    PARALLEL_TRIALS,
    SearchSpec,
    TrialSetup,
    assignments,
    dimensions,
    experiment_body,
    trial_count,
)
from blocks.runtime.training import ESTIMATORS
from blocks.runtime.tuning import GRIDS, SCORINGS, block_value
from designer.flow.cluster import ClusterTarget
from designer.settings import STORAGE_SECRET_KEYS
from tests.fixtures.k8s_api import StatusError
from tests.fixtures.k8s_katib_api import (
    admit,
    decoding_errors,
    job_errors,
    unknown_fields,
    validation_errors,
    with_defaults,
)

SETUP = TrialSetup(
    image="designer-blocks:0.1.0",
    table_uri="s3://designer/kfp/iris/run-1/tune/a1b2/katib/train.parquet",
    results_uri="s3://designer/kfp/iris/run-1/tune/a1b2/katib/trials",
    secret="designer-storage",
    env={"DESIGNER_S3_ENDPOINT": "minio.kubeflow:9000", "DESIGNER_S3_SECURE": "false"},
    secret_keys=dict(pod_storage.SECRET_KEYS),
)
#: Every model with a score it offers, each by both searches.
CASES = [
    (estimator, search, next(n for n, s in SCORINGS.items() if s[0] == ESTIMATORS[estimator][0]))
    for estimator, search in itertools.product(ESTIMATORS, ("grid", "random"))
]


def body(estimator: str = "random_forest", search: str = "grid", scoring: str = "accuracy"):
    spec = SearchSpec(estimator, search, candidates=7, scoring=scoring, folds=5, seed=42)
    return experiment_body("tune-0123456789ab", spec, SETUP)


@pytest.mark.parametrize(("estimator", "search", "scoring"), CASES)
def test_katib_admits_every_search(estimator: str, search: str, scoring: str) -> None:
    sent = body(estimator, search, scoring)
    assert decoding_errors(sent) == []
    assert unknown_fields(sent) == []  # Katib would drop a misspelt field without a word
    assert job_errors(sent["spec"]["trialTemplate"]["trialSpec"]) == []
    assert validation_errors(with_defaults(sent)) == []
    admitted = admit(sent)
    assert admitted["spec"]["objective"]["metricStrategies"] == [{"name": "score", "value": "max"}]


def test_the_grid_is_the_in_block_grid() -> None:
    sent = body("random_forest", "grid")["spec"]
    assert sent["algorithm"] == {
        "algorithmName": "grid",
        "algorithmSettings": [{"name": "random_state", "value": "42"}],
    }
    assert sent["maxTrialCount"] == 9 == math.prod(map(len, GRIDS["random_forest"].values()))
    assert sent["parallelTrialCount"] == PARALLEL_TRIALS
    assert sent["parameters"] == [
        {
            "name": "n_estimators",
            "parameterType": "discrete",
            "feasibleSpace": {"list": ["50", "100", "200"]},
        },
        # No depth limit is 0, as the trainers take it.
        {
            "name": "max_depth",
            "parameterType": "discrete",
            "feasibleSpace": {"list": ["0", "3", "6"]},
        },
    ]


def test_random_ranges_keep_their_scale() -> None:
    sent = body("gradient_boosting", "random")["spec"]
    assert sent["maxTrialCount"] == 7
    spaces = {p["name"]: (p["parameterType"], p["feasibleSpace"]) for p in sent["parameters"]}
    assert spaces == {
        "n_estimators": ("int", {"min": "20", "max": "300"}),  # randint's top is exclusive
        "learning_rate": ("double", {"min": "0.01", "max": "0.5", "distribution": "logUniform"}),
        "max_depth": ("int", {"min": "1", "max": "5"}),
    }


@pytest.mark.parametrize(("scoring", "goal"), [("r2", "maximize"), ("rmse", "minimize")])
def test_errors_are_minimised(scoring: str, goal: str) -> None:
    assert body("linear_regression", "grid", scoring)["spec"]["objective"] == {
        "type": goal,
        "objectiveMetricName": "score",
    }


def test_the_trial_pod_gets_storage_keys_only_from_the_secret() -> None:
    job = body()["spec"]["trialTemplate"]["trialSpec"]
    [container] = job["spec"]["template"]["spec"]["containers"]
    assert container["name"] == CONTAINER and container["image"] == SETUP.image
    assert container["command"] == ["python3", "-m", "blocks.runtime.katib_trial"]
    env = {e["name"]: e for e in container["env"]}
    assert env["DESIGNER_S3_ACCESS_KEY"]["valueFrom"] == {
        "secretKeyRef": {"name": "designer-storage", "key": "access_key"}
    }
    assert env["DESIGNER_S3_ENDPOINT"]["value"] == "minio.kubeflow:9000"
    assert job["spec"]["backoffLimit"] == 0
    args = container["args"]
    assert args[args.index("--trial") + 1] == "${trialParameters.trialName}"
    assert "max_depth=${trialParameters.max_depth}" in args


def test_names_the_designer_and_its_pods_share() -> None:
    """The block's pod finds the Secret's keys and the image under the names the compiled
    pipeline gives them."""
    assert pod_storage.SECRET_KEYS == STORAGE_SECRET_KEYS
    target = ClusterTarget(
        bucket="b", endpoint="minio:9000", secure=False, region=None, secret="s",
        pipeline_root="s3://b/kfp", image="designer-blocks:9",
    )  # fmt: skip
    env = target.environment()
    assert env[katib_search.IMAGE_VAR] == "designer-blocks:9"
    assert env[katib_search.SECRET_VAR] == "s"


@pytest.mark.parametrize(("estimator", "search", "scoring"), CASES)
def test_every_value_katib_can_assign_reads_back(estimator: str, search: str, scoring: str) -> None:
    """Katib hands values back as text; each becomes the trainers' own value again."""
    for dimension in dimensions(estimator, search):
        if dimension.kind == "discrete":
            texts = dimension.parameter()["feasibleSpace"]["list"]
            assert [dimension.value(t) for t in texts] == list(dimension.values)
        else:
            low, high = dimension.low, dimension.high
            assert dimension.value(str(low)) == low and dimension.value(str(high)) == high
    if search == "grid":
        for combination in itertools.product(*GRIDS[estimator].values()):
            given = [
                {"name": n, "value": str(block_value(v))}
                for n, v in zip(GRIDS[estimator], combination, strict=True)
            ]
            read = assignments(estimator, search, given)
            assert read == {
                n: block_value(v) for n, v in zip(GRIDS[estimator], combination, strict=True)
            }


@pytest.mark.parametrize(
    ("given", "words"),
    [
        ([{"name": "n_estimators", "value": "50"}], "left out max_depth"),
        (
            [{"name": "n_estimators", "value": "51"}, {"name": "max_depth", "value": "0"}],
            "n_estimators='51' is not one of 50, 100, 200",
        ),
        (
            [
                {"name": "n_estimators", "value": "50"},
                {"name": "max_depth", "value": "3"},
                {"name": "oops", "value": "1"},
            ],
            "Katib assigned oops",
        ),
    ],
)
def test_assignments_outside_the_space_are_refused(given: list[dict], words: str) -> None:
    with pytest.raises(ValueError, match=words):
        assignments("random_forest", "grid", given)


@pytest.mark.parametrize(
    ("raw", "words"),
    [("0.001", "outside"), ("nan", "outside"), ("57.5", "not a whole number")],
)
def test_range_values_are_checked(raw: str, words: str) -> None:
    [trees, *_] = dimensions("random_forest", "random")
    with pytest.raises(ValueError, match=words):
        trees.value(raw)


def test_grid_trial_count() -> None:
    assert trial_count("logistic_regression", "grid", 99) == len(GRIDS["logistic_regression"]["C"])
    assert trial_count("logistic_regression", "random", 12) == 12


def test_an_address_a_shell_would_split_is_refused() -> None:
    spec = SearchSpec("random_forest", "grid", 1, "accuracy", 5, 0)
    setup = TrialSetup(**{**SETUP.__dict__, "table_uri": "s3://b/my flow/train.parquet"})
    with pytest.raises(ValueError, match="cannot be passed to a Katib trial"):
        experiment_body("tune-x", spec, setup)


def _set(path: str, value: Any) -> Any:
    def change(sent: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node = sent
        for part in parents:
            node = node[int(part)] if part.isdigit() else node[part]
        node[last] = value

    return change


def _job_container(sent: dict[str, Any]) -> dict[str, Any]:
    return sent["spec"]["trialTemplate"]["trialSpec"]["spec"]["template"]["spec"]["containers"][0]


@pytest.mark.parametrize(
    ("change", "code", "words"),
    [
        (_set("spec.parallelTrialCount", 20), 403, "should be less than or equal to spec.maxTr"),
        (_set("spec.maxTrialCount", "9"), 400, "cannot unmarshal string into Go struct field"),
        (_set("spec.algorithm.algorithmName", "gridd"), 403, "unable to get Suggestion config"),
        (_set("spec.objective.type", "max"), 403, "must be minimize or maximize"),
        (_set("metadata.name", "t" * 41), 403, "may not be longer than 40 characters"),
        (_set("spec.parameters.0.feasibleSpace.min", "1"), 403, "not supported for paramete"),
        (
            lambda sent: _job_container(sent)["args"].remove("${trialParameters.trialName}"),
            403,
            "parameter name: trialName in spec.trialParameters not found",
        ),
        (
            lambda sent: _job_container(sent).update(imagePullPolicyy="Always"),
            403,
            "unable to convert: /spec/template/spec/containers/0/imagePullPolicyy",
        ),
        (
            lambda sent: _job_container(sent)["args"].append("${trialParameters.lr}"),
            403,
            "in spec.trialTemplate not found in spec.trialParameters",
        ),
    ],
)
def test_the_stand_in_refuses_what_katib_refuses(change: Any, code: int, words: str) -> None:
    sent = copy.deepcopy(body())
    change(sent)
    with pytest.raises(StatusError) as refused:
        admit(sent)
    assert refused.value.code == code
    assert words in refused.value.message


@pytest.mark.parametrize(("estimator", "data", "scoring"), [
    ("random_forest", "iris_split", "accuracy"),
    ("linear_regression", "diabetes_split", "mae"),
])  # fmt: skip
def test_trials_rank_as_the_in_block_search_ranks(
    request: pytest.FixtureRequest,
    capsys: pytest.CaptureFixture[str],
    estimator: str,
    data: str,
    scoring: str,
) -> None:
    """Whatever order Katib ran them in and whichever tied trial it calls best, the block
    keeps the setting the in-block grid search keeps, and ranks the rest the same way."""
    from blocks.runtime.tuning import checked, cross_validate, tune

    train = request.getfixturevalue(data)[0]
    here = tune(train, estimator, "grid", 3, 1, scoring, 5)
    problem = checked(train, estimator, scoring, 3, 5)
    results, assigned = {}, {}
    for place, candidate in enumerate(reversed(here.ranking)):  # Katib's order is its own
        scored = cross_validate(problem, candidate.params)
        trial = f"tune-x-{place:02d}"
        results[trial] = {"params": scored.params, "score": scored.score, "std": scored.std}
        assigned[trial] = [{"name": k, "value": str(v)} for k, v in scored.params.items()]
    best = here.ranking[0].score
    tied = [t for t, r in results.items() if r["score"] == best]
    status = {
        "succeededTrialList": sorted(results),
        "currentOptimalTrial": {
            "bestTrialName": tied[0],
            "parameterAssignments": assigned[tied[0]],
            "observation": {"metrics": [{"name": "score", "latest": repr(best)}]},
        },
    }
    spec = SearchSpec(estimator, "grid", 1, scoring, 3, 5)
    ranking = katib_search._ranking(problem, spec, status, results)
    assert [c.params for c in ranking] == [c.params for c in here.ranking]
    assert [c.score for c in ranking] == [c.score for c in here.ranking]
    if len(tied) > 1:
        assert "ties with" in capsys.readouterr().out
