"""Wall time of the 5-block iris flow through the local engine against one plain sklearn script.

Four ways of ours: the engine alone (``LocalEngine.run`` with caching off, compile excluded),
the whole ``designer run`` process in a fresh home (nothing cached: every block runs), the
whole process again in that home, where only the evaluation runs (the fixture turns caching off
for it) and every other block reuses its result, and that rerun as the web app makes it: on
the spare worker started beside the run before (``designer.runs.spare_worker``), a few seconds
after that run ended, as a person's next click would come.

Run from the repository root: ``.venv/bin/python bench/local_run_bench.py [--quick]``.
See bench/README.md for what is measured.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from _common import median, model_publisher, print_header, print_table

from designer.flow.compile import CompiledFlow, compile_flow
from designer.flow.validate import check_text
from designer.runs.local import LocalEngine
from designer.runs.record import RunRecord, Status
from designer.runs.spare_worker import SpareWorker
from designer.settings import load_settings

ROOT = Path(__file__).resolve().parents[1]
FLOW_FILE = ROOT / "tests" / "fixtures" / "flows" / "iris_classification.json"
PLAIN_SCRIPT = Path(__file__).resolve().with_name("plain_iris.py")
STEPS = 5


@dataclass(frozen=True)
class OursRun:
    seconds: float
    record: RunRecord


def compile_iris() -> tuple[str, CompiledFlow]:
    check = check_text(FLOW_FILE.read_text())
    if check.flow is None or not check.valid:
        raise SystemExit(f"{FLOW_FILE.name} does not check: {check.to_dict()}")
    return check.flow.name, compile_flow(check.flow, check)


def run_ours(engine: LocalEngine, compiled: CompiledFlow, flow_name: str) -> OursRun:
    """From the engine's start (worker launch) to the finished run record; compile excluded."""
    start = time.perf_counter()
    record = engine.run(compiled, flow_name=flow_name, cache=False)
    seconds = time.perf_counter() - start
    if record.status is not Status.SUCCEEDED:
        errors = {n: r.error for n, r in record.nodes.items() if r.error}
        raise SystemExit(f"the local run failed: {record.error or errors}")
    outputs = [out for node in record.nodes.values() for out in node.outputs.values()]
    if not any("version" in out.metadata for out in outputs):
        raise SystemExit("the run succeeded but published no model")
    return OursRun(seconds, record)


#: How long after the run before a rerun starts (the spare worker starts meanwhile).
PAUSE_S = 2.0


def rerun_on_spare(engine: LocalEngine, compiled: CompiledFlow, flow_name: str) -> float:
    """A run that fills the cache, then the timed rerun on the spare started beside it; each
    run prepares the next spare, as ``Launcher.start`` does."""
    spares = SpareWorker()
    try:
        for _ in range(2):  # the first run fills the cache; the second is the one timed
            spare = spares.take()
            start = time.perf_counter()
            run = engine.start(compiled, flow_name=flow_name, prestarted=spare)
            spares.prepare(engine.settings, compiled.reads)
            record = run.wait()
            seconds = time.perf_counter() - start
            if record.status is not Status.SUCCEEDED:
                raise SystemExit(f"the rerun failed: {record.error or record.summary()}")
            time.sleep(PAUSE_S)
        if spare is None or run.run_id != spare.run_id:
            raise SystemExit("the rerun did not run on the spare worker")
        ran = [node for node, n in record.nodes.items() if n.status is not Status.CACHED]
        if ran != ["evaluate"]:
            raise SystemExit(f"the rerun ran {ran}, not the evaluation alone")
        return seconds
    finally:
        spares.close()


def run_plain(out_dir: Path) -> float:
    """From process start to process end of the plain script, in a fresh interpreter."""
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, str(PLAIN_SCRIPT), str(out_dir)], capture_output=True, text=True
    )
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"the plain script failed:\n{done.stderr}")
    return seconds


def run_process(home: Path) -> float:
    """From process start to process end of ``designer run`` of the iris flow in ``home``."""
    env = {**os.environ, "DESIGNER_HOME": str(home)}
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "designer.cli", "run", str(FLOW_FILE), "--json"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
    )
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"designer run failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    return seconds


def print_totals(
    ours: list[OursRun],
    cold: list[float],
    rerun: list[float],
    warm: list[float],
    plain: list[float],
) -> None:
    ours_s = [run.seconds for run in ours]

    def row(name: str, values: list[float]) -> list[str]:
        return [
            name,
            f"{min(values):.2f}",
            f"{median(values):.2f}",
            f"{median(values) / median(plain):.2f}",
        ]

    rows = [
        row("ours: LocalEngine.run, caching off", ours_s),
        row("ours: designer run process, nothing cached", cold),
        row("ours: designer run process, evaluation only", rerun),
        row("ours: web app rerun on its spare worker, evaluation only", warm),
        row("plain: one sklearn script process", plain),
        [
            f"engine overhead per step ((engine - plain) / {STEPS}), s",
            f"{(min(ours_s) - min(plain)) / STEPS:.2f}",
            f"{(median(ours_s) - median(plain)) / STEPS:.2f}",
            "",
        ],
    ]
    print()
    print(f"Iris flow, {len(ours)} run(s) each, interleaved (seconds)")
    print_table(["", "min", "median", "median / plain"], rows)


def _node_rows(records: list[RunRecord]) -> list[tuple[str, list[float]]]:
    """Per-node durations, then where the rest of each run's time went."""
    node_ids = list(records[0].nodes)
    rows = [
        (node, [_seconds(r.nodes[node].started_at, r.nodes[node].finished_at) for r in records])
        for node in node_ids
    ]
    starts = [min(n.started_at or 0.0 for n in r.nodes.values()) for r in records]
    ends = [max(n.finished_at or 0.0 for n in r.nodes.values()) for r in records]
    busy = [sum(durations[i] for _node, durations in rows) for i in range(len(records))]
    totals = [_seconds(r.started_at, r.finished_at) for r in records]
    before = [_seconds(r.started_at, s) for r, s in zip(records, starts, strict=True)]
    after = [_seconds(e, r.finished_at) for r, e in zip(records, ends, strict=True)]
    gaps = [t - b - a - n for t, b, a, n in zip(totals, before, after, busy, strict=True)]
    return [
        *rows,
        ("(sum of nodes)", busy),
        ("(launch -> first node started)", before),
        ("(gaps between nodes)", gaps),
        ("(last node finished -> record)", after),
        ("(record: started -> finished)", totals),
    ]


def _seconds(start: float | None, end: float | None) -> float:
    return (end or 0.0) - (start or 0.0)


def print_nodes(records: list[RunRecord]) -> None:
    print()
    print("Where the time goes: finished_at - started_at per node, from the run records (seconds)")
    headers = ["node", *(f"run {i + 1}" for i in range(len(records))), "median"]
    print_table(
        headers,
        [
            [name, *(f"{v:.2f}" for v in values), f"{median(values):.2f}"]
            for name, values in _node_rows(records)
        ],
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one run each, no warm-up")
    args = parser.parse_args()
    runs = 1 if args.quick else 3

    title = "local run benchmark" + (" (quick)" if args.quick else "")
    print_header(title, ("kfp", "scikit-learn"))
    with tempfile.TemporaryDirectory(prefix="designer-bench-") as tmp:
        home = Path(tmp) / "home"
        os.environ["DESIGNER_HOME"] = str(home)  # runs, the store and deployed models go here
        os.environ.pop("DESIGNER_DATABASE_URL", None)
        settings = load_settings()
        # The deploy block packs the model; the designer publishes it as the run ends, and so
        # does the engine here (as the plain script's joblib.dump, it is part of the run).
        engine = LocalEngine(
            settings.runs_dir, settings=settings, after_run=model_publisher(settings)
        )
        flow_name, compiled = compile_iris()
        plain_dir = Path(tmp) / "plain"
        plain_dir.mkdir()
        if not args.quick:  # page in Python, sklearn and kfp once, outside the timings
            run_ours(engine, compiled, flow_name)
            run_plain(plain_dir)
        ours: list[OursRun] = []
        plain: list[float] = []
        cold: list[float] = []
        rerun: list[float] = []
        warm: list[float] = []
        for index in range(runs):
            print(f"  run {index + 1}/{runs}", flush=True)
            ours.append(run_ours(engine, compiled, flow_name))
            fresh_home = Path(tmp) / f"process-{index}"
            cold.append(run_process(fresh_home))
            rerun.append(run_process(fresh_home))
            warm.append(rerun_on_spare(engine, compiled, flow_name))
            plain.append(run_plain(plain_dir))
    print_totals(ours, cold, rerun, warm, plain)
    print_nodes([run.record for run in ours])


if __name__ == "__main__":
    main()
