"""`python -m klassruk`: the command-line interface."""

from klassruk.cli import main

raise SystemExit(main())
