"""Reading kfp.local's console output as task events."""

from __future__ import annotations

import pytest

from designer.runs.local_log import LogReader, TaskFinished, TaskLog, TaskStarted, error_line

CONSOLE = """\
06:14:13.623 - INFO - Running pipeline: \x1b[95m'proto'\x1b[0m
--------------------------------------------------------------------------------
06:14:13.626 - INFO - Executing task \x1b[96m'load'\x1b[0m
06:14:13.626 - INFO - Streamed logs:

    [KFP Executor 2026-11-22 06:14:13,686 INFO]: Got executor_input:
    {
        "inputs": {}
    }
    loading 5 rows
    [KFP Executor 2026-11-22 06:14:13,688 INFO]: Wrote executor output file to x.json.

06:14:13.698 - INFO - Task \x1b[96m'load'\x1b[0m finished with status \x1b[92mSUCCESS\x1b[0m
06:14:13.699 - INFO - Task \x1b[96m'load'\x1b[0m outputs:
    out: Dataset( name='out',
                  metadata={} )
--------------------------------------------------------------------------------
06:14:13.700 - INFO - Executing task \x1b[96m'ev-2'\x1b[0m
06:14:13.700 - INFO - Streamed logs:

    Traceback (most recent call last):
      File "component.py", line 10, in ev
    ValueError: column 'species' not found; the table has: a, b

06:14:13.764 - ERROR - Task 'ev-2' finished with status FAILURE
06:14:13.765 - ERROR - Pipeline 'proto' finished with status FAILURE. Inner task failed: 'ev-2'.
"""


def _events() -> list[object]:
    reader = LogReader()
    return [event for line in CONSOLE.splitlines() for event in reader.feed(line)]


def test_task_lifecycle_and_logs_are_read() -> None:
    events = _events()
    assert events[0] == TaskStarted("load")
    assert TaskLog("load", "loading 5 rows") in events
    assert TaskFinished("load", succeeded=True) in events
    assert TaskStarted("ev-2") in events
    assert events[-1] == TaskFinished("ev-2", succeeded=False)


def test_executor_chatter_and_output_listing_stay_out_of_task_logs() -> None:
    lines = [e.line for e in _events() if isinstance(e, TaskLog)]
    assert not any("KFP Executor" in line or '"inputs"' in line for line in lines)
    assert not any("Dataset(" in line for line in lines)


@pytest.mark.parametrize(
    ("log", "expected"),
    [
        (
            "Traceback (most recent call last):\n  File x\nValueError: bad column\n\n",
            "ValueError: bad column",
        ),
        ("some output\nblocks.runtime.Error: x\n", "Error: x"),
        (
            "blocks.runtime.read_policy.ReadRefused: cannot read /etc/passwd: outside\n",
            "ReadRefused: cannot read /etc/passwd: outside",
        ),
        ("no exception here\nlast words\n", "last words"),
        ("", "the block failed without printing an error"),
    ],
)
def test_error_line_picks_the_exception(log: str, expected: str) -> None:
    assert error_line(log) == expected
