"""Interactive demos for the notebooks (ipywidgets).

Each function builds and returns a widget whose callbacks are library functions; the
callback redraws through ``_common.redraw_into``, which replaces the ``Output`` content in
one step, so no figure is drawn twice.
"""

from .latent import *  # noqa: F401,F403
from .markov import *  # noqa: F401,F403
from .rbm import *  # noqa: F401,F403
from .sweeps import *  # noqa: F401,F403
from .training import *  # noqa: F401,F403
