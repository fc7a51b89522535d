"""The garbage collector's pauses in a long-running server process.

A full collection walks every object the process tracks and stops all its threads meanwhile: in
a daphne process serving a live session, 80 to 170 ms at a time (bench/live.py measured it),
enough to make a few dozen phones see a question late. `settle()`, once the application is
loaded, moves what was built at start (Django, the apps, the URL and template machinery: some
100,000 objects) out of the collector's reach for good, so full collections walk only what came
after. `log_pauses()` reports each pause above a threshold (the live bench counts them).
"""

from __future__ import annotations

import gc
import logging
import time

logger = logging.getLogger("rappel.gc")


def settle() -> None:
    """Collect the garbage of start-up, then freeze what is left: it lives as long as the process."""
    gc.collect()
    gc.freeze()


def log_pauses(threshold_ms: float) -> None:
    """Log (warning level) every collection that stops the process for `threshold_ms` or more."""
    started: list[float] = []

    def timed(phase: str, info: dict) -> None:
        if phase == "start":
            started[:] = [time.perf_counter()]
            return
        if not started:
            return
        paused = (time.perf_counter() - started[0]) * 1000
        if paused >= threshold_ms:
            logger.warning("gc pause: generation %d, %.1f ms", info["generation"], paused)

    gc.callbacks.append(timed)
