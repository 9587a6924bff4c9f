"""``python -m sim.cli``: the ``cogov`` command."""

import sys

from sim.cli import main

sys.exit(main())
