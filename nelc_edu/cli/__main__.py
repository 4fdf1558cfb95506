"""``python -m nelc_edu.cli``: the same as the ``nelc-edu`` command."""

import sys

from . import main

sys.exit(main())
