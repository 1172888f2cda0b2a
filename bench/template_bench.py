"""How long each gallery template takes to run on the embedded engine, against what its card
promises ("runs in about N s"): the check that the cards tell a beginner the truth.

Run from the repository root: ``.venv/bin/python bench/template_bench.py [--repeat N]``.
Each run is timed from the engine's start to the finished record (compiling excluded), with
the same flow the person gets from "Use this template". Caching is switched off so every run
does all its work.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from _common import median, print_header, print_table

from designer.flow.compile import compile_flow
from designer.runs.local import LocalEngine
from designer.runs.record import Status
from designer.templates.gallery import Template, builtin_templates


def run_seconds(template: Template, runs_dir: Path) -> float:
    flow = template.flow.model_copy(
        update={"nodes": [n.model_copy(update={"cache": False}) for n in template.flow.nodes]}
    )
    compiled = compile_flow(flow)
    start = time.perf_counter()
    record = LocalEngine(runs_dir).run(compiled, flow_name=flow.name)
    seconds = time.perf_counter() - start
    if record.status is not Status.SUCCEEDED:
        errors = {n: r.error for n, r in record.nodes.items() if r.error}
        raise SystemExit(f"{template.id} failed: {record.error or errors}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=2, help="runs per template (median kept)")
    args = parser.parse_args()
    print_header("Gallery templates on the local engine", ("kfp", "scikit-learn"))
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for template in builtin_templates():
            times = [run_seconds(template, Path(tmp)) for _ in range(args.repeat)]
            measured = median(times)
            rows.append(
                (
                    template.id,
                    len(template.flow.nodes),
                    f"{measured:.1f}",
                    template.run_seconds,
                    f"{measured / template.run_seconds:.2f}",
                )
            )
    print_table(("template", "blocks", "median s", "card says s", "measured/card"), rows)


if __name__ == "__main__":
    main()
