"""Storage settings from the environment, and the store they open."""

from __future__ import annotations

from pathlib import Path

import pytest

from designer.objects.configured import open_store
from designer.objects.local import LocalFolderStore
from designer.objects.s3 import S3Store
from designer.settings import DEFAULT_MAX_UPLOAD_MB, StorageSettings, load_settings
from tests.fixtures.object_stores import closed_port


def _env(tmp_path: Path, **variables: str) -> dict[str, str]:
    return {"DESIGNER_HOME": str(tmp_path / "home"), **variables}


# -- DESIGNER_S3_* ------------------------------------------------------------------------


@pytest.mark.parametrize("endpoint", [None, "", "   "])
def test_no_endpoint_means_no_s3(tmp_path: Path, endpoint: str | None) -> None:
    env = _env(tmp_path, DESIGNER_S3_ACCESS_KEY="key", DESIGNER_S3_SECRET_KEY="secret")
    if endpoint is not None:
        env["DESIGNER_S3_ENDPOINT"] = endpoint

    assert load_settings(env).storage is None


def test_an_endpoint_alone_takes_every_default(tmp_path: Path) -> None:
    settings = load_settings(_env(tmp_path, DESIGNER_S3_ENDPOINT=" minio:9000 "))

    assert settings.storage == StorageSettings(
        endpoint="minio:9000",
        access_key=None,
        secret_key=None,
        bucket="designer",
        secure=False,
        verify_tls=True,
        region=None,
    )


def test_every_storage_variable_is_read(tmp_path: Path) -> None:
    env = _env(
        tmp_path,
        DESIGNER_S3_ENDPOINT="https://minio.example.com",
        DESIGNER_S3_ACCESS_KEY="designer",
        DESIGNER_S3_SECRET_KEY="s3cr3t with spaces ",
        DESIGNER_S3_BUCKET=" team-data ",
        DESIGNER_S3_SECURE="yes",
        DESIGNER_S3_VERIFY_TLS="off",
        DESIGNER_S3_REGION=" eu-west-1 ",
    )

    assert load_settings(env).storage == StorageSettings(
        endpoint="https://minio.example.com",
        access_key="designer",
        secret_key="s3cr3t with spaces ",  # a secret is taken as it is
        bucket="team-data",
        secure=True,
        verify_tls=False,
        region="eu-west-1",
    )


@pytest.mark.parametrize(
    ("raw", "secure", "verify_tls"),
    [
        ("", False, True),  # unset: the defaults
        ("1", True, True),
        ("true", True, True),
        ("TRUE", True, True),
        ("on", True, True),
        ("0", False, False),
        ("false", False, False),
        ("No", False, False),
        ("off", False, False),
    ],
)
def test_flags_read_as_on_or_off(tmp_path: Path, raw: str, secure: bool, verify_tls: bool) -> None:
    env = _env(
        tmp_path,
        DESIGNER_S3_ENDPOINT="minio:9000",
        DESIGNER_S3_SECURE=raw,
        DESIGNER_S3_VERIFY_TLS=raw,
    )

    storage = load_settings(env).storage

    assert storage is not None
    assert (storage.secure, storage.verify_tls) == (secure, verify_tls)


@pytest.mark.parametrize("name", ["DESIGNER_S3_ACCESS_KEY", "DESIGNER_S3_SECRET_KEY"])
def test_an_empty_key_is_no_key(tmp_path: Path, name: str) -> None:
    env = _env(tmp_path, DESIGNER_S3_ENDPOINT="minio:9000", **{name: ""})

    storage = load_settings(env).storage

    assert storage is not None
    assert (storage.access_key, storage.secret_key) == (None, None)


# -- DESIGNER_MAX_UPLOAD_MB ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, int(DEFAULT_MAX_UPLOAD_MB * 1_000_000)),
        ("", int(DEFAULT_MAX_UPLOAD_MB * 1_000_000)),
        ("  ", int(DEFAULT_MAX_UPLOAD_MB * 1_000_000)),
        ("1", 1_000_000),
        ("2.5", 2_500_000),
        (" 2048 ", 2_048_000_000),
        ("0.001", 1_000),
        ("1e3", 1_000_000_000),
    ],
)
def test_the_largest_upload_is_read_in_megabytes(
    tmp_path: Path, raw: str | None, expected: int
) -> None:
    env = _env(tmp_path)
    if raw is not None:
        env["DESIGNER_MAX_UPLOAD_MB"] = raw

    assert load_settings(env).max_upload_bytes == expected


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("abc", "must be a number of megabytes; found 'abc'"),
        ("500MB", "must be a number of megabytes; found '500MB'"),
        ("1,5", "must be a number of megabytes; found '1,5'"),
        ("0", "must be more than 0; found '0'"),
        ("-5", "must be more than 0; found '-5'"),
        ("nan", "must be more than 0; found 'nan'"),
    ],
)
def test_a_bad_upload_limit_is_refused_clearly(tmp_path: Path, raw: str, message: str) -> None:
    with pytest.raises(ValueError) as raised:
        load_settings(_env(tmp_path, DESIGNER_MAX_UPLOAD_MB=raw))

    assert str(raised.value) == f"DESIGNER_MAX_UPLOAD_MB {message}"


def test_an_infinite_upload_limit_is_refused_clearly(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="DESIGNER_MAX_UPLOAD_MB"):
        load_settings(_env(tmp_path, DESIGNER_MAX_UPLOAD_MB="inf"))


# -- open_store ---------------------------------------------------------------------------


def test_without_s3_the_store_is_the_objects_folder_of_home(tmp_path: Path) -> None:
    settings = load_settings(_env(tmp_path))

    store = open_store(settings)

    assert isinstance(store, LocalFolderStore)
    assert store.root == (tmp_path / "home" / "objects").resolve()
    assert not store.root.exists()  # opening makes nothing
    assert store.description == f"the folder {store.root}"


def test_with_an_endpoint_the_store_is_that_bucket_and_opening_touches_no_network(
    tmp_path: Path,
) -> None:
    endpoint = f"127.0.0.1:{closed_port()}"  # nothing listens: any request would fail
    settings = load_settings(
        _env(
            tmp_path,
            DESIGNER_S3_ENDPOINT=endpoint,
            DESIGNER_S3_BUCKET="team-data",
            DESIGNER_S3_ACCESS_KEY="key",
            DESIGNER_S3_SECRET_KEY="secret",
        )
    )

    store = open_store(settings)

    assert isinstance(store, S3Store)
    assert store.description == f"bucket team-data at {endpoint}"
    assert store.location("datasets/a.csv") == "s3://team-data/datasets/a.csv"
    assert not (tmp_path / "home" / "objects").exists()


def test_a_url_endpoint_decides_tls(tmp_path: Path) -> None:
    settings = load_settings(
        _env(tmp_path, DESIGNER_S3_ENDPOINT="https://minio.example.com", DESIGNER_S3_SECURE="0")
    )

    store = open_store(settings)

    assert isinstance(store, S3Store)
    assert (store.endpoint, store.secure) == ("minio.example.com", True)
    assert store.description == "bucket designer at minio.example.com"


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({"DESIGNER_S3_ENDPOINT": "https://minio.example.com/designer"}, "cannot have a path"),
        ({"DESIGNER_S3_ENDPOINT": "minio:9000", "DESIGNER_S3_BUCKET": "My_Bucket"}, "bucket"),
        ({"DESIGNER_S3_ENDPOINT": "minio:9000", "DESIGNER_S3_ACCESS_KEY": "k"}, "SECRET_KEY"),
    ],
)
def test_storage_settings_s3_cannot_use_are_refused_on_opening(
    tmp_path: Path, variables: dict[str, str], message: str
) -> None:
    settings = load_settings(_env(tmp_path, **variables))

    with pytest.raises(ValueError, match=message):
        open_store(settings)


def test_the_store_is_chosen_from_the_real_environment(
    monkeypatch: pytest.MonkeyPatch, designer_home: Path
) -> None:
    monkeypatch.delenv("DESIGNER_S3_ENDPOINT", raising=False)
    assert isinstance(open_store(load_settings()), LocalFolderStore)
    assert open_store(load_settings()).location("a") == str((designer_home / "objects/a").resolve())

    monkeypatch.setenv("DESIGNER_S3_ENDPOINT", "minio:9000")
    assert isinstance(open_store(load_settings()), S3Store)
