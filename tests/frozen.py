"""The moment every test lives at unless it travels: Monday 30.11.2026, 10:00 in Moscow."""

import os
import time
from datetime import UTC, date, datetime
from pathlib import Path

import time_machine

FROZEN_AT = datetime(2026, 11, 30, 7, 0, tzinfo=UTC)
TODAY = date(2026, 11, 30)

# The Python processes a test starts read this shift from the real clock (shared_clock/).
CLOCK_SHIFT_VARIABLE = "KLASSRUK_TESTS_CLOCK_SHIFT_S"
SHARED_CLOCK = Path(__file__).resolve().parent / "shared_clock"


def real_time() -> float:
    """The machine's clock, also while the test travels."""
    hatch = time_machine.escape_hatch
    return hatch.time.time() if hatch.is_travelling() else time.time()  # noqa: TID251


def shared_clock_environment() -> dict[str, str]:
    """Variables that put a started Python process on FROZEN_AT from this moment on, ticking."""
    return {
        CLOCK_SHIFT_VARIABLE: f"{FROZEN_AT.timestamp() - real_time():.3f}",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(SHARED_CLOCK), os.getenv("PYTHONPATH")])),
    }
