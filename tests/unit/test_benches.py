"""Every benchmark in bench/ still runs as the code changes: each once, at its smallest size.

A benchmark asserts no timing; this only checks that it runs to the end and prints its tables.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

#: (script, arguments for its smallest run, a line its output must hold). Not benches:
#: _common.py, flowgen.py, canvas_pages.py and canvas_probe.py are modules the benches import,
#: plain_iris.py is local_run_bench's baseline and canvas_plain/ the canvas bench's plain page.
BENCHES = [
    # The app built and started in prod mode, then a 5-node flow in chromium, plain and designer.
    ("canvas_bench.py", ["--smallest"], "designer 5: visible"),
    # 10 and 100 nodes, best of 2; validation of 1000 nodes, 5 runs.
    ("compile_bench.py", ["--quick"], "Validation alone: median of 5 runs"),
    # One process of each kind: validate and compile of the iris flow against importing kfp.
    ("cli_start_bench.py", ["--repeat", "1"], "median / import kfp"),
    # A generated CSV of about 1 MB, one upload and one pandas read.
    ("dataset_bench.py", ["--megabytes", "1", "--repeat", "1"], "ratio ours/baseline"),
    # The 5-block iris flow once each way (engine, designer run cold and cached), no warm-up,
    # and the plain script once.
    ("local_run_bench.py", ["--quick"], "designer run process, evaluation only"),
    ("session_memory_bench.py", ["--smallest"], "Opening: 2 tabs"),
    # `designer serve --build-only` for a free port, then `designer serve` idle 3 s, one sample.
    ("serve_memory_bench.py", ["--quick"], "Idle process tree"),
    # Two people, 1 s of each side on SQLite and on PostgreSQL (the local server's `test`).
    (
        "store_bench.py",
        ["--users=2", "--group=2", "--flows=2", "--nodes=5", "--seconds=1", "--rounds=1"],
        "ours / plain",
    ),
    # One run of the template with the fewest blocks.
    ("template_bench.py", ["--smallest"], "1 template(s), 1 run(s) each"),
]


@pytest.mark.parametrize(
    ("script", "arguments", "expected"), BENCHES, ids=[script for script, *_ in BENCHES]
)
def test_the_bench_runs_at_its_smallest_size(
    script: str, arguments: list[str], expected: str
) -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / script), *arguments],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert expected in done.stdout
