"""Uploading and previewing a big CSV: the library's whole upload path against pandas.

Ours is what ``POST /api/v1/datasets`` does with the body: stream it in 1 MB chunks into a
spool file while hashing it, check and profile it (``inspect_file``), store it in the local
object store, record the version in SQLite, then read the preview back as the dataset page
does. The baseline is the least a page showing the same facts could do with pandas: read the
whole file, ``describe`` it and count missing values.

Run from the repository root: ``.venv/bin/python bench/dataset_bench.py [--megabytes 100]
[--repeat 3] [--file some.csv]``. See bench/README.md for what is measured.

Each measurement runs in a fresh interpreter (this script with ``--child``), so that its peak
resident memory (``ru_maxrss`` of that process) is its own: imports, then the work. The child
prints its figures as one JSON line. The parent never imports pandas or numpy (the CSV is
generated in a child too): on Linux a new process's ``ru_maxrss`` starts from the size of the
process that forked it.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _common import median, print_header, print_table

ROWS_PER_CHUNK = 100_000
CITIES = ["north", "south", "east", "west", "centre", "Saint-Étienne", "Kraków"]
COMMENTS = ["good", "bad", 'said "fine"', "ok, thanks", "meh", "", "two\nlines"]
SIDES = ("ours", "baseline")


# --- the file ------------------------------------------------------------------------------


def generate_csv(path: Path, megabytes: float, seed: int = 7) -> int:
    """A CSV of about ``megabytes`` MB: ids, integers and floats with gaps, text, booleans."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    target = megabytes * 1_000_000
    # A row is a little over 60 bytes: smaller chunks for a small file, so it ends near its size.
    n = max(1000, min(ROWS_PER_CHUNK, round(target / 60)))
    start = rows = 0
    with open(path, "w", encoding="utf-8", newline="") as out:
        while out.tell() < target:
            frame = pd.DataFrame(
                {
                    "id": np.arange(start, start + n),
                    "age": pd.array(rng.integers(18, 90, n), dtype="Int64"),
                    "income": np.round(rng.lognormal(10, 0.5, n), 2),
                    "score": rng.normal(0, 1, n).round(6),
                    "visits": rng.poisson(3, n),
                    "city": rng.choice(CITIES, n),
                    "comment": rng.choice(COMMENTS, n),
                    "member": rng.random(n) < 0.5,
                    "joined": (np.datetime64("2015-01-01") + rng.integers(0, 3650, n)).astype(str),
                    "label": np.where(rng.random(n) < 0.3, "yes", "no"),
                }
            )
            frame.loc[rng.random(n) < 0.05, "age"] = pd.NA
            frame.loc[rng.random(n) < 0.10, "income"] = np.nan
            frame.loc[rng.random(n) < 0.02, "city"] = None
            frame.to_csv(out, header=start == 0, index=False, lineterminator="\n")
            start += n
            rows += n
    return rows


# --- one measurement in a fresh process ----------------------------------------------------


def child(side: str, path: Path) -> None:
    """Import, note the memory, do the work, print seconds and peak memory as JSON."""
    with tempfile.TemporaryDirectory(prefix="designer-bench-home-") as home:
        _measure_child(side, path, Path(home))


def _measure_child(side: str, path: Path, home: Path) -> None:
    if side == "ours":
        work = _upload_and_preview(path, home)

    else:
        import pandas as pd

        def work() -> Any:
            frame = pd.read_csv(path)
            frame.describe(include="all")
            frame.isna().sum()
            return len(frame), len(frame.columns)

    imported_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    rows, columns = work()
    seconds = time.perf_counter() - start
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {
                "seconds": seconds,
                "peak_mb": peak_kb / 1024,
                "imported_mb": imported_kb / 1024,
                "rows": rows,
                "columns": columns,
            }
        )
    )


def _upload_and_preview(path: Path, home: Path) -> Any:
    """The upload as the server runs it, on a new designer home (set up before timing)."""
    from designer.datasets.library import Spool, add_file
    from designer.objects.local import LocalFolderStore
    from designer.store import accounts, datasets, engine_for

    engine = engine_for(f"sqlite:///{home / 'designer.db'}")
    person = accounts.create_user(engine, "bench", "Bench", password_hash=None)
    store = LocalFolderStore(home / "objects")

    def work() -> Any:
        with path.open("rb") as body, Spool(home / "uploads", path.name, 10**12) as spool:
            while chunk := body.read(1024 * 1024):
                spool.write(chunk)
            added = add_file(engine, store, person, spool.finish())
        version, profile = datasets.get_version(engine, person, added.dataset_id, 0)
        return version.rows, len(profile["columns"])

    return work


def measure(side: str, path: Path) -> dict[str, float]:
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, __file__, "--child", side, str(path)], capture_output=True, text=True
    )
    process_seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"the {side} run failed:\n{done.stderr}")
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    figures["process_seconds"] = process_seconds
    return figures


# --- the report ----------------------------------------------------------------------------


def report(runs: dict[str, list[dict[str, float]]], size_mb: float) -> None:
    def med(side: str, key: str) -> float:
        return median([run[key] for run in runs[side]])

    def low(side: str, key: str) -> float:
        return min(run[key] for run in runs[side])

    rows = []
    labels = ("ours: upload + preview", "baseline: read_csv + describe")
    for side, label in zip(SIDES, labels, strict=True):
        rows.append(
            [
                label,
                f"{low(side, 'seconds'):.2f}",
                f"{med(side, 'seconds'):.2f}",
                f"{med(side, 'process_seconds'):.2f}",
                f"{med(side, 'peak_mb'):.0f}",
                f"{med(side, 'imported_mb'):.0f}",
                f"{med(side, 'peak_mb') - med(side, 'imported_mb'):.0f}",
            ]
        )
    ratio = [
        "ratio ours/baseline",
        f"{low('ours', 'seconds') / low('baseline', 'seconds'):.2f}",
        f"{med('ours', 'seconds') / med('baseline', 'seconds'):.2f}",
        f"{med('ours', 'process_seconds') / med('baseline', 'process_seconds'):.2f}",
        f"{med('ours', 'peak_mb') / med('baseline', 'peak_mb'):.2f}",
        "",
        f"{_growth(runs, 'ours') / _growth(runs, 'baseline'):.2f}"
        if _growth(runs, "baseline") > 0
        else "",
    ]
    print()
    count = len(runs["ours"])
    print(f"{size_mb:.1f} MB file, {count} run(s) of each, interleaved, each in a fresh process")
    print_table(
        [
            "",
            "min s",
            "median s",
            "process s",
            "peak RSS MB",
            "after imports MB",
            "peak - imports MB",
        ],
        [*rows, ratio],
    )
    print()
    print(
        "s: the call alone (after imports); process s: the child process from start to end; "
        "peak RSS: ru_maxrss of the child. Ours imports the store and the blocks package (for "
        "guess_task), which loads the block catalogue and kfp, as the app has anyway, and sets "
        "up its database before timing: compare the work itself by peak - imports."
    )


def _growth(runs: dict[str, list[dict[str, float]]], side: str) -> float:
    return median([run["peak_mb"] - run["imported_mb"] for run in runs[side]])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=float, default=100, help="size of the generated CSV")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each side")
    parser.add_argument("--file", type=Path, help="measure this CSV instead of a generated one")
    parser.add_argument("--child", nargs=2, metavar=("SIDE", "PATH"), help=argparse.SUPPRESS)
    parser.add_argument("--generate", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], Path(args.child[1]))
        return
    if args.generate:
        print(generate_csv(args.generate, args.megabytes))
        return

    print_header("dataset benchmark", ("pandas", "pyarrow", "numpy"))
    with tempfile.TemporaryDirectory(prefix="designer-bench-") as tmp:
        path = args.file
        if path is None:
            path = Path(tmp) / "generated.csv"
            start = time.perf_counter()
            done = subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--generate",
                    str(path),
                    "--megabytes",
                    str(args.megabytes),
                ],
                capture_output=True,
                text=True,
                check=True,
            )
            seconds = time.perf_counter() - start
            print(f"generated {path.name}: {done.stdout.strip()} rows in {seconds:.1f} s")
        size_mb = path.stat().st_size / 1_000_000
        runs: dict[str, list[dict[str, float]]] = {side: [] for side in SIDES}
        for index in range(args.repeat):
            order = SIDES if index % 2 == 0 else SIDES[::-1]
            for side in order:
                runs[side].append(measure(side, path))
            print(f"  run {index + 1}/{args.repeat}", flush=True)
        first = runs["ours"][0]
        print(f"file: {size_mb:.1f} MB, {first['rows']:.0f} rows, {first['columns']:.0f} columns")
    report(runs, size_mb)


if __name__ == "__main__":
    main()
