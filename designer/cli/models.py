"""``designer models|predict``: the deployed models, predicting with one, and removing one.

A model deployed from a Kubeflow run is served by KServe on the cluster: ``designer models``
says where it answers and whether it is ready, ``designer predict`` asks it there, and
``designer models remove`` deletes its InferenceService with its versions.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from designer.cli.common import (
    REFUSED,
    UNAVAILABLE,
    UsageError,
    add_as_option,
    print_json,
    read_text,
)
from designer.settings import load_settings


def add_parsers(sub: Any) -> None:
    p = sub.add_parser(
        "models", help="list the deployed models (and where KServe serves them); remove one"
    )
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_models)
    actions = p.add_subparsers(dest="action", metavar="ACTION")
    a = actions.add_parser(
        "remove", help="remove every version of a model, and its InferenceService on the cluster"
    )
    a.add_argument("model", help="model name")
    add_as_option(a)
    a.set_defaults(handler=cmd_remove)

    p = sub.add_parser("predict", help="predict with a deployed model")
    p.add_argument("model", help="model name")
    p.add_argument("input", type=Path, help="rows to predict: a CSV file or a JSON list of objects")
    p.add_argument("--version", type=int, help="model version (default: the latest)")
    p.set_defaults(handler=cmd_predict)


def cmd_models(args: argparse.Namespace) -> int:
    from blocks.runtime.model_registry import list_models
    from designer.models import served

    settings = load_settings()
    models = list_models(settings.models_dir)
    servings = [s for s in (served.serving_of(m) for m in models) if s is not None]
    asked = served.statuses(settings, servings) if servings else {}
    for model in models:
        serving = served.serving_of(model)
        if serving is not None:
            found = asked[(str(serving["namespace"]), str(serving["inference_service"]))]
            model["serving"] = served.status_facts(serving, found["status"], found["problem"])
    if args.json:
        print_json(models)
        return 0
    if not models:
        print("no models deployed yet; add a 'Deploy locally' block to a flow and run it")
    for model in models:
        where = serving_text(model.get("serving"))
        line = f"{model['name']:<24} v{model['version']:<4} {model.get('task', ''):<15}{where}"
        print(line.rstrip())
    return 0


def serving_text(serving: dict[str, Any] | None) -> str:
    """Where a version answers, in words: nothing for this machine, else KServe's address and
    whether it is ready (with KServe's reason when not)."""
    if serving is None:
        return ""
    where = f"KServe {serving['namespace']}/{serving['inference_service']}"
    if serving.get("url"):
        where += f" at {serving['url']}"
    if serving.get("ready"):
        return f"{where} (ready)"
    return f"{where} (not ready: {serving.get('reason')})"


def cmd_predict(args: argparse.Namespace) -> int:
    import pandas as pd

    from blocks.runtime import model_registry as registry
    from designer.cluster.kube import ClusterError
    from designer.models.deployed import predict_any

    rows = _read_rows(args.input, pd)
    settings = load_settings()
    try:
        summary = registry.deployed_model(settings.models_dir, args.model)
        wanted = args.version if args.version is not None else summary["version"]
        entry = next((v for v in summary["versions"] if v["version"] == wanted), None)
        if entry is None or not entry.get("serving"):
            predictions = registry.predict(
                settings.models_dir, args.model, rows, version=args.version
            )
            print_json({"model": args.model, "predictions": predictions})
            return 0
        records = json.loads(rows.to_json(orient="records"))
        answer = predict_any(settings.models_dir, args.model, records, args.version, settings)
    except ClusterError as exc:
        print(f"designer: {exc}", file=sys.stderr)
        return UNAVAILABLE
    except (LookupError, ValueError) as exc:
        print(f"designer: {exc}", file=sys.stderr)
        return 1
    result: dict[str, Any] = {
        "model": args.model,
        "version": answer.version,
        "predictions": answer.predictions,
    }
    if answer.classes:
        result |= {"classes": answer.classes, "probabilities": answer.probabilities}
    if answer.unseen:
        result["notes"] = [u["note"] for u in answer.unseen]
    result["served_by"] = _served_by(settings, entry["serving"])
    print_json(result)
    return 0


def _served_by(settings: Any, serving: dict[str, Any]) -> dict[str, Any]:
    from designer.models import served

    facts = served.status_for(settings, serving)
    return {k: facts[k] for k in ("namespace", "inference_service", "url", "ready")}


def cmd_remove(args: argparse.Namespace) -> int:
    from blocks.runtime.model_registry import ModelNotFound
    from designer.cli.common import engine_and_actor
    from designer.cluster.kube import ClusterError
    from designer.models.removal import NotYourModel, remove_model
    from designer.store.db import StoreError, StoreUnavailable, engine_for

    settings = load_settings()
    try:
        if args.as_user:
            engine, actor = engine_and_actor(args.as_user)
        else:
            engine, actor = engine_for(settings.database_url), None
        removed = remove_model(engine, settings, actor, args.model)
    except (ClusterError, StoreUnavailable) as exc:
        print(f"designer: {exc}; nothing was removed", file=sys.stderr)
        return UNAVAILABLE
    except (ModelNotFound, NotYourModel) as exc:
        print(f"designer: {exc}", file=sys.stderr)
        return REFUSED
    except StoreError as exc:  # no such person (--as)
        raise UsageError(str(exc).strip("'\"")) from exc
    services = ", ".join(removed.inference_services)
    print(
        f"removed model {removed.name!r} ({removed.versions} version(s))"
        + (f" and its InferenceService {services}" if services else "")
    )
    return 0


def _read_rows(path: Path, pd: Any) -> Any:
    text = read_text(path)
    if path.suffix.lower() == ".json":
        try:
            return pd.DataFrame(json.loads(text))
        except ValueError as exc:
            raise UsageError(
                f"cannot read {path}: expected a JSON list of objects ({exc})"
            ) from exc
    try:
        return pd.read_csv(path)
    except ValueError as exc:
        raise UsageError(f"cannot read {path} as CSV: {exc}") from exc
