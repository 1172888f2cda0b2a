"""The environment of a run's worker: an allow-list, so no secret of the server reaches a block."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from designer.runs.worker_env import worker_env
from designer.settings import Settings, load_settings

#: What a served designer's environment holds and no run may see.
SECRETS = {
    "DESIGNER_DATABASE_URL": "postgresql://designer:db-password@db.internal/designer",
    "DESIGNER_S3_ACCESS_KEY": "s3-access-key",
    "DESIGNER_S3_SECRET_KEY": "s3-secret-key",
    "DESIGNER_S3_ENDPOINT": "minio.internal:9000",
    "DESIGNER_OIDC_CLIENT_SECRET": "oidc-client-secret",
    "DESIGNER_OIDC_CLIENT_ID": "oidc-client-id",
    "DESIGNER_KFP_TOKEN": "kfp-token",
    "DESIGNER_HOME": "/srv/designer",
    "AWS_SECRET_ACCESS_KEY": "aws-secret",
    "PGPASSWORD": "pg-password",
    "PYTHONPATH": "/srv/evil",
    "LD_PRELOAD": "/srv/evil.so",
    "HTTPS_PROXY": "http://user:proxy-password@proxy:3128",
}
#: Copied from the server's environment when set.
PASSED_THROUGH = {"LANG", "LC_ALL", "TZ", "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"}
#: Every variable a worker may have.
ALLOWED = {
    "PATH",
    "LANG",
    "LC_ALL",
    "TZ",
    "HOME",
    "TMPDIR",
    "PYTHONUNBUFFERED",
    "PYTHONNOUSERSITE",
    "OPENBLAS_CORETYPE",
    "OPENBLAS_L2_SIZE",
    "DESIGNER_DATA_DIRS",
    "DESIGNER_ALLOWED_NETWORKS",
    "DESIGNER_S3_READ_BUCKETS",
    "DESIGNER_READ_GRANTS",
    "DESIGNER_HOME",
}


def run_settings(home: Path, **extra: str) -> Settings:
    """The settings of a served designer holding the secrets, its home at ``home``."""
    return load_settings(
        {**SECRETS, "DESIGNER_HOME": str(home), "DESIGNER_DATA_DIRS": "/srv/data", **extra}
    )


def test_no_secret_of_the_server_reaches_the_worker(tmp_path: Path) -> None:
    run_dir = tmp_path / "home" / "runs" / "r1"
    env = worker_env(run_dir, run_settings(Path("/srv/designer")), parent={**os.environ, **SECRETS})
    assert set(env) <= ALLOWED
    shown = "\n".join(f"{k}={v}" for k, v in env.items())
    for name, value in SECRETS.items():
        assert value not in shown, name
    # Its home is its own folder: never the designer's (database, objects, models, runs).
    assert env["DESIGNER_HOME"] == env["HOME"] == str(run_dir / "home")
    assert env["TMPDIR"] == str(run_dir / "tmp")
    assert env["PATH"].split(":")[0] == str(Path(sys.executable).parent)
    assert {env["PYTHONUNBUFFERED"], env["PYTHONNOUSERSITE"]} == {"1"}


@pytest.mark.parametrize(
    ("parent", "expected"),
    [
        ({}, {"LANG": "C.UTF-8"}),
        (
            {"LANG": "de_DE.UTF-8", "LC_ALL": "de_DE.UTF-8", "TZ": "Europe/Berlin"},
            {"LANG": "de_DE.UTF-8", "LC_ALL": "de_DE.UTF-8", "TZ": "Europe/Berlin"},
        ),
        (
            {"OPENBLAS_CORETYPE": "ARMV8", "OPENBLAS_L2_SIZE": "1048576"},
            {"LANG": "C.UTF-8", "OPENBLAS_CORETYPE": "ARMV8", "OPENBLAS_L2_SIZE": "1048576"},
        ),
        ({"LC_ALL": "", "PATH": "/srv/evil/bin"}, {"LANG": "C.UTF-8"}),
    ],
    ids=["nothing-set", "locale-and-zone", "cpu-hints", "empty-and-path"],
)
def test_locale_zone_and_cpu_hints_pass_through(
    tmp_path: Path, parent: dict[str, str], expected: dict[str, str]
) -> None:
    env = worker_env(tmp_path / "r", run_settings(tmp_path), parent=parent)
    assert {k: v for k, v in env.items() if k in PASSED_THROUGH} == expected
    assert "/srv/evil" not in env["PATH"]


@pytest.mark.parametrize(
    ("settings_env", "reads", "expected"),
    [
        (
            {"DESIGNER_DATA_DIRS": ""},
            (),
            {
                "DESIGNER_DATA_DIRS": "",
                "DESIGNER_ALLOWED_NETWORKS": "",
                "DESIGNER_S3_READ_BUCKETS": "",
                "DESIGNER_READ_GRANTS": "[]",
            },
        ),
        (
            {
                "DESIGNER_DATA_DIRS": os.pathsep.join(["/srv/data", "/srv/more"]),
                "DESIGNER_ALLOWED_NETWORKS": "10.1.0.0/16, data.internal",
                "DESIGNER_S3_READ_BUCKETS": "public-tables",
            },
            ("/srv/designer/objects/ds/1.csv", "https://s3.example/b/k?X-Amz-Signature=1"),
            {
                "DESIGNER_DATA_DIRS": os.pathsep.join(["/srv/data", "/srv/more"]),
                "DESIGNER_ALLOWED_NETWORKS": "10.1.0.0/16,data.internal",
                "DESIGNER_S3_READ_BUCKETS": "public-tables",
                "DESIGNER_READ_GRANTS": json.dumps(
                    ["/srv/designer/objects/ds/1.csv", "https://s3.example/b/k?X-Amz-Signature=1"]
                ),
            },
        ),
    ],
    ids=["nothing-open", "folders-networks-buckets-grants"],
)
def test_the_run_settings_the_blocks_read_are_set(
    tmp_path: Path, settings_env: dict[str, str], reads: tuple[str, ...], expected: dict[str, str]
) -> None:
    env = worker_env(tmp_path / "r", run_settings(tmp_path, **settings_env), reads, parent={})
    assert {k: env[k] for k in expected} == expected


def test_the_default_data_folders_are_spelled_out(tmp_path: Path) -> None:
    """Unset, the blocks would take the defaults of the run's own home: it is always set."""
    settings_ = load_settings({"DESIGNER_HOME": str(tmp_path / "home")})
    env = worker_env(tmp_path / "r", settings_, parent={})
    assert env["DESIGNER_DATA_DIRS"].split(os.pathsep) == [str(p) for p in settings_.data_dirs]


@settings(max_examples=200, deadline=None)
@given(parent=st.dictionaries(st.text(min_size=1, max_size=30), st.text(max_size=40)))
def test_whatever_the_server_environment_holds_only_the_locale_zone_and_hints_come_through(
    parent: dict[str, str],
) -> None:
    settings_ = load_settings({"DESIGNER_HOME": "/home"})
    env = worker_env(Path("/runs/r"), settings_, parent=parent)
    baseline = worker_env(Path("/runs/r"), settings_, parent={})
    assert set(env) <= ALLOWED
    assert {k: v for k, v in env.items() if k not in PASSED_THROUGH} == {
        k: v for k, v in baseline.items() if k not in PASSED_THROUGH
    }
    for name in PASSED_THROUGH & set(env) - {"LANG"}:
        assert env[name] == parent[name]
