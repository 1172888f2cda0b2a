"""The environment a local run's worker (and so every block it runs) starts with.

Built from an allow-list, never from the server's own environment: that holds the database
address, the storage keys and the sign-in secrets, and any block that can read a file could read
``/proc/self/environ``. A run gets a fixed ``PATH``, the locale and time zone, a home and a
temporary folder inside its own folder, and exactly the run settings the blocks read.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from designer.settings import Settings

#: Searched for programs after the interpreter's own folder; nothing a person can write to.
SAFE_PATH = "/usr/local/bin:/usr/bin:/bin"
#: Copied from the server's environment when set: the locale, the time zone, and the CPU hints
#: numeric libraries need on some processors (OpenBLAS crashes without them on a few).
PASSED_THROUGH = ("LANG", "LC_ALL", "TZ", "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
#: The run's own home and temporary folder, inside its folder.
HOME_DIR = "home"
TMP_DIR = "tmp"


def worker_env(
    run_dir: Path,
    settings: Settings,
    reads: Sequence[str] = (),
    *,
    parent: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The whole environment of the worker of the run in ``run_dir``.

    ``reads`` are what the designer granted this run to read besides the data folders
    (``CompiledFlow.reads``); ``parent`` is the server's environment (default ``os.environ``),
    of which only ``PASSED_THROUGH`` is kept.
    """
    parent = os.environ if parent is None else parent
    home = run_dir / HOME_DIR
    env = {name: parent[name] for name in PASSED_THROUGH if parent.get(name)}
    env.setdefault("LANG", "C.UTF-8")
    env.update(
        {
            "PATH": f"{Path(sys.executable).parent}:{SAFE_PATH}",
            "HOME": str(home),
            "TMPDIR": str(run_dir / TMP_DIR),
            "PYTHONUNBUFFERED": "1",
            "PYTHONNOUSERSITE": "1",
            # Always set, even empty: unset, the blocks would fall back to the defaults of a
            # designer home, which in a run is its own folder.
            "DESIGNER_DATA_DIRS": os.pathsep.join(str(path) for path in settings.data_dirs),
            "DESIGNER_ALLOWED_NETWORKS": ",".join(settings.allowed_networks),
            "DESIGNER_S3_READ_BUCKETS": ",".join(settings.s3_read_buckets),
            "DESIGNER_READ_GRANTS": json.dumps(list(reads)),
            # Never the designer's home (database, objects, models, other runs): a block that
            # looks for one finds the run's own. Models a run deploys are packed into its
            # outputs and published by the designer afterwards (LocalEngine's ``after_run``).
            "DESIGNER_HOME": str(home),
        }
    )
    return env


def make_worker_dirs(run_dir: Path) -> None:
    """Create the home and temporary folder ``worker_env`` names (before the worker starts)."""
    for name in (HOME_DIR, TMP_DIR):
        (run_dir / name).mkdir(exist_ok=True)
