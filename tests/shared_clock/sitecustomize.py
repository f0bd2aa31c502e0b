"""A Python process a test starts lives on the suite's clock (tests/frozen.py), not the real one."""

import os

# Imported by every Python started with this folder on PYTHONPATH, before its own code: a CLI
# command, a sender or an app server (`klassruk serve` execs a new interpreter, which inherits
# the variable) reads the same shifted clock as the test that started it, whatever the date.
# The name is tests/frozen.py's CLOCK_SHIFT_VARIABLE: this runs before the project is importable.
if shift := os.environ.get("KLASSRUK_TESTS_CLOCK_SHIFT_S"):
    import time

    import time_machine

    time_machine.travel(time.time() + float(shift), tick=True).start()  # noqa: TID251
