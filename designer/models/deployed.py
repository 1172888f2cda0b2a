"""The deployed models a person may see, and predictions from them: for the REST API and pages.

The model folder knows models; the store knows whose each is and who may see it
(``designer.store.models``). Every read goes through here, so a model someone may not see is
answered exactly as a model that does not exist: its name never leaks, not even in the list of
"deployed models" an unknown name's message offers.

A model deployed from a Kubeflow run is served by KServe on the cluster
(``designer.models.served``): with ``settings`` given, each such model's ``serving`` says where
it answers and whether it is ready, asked of the cluster now, and its predictions go there.
A model served here has ``serving`` None.
"""

from __future__ import annotations

import os
from typing import Any

from sqlalchemy import Engine

from blocks.runtime import model_registry as registry
from designer.models import served
from designer.settings import Settings
from designer.store.access import Actor
from designer.store.models import ModelOwner, visible_models


def list_models(
    engine: Engine,
    models_dir: str | os.PathLike[str],
    actor: Actor,
    settings: Settings | None = None,
) -> list[dict[str, Any]]:
    """The models ``actor`` may see, as ``model_registry.deployed_models`` lists them, each
    with its ``owner`` and ``serving`` (one request per namespace for those on the cluster)."""
    found = registry.deployed_models(models_dir)
    owners = visible_models(engine, actor, (m["name"] for m in found))
    shown = [{**m, "owner": owner_of(owners[m["name"]])} for m in found if m["name"] in owners]
    servings = [m["serving"] for m in shown if served.serving_of(m)]
    if servings:
        asked = served.statuses(settings, servings)
        for model in shown:
            serving = served.serving_of(model)
            if serving is not None:
                answer = asked[(str(serving["namespace"]), str(serving["inference_service"]))]
                model["serving"] = served.status_facts(serving, answer["status"], answer["problem"])
    return shown


def get_model(
    engine: Engine,
    models_dir: str | os.PathLike[str],
    actor: Actor,
    name: str,
    settings: Settings | None = None,
) -> dict[str, Any]:
    """One model with all its versions; ``ModelNotFound`` when ``actor`` may not see it."""
    owner = _visible(engine, models_dir, actor, name)
    try:
        model = {**registry.deployed_model(models_dir, name), "owner": owner_of(owner)}
    except registry.ModelNotFound:  # its name is claimed, but no version was registered
        raise _not_found(engine, models_dir, actor, name) from None
    serving = served.serving_of(model)
    if serving is not None:
        model["serving"] = served.status_for(settings, serving)
    return model


def predict_rows(
    engine: Engine,
    models_dir: str | os.PathLike[str],
    actor: Actor,
    name: str,
    rows: list[dict[str, Any]],
    version: int | None = None,
    settings: Settings | None = None,
) -> registry.Prediction:
    """``model_registry.predict_rows``, for a model ``actor`` may see (else ``ModelNotFound``);
    a model served by KServe answers from there (``served.predict_served``)."""
    _visible(engine, models_dir, actor, name)
    try:
        return predict_any(models_dir, name, rows, version, settings)
    except registry.ModelNotFound:
        raise _not_found(engine, models_dir, actor, name) from None


def predict_any(
    models_dir: str | os.PathLike[str],
    name: str,
    rows: list[dict[str, Any]],
    version: int | None = None,
    settings: Settings | None = None,
) -> registry.Prediction:
    """A prediction from wherever the version is served: this process, or KServe. No
    permission check: for callers that made theirs (or the command line's operator)."""
    summary = registry.deployed_model(models_dir, name)
    wanted = version if version is not None else summary["version"]
    entry = next((v for v in summary["versions"] if v["version"] == wanted), None)
    if entry is None or served.serving_of(entry) is None:
        return registry.predict_rows(models_dir, name, rows, version)
    if not rows:
        raise ValueError("send at least one row to predict")
    if len(rows) > registry.MAX_ROWS:
        raise ValueError(
            f"at most {registry.MAX_ROWS} rows can be predicted at once; found {len(rows)}"
        )
    loaded = registry.load_model(models_dir, name, version)
    return served.predict_served(settings, loaded, rows)


def owner_of(owner: ModelOwner) -> dict[str, str] | None:
    """Who owns a model, as people are shown: None for a model nobody owns."""
    if owner.owner_id is None:
        return None
    return {"username": owner.owner_username, "display_name": owner.owner_name}


def _visible(
    engine: Engine, models_dir: str | os.PathLike[str], actor: Actor, name: str
) -> ModelOwner:
    owner = visible_models(engine, actor, [name]).get(name)
    if owner is None:
        raise _not_found(engine, models_dir, actor, name)
    return owner


def _not_found(
    engine: Engine, models_dir: str | os.PathLike[str], actor: Actor, name: str
) -> registry.ModelNotFound:
    """The error for a model ``actor`` cannot use, naming only the models they can."""
    known = [m["name"] for m in list_models(engine, models_dir, actor)]
    listed = ", ".join(known) or "none yet"
    return registry.ModelNotFound(
        f"no model named {name!r} is deployed; models you can use: {listed}", name, known
    )
