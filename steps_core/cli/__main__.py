"""``python -m steps_core.cli``: the same as the ``steps`` script."""

from . import main

main()
