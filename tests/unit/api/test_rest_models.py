"""The deployed-model endpoints: listing, one model, predictions, and every kind of bad input.

Who may call them is in test_rest_matrix.py; what each person sees is at the end. The models
are trained and registered for real (``tests/unit/api/deployed.py``); nothing is mocked.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from designer.store import Role, shares
from tests.unit.api import Scene, error_of, scene, template
from tests.unit.api.deployed import DIABETES_ROW, IRIS_ROW, PETS_ROW, deployed, models_home

__all__ = ["deployed", "models_home", "scene", "template"]

API = "/api/v1"
#: The sample's classes by name, as its table holds them.
IRIS_CLASSES = ["setosa", "versicolor", "virginica"]
VERSICOLOR = "versicolor"


def predict(scene: Scene, name: str, body: Any) -> Any:
    return scene.api.post(
        f"{API}/models/{name}/predict", json=body, headers=scene.headers("viewer")
    )


def test_the_list_shows_each_model_once_with_what_it_takes(scene: Scene, deployed: Path) -> None:
    answer = scene.api.get(f"{API}/models", headers=scene.headers("viewer"))

    assert answer.status_code == 200, answer.text
    models = {m["name"]: m for m in answer.json()["models"]}
    assert list(models) == ["diabetes", "iris", "pets"]
    iris = models["iris"]
    assert (iris["version"], iris["task"], iris["target"]) == (2, "classification", "target")
    assert iris["description"] == "Which iris it is" and iris["created"]
    assert [v["version"] for v in iris["versions"]] == [2, 1]
    assert iris["feature_columns"] == list(IRIS_ROW)
    assert {f["type"] for f in iris["features"]} == {"number"}
    color = next(f for f in models["pets"]["features"] if f["name"] == "color")
    assert color["type"] == "text" and color["choices"] == ["black", "brown", "grey", "white"]
    assert models["diabetes"]["task"] == "regression"
    assert iris["owner"] == {"username": "owner", "display_name": "Olive Owner"}
    # The server's folders are nobody's business.
    assert "path" not in answer.text and "source_uri" not in answer.text


def test_no_models_yet(scene: Scene, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DESIGNER_HOME", str(tmp_path / "empty"))

    answer = scene.api.get(f"{API}/models", headers=scene.headers("owner"))

    assert answer.json() == {"models": []}


def test_one_model_with_all_its_versions(scene: Scene, deployed: Path) -> None:
    answer = scene.api.get(f"{API}/models/iris", headers=scene.headers("owner"))

    assert answer.status_code == 200, answer.text
    model = answer.json()
    assert (model["name"], model["version"]) == ("iris", 2)
    assert [v["description"] for v in model["versions"]] == ["Which iris it is", "first try"]
    assert model["versions"][1]["features"] == model["features"]


@pytest.mark.parametrize(
    ("name", "body", "version", "predictions", "classes"),
    [
        ("iris", {"rows": [IRIS_ROW, IRIS_ROW]}, 2, [VERSICOLOR] * 2, IRIS_CLASSES),
        ("iris", {"rows": [IRIS_ROW], "version": 1}, 1, [VERSICOLOR], IRIS_CLASSES),
        (
            "iris",
            {"rows": [{k: str(v) for k, v in IRIS_ROW.items()}]},
            2,
            [VERSICOLOR],
            IRIS_CLASSES,
        ),
        ("pets", {"rows": [PETS_ROW, {**PETS_ROW, "weight": 31, "age": None}]}, 1, None, None),
        ("pets", {"rows": [{**PETS_ROW, "color": "tartan", "indoor": 0}]}, 1, None, None),
        ("diabetes", {"rows": [DIABETES_ROW], "version": None}, 1, None, []),
    ],
)
def test_predictions(
    scene: Scene,
    deployed: Path,
    name: str,
    body: dict[str, Any],
    version: int,
    predictions: list[Any] | None,
    classes: list[Any] | None,
) -> None:
    answer = predict(scene, name, body)

    assert answer.status_code == 200, answer.text
    result = answer.json()
    assert (result["model"], result["version"]) == (name, version)
    assert len(result["predictions"]) == len(body["rows"])
    if predictions is not None:
        assert result["predictions"] == predictions
    if classes == []:  # a regression: numbers, and no probabilities
        assert isinstance(result["predictions"][0], float) and "probabilities" not in result
        return
    assert classes is None or result["classes"] == classes
    for row in result["probabilities"]:
        assert len(row) == len(result["classes"]) and sum(row) == pytest.approx(1, abs=1e-5)


@pytest.mark.parametrize(
    ("rows", "notes"),
    [
        ([PETS_ROW], []),
        (
            [{**PETS_ROW, "color": "tartan"}],
            [
                "color: 'tartan' was not seen in training, so the model treats it as none of the "
                "values it knows (black, brown, grey, white); its answer rests on the other columns"
            ],
        ),
        (
            [PETS_ROW, {**PETS_ROW, "color": "Black"}, {**PETS_ROW, "color": None}],
            ["row 2, color: 'Black' was not seen in training"],
        ),
    ],
    ids=["known", "unseen", "unseen-in-row-2-of-3"],
)
def test_a_value_not_seen_in_training_is_answered_with_a_note(
    scene: Scene, deployed: Path, rows: list[dict[str, Any]], notes: list[str]
) -> None:
    answer = predict(scene, "pets", {"rows": rows})

    assert answer.status_code == 200, answer.text
    result = answer.json()
    assert len(result["predictions"]) == len(rows)
    if not notes:
        assert "notes" not in result and "unseen" not in result
        return
    assert [n[: len(want)] for n, want in zip(result["notes"], notes, strict=True)] == notes
    [unseen] = result["unseen"]
    assert (unseen["column"], unseen["known"]) == ("color", ["black", "brown", "grey", "white"])
    assert unseen["row"] == len(rows) - (len(rows) > 1) and unseen["known_count"] == 4


IRIS = "sepal length (cm), sepal width (cm), petal length (cm), petal width (cm)"
LARGE = {"rows": [IRIS_ROW] * 10_001}


@pytest.mark.parametrize(
    ("name", "body", "status", "code", "words"),
    [
        ("nope", {"rows": [IRIS_ROW]}, 404, "model_not_found", "deployed models: diabetes, iris"),
        ("Not%20A%20Name", {"rows": [IRIS_ROW]}, 404, "model_not_found", "'Not A Name'"),
        ("iris", {"rows": [IRIS_ROW], "version": 7}, 404, "model_version_not_found", "1, 2"),
        ("iris", {"rows": [IRIS_ROW], "version": 0}, 422, "invalid_request", "1 or more"),
        ("iris", {"rows": [IRIS_ROW], "version": "2"}, 422, "invalid_request", "whole number"),
        ("iris", {}, 422, "invalid_request", "'rows' is required"),
        ("iris", {"rows": {"a": 1}}, 422, "invalid_request", "'rows' is required"),
        ("iris", {"rows": []}, 422, "invalid_request", "at least one row"),
        ("iris", {"rows": [IRIS_ROW, [1, 2]]}, 422, "invalid_request", "row 2 must be an object"),
        ("iris", LARGE, 413, "too_many_rows", "at most 10000 rows"),
        ("iris", {"rows": [{"petal": 1}]}, 422, "invalid_rows", "unknown column(s) 'petal'"),
        ("iris", {"rows": [{"petal": 1}]}, 422, "invalid_rows", f"expects the columns {IRIS}"),
        ("pets", {"rows": [{**PETS_ROW, "age": "two"}]}, 422, "invalid_rows", "row 1, column"),
        ("pets", {"rows": [{**PETS_ROW, "age": {}}]}, 422, "invalid_rows", "found an object"),
        ("pets", {"rows": [{**PETS_ROW, "age": 1e300}]}, 422, "prediction_failed", "too large"),
        ("iris", [IRIS_ROW], 400, "bad_request", "must be a JSON object"),
    ],
)  # fmt: skip
@pytest.mark.filterwarnings("ignore:overflow encountered in cast:RuntimeWarning")
def test_bad_requests_are_answered_by_name(
    scene: Scene, deployed: Path, name: str, body: Any, status: int, code: str, words: str
) -> None:
    answer = predict(scene, name, body)

    assert answer.status_code == status, answer.text
    error = error_of(answer)
    assert error["code"] == code
    assert words in error["message"]
    assert str(deployed) not in answer.text  # no server folder in any message


def test_missing_columns_are_listed_with_the_expected_ones(scene: Scene, deployed: Path) -> None:
    row = {k: v for k, v in IRIS_ROW.items() if k != "petal width (cm)"}

    error = error_of(predict(scene, "iris", {"rows": [row]}))

    assert error["missing"] == ["petal width (cm)"] and error["unknown"] == []
    assert error["expected"] == list(IRIS_ROW)
    assert "missing column(s) 'petal width (cm)'" in error["message"]


@pytest.mark.parametrize("path", ["/models/nope", "/models/iris%00", "/models/" + "a" * 300])
def test_an_unknown_model_is_404(scene: Scene, deployed: Path, path: str) -> None:
    answer = scene.api.get(API + path, headers=scene.headers("owner"))

    assert answer.status_code == 404
    assert error_of(answer)["code"] == "model_not_found"


def test_a_body_too_large_is_refused_before_reading(scene: Scene, deployed: Path) -> None:
    answer = scene.api.post(
        f"{API}/models/iris/predict",
        content=b"{}",
        headers={
            **scene.headers("owner"),
            "Content-Type": "application/json",
            "Content-Length": str(64 * 1024 * 1024),
        },
    )

    assert answer.status_code == 413


# --- fuzzing the predict body ---------------------------------------------------------------

values = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text()
json_values = st.recursive(
    values,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children, max_size=3)
    ),
    max_leaves=12,
)
columns = st.sampled_from([*IRIS_ROW, *PETS_ROW, "species"]) | st.text(max_size=6)
rowish = st.dictionaries(columns, values | json_values, max_size=6)
bodies = st.fixed_dictionaries(
    {"rows": st.lists(rowish | json_values, max_size=4) | json_values},
    optional={"version": st.sampled_from([None, 1, 2, 3, 0, -1, "1", 1.5, True, 2**70])},
)


def _mutated(row: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    """Real rows with a value or two replaced: the model itself is often reached."""
    changes = st.dictionaries(st.sampled_from(list(row)), values, max_size=2)
    return changes.map(lambda changed: {**row, **changed})


#: (model, body) pairs whose rows have that model's columns.
fitting = st.sampled_from([("iris", IRIS_ROW), ("pets", PETS_ROW)]).flatmap(
    lambda pair: st.tuples(
        st.just(pair[0]),
        st.lists(_mutated(pair[1]), min_size=1, max_size=3).map(lambda rows: {"rows": rows}),
    )
)


def _json_bytes(value: Any) -> bytes:
    return json.dumps(value, allow_nan=True).encode("utf-8", "surrogatepass")


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    request=st.tuples(
        st.sampled_from(["iris", "pets"]),
        st.binary(max_size=200) | json_values.map(_json_bytes) | bodies.map(_json_bytes),
    )
    | fitting.map(lambda pair: (pair[0], _json_bytes(pair[1])))
)
@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_any_predict_body_never_fails_the_server(
    scene: Scene, deployed: Path, request: tuple[str, bytes]
) -> None:
    name, body = request
    answer = scene.api.post(
        f"{API}/models/{name}/predict",
        content=body,
        headers={**scene.headers("viewer"), "Content-Type": "application/json"},
    )

    event(f"answered {answer.status_code}")
    assert answer.status_code in (200, 400, 404, 413, 422), answer.text
    if answer.status_code >= 400:
        assert error_of(answer)["message"]


# --- who sees which model ---------------------------------------------------------------------


def _asks(scene: Scene, persona: str, name: str) -> list[Any]:
    headers = scene.headers(persona)  # type: ignore[arg-type]
    return [
        scene.api.get(f"{API}/models/{name}", headers=headers),
        scene.api.post(f"{API}/models/{name}/predict", json={"rows": [IRIS_ROW]}, headers=headers),
    ]


def test_a_stranger_cannot_tell_a_model_from_a_made_up_name(scene: Scene, deployed: Path) -> None:
    listed = scene.api.get(f"{API}/models", headers=scene.headers("stranger"))
    assert listed.json() == {"models": []}

    pairs = zip(_asks(scene, "stranger", "iris"), _asks(scene, "stranger", "irix"), strict=True)
    for real, made_up in pairs:
        assert real.status_code == made_up.status_code == 404
        assert error_of(real) == {
            **error_of(made_up),
            "message": error_of(made_up)["message"].replace("irix", "iris"),
        }
        assert "pets" not in real.text and "diabetes" not in real.text


def test_sharing_the_flow_shares_its_models(scene: Scene, deployed: Path) -> None:
    world = scene.world
    shares.share_with_user(world.engine, world.owner, scene.shared.id, "stranger", Role.VIEWER)

    listed = scene.api.get(f"{API}/models", headers=scene.headers("stranger"))

    assert [m["name"] for m in listed.json()["models"]] == ["diabetes", "iris", "pets"]
    assert [answer.status_code for answer in _asks(scene, "stranger", "iris")] == [200, 200]


def test_a_model_deployed_before_owners_is_for_admins(
    scene: Scene, models_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DESIGNER_HOME", str(models_home))  # and nobody claimed the names

    for persona, expected in (("owner", []), ("admin", ["diabetes", "iris", "pets"])):
        listed = scene.api.get(f"{API}/models", headers=scene.headers(persona))
        assert [m["name"] for m in listed.json()["models"]] == expected
    assert [a.status_code for a in _asks(scene, "owner", "pets")] == [404, 404]
    assert listed.json()["models"][0]["owner"] is None
