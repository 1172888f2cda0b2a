"""Memory of the running web app: ``designer serve`` (production mode, the default), idle after
start, as the sum over its whole process tree.

Run from the repository root: ``.venv/bin/python bench/serve_memory_bench.py [--settle 20]
[--samples 3] [--reflex]``; ``--quick`` is the short run the test suite makes. See
bench/README.md for what is measured.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from _common import print_header, print_table

ROOT = Path(__file__).resolve().parents[1]
MIB = 1024 * 1024
#: A first start in a fresh checkout installs the frontend packages and builds the bundle.
START_TIMEOUT_S = 600.0
STOP_TIMEOUT_S = 30.0


@dataclass(frozen=True)
class Process:
    pid: int
    command: str
    pss: int  # bytes: the process's share of every page it maps
    rss: int  # bytes: every page it maps, shared ones in full


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def children(pid: int) -> list[int]:
    """The processes whose parent is ``pid``, read from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            # The command name may hold spaces and parentheses: the ppid follows the last ")".
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def tree(root: int) -> list[int]:
    """``root`` and all its descendants."""
    pids, index = [root], 0
    while index < len(pids):
        pids.extend(children(pids[index]))
        index += 1
    return pids


def measure(pid: int) -> Process | None:
    """PSS (smaps_rollup) and RSS (status) of one process; None if it is gone."""
    try:
        rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
        status = Path(f"/proc/{pid}/status").read_text()
        command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return None
    return Process(pid, command.strip(), kib(rollup, "Pss:"), kib(status, "VmRSS:"))


def kib(text: str, field: str) -> int:
    for line in text.splitlines():
        if line.startswith(field):
            return int(line.split()[1]) * 1024
    return 0


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def short(command: str) -> str:
    """The command line without the interpreter's path, cut to fit a table."""
    words = command.split()
    if words and words[0].endswith(("python", "python3", "python3.11", "python3.12")):
        words[0] = "python"
    line = " ".join(words)
    return line if len(line) <= 70 else line[:67] + "..."


@dataclass
class Outcome:
    name: str
    build_s: float | None
    rebuilt: bool
    start_s: float
    samples: list[list[Process]]
    stop_s: float
    left: list[int]

    def total(self, attribute: str) -> float:
        return statistics.median(
            sum(getattr(p, attribute) for p in sample) for sample in self.samples
        )


def build(port: int, env: dict[str, str]) -> float:
    """``designer serve --build-only`` for ``port``: the bundle a later start must reuse."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "designer.cli", "serve", "--build-only", "--port", str(port)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
    )
    if done.returncode != 0:
        raise SystemExit(f"the build failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    return time.perf_counter() - started


def run(
    name: str, command: list[str], port: int, env: dict[str, str], settle: float, samples: int
) -> Outcome:
    """Start ``command``, wait for its page and its backend on ``port``, let it settle, sample
    its process tree ``samples`` times, then SIGTERM it and check nothing it started is left."""
    url = f"http://127.0.0.1:{port}/"
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        started = time.perf_counter()
        try:
            while not (answers(url) and answers(url + "ping")):
                if process.poll() is not None or time.perf_counter() - started > START_TIMEOUT_S:
                    log.seek(0)
                    raise SystemExit(f"{name} did not start:\n{log.read()[-3000:].decode()}")
                time.sleep(0.5)
            start_s = time.perf_counter() - started
            time.sleep(settle)
            taken: list[list[Process]] = []
            for index in range(samples):
                if index:
                    time.sleep(2)
                taken.append([p for pid in tree(process.pid) if (p := measure(pid))])
            pids = tree(process.pid)
            stopping = time.perf_counter()
            process.send_signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=STOP_TIMEOUT_S)
            stop_s = time.perf_counter() - stopping
            time.sleep(1)
            left = [pid for pid in pids if measure(pid) is not None]
            log.seek(0)
            rebuilt = b"building the web frontend" in log.read()
        finally:
            # Whatever the outcome, leave nothing of ours running.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    return Outcome(name, None, rebuilt, start_s, taken, stop_s, left)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--settle", type=float, default=20.0, help="seconds idle before sampling")
    parser.add_argument("--samples", type=int, default=3, help="samples, 2 s apart (median)")
    parser.add_argument(
        "--reflex",
        action="store_true",
        help="also measure Reflex's own start (reflex run --env prod --single-port), which "
        "compiles the app and rebuilds the bundle each time",
    )
    parser.add_argument("--quick", action="store_true", help="settle 3 s, one sample")
    args = parser.parse_args()
    if args.quick:
        args.settle, args.samples = 3.0, 1
    print_header("designer serve: memory of the idle process tree", ("reflex", "granian"))
    outcomes = []
    with tempfile.TemporaryDirectory(prefix="designer-bench-") as tmp:
        env = {**os.environ, "DESIGNER_HOME": str(Path(tmp) / "home")}
        env.pop("DESIGNER_DATABASE_URL", None)
        port = free_port()
        built_in = build(port, env)
        serve = [sys.executable, "-m", "designer.cli", "serve", "--port", str(port)]
        outcomes.append(run("designer serve", serve, port, env, args.settle, args.samples))
        outcomes[-1].build_s = built_in
        if args.reflex:
            from designer.server import reflex_command, reflex_env

            port = free_port()
            command = reflex_command("127.0.0.1", port, prod=True)
            outcomes.append(
                run("reflex run", command, port, reflex_env(env), args.settle, args.samples)
            )
    for outcome in outcomes:
        reuse = ""
        if outcome.build_s is not None:
            print(f"{outcome.name} --build-only: {outcome.build_s:.1f} s")
            reuse = " (rebuilt the bundle)" if outcome.rebuilt else " (bundle reused)"
        print(
            f"{outcome.name}: answered in {outcome.start_s:.1f} s{reuse}; "
            f"settled {args.settle:.0f} s; {len(outcome.samples)} sample(s)"
        )
        last = outcome.samples[-1]
        print_table(
            ["process", "pid", "PSS MiB", "RSS MiB"],
            [[short(p.command), p.pid, f"{p.pss / MIB:.0f}", f"{p.rss / MIB:.0f}"] for p in last],
        )
        print()
    print("Idle process tree, median of the samples (MiB)")
    print_table(
        ["start", "processes", "PSS total", "RSS total", "target PSS", "stopped by SIGTERM"],
        [
            [
                o.name,
                len(o.samples[-1]),
                f"{o.total('pss') / MIB:.0f}",
                f"{o.total('rss') / MIB:.0f}",
                "<= 350",
                f"in {o.stop_s:.1f} s, {len(o.left)} left" if not o.left else f"NO: {o.left}",
            ]
            for o in outcomes
        ],
    )


if __name__ == "__main__":
    main()
