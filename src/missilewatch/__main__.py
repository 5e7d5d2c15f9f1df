"""``python -m missilewatch``: the same as the ``missilewatch`` command."""

from missilewatch.cli import main

main()
