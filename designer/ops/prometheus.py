"""The designer's Prometheus collectors, made when the server turns metrics on
(``designer.ops.metrics.enable``): prometheus_client is not imported by anything else, so the
command line never pays for it.
"""

from __future__ import annotations

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    PlatformCollector,
    ProcessCollector,
)

REGISTRY = CollectorRegistry()
ProcessCollector(registry=REGISTRY)
PlatformCollector(registry=REGISTRY)

#: Seconds: from a quick API answer to a slow upload.
_HTTP_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)
#: Seconds: from a cached rerun to a long training.
_RUN_BUCKETS = (1, 2, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 7200, 21600)
#: Bytes: from a small table to the upload limit.
_SIZE_BUCKETS = (1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10)

HTTP_REQUESTS = Counter(
    "designer_http_requests",
    "HTTP requests answered, by route template, method and status code.",
    ["route", "method", "status"],
    registry=REGISTRY,
)
HTTP_SECONDS = Histogram(
    "designer_http_request_duration_seconds",
    "Time to answer an HTTP request, by route template and method.",
    ["route", "method"],
    buckets=_HTTP_BUCKETS,
    registry=REGISTRY,
)
RUNS_STARTED = Counter(
    "designer_runs_started", "Runs started, by engine.", ["engine"], registry=REGISTRY
)
RUNS_FINISHED = Counter(
    "designer_runs_finished",
    "Runs finished, by engine and how they ended (succeeded, failed, cancelled).",
    ["engine", "status"],
    registry=REGISTRY,
)
RUN_SECONDS = Histogram(
    "designer_run_duration_seconds",
    "How long finished runs took, by engine and how they ended.",
    ["engine", "status"],
    buckets=_RUN_BUCKETS,
    registry=REGISTRY,
)
NODE_SECONDS = Histogram(
    "designer_node_duration_seconds",
    "How long the blocks of finished runs took, by engine and how each ended.",
    ["engine", "status"],
    buckets=_RUN_BUCKETS,
    registry=REGISTRY,
)
LIVE_RUNS = Gauge(
    "designer_live_runs", "Local runs this process is following now.", registry=REGISTRY
)
UPLOADS = Counter(
    "designer_uploads",
    "Dataset uploads, by outcome (stored, refused).",
    ["outcome"],
    registry=REGISTRY,
)
UPLOAD_BYTES = Histogram(
    "designer_upload_bytes",
    "Sizes of the datasets stored from uploads.",
    buckets=_SIZE_BUCKETS,
    registry=REGISTRY,
)
SIGN_INS = Counter(
    "designer_sign_ins",
    "Sign-in attempts, by method (password, oidc) and outcome (ok, refused, throttled).",
    ["method", "outcome"],
    registry=REGISTRY,
)
REFUSALS = Counter(
    "designer_refusals",
    "Requests refused, by reason (sign_in_required, not_allowed, throttled, origin).",
    ["reason"],
    registry=REGISTRY,
)
DATABASE_ERRORS = Counter(
    "designer_database_errors", "Errors from the database.", registry=REGISTRY
)
STORAGE_ERRORS = Counter(
    "designer_storage_errors", "Errors from object storage.", registry=REGISTRY
)
