"""``python -m ketdata``: the command-line interface."""

from ketdata._cli import main

raise SystemExit(main())
