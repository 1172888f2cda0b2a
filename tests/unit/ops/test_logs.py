"""The server's log: JSON or text lines, request and run ids, and secrets never written."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from designer.ops import logs
from designer.ops.request_context import request_id
from designer.runs.local import LocalEngine
from designer.runs.record import Status
from designer.settings import load_settings
from tests.fixtures.sums_pipeline import compiled

SECRETS = {
    "DESIGNER_S3_SECRET_KEY": "s3-secret-value-1234",
    "DESIGNER_OIDC_CLIENT_SECRET": "oidc-client-secret-5678",
    "DESIGNER_METRICS_TOKEN": "metrics-token-9012",
    "DESIGNER_KFP_TOKEN": "kfp-token-3456",
}
DATABASE_PASSWORD = "database-password-7890"


@pytest.fixture
def captured() -> Iterator[tuple[io.StringIO, list[logging.Handler]]]:
    """The log's stream; every handler ``configure`` installs is removed afterwards."""
    stream = io.StringIO()
    installed: list[logging.Handler] = []
    root = logging.getLogger()
    level = root.level
    yield stream, installed
    for handler in installed:
        root.removeHandler(handler)
    root.setLevel(level)


def configure(captured: tuple[io.StringIO, list[logging.Handler]], **env: str) -> io.StringIO:
    stream, installed = captured
    installed.append(logs.configure(load_settings(env), stream))
    return stream


def lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def test_json_lines_carry_the_request_id(captured) -> None:
    stream = configure(captured, DESIGNER_LOG_FORMAT="json")
    token = request_id.set("request-0123456789")
    try:
        logging.getLogger("designer.test").info("hello %s", "world")
    finally:
        request_id.reset(token)
    logging.getLogger("designer.test").warning("outside")
    first, second = lines(stream)
    assert first["message"] == "hello world"
    assert first["level"] == "info"
    assert first["logger"] == "designer.test"
    assert first["request_id"] == "request-0123456789"
    assert "request_id" not in second
    assert str(first["time"]).endswith("+00:00")


def test_text_lines_name_request_and_run(captured) -> None:
    stream = configure(captured)
    token = request_id.set("request-0123456789")
    try:
        logging.getLogger("designer.test").info("ran", extra={"run_id": "run-1"})
    finally:
        request_id.reset(token)
    line = stream.getvalue().strip()
    assert line.endswith("INFO designer.test: ran [request request-0123456789 run run-1]")


@pytest.mark.parametrize("form", ["text", "json"])
def test_known_secrets_are_masked_in_messages_and_tracebacks(captured, form: str) -> None:
    env = {
        **SECRETS,
        "DESIGNER_LOG_FORMAT": form,
        "DESIGNER_S3_ENDPOINT": "127.0.0.1:9",
        "DESIGNER_S3_ACCESS_KEY": "access",
        "DESIGNER_OIDC_ISSUER": "https://issuer.invalid",
        "DESIGNER_OIDC_CLIENT_ID": "designer",
        "DESIGNER_KFP_HOST": "http://127.0.0.1:9",
        "DESIGNER_DATABASE_URL": f"postgresql://designer:{DATABASE_PASSWORD}@127.0.0.1:9/x",
    }
    stream = configure(captured, **env)
    log = logging.getLogger("designer.test")
    every = [*SECRETS.values(), DATABASE_PASSWORD]
    log.warning("the keys were %s", ", ".join(every))
    try:
        raise RuntimeError(f"failed with {every[0]} and {every[-1]}")
    except RuntimeError:
        log.exception("it broke")
    written = stream.getvalue()
    for secret in every:
        assert secret not in written
    assert written.count(logs.MASK) >= len(every) + 2


def test_the_level_setting_drops_lower_records(captured) -> None:
    stream = configure(captured, DESIGNER_LOG_LEVEL="warning", DESIGNER_LOG_FORMAT="json")
    logging.getLogger("designer.test").info("not written")
    logging.getLogger("designer.test").warning("written")
    assert [entry["message"] for entry in lines(stream)] == ["written"]


@pytest.mark.parametrize(
    ("name", "raw"), [("DESIGNER_LOG_FORMAT", "yaml"), ("DESIGNER_LOG_LEVEL", "loud")]
)
def test_a_bad_setting_says_which_values_it_takes(name: str, raw: str) -> None:
    with pytest.raises(ValueError, match=f"{name} must be one of"):
        load_settings({name: raw})


@pytest.mark.slow
def test_a_run_logs_with_the_id_of_the_request_that_started_it(captured, tmp_path: Path) -> None:
    stream = configure(captured, DESIGNER_LOG_FORMAT="json")
    settings = load_settings({"DESIGNER_HOME": str(tmp_path)})
    engine = LocalEngine(settings.runs_dir, settings=settings)
    token = request_id.set("request-for-the-run-01")
    try:
        run = engine.start(compiled(), flow_name="sums")
    finally:
        request_id.reset(token)
    assert run.wait(120).status is Status.SUCCEEDED
    about_run = [entry for entry in lines(stream) if entry.get("run_id") == run.run_id]
    messages = [entry["message"] for entry in about_run]
    assert "local run started (3 blocks)" in messages
    assert "local run succeeded (3 blocks ran, 0 reused)" in messages
    assert {entry.get("request_id") for entry in about_run} == {"request-for-the-run-01"}


def test_libraries_that_would_log_secrets_say_warnings_only(captured) -> None:
    stream = configure(captured, DESIGNER_LOG_LEVEL="debug", DESIGNER_LOG_FORMAT="json")
    logging.getLogger("sqlalchemy.engine.Engine").info("SELECT ... WHERE token = 'abc'")
    logging.getLogger("urllib3.connectionpool").debug("GET /?X-Amz-Signature=abc")
    logging.getLogger("designer.test").debug("ours")
    assert [entry["message"] for entry in lines(stream)] == ["ours"]
