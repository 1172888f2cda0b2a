"""What the designer counts for Prometheus, served at ``/metrics`` (``designer.api.operations``).

The web server turns metrics on as it starts (``enable``); until then, and in every other
process (the command line, a run's worker), each function here does nothing and
prometheus_client is never imported. The collectors themselves are in
``designer.ops.prometheus``.

Labels are kept to closed sets (an engine, a status, a route template, an outcome), so a scrape
never shows a flow's content, a person's name or an id: a path such as
``/api/v1/flows/3f2a...`` is counted under its route, ``/api/v1/flows/{flow_id}``.

The counters live in this process: where the server runs several worker processes, each has
its own, and Prometheus sums what each instance reports.
"""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType

from designer.runs.record import RunRecord, Status

#: Blocks that ran (rather than being reused or skipped): their durations are counted.
_RAN = (Status.SUCCEEDED, Status.FAILED)
_collectors: ModuleType | None = None
_live_runs: Callable[[], int] | None = None


def enable() -> None:
    """Make the collectors (once per process); everything below counts from now on."""
    global _collectors
    if _collectors is None:
        from designer.ops import prometheus

        _collectors = prometheus
        if _live_runs is not None:
            prometheus.LIVE_RUNS.set_function(_live_runs)


def enabled() -> bool:
    return _collectors is not None


def exposition() -> tuple[bytes, str]:
    """What ``/metrics`` answers: the text format and its content type."""
    enable()
    assert _collectors is not None
    from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

    return generate_latest(_collectors.REGISTRY), CONTENT_TYPE_LATEST


def count_live(counter: Callable[[], int]) -> None:
    """Have ``designer_live_runs`` read ``counter`` at each scrape."""
    global _live_runs
    _live_runs = counter
    if _collectors is not None:
        _collectors.LIVE_RUNS.set_function(counter)


def http_request(route: str, method: str, status: int, seconds: float) -> None:
    if _collectors is not None:
        _collectors.HTTP_REQUESTS.labels(route, method, str(status)).inc()
        _collectors.HTTP_SECONDS.labels(route, method).observe(seconds)


def run_started(engine: str) -> None:
    if _collectors is not None:
        _collectors.RUNS_STARTED.labels(engine).inc()


def run_finished(record: RunRecord) -> None:
    """Count a finished run, its duration, and the duration of each block that ran (reused and
    skipped blocks did not)."""
    if _collectors is None:
        return
    engine, status = record.engine, record.status.value
    _collectors.RUNS_FINISHED.labels(engine, status).inc()
    seconds = _seconds(record.started_at, record.finished_at)
    if seconds is not None:
        _collectors.RUN_SECONDS.labels(engine, status).observe(seconds)
    for node in record.nodes.values():
        seconds = _seconds(node.started_at, node.finished_at)
        if node.status in _RAN and seconds is not None:
            _collectors.NODE_SECONDS.labels(engine, node.status.value).observe(seconds)


def _seconds(start: float | None, end: float | None) -> float | None:
    return end - start if start is not None and end is not None and end >= start else None


def upload(outcome: str, size: int | None = None) -> None:
    """A dataset upload "stored" (with its size) or "refused"."""
    if _collectors is not None:
        _collectors.UPLOADS.labels(outcome).inc()
        if size is not None:
            _collectors.UPLOAD_BYTES.observe(size)


def sign_in(method: str, failure: BaseException | None = None) -> None:
    """A sign-in attempt by ``method`` (password, oidc) that succeeded or raised ``failure``."""
    if _collectors is None:
        return
    from designer.auth.signin import TooManyAttempts  # the store below it counts errors here

    if failure is None:
        outcome = "ok"
    elif isinstance(failure, TooManyAttempts):
        outcome = "throttled"
    else:
        outcome = "refused"
    _collectors.SIGN_INS.labels(method, outcome).inc()


def refusal(reason: str) -> None:
    if _collectors is not None:
        _collectors.REFUSALS.labels(reason).inc()


def database_error() -> None:
    if _collectors is not None:
        _collectors.DATABASE_ERRORS.inc()


def storage_error() -> None:
    if _collectors is not None:
        _collectors.STORAGE_ERRORS.inc()
