"""The Katib Experiment a tuning block creates when it searches on a Kubeflow cluster.

Katib (``experiments.kubeflow.org/v1beta1``) asks its suggestion service for settings and runs
one trial per setting, each a ``batch/v1`` Job running the block image:
``python3 -m blocks.runtime.katib_trial`` with the setting as ``${trialParameters.<name>}``
placeholders. The trial reads the training table from the designer's storage (its keys come
from the storage Secret, as every task's do), cross-validates the setting exactly as the
in-block search would, prints ``score=<value>`` for Katib's StdOut metrics collector, and
writes its result beside the table.

The search space is the in-block search's own (``blocks.runtime.tuning``):

- grid: each list of ``GRIDS`` is a ``discrete`` parameter (numbers as text, "no depth limit"
  as ``0`` as the trainers take it); Katib's grid tries every combination, so
  ``maxTrialCount`` is their number;
- random: a whole-number range (``randint``) is an ``int`` parameter with its inclusive
  bounds, a log-scale range (``loguniform``) a ``double`` with Katib's ``logUniform``
  distribution (Katib 0.18 or later; older Katib rejects the field), a list ``discrete``;
  ``maxTrialCount`` is the number of settings to try, and the block's seed is the
  suggestion's ``random_state``.

Nothing here talks to a cluster: ``katib_search`` sends the body and follows it.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

from blocks.runtime.tuning import GRIDS, SCORINGS, block_value, ranges

GROUP = "kubeflow.org"
VERSION = "v1beta1"
PLURAL = "experiments"
#: The objective metric each trial prints (``score=0.953``).
METRIC = "score"
#: The trial Job's container (Katib's ``primaryContainerName``).
CONTAINER = "trial"
#: The trial parameter that carries the trial's own name (its result file is named after it).
TRIAL_NAME = "trialName"
#: Trials running at once (Katib's own default): a fair share of a shared cluster.
PARALLEL_TRIALS = 3
TRIAL_MODULE = "blocks.runtime.katib_trial"
#: Katib joins the trial command into one ``sh -c`` line to collect its output, so every
#: argument must be safe to write there unquoted.
SHELL_SAFE = re.compile(r"[A-Za-z0-9_./:=+,@%-]+")
#: A batch/v1 Job's own success and failure conditions, in Katib's GJSON words.
JOB_SUCCEEDED = 'status.conditions.#(type=="Complete")#|#(status=="True")#'
JOB_FAILED = 'status.conditions.#(type=="Failed")#|#(status=="True")#'


@dataclass(frozen=True)
class Dimension:
    """One tuned setting as Katib sees it: a list of values, or a range."""

    name: str
    #: "discrete" (a list), "int" or "double".
    kind: str
    values: tuple[Any, ...] = ()
    low: float = 0
    high: float = 0
    log: bool = False

    def parameter(self) -> dict[str, Any]:
        """The Katib ``ParameterSpec``."""
        if self.kind == "discrete":
            space: dict[str, Any] = {"list": [_text(v) for v in self.values]}
        else:
            space = {"min": _text(self.low), "max": _text(self.high)}
            if self.log:
                space["distribution"] = "logUniform"
        return {"name": self.name, "parameterType": self.kind, "feasibleSpace": space}

    def value(self, raw: str) -> Any:
        """A value Katib assigned (text) as the trainers take it; ValueError outside the space."""
        if self.kind == "discrete":
            for value in self.values:
                if _same(raw, value):
                    return value
            listed = ", ".join(_text(v) for v in self.values)
            raise ValueError(f"{self.name}={raw!r} is not one of {listed}")
        number = float(raw)
        if not math.isfinite(number) or not self.low <= number <= self.high:
            raise ValueError(f"{self.name}={raw!r} is outside {self.low:g}..{self.high:g}")
        if self.kind == "int":
            if not number.is_integer():
                raise ValueError(f"{self.name}={raw!r} is not a whole number")
            return int(number)
        return number


def dimensions(estimator: str, search: str) -> list[Dimension]:
    """The settings ``search`` tries for ``estimator``, in the in-block search's terms."""
    if search == "grid":
        return [
            Dimension(name, "discrete", tuple(block_value(v) for v in values))
            for name, values in GRIDS[estimator].items()
        ]
    if search != "random":
        raise ValueError(f"unknown search {search!r}; choose grid or random")
    found = []
    for name, spread in ranges(estimator).items():
        if isinstance(spread, list):
            found.append(Dimension(name, "discrete", tuple(block_value(v) for v in spread)))
            continue
        low, high = (block_value(v) for v in spread.support())
        kind = spread.dist.name
        if kind == "randint":
            found.append(Dimension(name, "int", low=low, high=high))
        elif kind == "loguniform":
            found.append(Dimension(name, "double", low=low, high=high, log=True))
        else:  # a new kind of range in GRIDS' neighbour: say so rather than guess
            raise ValueError(f"no Katib parameter for a {kind} range ({name})")
    return found


def trial_count(estimator: str, search: str, candidates: int) -> int:
    """How many trials the search runs: every combination of a grid, else ``candidates``."""
    if search == "grid":
        return math.prod(len(d.values) for d in dimensions(estimator, search))
    return candidates


@dataclass(frozen=True)
class TrialSetup:
    """What every trial pod needs: the image, where the table is and where results go, and
    the storage's address (plain) and keys (from the Secret)."""

    image: str
    table_uri: str
    results_uri: str
    secret: str
    #: The plain storage variables (``DESIGNER_S3_ENDPOINT``, ``_SECURE``, ``_REGION``).
    env: dict[str, str] = field(default_factory=dict)
    #: Secret key -> variable (``pod_storage.SECRET_KEYS``).
    secret_keys: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class SearchSpec:
    """What the block asked for."""

    estimator: str
    search: str
    candidates: int
    scoring: str
    folds: int
    seed: int


def experiment_body(name: str, spec: SearchSpec, setup: TrialSetup) -> dict[str, Any]:
    """The Experiment to create (see the module's doc); ValueError for an unsafe argument."""
    space = dimensions(spec.estimator, spec.search)
    trials = trial_count(spec.estimator, spec.search, spec.candidates)
    negated = SCORINGS[spec.scoring][2]
    return {
        "apiVersion": f"{GROUP}/{VERSION}",
        "kind": "Experiment",
        "metadata": {
            "name": name,
            "labels": {"app.kubernetes.io/managed-by": "designer"},
        },
        "spec": {
            "objective": {
                # Errors (rmse, mae) are printed positive, as the block shows them.
                "type": "minimize" if negated else "maximize",
                "objectiveMetricName": METRIC,
            },
            "algorithm": {
                "algorithmName": spec.search,
                "algorithmSettings": [{"name": "random_state", "value": str(spec.seed)}],
            },
            "maxTrialCount": trials,
            "parallelTrialCount": min(PARALLEL_TRIALS, trials),
            # One failed trial fails the search: a setting that cannot be scored is a problem
            # with the data or the block, and the other trials would fail the same way.
            "maxFailedTrialCount": 0,
            "metricsCollectorSpec": {"collector": {"kind": "StdOut"}},
            "parameters": [d.parameter() for d in space],
            "trialTemplate": {
                "primaryContainerName": CONTAINER,
                "successCondition": JOB_SUCCEEDED,
                "failureCondition": JOB_FAILED,
                "trialParameters": [
                    *(
                        {
                            "name": d.name,
                            "reference": d.name,
                            "description": f"the {d.name} setting to score",
                        }
                        for d in space
                    ),
                    {
                        "name": TRIAL_NAME,
                        "reference": "${trialSpec.Name}",
                        "description": "the trial's name, naming its result file",
                    },
                ],
                "trialSpec": _job(spec, setup, space),
            },
        },
    }


def _job(spec: SearchSpec, setup: TrialSetup, space: list[Dimension]) -> dict[str, Any]:
    args = [
        "--table",
        setup.table_uri,
        "--results",
        setup.results_uri,
        "--trial",
        f"${{trialParameters.{TRIAL_NAME}}}",
        "--estimator",
        spec.estimator,
        "--search",
        spec.search,
        "--scoring",
        spec.scoring,
        "--folds",
        str(spec.folds),
        "--seed",
        str(spec.seed),
    ]
    for dimension in space:
        args += ["--param", f"{dimension.name}=${{trialParameters.{dimension.name}}}"]
    for arg in args:
        if not SHELL_SAFE.fullmatch(arg.replace("${", "").replace("}", "")):
            raise ValueError(
                f"{arg!r} cannot be passed to a Katib trial (Katib runs the trial through a "
                "shell line): use storage addresses of letters, digits and -_./ only"
            )
    env: list[dict[str, Any]] = [{"name": k, "value": v} for k, v in sorted(setup.env.items())]
    env += [
        {"name": variable, "valueFrom": {"secretKeyRef": {"name": setup.secret, "key": key}}}
        for key, variable in sorted(setup.secret_keys.items())
    ]
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "spec": {
            # A failed trial is not retried: cross-validation fails the same way again.
            "backoffLimit": 0,
            "template": {
                "metadata": {
                    # Katib collects the trial's output from its container; an Istio sidecar
                    # would keep the Job from ever completing.
                    "annotations": {"sidecar.istio.io/inject": "false"},
                },
                "spec": {
                    "restartPolicy": "Never",
                    "containers": [
                        {
                            "name": CONTAINER,
                            "image": setup.image,
                            "command": ["python3", "-m", TRIAL_MODULE],
                            "args": args,
                            "env": env,
                        }
                    ],
                },
            },
        },
    }


def assignments(estimator: str, search: str, given: list[dict[str, Any]]) -> dict[str, Any]:
    """Katib's ``parameterAssignments`` as the trainers' settings; ValueError when one is
    missing, unknown or outside the space."""
    space = {d.name: d for d in dimensions(estimator, search)}
    raw = {str(a.get("name")): str(a.get("value")) for a in given}
    unknown = sorted(set(raw) - set(space))
    missing = sorted(set(space) - set(raw))
    if unknown or missing:
        raise ValueError(
            f"Katib assigned {', '.join(unknown) or 'nothing unknown'} and left out "
            f"{', '.join(missing) or 'nothing'}; {estimator} tunes {', '.join(space)}"
        )
    return {name: space[name].value(raw[name]) for name in space}


def _text(value: Any) -> str:
    """A value as Katib lists it: plain decimal text (``0.05``, ``100``, ``1000.0``)."""
    return repr(value) if isinstance(value, float) else str(value)


def _same(raw: str, value: Any) -> bool:
    if raw == _text(value):
        return True
    try:
        return float(raw) == float(value)
    except (TypeError, ValueError):
        return False
