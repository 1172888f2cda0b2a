"""How long each gallery template takes to run on the embedded engine, against what its card
promises ("runs in about N s"): the check that the cards tell a beginner the truth.

Run from the repository root: ``.venv/bin/python bench/template_bench.py [--repeat N]
[--only ID,ID]``; ``--smallest`` (one run of the template with the fewest blocks) is the quick
run the test suite makes. Each run is timed from the engine's start to the finished record
(compiling excluded), with the same flow the person gets from "Use this template". Caching is
switched off so every run does all its work. As in the designer, the models a run deploys are
published as it ends, into a temporary designer home.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

from _common import median, model_publisher, print_header, print_table

from designer.flow.compile import compile_flow
from designer.runs.local import LocalEngine
from designer.runs.record import Status
from designer.settings import load_settings
from designer.templates.gallery import Template, builtin_templates


def run_seconds(template: Template, engine: LocalEngine) -> float:
    flow = template.flow.model_copy(
        update={"nodes": [n.model_copy(update={"cache": False}) for n in template.flow.nodes]}
    )
    compiled = compile_flow(flow)
    start = time.perf_counter()
    record = engine.run(compiled, flow_name=flow.name)
    seconds = time.perf_counter() - start
    if record.status is not Status.SUCCEEDED:
        errors = {n: r.error for n, r in record.nodes.items() if r.error}
        raise SystemExit(f"{template.id} failed: {record.error or errors}")
    return seconds


def chosen(args: argparse.Namespace) -> list[Template]:
    templates = builtin_templates()
    if args.smallest:
        return [min(templates, key=lambda template: len(template.flow.nodes))]
    if not args.only:
        return templates
    wanted = [name.strip() for name in args.only.split(",") if name.strip()]
    known = {template.id: template for template in templates}
    unknown = [name for name in wanted if name not in known]
    if unknown:
        raise SystemExit(f"no built-in template {', '.join(unknown)}; there are {', '.join(known)}")
    return [known[name] for name in wanted]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=2, help="runs per template (median kept)")
    parser.add_argument("--only", default="", help="comma-separated template ids (default: all)")
    parser.add_argument(
        "--smallest",
        action="store_true",
        help="one run of the template with the fewest blocks (the test suite's run)",
    )
    args = parser.parse_args()
    repeat = 1 if args.smallest else args.repeat
    templates = chosen(args)
    print_header("Gallery templates on the local engine", ("kfp", "scikit-learn"))
    rows = []
    with tempfile.TemporaryDirectory(prefix="designer-bench-") as home:
        os.environ["DESIGNER_HOME"] = home  # runs, the store and deployed models go here
        os.environ.pop("DESIGNER_DATABASE_URL", None)
        settings = load_settings()
        engine = LocalEngine(
            settings.runs_dir, settings=settings, after_run=model_publisher(settings)
        )
        for template in templates:
            times = [run_seconds(template, engine) for _ in range(repeat)]
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
    print(f"{len(rows)} template(s), {repeat} run(s) each (median kept)")
    print_table(("template", "blocks", "median s", "card says s", "measured/card"), rows)


if __name__ == "__main__":
    main()
