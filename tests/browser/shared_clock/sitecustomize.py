"""A Python process the browser tests start lives at their frozen moment (see ../conftest.py)."""

import os

# Imported by every Python started with this folder on PYTHONPATH, before its own code: the
# app server (`klassruk serve` execs a new interpreter, which inherits the variable) then reads
# the same shifted clock as the test that talks to it, whatever the real date is.
if shift := os.environ.get("KLASSRUK_TESTS_CLOCK_SHIFT_S"):
    import time

    import time_machine

    time_machine.travel(time.time() + float(shift), tick=True).start()  # noqa: TID251
