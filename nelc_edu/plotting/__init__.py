"""Figures for the course: they draw, the rest of the library computes.

One module per kind of figure:

* :mod:`.style`: the colours (one per model kind, orange for highlights), colour maps and
  projector fonts (:func:`use_style`);
* :mod:`.graphs`: the chain graph (:func:`draw_chain_graph`); :mod:`.matrices`: ``T`` and
  ``J`` as heat maps; :mod:`.markov`: distributions over time, estimators, cycles, lumping,
  and the figures of the widgets of notebooks 00-02;
* :mod:`.images`: grids of binary images; :mod:`.rbm`: the binary RBM (notebook 03);
* :mod:`.latent`: untying the decoder and checking the gradient (notebooks 05-06);
* :mod:`.mechanism`: exact training traces, step by step (notebook 07);
* :mod:`.training`: training curves, class histograms, the ``nelc-edu compare`` figure;
  :mod:`.runs`: checkpoints, sampler mixing and cycle walks of trained runs (04, 08);
* :mod:`.sweeps`: many runs at once (``nelc-edu figures``, notebook 09);
* :mod:`.dial`: the reversibility dial (notebook 09); :mod:`.gradients`: gradient fidelity
  along training (08) and the exact against the one-step training rule (09).

Every function returns matplotlib objects and never calls ``plt.show()``; the colour
palette is Okabe-Ito (colour-blind safe) and font sizes are readable on a projector.
"""

from .dial import draw_dial_run, plot_dial, plot_dial_by_lambda
from .gradients import plot_gradient_fidelity, plot_rule_comparison
from .graphs import circular_layout, draw_chain_graph
from .images import image_grid, image_strip
from .latent import (
    draw_gradient_check,
    draw_latent_graph,
    draw_untying,
    plot_estimator_comparison,
    plot_gradient_check,
    plot_latent_vs_path,
    plot_untying_curves,
)
from .markov import (
    draw_ring,
    draw_trajectory_estimate,
    draw_two_state,
    plot_convergence,
    plot_cycle_decomposition,
    plot_distribution_evolution,
    plot_estimates,
    plot_lumping,
)
from .matrices import draw_current_matrix, draw_transition_matrix
from .mechanism import (
    draw_trace_graph,
    draw_trace_step,
    plot_occupation,
    plot_self_transition_ledger,
    plot_trace_curves,
)
from .rbm import (
    draw_training_comparison,
    plot_binary_images,
    plot_detailed_balance,
    plot_gibbs_marginal,
    plot_rbm_filters,
    plot_rbm_training_curves,
)
from .runs import plot_along_training, plot_checkpoint, plot_cycle_walk, plot_kl_vs_burn_in
from .style import (
    DIVERGING_CMAP,
    HIGHLIGHT,
    KIND_STYLES,
    OKABE_ITO,
    PALETTE,
    add_caption,
    kind_style,
    style_context,
    use_style,
)
from .sweeps import (
    draw_run,
    plot_class_kl,
    plot_ll_vs_entropy_production,
    plot_samples_by_kind,
    plot_self_transition_vs_ll,
    plot_sweep_class_histograms,
    plot_sweep_curves,
    plot_sweep_overview,
    save_sweep_figures,
)
from .training import plot_class_histograms, plot_comparison, plot_training_curves

__all__ = [
    # style
    "use_style", "style_context", "add_caption", "KIND_STYLES", "kind_style", "HIGHLIGHT",
    "OKABE_ITO", "PALETTE", "DIVERGING_CMAP",
    # chains
    "draw_chain_graph", "circular_layout", "draw_transition_matrix", "draw_current_matrix",
    "plot_distribution_evolution", "plot_estimates", "plot_convergence",
    "plot_cycle_decomposition", "plot_lumping", "draw_two_state", "draw_ring",
    "draw_trajectory_estimate",
    # images and the binary RBM
    "image_grid", "image_strip", "plot_gibbs_marginal", "plot_detailed_balance",
    "plot_rbm_training_curves", "plot_rbm_filters", "plot_binary_images",
    "draw_training_comparison",
    # latent chains: untying, gradients
    "draw_latent_graph", "plot_untying_curves", "draw_untying", "plot_latent_vs_path",
    "plot_gradient_check", "draw_gradient_check", "plot_estimator_comparison",
    # why cycles emerge: exact training traces
    "plot_trace_curves", "plot_occupation", "plot_self_transition_ledger", "draw_trace_graph",
    "draw_trace_step",
    # training and trained runs
    "plot_training_curves", "plot_class_histograms", "plot_comparison", "plot_checkpoint",
    "plot_along_training", "plot_kl_vs_burn_in", "plot_cycle_walk",
    # sweeps
    "plot_ll_vs_entropy_production", "plot_self_transition_vs_ll", "plot_class_kl",
    "plot_sweep_curves", "plot_sweep_overview", "plot_sweep_class_histograms", "draw_run",
    "plot_samples_by_kind", "save_sweep_figures",
    # the reversibility dial and the gradient sweep
    "plot_dial", "plot_dial_by_lambda", "draw_dial_run", "plot_gradient_fidelity",
    "plot_rule_comparison",
]
