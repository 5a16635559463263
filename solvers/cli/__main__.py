"""``python -m solvers.cli``."""

import sys

from .main import main

sys.exit(main())
