"""Repository-wide pytest set-up.

The notebooks run in fast mode under the tests: the Jupyter kernel that nbval starts
inherits this process's environment, so setting NELC_FAST here is enough.
"""

import os

os.environ.setdefault("NELC_FAST", "1")
