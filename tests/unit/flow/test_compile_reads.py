"""What a compiled run may read: refused addresses marked on their node before any run, storage
addresses signed so the run needs no keys, the network cut when nothing needs it, and a refused
address that arrives at run time (through a flow parameter) failing its node in a real run."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from minio import Minio

from designer.flow.compile import FlowInvalid, compile_flow
from designer.flow.document import Flow
from designer.flow.validate import check_flow
from designer.runs.local import LocalEngine
from designer.runs.record import Status
from tests.fixtures.object_stores import ACCESS_KEY, SECRET_KEY, s3_server
from tests.fixtures.table_server import DATA, TableServer

__all__ = ["s3_server"]

#: A bucket of someone else's tables that an administrator opened to blocks.
OPEN_BUCKET = "open-tables"


def reading(uri: Any, params: list[dict[str, Any]] | None = None) -> Flow:
    """A flow of one Table file block reading ``uri`` (a value or a flow parameter reference)."""
    return Flow.model_validate(
        {
            "schema_version": 1,
            "name": "Read a table",
            "params": params or [],
            "nodes": [
                {
                    "id": "load",
                    "block": "load.table_file",
                    "params": {"uri": uri, "target": "species"},
                }
            ],
            "edges": [],
        }
    )


def from_parameter(default: str = "pets.csv") -> Flow:
    return reading({"$param": "source"}, [{"name": "source", "type": "string", "default": default}])


@pytest.fixture
def storage(s3_server: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The designer's S3 storage on moto, with pets.csv in a bucket blocks may read."""
    client = Minio(s3_server, access_key=ACCESS_KEY, secret_key=SECRET_KEY, secure=False)
    if not client.bucket_exists(OPEN_BUCKET):
        client.make_bucket(OPEN_BUCKET)
    client.fput_object(OPEN_BUCKET, "tables/pets.csv", str(DATA / "pets.csv"))
    for name, value in {
        "DESIGNER_S3_ENDPOINT": s3_server,
        "DESIGNER_S3_ACCESS_KEY": ACCESS_KEY,
        "DESIGNER_S3_SECRET_KEY": SECRET_KEY,
        "DESIGNER_S3_BUCKET": "designer",
        "DESIGNER_S3_READ_BUCKETS": OPEN_BUCKET,
    }.items():
        monkeypatch.setenv(name, value)
    yield s3_server


@pytest.mark.parametrize(
    ("uri", "needs_network"),
    [
        ("pets.csv", False),
        (str(DATA / "pets.parquet"), False),
        ("https://example.org/pets.csv", True),
        ({"$param": "source"}, True),
    ],
    ids=["a data folder file", "an absolute path", "a web address", "a flow parameter"],
)
def test_the_network_is_needed_only_for_web_storage_or_parameter_addresses(
    uri: Any, needs_network: bool
) -> None:
    params = [{"name": "source", "type": "string", "default": "pets.csv"}]
    compiled = compile_flow(reading(uri, params))
    assert (compiled.reads, compiled.needs_network) == ((), needs_network)
    assert "DESIGNER_READ_GRANTS" not in compiled.ir_yaml


@pytest.mark.parametrize(
    ("uri", "words"),
    [
        ("/proc/self/environ", "only inside the data folders"),
        ("../../etc/passwd", "leads outside them"),
        ("http://169.254.169.254/latest/meta-data/", "link-local"),
        ("http://localhost:8080/", "is this computer"),
        ("s3://designer/datasets/sha256/ab/abc", "the designer's own storage"),
        ("s3://elsewhere/pets.csv", "DESIGNER_S3_READ_BUCKETS"),
    ],
)
@pytest.mark.usefixtures("storage")
def test_a_refused_address_is_an_error_on_its_node_before_any_run(uri: str, words: str) -> None:
    check = check_flow(reading(uri))
    [problem] = [d for d in check.diagnostics if d.severity == "error"]
    assert (problem.node, problem.param) == ("load", "uri") and words in problem.message
    with pytest.raises(FlowInvalid, match="cannot read"):
        compile_flow(reading(uri))


def test_a_flow_parameter_default_is_checked_like_a_written_address() -> None:
    check = check_flow(from_parameter("/etc/passwd"))
    assert [(d.node, d.param) for d in check.diagnostics] == [("load", "uri")]


def test_an_open_bucket_is_signed_and_the_run_reads_it_without_keys(
    storage: str, designer_home: Path
) -> None:
    compiled = compile_flow(reading(f"s3://{OPEN_BUCKET}/tables/pets.csv"))
    [signed] = compiled.reads
    assert signed.startswith(f"http://{storage}/{OPEN_BUCKET}/tables/pets.csv?")
    assert compiled.needs_network and "s3://" not in compiled.ir_yaml
    assert compile_flow(reading(f"s3://{OPEN_BUCKET}/tables/pets.csv")).reads == (signed,)

    keyless = {"DESIGNER_S3_ACCESS_KEY": "", "DESIGNER_S3_SECRET_KEY": ""}
    record = LocalEngine(designer_home / "runs", env=keyless).run(compiled, flow_name="Read")
    assert record.status is Status.SUCCEEDED, record.nodes["load"].error
    assert record.nodes["load"].outputs["data"].metadata["rows"] == 40


def test_without_s3_storage_an_open_bucket_cannot_be_signed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DESIGNER_S3_READ_BUCKETS", OPEN_BUCKET)
    flow = reading(f"s3://{OPEN_BUCKET}/tables/pets.csv")
    assert check_flow(flow).valid  # the form is fine...
    with pytest.raises(FlowInvalid, match=r"no S3 storage to sign it with.*DESIGNER_S3_ENDPOINT"):
        compile_flow(flow)  # ...but there are no keys to sign it with


@pytest.fixture
def loopback_server() -> Iterator[TableServer]:
    with TableServer() as server:
        yield server


@pytest.mark.slow
@pytest.mark.parametrize(
    ("address", "words"),
    [
        ("/proc/self/environ", "cannot read '/proc/self/environ': blocks may read files only"),
        ("http://127.0.0.1:{port}/pets.csv", "127.0.0.1 is this computer (loopback)"),
        (f"s3://{OPEN_BUCKET}/tables/pets.csv", "arrived later (from a flow parameter)"),
    ],
    ids=["the process environment", "loopback", "an open bucket"],
)
def test_a_refused_address_given_at_run_time_fails_its_node(
    designer_home: Path,
    loopback_server: TableServer,
    monkeypatch: pytest.MonkeyPatch,
    address: str,
    words: str,
) -> None:
    """The flow checks out with an allowed default; the run is started with a hostile value
    for the parameter, and the block refuses it in the run itself."""
    monkeypatch.setenv("DESIGNER_S3_READ_BUCKETS", OPEN_BUCKET)
    compiled = compile_flow(from_parameter())
    hostile = address.format(port=loopback_server.port)
    record = LocalEngine(designer_home / "runs").run(
        compiled, flow_name="Read", arguments={"source": hostile}
    )
    assert record.status is Status.FAILED
    load = record.nodes["load"]
    assert load.status is Status.FAILED and words in load.error
    assert "ReadRefused" in load.error and not load.outputs
    assert os.environ["PATH"] not in load.log  # the environment was never read
    assert loopback_server.requests == []


def test_grants_reach_only_the_task_that_reads_them(storage: str) -> None:
    flow = reading(f"s3://{OPEN_BUCKET}/tables/pets.csv").model_dump(mode="json")
    flow["nodes"].append({"id": "other", "block": "load.table_file", "params": {"uri": "pets.csv"}})
    compiled = compile_flow(Flow.model_validate(flow))
    executors = yaml.safe_load(compiled.ir_yaml)["deploymentSpec"]["executors"]
    granted = {
        name: {e["name"]: e["value"] for e in spec["container"].get("env", [])}
        for name, spec in executors.items()
    }
    assert sorted(map(len, granted.values())) == [0, 1]
    [env] = [found for found in granted.values() if found]
    assert json.loads(env["DESIGNER_READ_GRANTS"]) == list(compiled.reads)
