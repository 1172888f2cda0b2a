"""``designer models|predict``: the models deployed on this machine, and predicting with one."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from designer.cli.common import UsageError, print_json, read_text
from designer.settings import load_settings


def add_parsers(sub: Any) -> None:
    p = sub.add_parser("models", help="list the models deployed on this machine")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_models)

    p = sub.add_parser("predict", help="predict with a deployed model")
    p.add_argument("model", help="model name")
    p.add_argument("input", type=Path, help="rows to predict: a CSV file or a JSON list of objects")
    p.add_argument("--version", type=int, help="model version (default: the latest)")
    p.set_defaults(handler=cmd_predict)


def cmd_models(args: argparse.Namespace) -> int:
    from blocks.runtime.model_registry import list_models

    models = list_models(load_settings().models_dir)
    if args.json:
        print_json(models)
        return 0
    if not models:
        print("no models deployed yet; add a 'Deploy locally' block to a flow and run it")
    for model in models:
        print(f"{model['name']:<24} v{model['version']:<4} {model.get('task', '')}")
    return 0


def cmd_predict(args: argparse.Namespace) -> int:
    import pandas as pd

    from blocks.runtime.model_registry import predict

    rows = _read_rows(args.input, pd)
    try:
        predictions = predict(load_settings().models_dir, args.model, rows, version=args.version)
    except (LookupError, ValueError) as exc:
        print(f"designer: {exc}", file=sys.stderr)
        return 1
    print_json({"model": args.model, "predictions": predictions})
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
