"""Interactive demos for the notebooks (ipywidgets): they wire controls to figures.

Each function builds and returns a widget whose callbacks are library functions (the
figures live in :mod:`nelc_edu.plotting`); the callback redraws through
``_common.redraw_into``, which replaces the ``Output`` content in one step, so no figure is
drawn twice.
"""

from .dial import dial_explorer
from .latent import gradient_check_explorer, untying_explorer
from .markov import ring_explorer, trajectory_estimator_demo, two_state_explorer
from .mechanism import training_replay
from .rbm import rbm_training_widget
from .sweeps import run_explorer
from .training import checkpoint_scrubber

__all__ = [
    "two_state_explorer",
    "ring_explorer",
    "trajectory_estimator_demo",
    "rbm_training_widget",
    "untying_explorer",
    "gradient_check_explorer",
    "training_replay",
    "checkpoint_scrubber",
    "run_explorer",
    "dial_explorer",
]
