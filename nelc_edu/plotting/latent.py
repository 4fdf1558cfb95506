"""Figures of the latent-chain notebooks 05 (untying the decoder) and 06 (the gradient).

Notebook 05 (*breaking detailed balance*): the models and the sweep are computed by
:mod:`nelc_edu.untying`; here :func:`draw_latent_graph` draws a latent chain with
decoder-mean images as nodes, :func:`plot_untying_curves` the latent and path entropy
production along the sweep, :func:`draw_untying` both in one figure (the callback of
:func:`nelc_edu.widgets.untying_explorer`), and :func:`plot_latent_vs_path` the log-sum
inequality ``path >= latent``.

Notebook 06 (*the two-step gradient*): the checks are computed by
:mod:`nelc_edu.finite_differences` and
:func:`nelc_edu.gradient_fidelity.compare_gradient_estimators`; here
:func:`plot_gradient_check`, :func:`draw_gradient_check` (the callback of
:func:`nelc_edu.widgets.gradient_check_explorer`) and :func:`plot_estimator_comparison`
draw them.

Examples
--------
>>> import matplotlib
>>> matplotlib.use("Agg")
>>> from nelc_edu.untying import prototype_model
>>> fig, ax = draw_latent_graph(prototype_model(1.0, decoder="shifted"))
>>> sum(p.get_gid() == "nelc-current" for p in ax.patches)   # the clock and its chords
6
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..finite_differences import (
    PARAM_NAMES,
    GradientCheck,
    fd_error_vs_eps,
    flat_index,
    gradient_check,
)
from ..gradient_fidelity import EstimatorComparison
from ..untying import UntyingSweep, prototype_model, untying_sweep
from .style import BLACK, BLUE, GREY, HIGHLIGHT, REDDISH_PURPLE, SKY_BLUE, add_caption

__all__ = [
    "plot_untying_curves",
    "draw_latent_graph",
    "draw_untying",
    "plot_latent_vs_path",
    "plot_gradient_check",
    "draw_gradient_check",
    "plot_estimator_comparison",
]

#: Values below this are rounding noise of a quantity that is exactly zero.
_ZERO = 1e-12


def _new_axes(ax, figsize):
    if ax is not None:
        return ax.figure, ax
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=figsize, layout="constrained")
    return fig, ax


def _clean(x: float) -> float:
    """Exact zeros stay zero in printed output (no ``-0.0000`` from rounding)."""
    return 0.0 if abs(x) < _ZERO else float(x)


# ======================================================================================
# notebook 05: untying the decoder
# ======================================================================================

def _decoder_images(model, shape: tuple[int, int] = (3, 3)) -> np.ndarray:
    """Decoder means ``p(x_i = 1 | z)`` as K images of ``shape`` (K, h, w).

    Examples
    --------
    >>> _decoder_images(prototype_model()).shape
    (4, 3, 3)
    """
    P = model.decoder_probs()
    return P.reshape((P.shape[0], *shape))


def plot_untying_curves(sweep: UntyingSweep, *, ax=None, a_marker: float | None = None,
                        figsize: tuple[float, float] = (6.4, 4.6)):
    """Latent and path entropy production against ``a`` (log scale), path above latent.

    Values that are zero to rounding (``a = 0``, the tied model) cannot sit on a log axis:
    they are left out and the axes say so.

    Parameters
    ----------
    sweep : UntyingSweep
    ax : matplotlib Axes, optional
    a_marker : float, optional
        Draw a vertical line there (the slider position).
    figsize : tuple, optional

    Returns
    -------
    fig, ax

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from nelc_edu.untying import untying_sweep
    >>> fig, ax = plot_untying_curves(untying_sweep([0.0, 0.5, 1.0]), a_marker=0.5)
    >>> len(ax.lines) >= 2
    True
    """
    fig, ax = _new_axes(ax, figsize)
    a = np.asarray(sweep.a)
    for values, label, color, marker in (
        (sweep.path, "path  $\\sigma_{\\mathrm{path}}$  (triples $z, x, z'$)", REDDISH_PURPLE,
         "s"),
        (sweep.sigma, "latent  $\\sigma$  (pairs $z, z'$)", BLUE, "o"),
    ):
        ok = np.asarray(values) > _ZERO
        ax.plot(a[ok], np.asarray(values)[ok], marker=marker, ms=5, color=color, label=label)
    ax.set_yscale("log")
    ax.set_xlim(-0.02, 1.02)
    ax.set_xlabel("untying $a$   ($U = (1-a)\\,W^{\\top} + a\\,U_{\\mathrm{target}}$)")
    ax.set_ylabel("entropy production per step (nats)")
    if a_marker is not None:
        ax.axvline(a_marker, color=HIGHLIGHT, lw=2.0, zorder=0)
    zeros = a[(np.asarray(sweep.sigma) <= _ZERO)]
    if zeros.size:
        # on a white box above the slider's marker line, which crosses it at small a
        ax.text(0.05, 0.97, "a = 0: tied (an RBM), both are 0", transform=ax.transAxes,
                ha="left", va="top", fontsize=11, color="#333333", zorder=5,
                bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.9, "pad": 2})
    ax.legend(loc="lower right")
    ax.set_title("latent vs path entropy production")
    return fig, ax


def draw_latent_graph(model, *, ax=None, image_shape: tuple[int, int] | None = (3, 3),
                      current_scale: float | None = None, title: str | None = None,
                      caption: bool | str = True, figsize: tuple[float, float] = (6.4, 5.6)):
    """The exact latent chain of ``model``: decoder-mean images as nodes, net currents as arrows.

    The dominant cycle (largest bottleneck current) gets an orange halo when the chain
    carries currents.

    Parameters
    ----------
    model : TwoMatrixModel or OneHotRBM (N <= 20)
    ax : matplotlib Axes, optional
    image_shape : (h, w) or None
        Shape of the decoder-mean images; None draws plain numbered nodes.
    current_scale : float, optional
        Current of the widest arrow (fix it to compare several graphs).
    title : str, optional
    caption : bool or str
        ``True``: a caption that explains the images and arrows; a string replaces it;
        ``False`` omits it.
    figsize : tuple, optional

    Returns
    -------
    fig, ax

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from nelc_edu.untying import prototype_model
    >>> fig, ax = draw_latent_graph(prototype_model(1.0, decoder="shifted"))
    >>> sum(p.get_gid() == "nelc-current" for p in ax.patches) >= 4
    True
    """
    from .. import markov
    from .graphs import draw_chain_graph

    T = model.latent_transition_matrix("exact")
    pi = markov.stationary_distribution(T)
    found = markov.dominant_cycle(T, pi, threshold=_ZERO)
    cycle = found[0] if found is not None else None
    images = None if image_shape is None else _decoder_images(model, image_shape)
    if caption is True and images is not None:
        J = markov.probability_currents(T, pi)
        caption = ("Node z shows its decoder mean p(x_i = 1 | z) (black = 1), size ∝ π_z; "
                   "'stay' = T_zz. ")
        if J.max() > _ZERO:
            caption += ("Arrows: net currents, width and colour ∝ J. "
                        "Orange halo: the dominant cycle.")
        else:
            caption += "No arrows: every net current is zero (detailed balance)."
    fig = ax.figure if ax is not None else None
    if ax is None:
        fig, ax = _new_axes(None, figsize)
    draw_chain_graph(T, pi, ax=ax, node_images=images, highlight_cycle=cycle,
                     current_scale=current_scale, title=title, caption=caption,
                     show_self_loops=True, threshold=_ZERO)
    # room for the labels above the top node and below the bottom one
    y0, y1 = ax.get_ylim()
    pad = 0.14 * (y1 - y0)
    ax.set_ylim(y0 - pad, y1 + pad)
    return fig, ax


def draw_untying(fig, a: float, *, decoder: str = "random", beta: float = 2.0, seed: int = 0,
                 sweep: UntyingSweep | None = None) -> str:
    """Latent graph of :func:`prototype_model` at ``a`` (left) and the sweep curves (right).

    The callback of :func:`nelc_edu.widgets.untying_explorer`. Pass a precomputed ``sweep``
    (same ``decoder``, ``beta``, ``seed``) to avoid recomputing the curves on every redraw.

    Returns
    -------
    str
        A text report: sigma, path EP, mean self-transition, dominant cycle.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> report = draw_untying(Figure(figsize=(12, 5)), 0.0)
    >>> "detailed balance" in report
    True
    """
    from .. import markov

    if sweep is None:
        sweep = untying_sweep(decoder=decoder, beta=beta, seed=seed)
    model = prototype_model(a, decoder=decoder, beta=beta, seed=seed)
    T = model.latent_transition_matrix("exact")
    pi = markov.stationary_distribution(T)
    sigma = _clean(model.entropy_production("exact"))
    path = _clean(model.path_entropy_production("exact"))
    gs = fig.add_gridspec(1, 2, width_ratios=[1.15, 1.0])
    ax_g, ax_c = fig.add_subplot(gs[0, 0]), fig.add_subplot(gs[0, 1])
    scale = float(np.max(sweep.max_current)) or None
    what = "tied: a one-hot RBM" if a == 0 else f"a = {a:.2f}, {decoder} decoder"
    draw_latent_graph(model, ax=ax_g, current_scale=scale, title=f"latent chain ({what})")
    plot_untying_curves(sweep, ax=ax_c, a_marker=a)
    lines = [f"a = {a:.2f} ({decoder} decoder):  latent sigma = {sigma:.4f}   "
             f"path sigma = {path:.4f}   mean self-transition = {np.mean(np.diag(T)):.3f}"]
    lines.append("pi = (" + ", ".join(f"{p:.3f}" for p in pi) + ")")
    found = markov.dominant_cycle(T, pi, threshold=_ZERO)
    if sigma <= _ZERO:
        lines.append("U = W.T: detailed balance, no current (the encoder is the exact "
                     "posterior of the decoder's joint).")
    elif found is not None:
        cyc = " -> ".join(str(s) for s in [*found[0], found[0][0]])
        lines.append(f"dominant cycle {cyc}, carrying at least {found[1]:.4f} per step; "
                     f"path / latent = {path / sigma:.1f}")
    return "\n".join(lines)


def plot_latent_vs_path(latent, path, *, ax=None, highlight: tuple[float, float] | None = None,
                        figsize: tuple[float, float] = (6.0, 5.2)):
    """Scatter of path against latent entropy production (log-log) with the line ``path = latent``.

    Every point lies on or above the line: the log-sum inequality (coarse-graining ``x``
    away can only hide irreversibility). The region below the line is shaded.

    Parameters
    ----------
    latent, path : array_like
        Matching entropy productions (e.g. from :func:`random_entropy_productions`).
    ax : matplotlib Axes, optional
    highlight : (latent, path), optional
        One model to mark (e.g. the notebook's example).
    figsize : tuple, optional

    Returns
    -------
    fig, ax

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> fig, ax = plot_latent_vs_path([0.01, 0.1], [0.05, 0.9])
    """
    own = ax is None
    fig, ax = _new_axes(ax, figsize)
    latent = np.asarray(latent, dtype=float)
    path = np.asarray(path, dtype=float)
    ok = (latent > _ZERO) & (path > _ZERO)
    shown = np.concatenate([latent[ok], path[ok], [] if highlight is None else highlight])
    lo, hi = float(shown.min()) / 2, float(shown.max()) * 2
    grid = np.array([lo, hi])
    ax.fill_between(grid, lo, grid, color=GREY, alpha=0.15, lw=0,
                    label="forbidden: path < latent")
    ax.plot(grid, grid, color=GREY, lw=1.5, ls="--", label="path = latent")
    ax.scatter(latent[ok], path[ok], s=30, color=BLUE, alpha=0.8, edgecolors="white",
               linewidths=0.5, label=f"{int(ok.sum())} random untied models", zorder=3)
    if highlight is not None:
        ax.scatter([highlight[0]], [highlight[1]], s=160, marker="*", color=HIGHLIGHT,
                   zorder=4, label="prototype model (random decoder, a = 1)")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlim(lo, hi)
    ax.set_ylim(lo, hi)
    ax.set_xlabel("latent $\\sigma$ (nats per step)")
    ax.set_ylabel("path $\\sigma_{\\mathrm{path}}$ (nats per step)")
    ax.set_title("coarse-graining hides irreversibility")
    ax.legend(loc="lower right", fontsize=11, frameon=True, framealpha=0.9)
    if own:
        add_caption(fig, "Each dot is one model: its latent entropy production (x) and the "
                         "path entropy production of its triples (z, x, z') (y). No dot can "
                         "fall below the dashed line (log-sum inequality).")
    return fig, ax


# ======================================================================================
# notebook 06: the gradient, finite differences, estimators
# ======================================================================================

_MARKERS = {"W": "o", "c": "s", "U": "^", "b": "D"}
_LABELS = {"W": "encoder $W$", "c": "encoder bias $c$", "U": "decoder $U$",
           "b": "visible bias $b$"}


def plot_gradient_check(check: GradientCheck, *, ax=None, highlight=None,
                        figsize: tuple[float, float] = (6.0, 5.2)):
    """Parity plot: exact gradient entry (x) against its finite difference (y), every array.

    Parameters
    ----------
    check : GradientCheck
    ax : matplotlib Axes, optional
    highlight : (name, index), optional
        One entry to circle.
    figsize : tuple, optional

    Returns
    -------
    fig, ax

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from nelc_edu.finite_differences import gradient_check
    >>> from nelc_edu.models import TwoMatrixModel
    >>> m = TwoMatrixModel.random(3, 4, scale=1.0, seed=0)
    >>> fig, ax = plot_gradient_check(gradient_check(m, np.eye(4, dtype=np.uint8)))
    """
    fig, ax = _new_axes(ax, figsize)
    allv = np.concatenate([check.exact[k].ravel() for k in PARAM_NAMES])
    lim = 1.1 * float(np.abs(allv).max() or 1.0)
    ax.plot([-lim, lim], [-lim, lim], color=GREY, lw=1.2, ls="--", zorder=0,
            label="finite difference = exact")
    colours = {"W": BLUE, "c": REDDISH_PURPLE, "U": SKY_BLUE, "b": BLACK}  # never orange
    for k in PARAM_NAMES:
        color = colours[k]
        ax.scatter(check.exact[k].ravel(), check.fd[k].ravel(), marker=_MARKERS[k], s=36,
                   color=color, alpha=0.85, label=f"{_LABELS[k]} ({check.exact[k].size})",
                   edgecolors="white", linewidths=0.4)
    if highlight is not None:
        name, index = highlight
        idx = flat_index(check.exact[name].shape, index)
        ax.scatter([check.exact[name][idx]], [check.fd[name][idx]], s=260, facecolors="none",
                   edgecolors=HIGHLIGHT, linewidths=2.5, zorder=5, label="chosen entry")
    ax.set_xlim(-lim, lim)
    ax.set_ylim(-lim, lim)
    ax.set_aspect("equal")
    ax.set_xlabel("exact two-step gradient $\\partial L / \\partial\\theta$")
    ax.set_ylabel("central finite difference")
    ax.set_title(f"every entry (relative error {check.rel_error:.1e})")
    ax.legend(loc="upper left", fontsize=10)
    return fig, ax


def draw_gradient_check(fig, *, name: str = "W", index: int = 0, seed: int = 0,
                        eps: float = 1e-5, X=None, K: int = 4,
                        eps_values: Sequence[float] | None = None,
                        check: GradientCheck | None = None) -> str:
    """Exact gradient vs finite differences for one model (the gradient-check widget's callback).

    Left: every entry, exact against central finite difference (``eps``), the chosen entry
    circled. Right: the relative error of the chosen entry as ``eps`` varies, with the
    truncation (``eps^2``) and rounding (``1/eps``) regimes.

    Parameters
    ----------
    fig : matplotlib Figure
    name : {"W", "c", "U", "b"}
    index : int
        Flat index of the entry in that array (wrapped modulo its size).
    seed : int
        ``TwoMatrixModel.random(K, N, scale=1.0, seed=seed)``.
    eps : float
    X : array (n, 9) of 0/1, optional
        Data; default ``patterns_3x3(200, seed=0)``.
    K : int
    eps_values : sequence of float, optional
    check : GradientCheck, optional
        A precomputed :func:`gradient_check` of the same model, data and ``eps`` (a widget
        caches it so that moving to another entry does not recompute everything).

    Returns
    -------
    str
        Report with the exact value, the finite difference and the relative error.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> text = draw_gradient_check(Figure(figsize=(12, 5)), name="c", index=1)
    >>> "relative error" in text
    True
    """
    from ..datasets.toy import patterns_3x3
    from ..models import TwoMatrixModel

    if X is None:
        X = patterns_3x3(200, seed=0)[0]
    X = np.asarray(X)
    model = TwoMatrixModel.random(K, X.shape[1], scale=1.0, seed=seed)
    if check is None:
        check = gradient_check(model, X, eps=eps)
    size = check.exact[name].size
    index = int(index) % size
    idx = flat_index(check.exact[name].shape, index)
    exact, fd = float(check.exact[name][idx]), float(check.fd[name][idx])
    rel = abs(fd - exact) / max(abs(exact), 1e-300)
    if eps_values is None:
        eps_values = np.logspace(-10, -1, 19)
    eps_values = np.asarray(eps_values, dtype=float)
    errs = fd_error_vs_eps(model, X, name, index, eps_values)

    ax_p, ax_e = fig.subplots(1, 2)
    plot_gradient_check(check, ax=ax_p, highlight=(name, index))
    shown = np.maximum(errs, 1e-17)
    ax_e.loglog(eps_values, shown, "o-", color=BLUE, ms=5, label="measured")
    # guides through the measured minimum
    k = int(np.argmin(shown))
    e0, r0 = eps_values[k], shown[k]
    big, small = eps_values >= e0, eps_values <= e0
    ax_e.loglog(eps_values[big], r0 * (eps_values[big] / e0) ** 2, ls="--", color=BLACK,
                label="truncation $\\propto \\varepsilon^2$")
    ax_e.loglog(eps_values[small], r0 * (e0 / eps_values[small]), ls=":", color=BLACK,
                label="rounding $\\propto 1/\\varepsilon$")
    ax_e.axvline(eps, color=HIGHLIGHT, lw=2.0, zorder=0)
    ax_e.set_xlabel("step $\\varepsilon$ of the finite difference")
    ax_e.set_ylabel("relative error of the chosen entry")
    ax_e.set_title(f"{name}{list(idx)}: error vs step")
    # lower left: no measured error sits there (rounding errors are large at small steps)
    ax_e.legend(loc="lower left", fontsize=10, frameon=True, framealpha=0.9)
    add_caption(fig, "Left: each dot is one parameter entry; all lie on the diagonal. "
                     "Right: a finite difference is exact only in a window of step sizes; "
                     "the orange line marks the chosen step.")
    return (f"model seed {seed}, entry {name}{list(idx)}:  exact = {exact:+.10f}   "
            f"finite difference (eps = {eps:.0e}) = {fd:+.10f}   relative error = {rel:.1e}\n"
            f"all {sum(v.size for v in check.exact.values())} entries: relative error "
            f"{check.rel_error:.1e}")


def _rel_errors(est: np.ndarray, exact: np.ndarray) -> np.ndarray:
    return np.linalg.norm(est - exact[None, None, :], axis=2) / np.linalg.norm(exact)


def plot_estimator_comparison(cmp: EstimatorComparison, *, entry: tuple[str, int] | None = None,
                              fig=None, figsize: tuple[float, float] = (13.0, 5.0)):
    """Error against the number of samples (log-log, ``1/sqrt`` guide) and the spread of one entry.

    Left: relative error ``||g_hat - g|| / ||g||`` of each repeat (dots) and its median
    (line), against the visible samples drawn per estimate (``K S`` for Monte Carlo, ``C``
    for persistent chains). Right: the estimates of one encoder entry (it is learned only
    through the stationary term), with the exact value as a horizontal line.

    Parameters
    ----------
    cmp : EstimatorComparison
    entry : (name, flat index), optional
        Default: the encoder entry ``W`` with the largest exact value in magnitude.
    fig : matplotlib Figure, optional
    figsize : tuple, optional

    Returns
    -------
    fig, axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from nelc_edu.gradient_fidelity import compare_gradient_estimators
    >>> from nelc_edu.models import TwoMatrixModel
    >>> m = TwoMatrixModel.random(3, 5, scale=1.0, seed=0)
    >>> cmp = compare_gradient_estimators(m, np.eye(5, dtype=np.uint8), n_samples=[10, 100],
    ...                                   n_chains=[20, 200], n_repeats=3)
    >>> fig, axes = plot_estimator_comparison(cmp)
    >>> len(axes)
    2
    """
    if fig is None:
        import matplotlib.pyplot as plt

        fig = plt.figure(figsize=figsize, layout="constrained")
    ax_e, ax_s = fig.subplots(1, 2)
    series = (
        ("stratified Monte Carlo", cmp.K * cmp.mc_sizes, cmp.mc, BLUE, "o"),
        ("persistent chains (PCD)", cmp.pcd_sizes, cmp.pcd, REDDISH_PURPLE, "s"),
    )
    for label, xs, est, color, marker in series:
        err = _rel_errors(est, cmp.exact)
        R = err.shape[1]
        jitter = np.exp(np.linspace(-0.06, 0.06, R))
        for i, x in enumerate(xs):
            ax_e.scatter(x * jitter, err[i], s=14, color=color, alpha=0.35, marker=marker,
                         lw=0)
        ax_e.loglog(xs, np.median(err, axis=1), marker=marker, color=color,
                    label=f"{label} (median of {R})")
    xs = cmp.K * cmp.mc_sizes
    med0 = float(np.median(_rel_errors(cmp.mc[:1], cmp.exact)))
    ax_e.loglog(xs, med0 * np.sqrt(xs[0] / xs), color=GREY, ls="--",
                label="$\\propto 1/\\sqrt{\\mathrm{samples}}$")
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    ax_e.yaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    ax_e.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{100 * v:g}%"))
    ax_e.yaxis.set_minor_formatter(NullFormatter())
    ax_e.set_xlabel("visible samples drawn per estimate")
    ax_e.set_ylabel("relative error $\\|\\hat g - g\\| / \\|g\\|$")
    ax_e.set_title("error $\\propto 1/\\sqrt{\\mathrm{samples}}$")
    ax_e.legend(loc="lower left", fontsize=10)

    if entry is None:
        w = cmp.exact[cmp.slices["W"]]
        entry = ("W", int(np.argmax(np.abs(w))))
    name, index = entry
    pos = cmp.slices[name].start + int(index)
    idx = flat_index(cmp.shapes[name], index)
    for label, xs, est, color, marker in series:
        vals = est[:, :, pos]
        R = vals.shape[1]
        jitter = np.exp(np.linspace(-0.08, 0.08, R))
        for i, x in enumerate(xs):
            ax_s.scatter(x * jitter, vals[i], s=16, color=color, alpha=0.6, marker=marker,
                         lw=0, label=label if i == 0 else None)
    ax_s.axhline(cmp.exact[pos], color="black", lw=1.5, label="exact")
    ax_s.set_xscale("log")
    ax_s.set_xlabel("visible samples drawn per estimate")
    ax_s.set_ylabel(f"estimate of $\\partial L/\\partial {name}_{{{','.join(map(str, idx))}}}$")
    ax_s.set_title("spread over independent repeats")
    ax_s.legend(loc="upper right", fontsize=10)
    add_caption(fig, "Monte Carlo: S samples for each of the K latent states (K·S in all). "
                     "PCD: C chains run at fixed parameters, one step per estimate; its T "
                     "is a running average over about 10 steps. Same data term everywhere.")
    return fig, (ax_e, ax_s)
