"""Small helpers shared by the benchmark scripts: the header, timers, table printing and the
model publishing the designer does after a local run."""

from __future__ import annotations

import gc
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from designer.runs.record import RunRecord
    from designer.settings import Settings


def print_header(title: str, packages: Sequence[str] = ("kfp",)) -> None:
    """What ran the benchmark: Python, the packages that matter and the machine's CPU count."""
    versions = ", ".join(f"{name} {metadata.version(name)}" for name in packages)
    print(f"# {title}")
    print(f"python {platform.python_version()} ({sys.implementation.name}), {versions}")
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    print(f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs, load average {load}")
    print()


def timed(function: Callable[[], Any]) -> float:
    """Seconds one call of ``function`` takes, after a garbage collection so runs start equal."""
    gc.collect()
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def print_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """A plain text table, columns right-aligned except the first."""
    cells = [list(map(str, headers)), *([str(c) for c in row] for row in rows)]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    for index, row in enumerate(cells):
        line = "  ".join(
            cell.ljust(width) if i == 0 else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        )
        print(line.rstrip())
        if index == 0:
            print("  ".join("-" * width for width in widths))


def model_publisher(settings: Settings) -> Callable[[RunRecord, Path], None]:
    """What the designer does as a local run it started ends (a ``LocalEngine`` ``after_run``):
    publish the models the run's deploy blocks packed into ``settings.models_dir``, for an
    account made here in ``settings.database_url``. Point ``DESIGNER_HOME`` at a temporary
    folder first: the store and the models go there."""
    from designer.models.publish import publish_deployments
    from designer.store import engine_for
    from designer.store.accounts import create_user

    engine = engine_for(settings.database_url)
    person = create_user(engine, "bench", "Bench")

    def publish(record: RunRecord, run_dir: Path) -> None:
        publish_deployments(
            engine, settings.models_dir, record, run_dir, owner_id=person.id, flow_id=None
        )

    return publish
