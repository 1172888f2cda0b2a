"""Cold start of the command line: ``designer validate`` and ``designer compile`` of the 5-block
iris flow (and ``validate`` of it without its Deploy block, which needs no database), each a
fresh process, against a fresh Python that only imports kfp (the floor: both commands need the
KFP SDK) and one that does nothing.

Run from the repository root: ``.venv/bin/python bench/cli_start_bench.py [--repeat N]``.
See bench/README.md for what is measured.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import median, print_header, print_table

ROOT = Path(__file__).resolve().parents[1]
FLOW_FILE = ROOT / "tests" / "fixtures" / "flows" / "iris_classification.json"


def timed_process(arguments: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, *arguments], capture_output=True, text=True, env=env, cwd=ROOT
    )
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{arguments} failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    return seconds


def without_deploy(doc: dict) -> dict:
    """The flow without its Deploy block: checking it asks the database nothing."""
    doc["nodes"] = [n for n in doc["nodes"] if n["id"] != "deploy"]
    doc["edges"] = [e for e in doc["edges"] if e["target"] != "deploy"]
    return doc


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="processes of each kind")
    args = parser.parse_args()
    print_header("command line cold start", ("kfp",))
    with tempfile.TemporaryDirectory(prefix="designer-bench-") as tmp:
        env = {**os.environ, "DESIGNER_HOME": str(Path(tmp) / "home")}
        env.pop("DESIGNER_DATABASE_URL", None)
        out = str(Path(tmp) / "pipeline.yaml")
        four = Path(tmp) / "iris-without-deploy.json"
        four.write_text(json.dumps(without_deploy(json.loads(FLOW_FILE.read_text()))))
        kinds = {
            "python -c pass": ["-c", "pass"],
            "python -c 'import kfp'": ["-c", "import kfp"],
            "designer validate, 4 blocks": ["-m", "designer.cli", "validate", str(four)],
            "designer validate": ["-m", "designer.cli", "validate", str(FLOW_FILE)],
            "designer compile": ["-m", "designer.cli", "compile", str(FLOW_FILE), "-o", out],
        }
        times: dict[str, list[float]] = {name: [] for name in kinds}
        timed_process(kinds["designer validate"], env)  # creates the home's database once
        for _ in range(args.repeat):  # interleaved, so a busy moment hits every kind
            for name, arguments in kinds.items():
                times[name].append(timed_process(arguments, env))
    floor = median(times["python -c 'import kfp'"])
    rows = [
        [name, f"{min(values):.2f}", f"{median(values):.2f}", f"{median(values) / floor:.2f}"]
        for name, values in times.items()
    ]
    print()
    print(f"The iris flow, {args.repeat} process(es) of each kind, interleaved (seconds)")
    print_table(["process", "min", "median", "median / import kfp"], rows)


if __name__ == "__main__":
    main()
