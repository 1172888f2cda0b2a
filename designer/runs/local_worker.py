"""The worker process of one local run: ``python -m designer.runs.local_worker RUN_DIR``.

kfp.local keeps its configuration in a process-wide singleton, so each run gets a process of
its own. The worker only runs the compiled pipeline; the engine in the parent process reads its
output to follow the tasks and collects the artifacts afterwards. The worker imports what blocks
need once and forks a child per task (``designer.runs.warm_tasks``); over the run's channel, when
it has one, it asks the engine before each task whether an earlier result can be reused.
"""

from __future__ import annotations

import json
import sys
import warnings
from pathlib import Path

from designer import kfp_sdk

PIPELINE_FILE = "pipeline.yaml"
ARGUMENTS_FILE = "arguments.json"
ARTIFACTS_DIR = "artifacts"


def run(run_dir: Path, *, wait: bool = False) -> None:
    """Run the pipeline in ``run_dir``; with ``wait``, import first and run once told to go
    (``designer.runs.prestart``): a worker nobody needs is just stopped."""
    # The worker never talks to a cluster: kfp without its client.
    kfp_sdk.import_without_client()
    from kfp import components, local

    from designer.runs import warm_tasks
    from designer.runs.task_channel import ChannelClosed, worker_channel

    channel = worker_channel()
    warm_tasks.install(channel)
    warm_tasks.preload()
    if wait:
        try:
            told = channel.receive() if channel is not None else {}
        except ChannelClosed:
            return
        if told.get("op") != "go":
            return

    # Locally the block image is this virtual environment; kfp's advice to use Docker for a
    # custom image would only clutter every block's log.
    warnings.filterwarnings("ignore", message="You may be attemping", category=RuntimeWarning)
    local.init(
        runner=local.SubprocessRunner(use_venv=False),
        pipeline_root=str(run_dir / ARTIFACTS_DIR),
        raise_on_error=False,
    )
    pipeline = components.load_component_from_file(str(run_dir / PIPELINE_FILE))
    arguments = json.loads((run_dir / ARGUMENTS_FILE).read_text())
    pipeline(**arguments)


def main(argv: list[str]) -> int:
    wait = argv[1:] == ["--wait"]
    if len(argv) != 1 and not wait:
        print("usage: python -m designer.runs.local_worker RUN_DIR [--wait]", file=sys.stderr)
        return 2
    run(Path(argv[0]), wait=wait)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
