"""The server processes freeze what they built at start, and can log the collector's pauses."""

from __future__ import annotations

import gc
import logging

from config import gcpauses


def test_the_served_applications_freeze_what_start_up_built():
    import config.asgi  # noqa: F401
    import config.wsgi  # noqa: F401

    assert gc.get_freeze_count() > 10_000


def test_a_pause_above_the_threshold_is_logged_and_one_below_is_not(caplog):
    before = list(gc.callbacks)
    try:
        gcpauses.log_pauses(0)
        with caplog.at_level(logging.WARNING, logger="rappel.gc"):
            gc.collect()
        assert any(r.getMessage().startswith("gc pause: generation 2, ") for r in caplog.records)
        gc.callbacks[:] = before
        gcpauses.log_pauses(60_000)
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="rappel.gc"):
            gc.collect()
        assert not caplog.records
    finally:
        gc.callbacks[:] = before  # the hooks go with the test
