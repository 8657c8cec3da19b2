"""``python -m eduinnov.evaluation METHOD < input.json``: see :mod:`eduinnov.evaluation.cli`."""

from .cli import main

raise SystemExit(main())
