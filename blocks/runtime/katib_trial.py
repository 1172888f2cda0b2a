"""One trial of a Katib search: cross-validate one setting and print its score for Katib.

    python3 -m blocks.runtime.katib_trial --table s3://b/.../katib/train.parquet \\
        --results s3://b/.../katib/trials --trial tune-1a2b3c-x7k2m9qz \\
        --estimator random_forest --search grid --scoring accuracy --folds 5 --seed 42 \\
        --param n_estimators=100 --param max_depth=0

Katib starts this in the block image once per setting (``katib_experiment``). It reads the
training table the tuning block put in the storage, scores the setting exactly as the in-block
search scores it (``tuning.cross_validate``: same folds, scorer, mean and spread), and reports:

- ``score=<value>`` on a line of its own, which Katib's StdOut metrics collector reads as the
  objective (errors such as rmse printed positive, Katib minimising them);
- ``<results>/<trial>.json`` in the storage: the setting, its score and spread, or the error
  that stopped it. The block reads these to rank every trial as the in-block search ranks
  its candidates, and to say why a trial failed without reading pod logs.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
from collections.abc import Sequence
from typing import Any

#: A Kubernetes object name, which a trial's name is.
TRIAL_NAME = re.compile(r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?")


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    from blocks.runtime import pod_storage

    if not TRIAL_NAME.fullmatch(args.trial):
        print(f"--trial {args.trial!r} is not a trial's name", file=sys.stderr)
        return 2
    result_uri = f"{args.results.rstrip('/')}/{args.trial}.json"
    report: dict[str, Any] = {"format": 1, "trial": args.trial, "params": {}, "error": ""}
    try:
        params = settings(args.estimator, args.search, args.param)
        report["params"] = params
        print("scoring " + ", ".join(f"{k}={v}" for k, v in sorted(params.items())))
        candidate = score(args, params)
    except Exception as exc:  # reported to the block through the storage, then the exit code
        report["error"] = f"{type(exc).__name__}: {exc}"
        print(f"the trial failed: {report['error']}", file=sys.stderr)
        _write(pod_storage, result_uri, report)
        return 1
    report |= {"score": candidate.score, "std": candidate.std}
    _write(pod_storage, result_uri, report)
    print(f"{args.scoring} {candidate.score:.4f} ± {candidate.std:.4f} over {args.folds} folds")
    # Full precision: Katib's value is the block's own, so the two compare exactly.
    print(f"score={candidate.score!r}", flush=True)
    return 0


def settings(estimator: str, search: str, given: list[str]) -> dict[str, Any]:
    """``name=value`` arguments as the trainers' settings, checked against the search space."""
    from blocks.runtime.katib_experiment import assignments

    pairs = []
    for item in given:
        name, sep, value = item.partition("=")
        if not sep:
            raise ValueError(f"--param {item!r} is not name=value")
        pairs.append({"name": name, "value": value})
    return assignments(estimator, search, pairs)


def score(args: argparse.Namespace, params: dict[str, Any]) -> Any:
    from blocks.runtime import pod_storage
    from blocks.runtime.tables import read_table
    from blocks.runtime.tuning import checked, cross_validate

    try:
        data = pod_storage.read_bytes(args.table)
    except Exception as exc:  # minio's S3Error carries request ids: keep what a person needs
        said = f"{exc.code}: {exc.message}" if hasattr(exc, "code") else str(exc)
        raise ValueError(f"cannot read the training table {args.table} ({said})") from None
    with tempfile.NamedTemporaryFile(suffix=".parquet") as handle:
        handle.write(data)
        handle.flush()
        table = read_table(handle.name)
    problem = checked(table, args.estimator, args.scoring, args.folds, args.seed)
    return cross_validate(problem, params)


def _write(pod_storage: Any, uri: str, report: dict[str, Any]) -> None:
    try:
        pod_storage.write_json(uri, report)
    except Exception as exc:  # the score line still reaches Katib; the block says what is missing
        print(f"could not write the trial's result to {uri}: {exc}", file=sys.stderr)


def _parser() -> argparse.ArgumentParser:
    from blocks.runtime.training import ESTIMATORS
    from blocks.runtime.tuning import SCORINGS

    parser = argparse.ArgumentParser(description="Score one setting of a Katib search.")
    parser.add_argument("--table", required=True, help="s3:// address of the training table")
    parser.add_argument("--results", required=True, help="s3:// folder for the trial's result")
    parser.add_argument("--trial", required=True, help="the trial's name")
    parser.add_argument("--estimator", required=True, choices=sorted(ESTIMATORS))
    parser.add_argument("--search", required=True, choices=["grid", "random"])
    parser.add_argument("--scoring", required=True, choices=sorted(SCORINGS))
    parser.add_argument("--folds", required=True, type=int, choices=range(2, 11))
    parser.add_argument("--seed", required=True, type=int)
    parser.add_argument("--param", action="append", default=[], help="name=value, repeated")
    return parser


if __name__ == "__main__":
    sys.exit(main())
