"""Where the designer keeps its files and which engine it talks to, read from the environment.

Every setting has an embedded default so that a fresh checkout runs with no configuration.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

#: The Kubernetes Secret that gives a cluster run's pods the storage keys, by default.
DEFAULT_STORAGE_SECRET = "designer-storage"
#: Where the designer's storage keys sit in that Secret, and the variables pods see them as.
STORAGE_SECRET_KEYS = {
    "access_key": "DESIGNER_S3_ACCESS_KEY",
    "secret_key": "DESIGNER_S3_SECRET_KEY",
}


@dataclass(frozen=True)
class KubeflowSettings:
    host: str
    namespace: str = "kubeflow"
    token: str | None = None
    #: The Secret (in ``namespace``) holding the storage keys under ``STORAGE_SECRET_KEYS``.
    storage_secret: str = DEFAULT_STORAGE_SECRET
    #: Where Kubeflow writes run outputs; by default ``s3://<designer bucket>/kfp``, so the
    #: designer reads metrics and downloads from its own storage.
    pipeline_root: str | None = None
    #: The storage address as the cluster's pods reach it (``minio-service.kubeflow:9000``),
    #: when it differs from the one the designer uses; by default the same.
    pod_s3_endpoint: str | None = None


@dataclass(frozen=True)
class KubernetesSettings:
    """How the designer reaches the Kubernetes API (pod logs, Secrets, KServe).

    ``in_cluster`` uses the pod's own service account; else ``host`` and ``token`` (with
    ``ca_file`` for a private certificate authority); else the kubeconfig file ``kubeconfig``.
    """

    host: str | None = None
    token: str | None = None
    ca_file: str | None = None
    verify_tls: bool = True
    kubeconfig: str | None = None
    in_cluster: bool = False


@dataclass(frozen=True)
class KServeSettings:
    """How models deployed from cluster runs are served by KServe."""

    #: The service account InferenceServices run as: it must carry the storage secret that
    #: lets KServe's storage initializer read the model (KServe's S3 annotations).
    service_account: str = "designer-models"
    #: "v1" (``/v1/models/<name>:predict``) or "v2" (the Open Inference Protocol).
    protocol: str = "v2"
    #: Seconds ``designer predict`` and the Models page wait for a new deployment to be ready.
    ready_timeout: float = 300.0
    #: The ServingRuntime to serve with (one whose scikit-learn matches the block image's);
    #: None lets KServe pick its own scikit-learn runtime.
    runtime: str | None = None


@dataclass(frozen=True)
class OidcSettings:
    """An OpenID Connect provider people may sign in with (Keycloak, Dex, any other)."""

    #: The issuer URL; its ``/.well-known/openid-configuration`` says where everything else is.
    issuer: str
    client_id: str
    client_secret: str
    #: What the sign-in button calls the provider ("Sign in with <display_name>").
    display_name: str = "single sign-on"
    scopes: str = "openid email profile"


@dataclass(frozen=True)
class StorageSettings:
    """An S3-compatible object store (MinIO, AWS S3, Ceph...) for datasets and run artifacts."""

    #: ``host:port`` or a URL (``https://minio.example.com``); a URL's scheme decides TLS.
    endpoint: str
    access_key: str | None = None
    secret_key: str | None = None
    #: The one bucket the designer uses; created on first use when missing.
    bucket: str = "designer"
    #: Use HTTPS for a ``host:port`` endpoint.
    secure: bool = False
    #: Check the server's TLS certificate (turn off only for a self-signed test server).
    verify_tls: bool = True
    region: str | None = None


#: Largest upload accepted by default: 500 MB.
DEFAULT_MAX_UPLOAD_MB = 500.0
#: Disk all uploads in progress may spool at once, by default: 2,000 MB.
DEFAULT_MAX_SPOOL_MB = 2000.0
#: Disk the local engine's result cache may fill, by default: 2,000 MB.
DEFAULT_CACHE_MB = 2000.0
#: The sample tables that ship with the designer (templates and the guided start read them).
SAMPLES_DIR = Path(__file__).resolve().parent.parent / "assets" / "samples"
#: How local runs are isolated: "auto" (a sandbox when bubblewrap is installed), "bwrap" (always;
#: refuse to run without it), "off" (a plain child process: one trusted person only).
SANDBOX_MODES = ("auto", "bwrap", "off")
#: Who may run flows on the local engine: "auto" (everyone when runs are sandboxed or the
#: designer has one account, else admins), "everyone", "admins" or "nobody".
LOCAL_RUN_POLICIES = ("auto", "everyone", "admins", "nobody")
#: How the server's log is written (the first is the default).
LOG_FORMATS = ("text", "json")
#: How much the server logs (the first is the default).
LOG_LEVELS = ("info", "debug", "warning", "error")
#: The engines a run can use: this machine (kfp.local) or a Kubeflow cluster.
ENGINE_NAMES = ("local", "kubeflow")


@dataclass(frozen=True)
class Settings:
    #: Root folder for runs, registered models and (by default) object storage.
    home: Path
    kubeflow: KubeflowSettings | None
    #: SQLAlchemy URL of the database that keeps flows, their versions and runs. A SQLite file
    #: under ``home`` by default, so one person needs no server; a team points it at PostgreSQL.
    database_url: str
    #: OpenID Connect sign-in, when an issuer, client id and secret are all set.
    oidc: OidcSettings | None = None
    #: How long a sign-in lasts before the person is asked to sign in again.
    session_days: float = 7.0
    #: Whether people a flow is shared with as viewers may run it (runs never change the flow).
    viewers_can_run: bool = True
    #: The address people reach the designer at (https://designer.example.com), for links and
    #: OpenID Connect callbacks; taken from each request when unset.
    public_url: str | None = None
    #: Object storage for datasets and run artifacts: S3/MinIO when set, else ``home/objects``.
    storage: StorageSettings | None = None
    #: Largest dataset upload the server accepts, in bytes.
    max_upload_bytes: int = int(DEFAULT_MAX_UPLOAD_MB * 1_000_000)
    #: Most bytes all uploads in progress may spool to disk together.
    max_spool_bytes: int = int(DEFAULT_MAX_SPOOL_MB * 1_000_000)
    #: Folders blocks may read local files from (``DESIGNER_DATA_DIRS``, separated by the OS path
    #: separator); anything else on this machine is refused, symlinks and ``..`` resolved first.
    data_dirs: tuple[Path, ...] = ()
    #: Networks and host names blocks may fetch from besides public addresses
    #: (``DESIGNER_ALLOWED_NETWORKS``: ``10.1.0.0/16,data.internal``); loopback, private and
    #: link-local addresses are refused otherwise.
    allowed_networks: tuple[str, ...] = ()
    #: Buckets of the configured S3 storage that a Table file block may read by s3:// address
    #: (``DESIGNER_S3_READ_BUCKETS``); the designer's own bucket is reached through the dataset
    #: library only.
    s3_read_buckets: tuple[str, ...] = ()
    #: See SANDBOX_MODES.
    sandbox: str = "auto"
    #: See LOCAL_RUN_POLICIES.
    local_runs: str = "auto"
    #: Reverse proxies whose X-Forwarded-For and X-Forwarded-Proto are believed
    #: (``DESIGNER_TRUSTED_PROXIES``: addresses or networks, comma-separated).
    trusted_proxies: tuple[str, ...] = ()
    #: The Kubernetes API, when the designer may use it (pod logs, Secrets, KServe).
    kubernetes: KubernetesSettings | None = None
    kserve: KServeSettings = KServeSettings()
    #: Where a person's own block may pip-install the packages it declares
    #: (``DESIGNER_BLOCK_PACKAGES``: engine names, ``local,kubeflow``); nowhere by default, so a
    #: flow holding such a block is refused before it runs.
    block_packages: tuple[str, ...] = ()
    #: Most bytes the local engine's result cache keeps (``DESIGNER_CACHE_MB``); the least
    #: recently used results go first.
    cache_bytes: int = int(DEFAULT_CACHE_MB * 1_000_000)
    #: Whether the web app keeps one local run's worker started and waiting for the next run
    #: (``DESIGNER_SPARE_WORKER``, on by default; see ``designer.runs.spare_worker``).
    spare_worker: bool = True
    #: The bearer token Prometheus must send to ``/metrics`` (``DESIGNER_METRICS_TOKEN``); with
    #: none set, the designer serves no metrics at all.
    metrics_token: str | None = field(default=None, repr=False)
    #: How the server writes its log: "text" (a line for people) or "json" (one JSON object a
    #: line, for a log collector): ``DESIGNER_LOG_FORMAT``.
    log_format: str = "text"
    #: ``DESIGNER_LOG_LEVEL``: debug, info, warning or error.
    log_level: str = "info"

    @property
    def objects_dir(self) -> Path:
        return self.home / "objects"

    @property
    def runs_dir(self) -> Path:
        return self.home / "runs"

    @property
    def models_dir(self) -> Path:
        return self.home / "models"

    @property
    def cache_dir(self) -> Path:
        """Where local runs keep results for later runs to reuse."""
        return self.home / "cache"


def load_settings(env: dict[str, str] | None = None) -> Settings:
    env = dict(os.environ if env is None else env)
    home = Path(env.get("DESIGNER_HOME") or Path.home() / ".designer").expanduser()
    host = env.get("DESIGNER_KFP_HOST", "").strip()
    kubeflow = (
        KubeflowSettings(
            host=host,
            namespace=env.get("DESIGNER_KFP_NAMESPACE", "kubeflow"),
            token=env.get("DESIGNER_KFP_TOKEN") or None,
            storage_secret=env.get("DESIGNER_KFP_STORAGE_SECRET", "").strip()
            or DEFAULT_STORAGE_SECRET,
            pipeline_root=env.get("DESIGNER_KFP_PIPELINE_ROOT", "").strip().rstrip("/") or None,
            pod_s3_endpoint=env.get("DESIGNER_KFP_S3_ENDPOINT", "").strip() or None,
        )
        if host
        else None
    )
    database_url = env.get("DESIGNER_DATABASE_URL", "").strip() or _sqlite_url(home / "designer.db")
    return Settings(
        home=home,
        kubeflow=kubeflow,
        database_url=database_url,
        oidc=_oidc(env),
        session_days=float(env.get("DESIGNER_SESSION_DAYS") or 7),
        viewers_can_run=_flag(env, "DESIGNER_VIEWERS_CAN_RUN", True),
        public_url=env.get("DESIGNER_PUBLIC_URL", "").strip().rstrip("/") or None,
        storage=_storage(env),
        max_upload_bytes=_megabytes(env, "DESIGNER_MAX_UPLOAD_MB", DEFAULT_MAX_UPLOAD_MB),
        max_spool_bytes=_megabytes(env, "DESIGNER_MAX_SPOOL_MB", DEFAULT_MAX_SPOOL_MB),
        data_dirs=_data_dirs(env, home),
        allowed_networks=_list(env, "DESIGNER_ALLOWED_NETWORKS"),
        s3_read_buckets=_list(env, "DESIGNER_S3_READ_BUCKETS"),
        sandbox=_choice(env, "DESIGNER_SANDBOX", SANDBOX_MODES),
        local_runs=_choice(env, "DESIGNER_LOCAL_RUNS", LOCAL_RUN_POLICIES),
        trusted_proxies=_list(env, "DESIGNER_TRUSTED_PROXIES"),
        kubernetes=_kubernetes(env),
        kserve=KServeSettings(
            service_account=env.get("DESIGNER_KSERVE_SERVICE_ACCOUNT", "").strip()
            or KServeSettings.service_account,
            protocol=_choice(env, "DESIGNER_KSERVE_PROTOCOL", ("v2", "v1")),
            ready_timeout=float(env.get("DESIGNER_KSERVE_READY_TIMEOUT") or 300),
            runtime=env.get("DESIGNER_KSERVE_RUNTIME", "").strip() or None,
        ),
        block_packages=_engines(env, "DESIGNER_BLOCK_PACKAGES"),
        cache_bytes=_megabytes(env, "DESIGNER_CACHE_MB", DEFAULT_CACHE_MB),
        spare_worker=_flag(env, "DESIGNER_SPARE_WORKER", True),
        metrics_token=env.get("DESIGNER_METRICS_TOKEN", "").strip() or None,
        log_format=_choice(env, "DESIGNER_LOG_FORMAT", LOG_FORMATS),
        log_level=_choice(env, "DESIGNER_LOG_LEVEL", LOG_LEVELS),
    )


def _kubernetes(env: dict[str, str]) -> KubernetesSettings | None:
    """``DESIGNER_K8S_IN_CLUSTER``, else ``DESIGNER_K8S_HOST`` (+ token, CA), else
    ``DESIGNER_KUBECONFIG``; None when none is set."""
    if _flag(env, "DESIGNER_K8S_IN_CLUSTER", False):
        return KubernetesSettings(in_cluster=True)
    host = env.get("DESIGNER_K8S_HOST", "").strip().rstrip("/")
    if host:
        return KubernetesSettings(
            host=host,
            token=env.get("DESIGNER_K8S_TOKEN") or None,
            ca_file=env.get("DESIGNER_K8S_CA_FILE", "").strip() or None,
            verify_tls=_flag(env, "DESIGNER_K8S_VERIFY_TLS", True),
        )
    kubeconfig = env.get("DESIGNER_KUBECONFIG", "").strip()
    return KubernetesSettings(kubeconfig=kubeconfig) if kubeconfig else None


def _flag(env: dict[str, str], name: str, default: bool) -> bool:
    raw = env.get(name, "").strip().lower()
    if not raw:
        return default
    return raw not in ("0", "false", "no", "off")


def _storage(env: dict[str, str]) -> StorageSettings | None:
    endpoint = env.get("DESIGNER_S3_ENDPOINT", "").strip()
    if not endpoint:
        return None
    return StorageSettings(
        endpoint=endpoint,
        access_key=env.get("DESIGNER_S3_ACCESS_KEY") or None,
        secret_key=env.get("DESIGNER_S3_SECRET_KEY") or None,
        bucket=env.get("DESIGNER_S3_BUCKET", "").strip() or "designer",
        secure=_flag(env, "DESIGNER_S3_SECURE", False),
        verify_tls=_flag(env, "DESIGNER_S3_VERIFY_TLS", True),
        region=env.get("DESIGNER_S3_REGION", "").strip() or None,
    )


def _megabytes(env: dict[str, str], name: str, default: float) -> int:
    raw = env.get(name, "").strip()
    try:
        megabytes = float(raw) if raw else default
    except ValueError:
        raise ValueError(f"{name} must be a number of megabytes; found {raw!r}") from None
    if not 0 < megabytes < 1e12:  # also refuses nan and inf
        raise ValueError(f"{name} must be more than 0; found {raw!r}")
    return int(megabytes * 1_000_000)


def _list(env: dict[str, str], name: str) -> tuple[str, ...]:
    """A comma-separated setting as its non-empty items."""
    return tuple(item.strip() for item in env.get(name, "").split(",") if item.strip())


def _engines(env: dict[str, str], name: str) -> tuple[str, ...]:
    """A comma-separated list of engine names (``ENGINE_NAMES``), each checked."""
    engines = tuple(item.lower() for item in _list(env, name))
    for engine in engines:
        if engine not in ENGINE_NAMES:
            raise ValueError(f"{name} lists engines ({', '.join(ENGINE_NAMES)}); found {engine!r}")
    return engines


def _choice(env: dict[str, str], name: str, choices: tuple[str, ...]) -> str:
    raw = env.get(name, "").strip().lower() or choices[0]
    if raw not in choices:
        raise ValueError(f"{name} must be one of {', '.join(choices)}; found {raw!r}")
    return raw


def _data_dirs(env: dict[str, str], home: Path) -> tuple[Path, ...]:
    """``DESIGNER_DATA_DIRS``, resolved; by default ``home/data`` and the shipped samples."""
    raw = env.get("DESIGNER_DATA_DIRS")
    if raw is None:
        return ((home / "data").resolve(), SAMPLES_DIR)
    return tuple(
        Path(item.strip()).expanduser().resolve() for item in raw.split(os.pathsep) if item.strip()
    )


def _oidc(env: dict[str, str]) -> OidcSettings | None:
    issuer = env.get("DESIGNER_OIDC_ISSUER", "").strip()
    client_id = env.get("DESIGNER_OIDC_CLIENT_ID", "").strip()
    secret = env.get("DESIGNER_OIDC_CLIENT_SECRET", "").strip()
    if not (issuer and client_id and secret):
        return None
    return OidcSettings(
        issuer=issuer.rstrip("/"),
        client_id=client_id,
        client_secret=secret,
        display_name=env.get("DESIGNER_OIDC_NAME", "").strip() or "single sign-on",
    )


def _sqlite_url(path: Path) -> str:
    # An absolute path gives SQLAlchemy's four-slash form (sqlite:////abs/path/designer.db).
    return f"sqlite:///{path}"
