"""Compile time of large flows: ours (check + compile) against the same pipeline written with KFP.

Run from the repository root: ``.venv/bin/python bench/compile_bench.py [--quick] [--profile]``.
See bench/README.md for what is measured.

No ``from __future__ import annotations`` here: KFP reads the annotations of the hand-written
pipeline functions and cannot take them as strings.
"""

import argparse
import cProfile
import pstats
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from _common import median, print_header, print_table, timed
from kfp import compiler, dsl

from blocks.catalogue import get_block
from designer.flow.compile import compile_flow, pipeline_name
from designer.flow.document import Flow, parse_flow
from designer.flow.validate import check_data, check_flow

LOAD = "load.sklearn_dataset"
SPLIT = "split.train_test"
PREPARE = "preprocess.prepare_columns"

# Every parameter spelled out, so the hand-written baseline passes exactly the same arguments
# as the compiled flow (which passes every parameter, defaults included).
LOAD_PARAMS: dict[str, Any] = {"dataset": "iris"}
SPLIT_PARAMS: dict[str, Any] = {"test_size": 0.2, "seed": 42, "stratify": True}
PREPARE_PARAMS: dict[str, Any] = {
    "drop_columns": [],
    "impute": "median",
    "scale": "none",
    "one_hot": True,
}

RATIO_TARGET = 1.2
COMPILE_HEADERS = (
    "shape",
    "nodes",
    "best of",
    "ours ms",
    "baseline ms",
    "ours/baseline",
    "meets",
    "same IR",
)
VALIDATION_TARGET_MS = 50.0

PipelineBody = Callable[[], None]


@dataclass(frozen=True)
class Case:
    """One flow shape at one size: its document, the parsed flow and the hand-written twin."""

    shape: str
    nodes: int
    document: dict[str, Any]
    flow: Flow
    body: PipelineBody

    @property
    def name(self) -> str:
        return pipeline_name(self.flow.name)


# --- flow documents -------------------------------------------------------------------------


def _node(node_id: str, block: str, params: dict[str, Any]) -> dict[str, Any]:
    return {"id": node_id, "block": block, "params": dict(params)}


def _edge(source: str, source_port: str, target: str, target_port: str) -> dict[str, Any]:
    return {
        "source": source,
        "source_port": source_port,
        "target": target,
        "target_port": target_port,
    }


def chain_document(size: int) -> dict[str, Any]:
    """load -> split -> prepare -> prepare -> ... : each node depends on the one before."""
    nodes = [_node("load", LOAD, LOAD_PARAMS), _node("split", SPLIT, SPLIT_PARAMS)]
    edges = [_edge("load", "data", "split", "data")]
    previous, train, test = "split", "train", "test"
    for index in range(size - 2):
        node_id = f"prepare{index}"
        nodes.append(_node(node_id, PREPARE, PREPARE_PARAMS))
        edges.append(_edge(previous, train, node_id, "train"))
        edges.append(_edge(previous, test, node_id, "test"))
        previous, train, test = node_id, "prepared_train", "prepared_test"
    return {"schema_version": 1, "name": f"chain {size}", "nodes": nodes, "edges": edges}


def fanout_document(size: int) -> dict[str, Any]:
    """One load feeding ``size - 1`` splits."""
    nodes = [_node("load", LOAD, LOAD_PARAMS)]
    edges = []
    for index in range(size - 1):
        node_id = f"split{index}"
        nodes.append(_node(node_id, SPLIT, SPLIT_PARAMS))
        edges.append(_edge("load", "data", node_id, "data"))
    return {"schema_version": 1, "name": f"fanout {size}", "nodes": nodes, "edges": edges}


# --- the same pipelines, written by hand with the KFP SDK ----------------------------------------


def _component(block_id: str) -> Any:
    block = get_block(block_id)
    assert block is not None, block_id
    return block.component()


def chain_body(size: int) -> PipelineBody:
    load, split, prepare = _component(LOAD), _component(SPLIT), _component(PREPARE)

    def flow() -> None:
        data = load(**LOAD_PARAMS)
        parts = split(data=data.outputs["data"], **SPLIT_PARAMS)
        train, test = parts.outputs["train"], parts.outputs["test"]
        for _ in range(size - 2):
            prepared = prepare(train=train, test=test, **PREPARE_PARAMS)
            train = prepared.outputs["prepared_train"]
            test = prepared.outputs["prepared_test"]

    return flow


def fanout_body(size: int) -> PipelineBody:
    load, split = _component(LOAD), _component(SPLIT)

    def flow() -> None:
        data = load(**LOAD_PARAMS)
        for _ in range(size - 1):
            split(data=data.outputs["data"], **SPLIT_PARAMS)

    return flow


SHAPES: dict[str, tuple[Callable[[int], dict[str, Any]], Callable[[int], PipelineBody]]] = {
    "chain": (chain_document, chain_body),
    "fan-out": (fanout_document, fanout_body),
}


def make_case(shape: str, size: int) -> Case:
    document_of, body_of = SHAPES[shape]
    document = document_of(size)
    flow, problems = parse_flow(document)
    if flow is None or problems:
        raise SystemExit(f"the {shape} flow of {size} nodes does not parse: {problems}")
    return Case(shape, size, document, flow, body_of(size))


# --- the two contenders --------------------------------------------------------------------


def ours(case: Case) -> str:
    """The full path from a parsed Flow to IR text."""
    check = check_flow(case.flow)
    return compile_flow(case.flow, check).ir_yaml


def baseline(case: Case) -> str:
    """The hand-written pipeline function, decorated and compiled to a temp file, read back."""
    pipeline = dsl.pipeline(name=case.name)(case.body)
    with tempfile.TemporaryDirectory() as tmp:
        package = Path(tmp) / "pipeline.yaml"
        compiler.Compiler().compile(pipeline, str(package))
        return package.read_text()


# --- measurements ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CompileRow:
    case: Case
    ours_s: float
    baseline_s: float
    same_ir: bool

    @property
    def ratio(self) -> float:
        return self.ours_s / self.baseline_s


def warm_up() -> None:
    """Import, build the components and fill the sklearn schema cache outside the timings."""
    for shape in SHAPES:
        case = make_case(shape, 10)
        ours(case)
        baseline(case)


def measure_compile(case: Case, repeats: int) -> CompileRow:
    """Best of ``repeats``, ours and baseline interleaved, alternating which goes first."""
    same_ir = ours(case) == baseline(case)
    ours_times: list[float] = []
    baseline_times: list[float] = []
    for index in range(repeats):
        pair = [(ours_times, ours), (baseline_times, baseline)]
        for times, contender in pair if index % 2 == 0 else reversed(pair):
            times.append(timed(lambda contender=contender: contender(case)))
    return CompileRow(case, min(ours_times), min(baseline_times), same_ir)


def compile_table(sizes: list[int], repeats_for: Callable[[int], int]) -> list[CompileRow]:
    rows = []
    for shape in SHAPES:
        for size in sizes:
            rows.append(measure_compile(make_case(shape, size), repeats_for(size)))
            print(f"  measured {shape} {size}", flush=True)
    return rows


def print_compile_rows(rows: list[CompileRow], repeats_for: Callable[[int], int]) -> None:
    print()
    print(f"Compile: check_flow + compile_flow vs hand-written KFP (target <= {RATIO_TARGET})")
    print_table(
        COMPILE_HEADERS,
        [
            [
                row.case.shape,
                row.case.nodes,
                repeats_for(row.case.nodes),
                f"{row.ours_s * 1000:.1f}",
                f"{row.baseline_s * 1000:.1f}",
                f"{row.ratio:.2f}",
                "yes" if row.ratio <= RATIO_TARGET else "NO",
                "yes" if row.same_ir else "no",
            ]
            for row in rows
        ],
    )


def validation_table(size: int, runs: int) -> None:
    rows = []
    for shape in SHAPES:
        case = make_case(shape, size)
        check_flow(case.flow)  # warm
        parsed = median([timed(lambda case=case: check_flow(case.flow)) for _ in range(runs)])
        raw = median([timed(lambda case=case: check_data(case.document)) for _ in range(runs)])
        for what, seconds in (("check_flow(Flow)", parsed), ("check_data(dict)", raw)):
            ms = seconds * 1000
            meets = "yes" if ms <= VALIDATION_TARGET_MS else "NO"
            rows.append([shape, size, what, f"{ms:.1f}", f"{VALIDATION_TARGET_MS:.0f}", meets])
    print()
    print(f"Validation alone: median of {runs} runs (target <= {VALIDATION_TARGET_MS:.0f} ms)")
    print_table(["shape", "nodes", "call", "median ms", "target ms", "meets"], rows)


def profile(size: int, top: int = 20) -> None:
    """cProfile of check_flow and of compile_flow (given the check) on the largest flows."""
    for shape in SHAPES:
        case = make_case(shape, size)
        check = check_flow(case.flow)
        for label, call in (
            ("check_flow", lambda case=case: check_flow(case.flow)),
            ("compile_flow", lambda case=case, check=check: compile_flow(case.flow, check)),
        ):
            profiler = cProfile.Profile()
            profiler.runcall(call)
            print()
            print(f"## profile: {label}, {shape} of {size} nodes (top {top} by own time)")
            stats = pstats.Stats(profiler).strip_dirs().sort_stats("tottime")
            stats.print_stats(top)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes and fewer repeats")
    parser.add_argument("--profile", action="store_true", help="also print cProfile hot spots")
    args = parser.parse_args()

    sizes = [10, 100] if args.quick else [10, 100, 500, 1000]
    validation_runs = 5 if args.quick else 20

    def repeats_for(size: int) -> int:
        if args.quick:
            return 2
        return 3 if size >= 500 else 5

    print_header("compile benchmark" + (" (quick)" if args.quick else ""))
    warm_up()
    rows = compile_table(sizes, repeats_for)
    print_compile_rows(rows, repeats_for)
    validation_table(1000, validation_runs)
    if args.profile:
        profile(max(sizes))


if __name__ == "__main__":
    main()
