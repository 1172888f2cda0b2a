"""One local run's worker kept started and waiting, so the web app's next run starts at once.

People change one thing and run again. A run's worker spends most of a small flow's time
starting: Python, kfp, pandas and scikit-learn (``designer.runs.warm_tasks``), longer than the
same steps take in one plain script. When a local run starts, the web app therefore starts the
next run's worker beside it, in a run folder of its own and granted the files this run was
granted (``designer.runs.prestart.Prestarted``). The next run takes it if it needs exactly that
worker (same settings and files, no network: ``Prestarted.fits``), which a rerun of the same
flow does; otherwise the spare is stopped and the run starts its worker as usual.

Each spare serves one run, then is gone: runs never share a process, so a crash or what a block
leaves in memory stays with its run. A spare nobody took within ``MAX_AGE_S`` is stopped rather
than used (its run id tells when it was made, and an idle designer should not hold its memory),
and so is one left when the process exits. ``DESIGNER_SPARE_WORKER=0`` turns it off.
"""

from __future__ import annotations

import atexit
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from designer.runs.prestart import Prestarted
from designer.settings import Settings

#: A spare older than this is stopped instead of used.
MAX_AGE_S = 15 * 60

log = logging.getLogger(__name__)


class SpareWorker:
    """Holds at most one waiting worker; ``take`` hands it out, ``prepare`` starts the next."""

    def __init__(self, max_age: float = MAX_AGE_S) -> None:
        self.max_age = max_age
        self._lock = threading.Lock()
        self._spare: Prestarted | None = None
        self._closed = False
        self._starter: ThreadPoolExecutor | None = None

    def take(self) -> Prestarted | None:
        """The waiting worker, once (None when there is none or it is too old); the caller
        uses it if it ``fits`` the run and discards it otherwise."""
        with self._lock:
            spare, self._spare = self._spare, None
        if spare is not None and time.monotonic() - spare.started_at > self.max_age:
            spare.discard()
            return None
        return spare

    def peek(self) -> Prestarted | None:
        """The waiting worker, left waiting (None when there is none yet)."""
        with self._lock:
            return self._spare

    def prepare(self, settings: Settings, reads: tuple[str, ...]) -> None:
        """Start the next spare in the background, granted ``reads``; it replaces any other."""
        with self._lock:
            if self._closed:
                return
            if self._starter is None:
                # One thread that lives as long as the process: a sandboxed worker dies with
                # the thread that started it (bubblewrap's --die-with-parent follows threads).
                self._starter = ThreadPoolExecutor(1, thread_name_prefix="spare-worker")
            self._starter.submit(self._start, settings, reads)

    def close(self) -> None:
        """Stop the waiting worker; nothing is prepared from now on."""
        with self._lock:
            self._closed = True
            spare, self._spare = self._spare, None
            starter, self._starter = self._starter, None
        if starter is not None:
            starter.shutdown(wait=True, cancel_futures=True)  # a spare being started is stopped
        if spare is not None:
            spare.discard()

    def _start(self, settings: Settings, reads: tuple[str, ...]) -> None:
        try:
            spare: Prestarted | None = Prestarted(settings, reads=reads)
        except Exception as exc:  # the run itself starts its worker and says why it cannot
            log.info("no spare worker for the next local run: %s", exc)
            return
        with self._lock:
            if self._closed:
                old, spare = spare, None
            else:
                old, self._spare = self._spare, spare
        if old is not None:
            old.discard()


#: The web app's spare, for every run this process starts.
spares = SpareWorker()
atexit.register(spares.close)
