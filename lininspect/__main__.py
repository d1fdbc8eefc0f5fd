"""``python -m lininspect`` is the ``lininspect`` command."""

import sys

from .interrupts import exit_at_once_on_signals

exit_at_once_on_signals()  # before the heavy imports: Ctrl-C then exits quietly at once

from .cli import main  # noqa: E402

sys.exit(main())
