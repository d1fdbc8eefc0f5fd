"""``python -m lininspect`` is the ``lininspect`` command."""

import sys

from .cli import main

sys.exit(main())
