"""Per-node resources: amounts read as people write them, problems in plain words, and what
lands in the compiled pipeline for a cluster (and nothing for a local run)."""

from __future__ import annotations

import contextlib
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from google.protobuf import json_format
from hypothesis import given
from hypothesis import strategies as st
from kfp import compiler, dsl
from kfp.kubernetes import kubernetes_executor_config_pb2
from kfp.pipeline_spec import pipeline_spec_pb2

from blocks.catalogue import get_block
from designer.flow.compile import FlowInvalid, compile_flow
from designer.flow.document import Flow, flow_json_schema, parse_flow, parse_flow_text
from designer.flow.quantities import QuantityError, cpu_quantity, gpu_count, memory_quantity
from designer.flow.resources import (
    NodeResources,
    ResourcesInvalid,
    apply_resources,
    cluster_resources,
    local_resource_note,
    node_resource_problems,
    resource_problems,
    setting_title,
)
from designer.flow.validate import check_flow
from designer.settings import load_settings
from tests.fixtures.flow_files import fixture_flow

LIKE_CPU = "CPU limit must be like 500m, 0.5 or 2; found {}"
LIKE_MEMORY = "Memory limit must be like 512Mi, 2Gi, 1G or 1e9; found {}"
LIKE_GPU = "GPU count must be a whole number from 0 to 16; found {}"
#: kfp's own checks of what its setters accept (pipeline_task.py), and Kubernetes' quantities.
KFP_CPU = re.compile(r"([0-9]*[.])?[0-9]+m?$")
KFP_MEMORY = re.compile(r"^[0-9]+(E|Ei|P|Pi|T|Ti|G|Gi|M|Mi|K|Ki){0,1}$")
K8S_QUANTITY = re.compile(r"^[0-9]+(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$")


@pytest.mark.parametrize(
    ("typed", "normal"),
    [
        ("500m", "500m"),
        ("0.5", "500m"),
        ("2", "2"),
        (2, "2"),
        (0.25, "250m"),
        ("1.5", "1500m"),
        ("  750m ", "750m"),
        ("1e-1", "100m"),
        ("2000m", "2"),
        ("4096", "4096"),
    ],
)
def test_cpu_amounts_people_write_are_read(typed: Any, normal: str) -> None:
    assert cpu_quantity(typed, "CPU limit") == normal


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("5 cores", LIKE_CPU.format("'5 cores'")),
        ("500M", LIKE_CPU.format("'500M'")),
        ("-1", LIKE_CPU.format("'-1'")),
        (-1, LIKE_CPU.format("-1")),
        (True, LIKE_CPU.format("true")),
        (float("inf"), LIKE_CPU.format("inf")),
        ("x" * 50, LIKE_CPU.format("'" + "x" * 37 + "...'")),
        ("0", "CPU limit must be at least 1m (a thousandth of a CPU); found '0'"),
        ("0.0001", "CPU limit must be at least 1m (a thousandth of a CPU); found '0.0001'"),
        ("1.0005", "CPU limit goes in steps of 1m (a thousandth of a CPU); found '1.0005'"),
        ("5000", "CPU limit must be at most 4096 CPUs; found '5000'"),
        ("1e999", "CPU limit must be at most 4096 CPUs; found '1e999'"),
    ],
)
def test_bad_cpu_amounts_say_what_would_do(typed: Any, message: str) -> None:
    with pytest.raises(QuantityError) as caught:
        cpu_quantity(typed, "CPU limit")
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("typed", "normal"),
    [
        ("512Mi", "512Mi"),
        ("2Gi", "2Gi"),
        ("1G", "1G"),
        ("1e9", "1G"),
        (1e9, "1G"),
        (2**31, "2Gi"),
        ("1.5Gi", "1536Mi"),
        ("1024M", "1024M"),
        ("2 Gi", "2Gi"),
        ("3000k", "3M"),
        ("1048577", "1048577"),
        ("0.3Gi", "322122548"),  # whole bytes, rounded up as Kubernetes does
        ("1Pi", "1Pi"),
    ],
)
def test_memory_amounts_people_write_are_read(typed: Any, normal: str) -> None:
    assert memory_quantity(typed, "Memory limit") == normal


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("2 gigs", LIKE_MEMORY.format("'2 gigs'")),
        ("2GB", LIKE_MEMORY.format("'2GB' (write 2G or 2Gi)")),
        ("64MiB", LIKE_MEMORY.format("'64MiB' (write 64Mi)")),
        ("2gi", LIKE_MEMORY.format("'2gi' (write 2Gi)")),
        ("5K", LIKE_MEMORY.format("'5K' (write 5k or 5Ki)")),
        ("512m", LIKE_MEMORY.format("'512m' (m means thousandths of a byte; write 512Mi or 512M)")),
        (False, LIKE_MEMORY.format("false")),
        ("512", "Memory limit must be at least 1Mi; found '512' (a number alone counts bytes: "
         "write 512Mi)"),
        ("100k", "Memory limit must be at least 1Mi; found '100k'"),
        ("2Pi", "Memory limit must be at most 1Pi; found '2Pi'"),
    ],
)  # fmt: skip
def test_bad_memory_amounts_say_what_would_do(typed: Any, message: str) -> None:
    with pytest.raises(QuantityError) as caught:
        memory_quantity(typed, "Memory limit")
    assert str(caught.value) == message


@pytest.mark.parametrize(("typed", "count"), [("2", 2), (2, 2), (2.0, 2), (" 16 ", 16), ("0", 0)])
def test_gpu_counts_are_whole_numbers(typed: Any, count: int) -> None:
    assert gpu_count(typed) == count


@pytest.mark.parametrize(
    ("typed", "shown"), [("1.5", "'1.5'"), (17, "17"), (-1, "-1"), ("two", "'two'"), (True, "true")]
)
def test_bad_gpu_counts_say_what_would_do(typed: Any, shown: str) -> None:
    with pytest.raises(QuantityError) as caught:
        gpu_count(typed)
    assert str(caught.value) == LIKE_GPU.format(shown)


scalars = (
    st.text(max_size=60)
    | st.from_regex(r"\s*[0-9.]{0,8}([eE][+-]?[0-9]{0,4})?\s*[A-Za-z]{0,3}\s*", fullmatch=True)
    | st.integers()
    | st.floats()
    | st.booleans()
    | st.none()
)


@given(scalars)
def test_reading_an_amount_gives_what_kfp_and_kubernetes_take_or_a_clean_error(value: Any) -> None:
    for read, kfp_rule in ((cpu_quantity, KFP_CPU), (memory_quantity, KFP_MEMORY)):
        try:
            normal = read(value)
        except QuantityError as exc:
            assert "found" in str(exc) and "\n" not in str(exc)
        else:
            assert kfp_rule.match(normal) and K8S_QUANTITY.match(normal), normal
    with contextlib.suppress(QuantityError):
        assert 0 <= gpu_count(value) <= 16


#: Values that pass some checks, so the fuzz reaches the checks behind them too.
USUAL = ["", " ", "0", "2", "500m", "2Gi", "nvidia.com/gpu", "gpu", "Equal", "Exists", "NoSchedule"]
json_scalars = (
    st.sampled_from(USUAL)
    | st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=12)
)
resource_dicts = st.fixed_dictionaries(
    {},
    optional={
        **dict.fromkeys(
            ("cpu_request", "cpu_limit", "memory_request", "memory_limit", "gpu", "gpu_type"),
            json_scalars,
        ),
        "node_selector": st.dictionaries(
            st.sampled_from(USUAL) | st.text(max_size=12), json_scalars, max_size=3
        ),
        "tolerations": st.lists(
            st.dictionaries(
                st.sampled_from(["key", "operator", "value", "effect", "seconds"]), json_scalars
            ),
            max_size=3,
        ),
        "cpu": json_scalars,
    },
)


@given(resource_dicts)
def test_any_resources_load_and_are_checked_without_raising(data: dict[str, Any]) -> None:
    resources = NodeResources.model_validate(data)
    problems = node_resource_problems("train", resources)
    assert all(p.node == "train" and p.param and p.param.startswith("resources") for p in problems)
    if not [p for p in problems if p.severity == "error"]:
        cluster_resources(resources)  # what passes the check goes to a cluster as it is


#: (resources, the problems the check reports: severity, field, message)
PROBLEMS = [
    (
        {
            "cpu_request": "500m",
            "cpu_limit": 2,
            "memory_request": "1e9",
            "memory_limit": "2Gi",
            "gpu": 1,
            "gpu_type": "amd.com/gpu",
            "node_selector": {"kubernetes.io/arch": "amd64", "pool": ""},
            "tolerations": [{"key": "gpu", "operator": "Exists"}, {"operator": "Exists"}],
        },
        [],
    ),
    (
        {"cpu_request": "2", "cpu_limit": "500m"},
        [("error", "cpu_request", "CPU request (2) is more than the CPU limit (500m); "
          "a request must be at most its limit")],
    ),
    (
        {"memory_request": "4Gi", "memory_limit": "2Gi"},
        [("error", "memory_request", "Memory request (4Gi) is more than the memory limit (2Gi); "
          "a request must be at most its limit")],
    ),
    (
        {"memory_limit": "2 gigs", "cpu_request": "5 cores"},
        [
            ("error", "cpu_request", "CPU request must be like 500m, 0.5 or 2; found '5 cores'"),
            ("error", "memory_limit", LIKE_MEMORY.format("'2 gigs'")),
        ],
    ),
    ({"gpu": "1.5"}, [("error", "gpu", LIKE_GPU.format("'1.5'"))]),
    (
        {"gpu": 1, "gpu_type": "tesla"},
        [("error", "gpu_type", "GPU type must be a device's resource name like nvidia.com/gpu "
          "or amd.com/gpu; found 'tesla' (it needs the vendor's domain before a '/')")],
    ),
    (
        {"gpu_type": "nvidia.com/gpu", "gpu": " "},
        [("warning", "gpu_type", "GPU type is set but the GPU count is 0, so no GPU is asked "
          "for; set a GPU count or clear the type")],
    ),
    (
        {"node_selector": {"Disk Type": "ssd"}},
        [("error", "node_selector.0.key", "Node selector key 'Disk Type' is not a label key: "
          "the name must be at most 63 letters, digits, '-', '_' or '.', starting and ending "
          "with a letter or digit")],
    ),
    (
        {"node_selector": {"Example.com/pool": "a"}},
        [("error", "node_selector.0.key", "Node selector key 'Example.com/pool' is not a label "
          "key: the prefix before the '/' must be a lower-case domain name such as example.com "
          "(at most 253 characters)")],
    ),
    (
        {"node_selector": {"disktype": "ssd", "speed": "fast ssd"}},
        [("error", "node_selector.1.value", "Node selector value 'fast ssd' of 'speed': a label "
          "value must be empty or at most 63 letters, digits, '-', '_' or '.', starting and "
          "ending with a letter or digit")],
    ),
    (
        {"node_selector": {"gpu": True}},
        [("error", "node_selector.0.value", "Node selector value of 'gpu' must be text; "
          "found true")],
    ),
    (
        {"node_selector": {"": ""}},
        [("error", "node_selector.0.key", "Node selector label 1 has no key; type one (like "
          "disktype) or remove the label")],
    ),
    (
        {"tolerations": [{"key": "gpu", "operator": "Equals"}]},
        [("error", "tolerations.0.operator", "Toleration 1 operator must be Equal or Exists; "
          "found 'Equals'")],
    ),
    (
        {"tolerations": [{"key": "gpu"}, {"key": "gpu", "operator": "Exists", "value": "true"}]},
        [("error", "tolerations.1.value", "Toleration 2 uses Exists, which matches any value: "
          "leave its value empty (found 'true')")],
    ),
    (
        {"tolerations": [{"operator": "Equal", "value": "x"}]},
        [("error", "tolerations.0.key", "Toleration 1 needs a key (only the operator Exists may "
          "leave it empty, which tolerates every taint)")],
    ),
    (
        {"tolerations": [{"key": "gpu", "value": "true", "effect": "NoRun"}]},
        [("error", "tolerations.0.effect", "Toleration 1 effect must be NoSchedule, "
          "PreferNoSchedule or NoExecute (or empty for all); found 'NoRun'")],
    ),
    ({"tolerations": [{}]}, [("error", "tolerations.0.key", "Toleration 1 is empty; fill in "
                              "its key or remove it")]),
    (
        {"tolerations": [{"key": "gpu", "seconds": 5}]},
        [("error", "tolerations.0.key", "Toleration 1 has no setting 'seconds'; valid: key, "
          "operator, value, effect")],
    ),
    (
        {"tolerations": [{"key": 5}]},
        [("error", "tolerations.0.key", "Toleration 1 key must be text; found 5")],
    ),
    (
        {"cpu": "2"},
        [("error", "", "Resources have no setting 'cpu'; valid: cpu_request, cpu_limit, "
          "memory_request, memory_limit, gpu, gpu_type, node_selector, tolerations")],
    ),
]  # fmt: skip


@pytest.mark.parametrize(("resources", "expected"), PROBLEMS)
def test_each_bad_field_is_one_problem_naming_node_and_field(
    resources: dict[str, Any], expected: list[tuple[str, str, str]]
) -> None:
    flow = _iris(split=resources)
    problems = resource_problems(flow)
    assert [(str(p.severity), p.param, p.message) for p in problems] == [
        (severity, f"resources.{field}" if field else "resources", message)
        for severity, field, message in expected
    ]
    assert {p.node for p in problems} <= {"split"}
    assert {p.code for p in problems if p.severity == "error"} <= {"bad_resource"}


def test_bad_resources_load_as_typed_and_hold_the_flow_back() -> None:
    doc = _iris_doc(split={"memory_limit": "2 gigs", "cpu": "2", "cpu_limit": 0.5})
    flow, problems = parse_flow_text(json.dumps(doc))
    assert flow is not None and problems == []
    check = check_flow(flow)
    assert not check.valid
    reported = [(d.node, d.param, d.message) for d in check.diagnostics if d.code == "bad_resource"]
    assert reported == [
        ("split", "resources", "Resources have no setting 'cpu'; valid: cpu_request, cpu_limit, "
         "memory_request, memory_limit, gpu, gpu_type, node_selector, tolerations"),
        ("split", "resources.memory_limit", LIKE_MEMORY.format("'2 gigs'")),
    ]  # fmt: skip
    # Written back exactly as it was read: nothing typed is lost or "corrected".
    again = json.loads(flow.to_json())
    assert again["nodes"][1]["resources"] == {
        "cpu_limit": 0.5,
        "memory_limit": "2 gigs",
        "cpu": "2",
    }
    with pytest.raises(FlowInvalid, match="found '2 gigs'"):
        compile_flow(flow)


def test_a_flow_without_resources_is_written_as_before() -> None:
    flow, _ = parse_flow(fixture_flow("iris_classification"))
    assert flow is not None and "resources" not in flow.to_json()
    assert local_resource_note(flow) is None


def test_the_schema_lists_the_resource_fields_and_refuses_others() -> None:
    schema = flow_json_schema()
    resources = schema["$defs"]["NodeResources"]
    assert list(resources["properties"]) == [
        "cpu_request", "cpu_limit", "memory_request", "memory_limit", "gpu", "gpu_type",
        "node_selector", "tolerations",
    ]  # fmt: skip
    assert resources["additionalProperties"] is False
    assert schema["$defs"]["Toleration"]["additionalProperties"] is False


@pytest.mark.parametrize(
    ("nodes", "note"),
    [
        ([], None),
        ([("split", {})], None),
        (
            [("split", {"cpu_limit": "2"}), ("train", {"gpu": 1})],
            "Note: the resources set on split, train (CPU, memory, GPUs, node selector, "
            "tolerations) apply only when the flow runs on Kubeflow; this local run ignores them.",
        ),
    ],
)
def test_a_local_run_notes_the_resources_it_ignores(
    nodes: list[tuple[str, dict[str, Any]]], note: str | None
) -> None:
    assert local_resource_note(_iris(**dict(nodes))) == note


@pytest.mark.parametrize(
    ("param", "title"),
    [
        ("resources.cpu_limit", "Resources: CPU limit"),
        ("resources.node_selector.0.key", "Resources: node selector label 1"),
        ("resources.tolerations.2.effect", "Resources: toleration 3"),
        ("resources", "Resources"),
        ("test_size", None),
    ],
)
def test_problems_name_resource_fields_as_the_form_does(param: str, title: str | None) -> None:
    assert setting_title(param) == title


def test_resources_with_an_error_never_reach_a_task() -> None:
    bad = NodeResources(memory_limit="2 gigs")
    with pytest.raises(ResourcesInvalid, match="found '2 gigs'"):
        apply_resources(object(), bad, cluster=True)
    apply_resources(object(), bad, cluster=False)  # a local run looks at nothing


# ----- what lands in the pipeline ------------------------------------------------------------

BIG = {
    "cpu_request": "0.5",
    "cpu_limit": 2,
    "memory_request": "1e9",
    "memory_limit": "1.5Gi",
    "gpu": "2",
    "node_selector": {"disktype": "ssd", "kubernetes.io/arch": "amd64"},
    "tolerations": [
        {"key": "gpu", "operator": "Equal", "value": "true", "effect": "NoSchedule"},
        {"key": "spot", "operator": "Exists"},
    ],
}
SMALL = {"cpu_limit": "250m", "memory_limit": "512Mi"}


def _compiled(tmp_path: Path, cluster: bool) -> list[dict[str, Any]]:
    """Two split tasks of a real block, with different resources, compiled by kfp."""
    load, split = get_block("load.sklearn_dataset"), get_block("split.train_test")
    assert load is not None and split is not None

    @dsl.pipeline(name="resources")
    def pipeline():  # kfp reads a return annotation as an output
        data = load.component()(**load.params().model_dump()).outputs["data"]
        for resources in (BIG, SMALL):
            task = split.component()(data=data, **split.params().model_dump())
            apply_resources(task, NodeResources.model_validate(resources), cluster=cluster)

    package = tmp_path / "pipeline.yaml"
    compiler.Compiler().compile(pipeline, str(package))
    return list(yaml.safe_load_all(package.read_text()))


def test_a_cluster_pipeline_carries_each_tasks_resources(tmp_path: Path) -> None:
    spec, platform = _compiled(tmp_path, cluster=True)
    json_format.ParseDict(spec, pipeline_spec_pb2.PipelineSpec())
    json_format.ParseDict(platform, pipeline_spec_pb2.PlatformSpec())
    executors = spec["deploymentSpec"]["executors"]
    assert executors["exec-load-sklearn-dataset"]["container"].get("resources") is None
    big = executors["exec-split-train-test"]["container"]["resources"]
    assert {k: v for k, v in big.items() if k.startswith("resource")} == {
        "resourceCpuRequest": "500m",
        "resourceCpuLimit": "2",
        "resourceMemoryRequest": "1G",
        "resourceMemoryLimit": "1536Mi",
    }
    assert big["accelerator"]["resourceType"] == "nvidia.com/gpu"
    assert big["accelerator"]["resourceCount"] == "2"
    small = executors["exec-split-train-test-2"]["container"]["resources"]
    assert (small["resourceCpuLimit"], small["resourceMemoryLimit"]) == ("250m", "512Mi")
    assert "accelerator" not in small and "resourceCpuRequest" not in small

    k8s = platform["platforms"]["kubernetes"]["deploymentSpec"]["executors"]
    assert set(k8s) == {"exec-split-train-test"}
    config = k8s["exec-split-train-test"]
    json_format.ParseDict(config, kubernetes_executor_config_pb2.KubernetesExecutorConfig())
    assert config["nodeSelector"] == {"labels": {"disktype": "ssd", "kubernetes.io/arch": "amd64"}}
    assert config["tolerations"] == [
        {"key": "gpu", "operator": "Equal", "value": "true", "effect": "NoSchedule"},
        {"key": "spot", "operator": "Exists"},
    ]


def test_a_local_pipeline_carries_no_resources_and_stays_one_document(tmp_path: Path) -> None:
    documents = _compiled(tmp_path, cluster=False)
    assert len(documents) == 1
    json_format.ParseDict(documents[0], pipeline_spec_pb2.PipelineSpec())
    for executor in documents[0]["deploymentSpec"]["executors"].values():
        assert "resources" not in executor["container"]


def _iris_doc(**resources: dict[str, Any]) -> dict[str, Any]:
    doc = fixture_flow("iris_classification")
    for node in doc["nodes"]:
        if node["id"] in resources:
            node["resources"] = resources[node["id"]]
    return doc


def _iris(**resources: dict[str, Any]) -> Flow:
    flow, problems = parse_flow(_iris_doc(**resources))
    assert flow is not None and not problems
    return flow


def test_compile_flow_puts_resources_in_the_cluster_pipeline_and_notes_them_locally(
    tmp_path: Path,
) -> None:
    flow = _iris(train={"cpu_limit": "2", "memory_limit": "2Gi", "node_selector": {"pool": "ml"}})
    settings = load_settings(
        {
            "DESIGNER_HOME": str(tmp_path),
            "DESIGNER_KFP_HOST": "http://kfp.example",
            "DESIGNER_S3_ENDPOINT": "minio.example:9000",
        }
    )
    cluster = compile_flow(flow, settings=settings, engine="kubeflow")
    spec, platform = yaml.safe_load_all(cluster.ir_yaml)
    task = cluster.node_to_task["train"]
    label = spec["root"]["dag"]["tasks"][task]["componentRef"]["name"].replace("comp-", "exec-")
    resources = spec["deploymentSpec"]["executors"][label]["container"]["resources"]
    assert (resources["resourceCpuLimit"], resources["resourceMemoryLimit"]) == ("2", "2Gi")
    config = platform["platforms"]["kubernetes"]["deploymentSpec"]["executors"][label]
    assert config["nodeSelector"] == {"labels": {"pool": "ml"}}
    assert not cluster.notes

    local = compile_flow(flow, settings=settings)
    assert "resourceCpuLimit" not in local.ir_yaml
    assert local.notes == (local_resource_note(flow),)
