"""A tuning block's search as a Katib Experiment, when the block runs on a Kubeflow cluster.

The block, in its pod:

1. checks the training table as the in-block search would (same errors, before anything
   starts) and puts it in the storage beside its outputs (``<task folder>/katib/train.parquet``);
2. creates the Experiment (``katib_experiment``) through the Kubernetes API with the pod's own
   service account (``load_incluster_config``), in the pod's namespace;
3. follows it, logging the trials' progress, until Katib marks it Succeeded or Failed (or
   ``WAIT_TIMEOUT_S`` passes);
4. ranks the trials from the results they wrote (``katib_trial``), best first and ties in the
   order the in-block search lists its candidates, so both searches keep the same setting;
   Katib's ``status.currentOptimalTrial`` is the best score, and the setting that stands when
   trial results cannot be read;
5. refits the best setting on all training rows and reports it exactly as the in-block search
   does (``tuning.refit``), ``candidates_tried`` being the trials that scored.

The Experiment is deleted once the model is refitted, when the wait times out, and when the
pod is told to stop (the run was cancelled): its trials' Jobs and pods go with it. A failed
Experiment is kept, so its trials can be looked at; the error says how to delete it.

The pod learns what its trials need from the variables the compiled pipeline gives every task
(``designer.flow.cluster``): the storage's address and keys, the block image
(``DESIGNER_BLOCK_IMAGE``) and the storage Secret's name (``DESIGNER_KFP_STORAGE_SECRET``).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import posixpath
import signal
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from blocks.runtime import pod_storage
from blocks.runtime.katib_experiment import (
    GROUP,
    METRIC,
    PLURAL,
    VERSION,
    SearchSpec,
    TrialSetup,
    assignments,
    experiment_body,
)
from blocks.runtime.tables import Table
from blocks.runtime.tuning import (
    GRIDS,
    Candidate,
    Problem,
    TuningResult,
    block_value,
    checked,
    cross_validate,
    refit,
)

#: How long the block waits for Katib before giving up (and deleting the Experiment).
WAIT_TIMEOUT_S = 4 * 60 * 60
#: Seconds to connect and to wait for an answer, on every request to the Kubernetes API.
REQUEST_TIMEOUT = (5.0, 30.0)
#: Requests in a row that may fail while following the Experiment (an API server restarting).
MAX_MISSED_LOOKS = 5
SERVICE_ACCOUNT_DIR = Path("/var/run/secrets/kubernetes.io/serviceaccount")
IMAGE_VAR = "DESIGNER_BLOCK_IMAGE"
SECRET_VAR = "DESIGNER_KFP_STORAGE_SECRET"
DOCS = "docs/kubeflow.md, Tuning with Katib"


class KatibError(RuntimeError):
    """The search on Katib could not be done; the message (one line) says why and what to do."""

    #: The Kubernetes API's HTTP status, when it refused a request.
    status: int | None = None


class Stopped(Exception):
    """The pod was told to stop (SIGTERM: the run was cancelled)."""


def on_cluster(model_uri: str) -> bool:
    """True when the block runs as a task of a Kubeflow run: its outputs go to the storage and
    it holds the storage's keys (a local run has neither)."""
    return model_uri.startswith(("s3://", "minio://")) and pod_storage.has_keys()


@dataclass(frozen=True)
class PodSetup:
    """What the block's pod knows about where it runs."""

    namespace: str
    image: str
    secret: str
    storage_env: dict[str, str]

    @classmethod
    def from_pod(cls, env: Mapping[str, str], account: Path = SERVICE_ACCOUNT_DIR) -> PodSetup:
        missing = [name for name in (IMAGE_VAR, SECRET_VAR) if not env.get(name)]
        if missing:
            raise KatibError(
                f"this pod was not given {' and '.join(missing)}, which the designer's "
                "pipelines give every task: compile the flow again with this designer"
            )
        try:
            namespace = (account / "namespace").read_text().strip()
        except OSError:
            raise KatibError(
                "searching on Katib needs the pod's service account, and this pod has none "
                f"mounted ({account}): allow automountServiceAccountToken for the pipeline's "
                f"service account ({DOCS})"
            ) from None
        storage_env = {k: env[k] for k in pod_storage.ADDRESS_VARS if env.get(k)}
        return cls(namespace, env[IMAGE_VAR], env[SECRET_VAR], storage_env)


def experiment_name(model_uri: str) -> str:
    """One name per task execution (Katib allows 40 characters; trials and pods add more)."""
    return "tune-" + hashlib.sha256(model_uri.encode()).hexdigest()[:12]


def search(
    table: Table,
    table_path: str,
    model_uri: str,
    estimator: str,
    *,
    search: str,
    folds: int,
    candidates: int,
    scoring: str,
    seed: int,
    timeout_s: float = WAIT_TIMEOUT_S,
    env: Mapping[str, str] | None = None,
) -> TuningResult:
    """Search on Katib (see the module's doc); KatibError, or the trainers' ValueError."""
    env = os.environ if env is None else env
    problem = checked(table, estimator, scoring, folds, seed)
    spec = SearchSpec(estimator, search, candidates, scoring, folds, seed)
    pod = PodSetup.from_pod(env)
    experiments = Experiments(pod.namespace)
    work = posixpath.join(posixpath.dirname(model_uri.rstrip("/")), "katib")
    setup = TrialSetup(
        image=pod.image,
        table_uri=f"{work}/train.parquet",
        results_uri=f"{work}/trials",
        secret=pod.secret,
        env=pod.storage_env,
        secret_keys=dict(pod_storage.SECRET_KEYS),
    )
    name = experiment_name(model_uri)
    body = experiment_body(name, spec, setup)
    pod_storage.upload_file(setup.table_uri, table_path, env)
    print(
        f"searching on Katib: Experiment {name} in namespace {pod.namespace}, "
        f"{body['spec']['maxTrialCount']} trial(s), {body['spec']['parallelTrialCount']} at a "
        "time",
        flush=True,
    )
    experiments.create(body)
    with _deleted_unless_done(experiments, name):
        found = follow(experiments, name, timeout_s)
    status = found.get("status") or {}
    results = _results(setup.results_uri, env)
    if _condition(status, "Failed"):
        raise KatibError(_failure(name, pod.namespace, status, results))
    ranking = _ranking(problem, spec, status, results)
    result = refit(problem, ranking)
    experiments.delete(name)
    print(f"deleted Experiment {name} (its trials' Jobs and pods go with it)")
    return result


class Experiments:
    """Katib Experiments in one namespace, through the pod's service account."""

    def __init__(self, namespace: str, api_client: Any = None) -> None:
        """``api_client``: a ``kubernetes.client.ApiClient``; the pod's own by default."""
        from kubernetes import client, config
        from kubernetes.config.config_exception import ConfigException

        if api_client is None:
            configuration = client.Configuration()
            try:
                config.load_incluster_config(client_configuration=configuration)
            except ConfigException as exc:
                raise KatibError(
                    f"searching on Katib needs the pod's service account ({_first_line(exc)}); "
                    f"see {DOCS}"
                ) from None
            configuration.retries = 1
            api_client = client.ApiClient(configuration)
        self.namespace = namespace
        self.api = client.CustomObjectsApi(api_client)

    def create(self, body: dict[str, Any]) -> None:
        name = body["metadata"]["name"]
        try:
            self._call("create", body=body)
        except KatibError as exc:
            if exc.status != 409:
                raise
            print(f"Experiment {name} exists already (the task was retried); following it")

    def get(self, name: str) -> dict[str, Any]:
        return self._call("get", name=name)

    def delete(self, name: str) -> None:
        try:
            self._call("delete", name=name)
        except KatibError as exc:
            if exc.status != 404:
                print(f"could not delete Experiment {name}: {exc}")

    def _call(self, verb: str, **kwargs: Any) -> Any:
        from kubernetes.client.exceptions import ApiException
        from urllib3.exceptions import HTTPError

        method = getattr(self.api, f"{verb}_namespaced_custom_object")
        where = {"group": GROUP, "version": VERSION, "namespace": self.namespace}
        try:
            return method(plural=PLURAL, _request_timeout=REQUEST_TIMEOUT, **where, **kwargs)
        except ApiException as exc:
            error = KatibError(_api_message(exc, verb, self.namespace))
            error.status = exc.status
            raise error from None
        except (HTTPError, OSError) as exc:
            raise KatibError(
                f"cannot reach the Kubernetes API from the pod ({_first_line(exc)})"
            ) from None


def follow(
    experiments: Any,
    name: str,
    timeout_s: float,
    *,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> dict[str, Any]:
    """The Experiment once Katib marks it Succeeded or Failed; its progress goes to the log."""
    deadline = clock() + timeout_s
    delay, missed, said = 1.0, 0, ""
    while True:
        try:
            found = experiments.get(name)
            missed = 0
        except KatibError as exc:
            if exc.status == 404:
                raise KatibError(
                    f"Katib Experiment {name} was deleted while the block waited for it"
                ) from None
            missed += 1
            if missed >= MAX_MISSED_LOOKS:
                raise KatibError(f"lost track of Katib Experiment {name}: {exc}") from None
            found = None
        if found is not None:
            status = found.get("status") or {}
            progress = _progress(status)
            if progress != said:
                print(progress, flush=True)
                said = progress
            if _condition(status, "Succeeded") or _condition(status, "Failed"):
                return found
        if clock() >= deadline:
            raise KatibError(
                f"Katib Experiment {name} did not finish within {_duration(timeout_s)} "
                f"({said or 'no trial started'}); it was deleted. Check that trial pods can be "
                "scheduled and pull the block image"
            )
        sleep(delay)
        delay = min(delay * 1.5, 10.0)


@contextmanager
def _deleted_unless_done(experiments: Experiments, name: str) -> Iterator[None]:
    """Delete the Experiment when the wait ends without an outcome: a timeout, or SIGTERM
    (Kubernetes stops a cancelled run's pod so), which would otherwise leave trials running."""

    def stop(signum: int, frame: Any) -> None:
        raise Stopped("the block was stopped while Katib searched")

    main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, stop) if main else None
    try:
        yield
    except (Stopped, KatibError):
        experiments.delete(name)
        print(f"deleted Experiment {name}")
        raise
    finally:
        if main:
            signal.signal(signal.SIGTERM, previous)


def _ranking(
    problem: Problem, spec: SearchSpec, status: dict[str, Any], results: dict[str, Any]
) -> list[Candidate]:
    """The trials that scored, best first; ties in the in-block search's order."""
    succeeded = set(status.get("succeededTrialList") or [])
    sign = 1.0 if problem.negated else -1.0
    order = _grid_order(problem.estimator) if spec.search == "grid" else {}
    scored = []
    for trial, report in sorted(results.items()):
        if trial in succeeded and not report.get("error") and "score" in report:
            params = dict(report["params"])
            place = order.get(_key(params), len(order))
            candidate = Candidate(params, float(report["score"]), float(report["std"]))
            scored.append((sign * candidate.score, place, trial, candidate))
    scored.sort(key=lambda item: item[:3])
    ranking = [item[3] for item in scored]
    optimal = status.get("currentOptimalTrial") or {}
    best_name = optimal.get("bestTrialName") or ""
    if len(ranking) < len(succeeded):
        print(
            f"{len(succeeded) - len(ranking)} trial(s) left no result in the storage; "
            f"ranking the {len(ranking)} that did"
        )
    if not ranking:
        if not best_name:
            raise KatibError("Katib finished without a trial that scored: see the trials' logs")
        params = assignments(spec.estimator, spec.search, optimal.get("parameterAssignments", []))
        print(f"scoring Katib's best trial {best_name} again here, to refit it")
        return [cross_validate(problem, params)]
    best_value = _objective(optimal)
    kept = scored[0][2]
    if best_name and best_name != kept and best_value == ranking[0].score:
        print(
            f"Katib's best trial {best_name} ties with {kept}; keeping {kept}, the setting the "
            "in-block search would keep"
        )
    return ranking


def _grid_order(estimator: str) -> dict[str, int]:
    """Each grid setting's place in the order the in-block grid search tries them."""
    from sklearn.model_selection import ParameterGrid

    return {
        _key({k: block_value(v) for k, v in params.items()}): place
        for place, params in enumerate(ParameterGrid(GRIDS[estimator]))
    }


def _key(params: Mapping[str, Any]) -> str:
    return json.dumps({k: float(v) for k, v in params.items()}, sort_keys=True)


def _results(results_uri: str, env: Mapping[str, str]) -> dict[str, dict[str, Any]]:
    """The results the trials wrote, by trial name; an unreadable one is left out, said so."""
    found: dict[str, dict[str, Any]] = {}
    try:
        uris = pod_storage.list_uris(results_uri, env)
    except Exception as exc:  # the ranking then falls back on Katib's own best trial
        print(f"could not list the trials' results in {results_uri}: {_first_line(exc)}")
        return found
    for uri in uris:
        if not uri.endswith(".json"):
            continue
        try:
            report = pod_storage.read_json(uri, env)
        except Exception as exc:
            print(f"could not read the trial result {uri}: {_first_line(exc)}")
            continue
        if isinstance(report, dict) and isinstance(report.get("params"), dict):
            found[posixpath.basename(uri)[: -len(".json")]] = report
    return found


def _failure(
    name: str, namespace: str, status: dict[str, Any], results: dict[str, dict[str, Any]]
) -> str:
    failed = [
        *(status.get("failedTrialList") or []),
        *(status.get("metricsUnavailableTrialList") or []),
    ]
    why = _condition(status, "Failed").get("message") or "Katib marked it Failed"
    message = f"the Katib Experiment {name} failed ({why})"
    reported = [(t, results[t]["error"]) for t in failed if results.get(t, {}).get("error")]
    if reported:
        trial, error = reported[0]
        message += f": trial {trial} failed with {error}"
    elif failed:
        trial = failed[0]
        unavailable = trial in (status.get("metricsUnavailableTrialList") or [])
        said = "printed no score=" if unavailable else "failed and left no result"
        message += (
            f": trial {trial} {said}; see its log (kubectl -n {namespace} logs "
            f"-l katib.kubeflow.org/trial={trial})"
        )
    return (
        f"{message}. The Experiment is kept to look at (kubectl -n {namespace} describe "
        f"experiment {name}); delete it when done"
    )


def _progress(status: dict[str, Any]) -> str:
    counts = [
        (status.get("trialsSucceeded") or 0, "succeeded"),
        (status.get("trialsRunning") or 0, "running"),
        (status.get("trialsPending") or 0, "pending"),
        (status.get("trialsFailed") or 0, "failed"),
        (status.get("trialMetricsUnavailable") or 0, "without a score"),
    ]
    said = ", ".join(f"{count} {what}" for count, what in counts if count)
    return f"Katib trials: {said or 'none started yet'}"


def _condition(status: dict[str, Any], kind: str) -> dict[str, Any]:
    """The condition of type ``kind`` when it is True, else an empty dict."""
    for condition in status.get("conditions") or []:
        if condition.get("type") == kind and condition.get("status") == "True":
            return condition
    return {}


def _objective(optimal: dict[str, Any]) -> float:
    for metric in (optimal.get("observation") or {}).get("metrics") or []:
        if metric.get("name") == METRIC:
            for field_name in ("max", "min", "latest"):
                try:
                    value = float(metric.get(field_name, ""))
                except ValueError:
                    continue
                if math.isfinite(value):
                    return value
    return math.nan


def _api_message(exc: Any, verb: str, namespace: str) -> str:
    try:
        said = json.loads(exc.body or "{}").get("message") or exc.reason
    except (TypeError, ValueError, AttributeError):
        said = exc.reason
    said = _first_line(said)
    if exc.status == 401:
        return f"the Kubernetes API refused the pod's service account token ({said})"
    if exc.status == 403 and "admission webhook" not in str(said):
        return (
            f"the pipeline's service account may not {verb} Katib Experiments in namespace "
            f"{namespace} ({said}): grant it get, create and delete on "
            f"experiments.kubeflow.org ({DOCS})"
        )
    if exc.status == 404 and verb == "create":
        return (
            f"Katib is not installed on this cluster (no experiments.kubeflow.org in namespace "
            f"{namespace}: {said}); install Katib, or set Where to search to here"
        )
    return f"Katib refused to {verb} the Experiment (HTTP {exc.status}): {said}"


def _duration(seconds: float) -> str:
    if seconds >= 2 * 3600:
        return f"{seconds / 3600:g} hours"
    if seconds >= 120:
        return f"{seconds / 60:.0f} minutes"
    return f"{seconds:.0f} seconds"


def _first_line(value: Any) -> str:
    text = str(value).strip()
    return (text.splitlines() or [""])[0][:300]
