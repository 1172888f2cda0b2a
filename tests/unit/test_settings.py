"""Settings read from the environment: defaults, lists, choices and the errors for bad values."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from designer.settings import SAMPLES_DIR, load_settings


def test_defaults_need_no_configuration(tmp_path: Path) -> None:
    settings = load_settings({"DESIGNER_HOME": str(tmp_path)})
    assert settings.data_dirs == ((tmp_path / "data").resolve(), SAMPLES_DIR)
    assert SAMPLES_DIR.is_dir()
    assert settings.allowed_networks == settings.s3_read_buckets == ()
    assert settings.trusted_proxies == ()
    assert (settings.sandbox, settings.local_runs) == ("auto", "auto")
    assert settings.max_upload_bytes == 500_000_000
    assert settings.max_spool_bytes == 2_000_000_000


@pytest.mark.parametrize(
    ("name", "raw", "field", "expected"),
    [
        (
            "DESIGNER_ALLOWED_NETWORKS",
            "10.1.0.0/16, data.internal,",
            "allowed_networks",
            ("10.1.0.0/16", "data.internal"),
        ),
        ("DESIGNER_S3_READ_BUCKETS", "shared", "s3_read_buckets", ("shared",)),
        (
            "DESIGNER_TRUSTED_PROXIES",
            " 127.0.0.1 ,10.0.0.0/8",
            "trusted_proxies",
            ("127.0.0.1", "10.0.0.0/8"),
        ),
        ("DESIGNER_SANDBOX", "BWRAP", "sandbox", "bwrap"),
        ("DESIGNER_LOCAL_RUNS", "admins", "local_runs", "admins"),
        ("DESIGNER_MAX_SPOOL_MB", "1.5", "max_spool_bytes", 1_500_000),
        ("DESIGNER_DATA_DIRS", "", "data_dirs", ()),
    ],
)
def test_values_are_read(name: str, raw: str, field: str, expected: object) -> None:
    assert getattr(load_settings({name: raw}), field) == expected


def test_data_dirs_are_resolved(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real")
    raw = os.pathsep.join([str(tmp_path / "link"), str(tmp_path / "real" / ".." / "other")])
    dirs = load_settings({"DESIGNER_DATA_DIRS": raw}).data_dirs
    assert dirs == ((tmp_path / "real").resolve(), (tmp_path / "other").resolve())


@pytest.mark.parametrize(
    ("name", "raw", "message"),
    [
        ("DESIGNER_SANDBOX", "docker", "DESIGNER_SANDBOX must be one of auto, bwrap, off"),
        ("DESIGNER_LOCAL_RUNS", "some", "DESIGNER_LOCAL_RUNS must be one of auto, everyone"),
        ("DESIGNER_MAX_SPOOL_MB", "lots", "DESIGNER_MAX_SPOOL_MB must be a number"),
        ("DESIGNER_MAX_UPLOAD_MB", "0", "DESIGNER_MAX_UPLOAD_MB must be more than 0"),
        ("DESIGNER_MAX_UPLOAD_MB", "nan", "DESIGNER_MAX_UPLOAD_MB must be more than 0"),
    ],
)
def test_bad_values_are_named(name: str, raw: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        load_settings({name: raw})
