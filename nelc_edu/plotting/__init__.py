"""Figures for the course: chain graphs, images, training curves, RBM diagnostics.

Every function returns matplotlib objects and never calls ``plt.show()`` itself; the
colour palette is Okabe-Ito (colour-blind safe) and font sizes are readable on a projector
(:func:`use_style`).
"""

from .chains import *  # noqa: F401,F403
from .graphs import *  # noqa: F401,F403
from .images import *  # noqa: F401,F403
from .latent import *  # noqa: F401,F403
from .rbm import *  # noqa: F401,F403
from .style import *  # noqa: F401,F403
from .sweeps import *  # noqa: F401,F403
from .training import *  # noqa: F401,F403
