"""Figures for the binary RBM (notebook 03): Gibbs marginals, detailed balance, training curves.

:func:`draw_training_comparison` trains a toy RBM three ways
(:func:`nelc_edu.models.binary_rbm.compare_training_methods`) and draws the curves: the
figure of :func:`nelc_edu.widgets.rbm_training_widget`.

Every function returns the matplotlib figure (and axes); none calls ``plt.show()``.

Examples
--------
>>> import matplotlib
>>> matplotlib.use("Agg")
>>> from nelc_edu.models.binary_rbm import BinaryRBM
>>> from nelc_edu.plotting.rbm import plot_detailed_balance
>>> rbm = BinaryRBM.random(3, 4, scale=1.0, seed=0)
>>> fig, axes = plot_detailed_balance(rbm)
>>> len(axes)
2
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from .style import DIVERGING_CMAP, IMAGE_CMAP, SEQUENTIAL_CMAP

__all__ = [
    "plot_gibbs_marginal",
    "plot_detailed_balance",
    "plot_rbm_training_curves",
    "plot_rbm_filters",
    "plot_binary_images",
    "draw_training_comparison",
]

def _palette() -> Sequence[str]:
    from .style import PALETTE

    return PALETTE


def _plt():
    import matplotlib.pyplot as plt

    return plt


def _frame(ax) -> None:
    """A thin grey frame on all four sides (the course style hides top/right spines)."""
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(True)
        spine.set_color("0.55")
        spine.set_linewidth(0.8)


def _as_model(rbm):
    from ..models.binary_rbm import BinaryRBM

    if not isinstance(rbm, BinaryRBM):
        raise ValueError(f"expected a BinaryRBM; got {type(rbm).__name__}.")
    return rbm


def plot_gibbs_marginal(rbm, samples, *, ax=None, top: int | None = 32):
    """Exact marginal ``p(x)`` against the frequencies of Gibbs samples, state by state.

    Parameters
    ----------
    rbm : BinaryRBM
        A model small enough to list ``p(x)`` (N <= 20).
    samples : array of 0/1, shape (n, N)
        Visible states drawn by :meth:`BinaryRBM.gibbs`.
    ax : matplotlib Axes, optional
    top : int or None
        Show only the ``top`` most probable states (all if None).

    Returns
    -------
    fig, ax

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from nelc_edu.models.binary_rbm import BinaryRBM
    >>> rbm = BinaryRBM.random(2, 3, scale=1.0, seed=0)
    >>> fig, ax = plot_gibbs_marginal(rbm, rbm.gibbs(500, n_steps=20, seed=1))
    """
    from .._validation import check_binary_data
    from ..models.binary_rbm import _state_index

    rbm = _as_model(rbm)
    S = check_binary_data(samples, "samples", n_features=rbm.N)
    p = rbm.marginal("visible")
    freq = np.bincount(_state_index(S), minlength=p.size) / S.shape[0]
    order = np.argsort(-p, kind="stable")
    if top is not None:
        order = order[:top]
    plt = _plt()
    pal = _palette()
    if ax is None:
        fig, ax = plt.subplots(figsize=(9, 4.2), layout="constrained")
    else:
        fig = ax.figure
    pos = np.arange(order.size)
    ax.bar(pos, p[order], width=0.8, color=pal[0], alpha=0.45, label="exact $p(x)$")
    ax.plot(pos, freq[order], "o", color=pal[1], ms=5,
            label=f"Gibbs samples (n = {S.shape[0]:,})")
    tv = 0.5 * np.abs(freq - p).sum()
    ax.set_xlabel("visible state $x$ (sorted by exact probability)")
    ax.set_ylabel("probability")
    ax.set_xticks(pos)
    ax.set_xticklabels(["".join(map(str, s)) for s in _states(rbm.N)[order]],
                       rotation=90, fontsize=8, family="monospace")
    ax.set_title(f"Gibbs sampler vs exact marginal (total-variation distance {tv:.3f})")
    ax.legend(loc="upper right")
    return fig, ax


def _states(n: int) -> np.ndarray:
    from ..models.binary_rbm import enumerate_states

    return enumerate_states(n)


def plot_detailed_balance(rbm, layer: str = "visible", *, axes=None):
    r"""The probability flux ``p(x) K(x, x')`` of the Gibbs sampler and its symmetry.

    Left: the flux matrix as an image (it is symmetric: detailed balance). Right: every
    pair ``(x, x')`` as a point ``(flux x -> x', flux x' -> x)``; all points lie on the
    diagonal.

    Parameters
    ----------
    rbm : BinaryRBM
        Both layers must have at most 12 units (the kernel is enumerated).
    layer : {"visible", "hidden"}
        The chain ``x -> x'`` or the latent chain ``h -> h'``.
    axes : pair of Axes, optional

    Returns
    -------
    fig, axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from nelc_edu.models.binary_rbm import BinaryRBM
    >>> fig, axes = plot_detailed_balance(BinaryRBM.random(3, 3, seed=0), layer="hidden")
    """
    rbm = _as_model(rbm)
    K = rbm.transition_matrix(layer)
    p = rbm.marginal(layer)
    F = p[:, None] * K
    plt = _plt()
    pal = _palette()
    if axes is None:
        fig, axes = plt.subplots(1, 2, figsize=(10.5, 4.6), layout="constrained")
    else:
        fig = axes[0].figure
    sym, kname = ("x", "K") if layer == "visible" else ("h", "T")
    im = axes[0].imshow(F, cmap=SEQUENTIAL_CMAP, interpolation="nearest")
    fig.colorbar(im, ax=axes[0], fraction=0.046, pad=0.04)
    axes[0].set_title(f"flux $p({sym})\\,{kname}({sym}, {sym}')$")
    axes[0].set_xlabel(f"next state ${sym}'$ (index)")
    axes[0].set_ylabel(f"state ${sym}$ (index)")
    from matplotlib.ticker import MaxNLocator

    axes[0].xaxis.set_major_locator(MaxNLocator(integer=True))
    axes[0].yaxis.set_major_locator(MaxNLocator(integer=True))
    iu = np.triu_indices_from(F, k=1)
    fwd, bwd = F[iu], F[iu[1], iu[0]]
    lo = max(min(fwd.min(), bwd.min()), 1e-300)
    hi = max(fwd.max(), bwd.max())
    axes[1].loglog([lo, hi], [lo, hi], color="0.6", lw=1, zorder=0, label="$y = x$")
    axes[1].loglog(fwd, bwd, ".", color=pal[0], ms=4, alpha=0.6,
                   label=f"{fwd.size:,} pairs")
    asym = np.abs(F - F.T).max()
    axes[1].set_xlabel(f"flux ${sym} \\to {sym}'$")
    axes[1].set_ylabel(f"flux ${sym}' \\to {sym}$")
    axes[1].set_title(f"detailed balance: max $|F - F^T|$ = {asym:.1e}")
    axes[1].legend(loc="upper left")
    return fig, axes


def plot_rbm_training_curves(
    histories: Mapping[str, object],
    key: str = "log_likelihood",
    *,
    reference: float | None = None,
    reference_label: str = "best possible",
    ax=None,
    title: str | None = None,
):
    """Training curves (a diagnostic against the update count) of several runs.

    Parameters
    ----------
    histories : dict label -> TrainingHistory
        E.g. from :func:`nelc_edu.models.binary_rbm.compare_training_methods`.
    key : str
        The diagnostic to plot (default ``"log_likelihood"``).
    reference : float, optional
        A horizontal line (e.g. the log-likelihood of the data distribution itself).
    ax : Axes, optional

    Returns
    -------
    fig, ax

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from types import SimpleNamespace
    >>> import numpy as np
    >>> h = SimpleNamespace(steps=[0, 10], get=lambda k: np.array([-6.0, -4.0]))
    >>> fig, ax = plot_rbm_training_curves({"exact": h}, reference=-2.6)
    """
    plt = _plt()
    if ax is None:
        fig, ax = plt.subplots(figsize=(9.5, 4.8), layout="constrained")
    else:
        fig = ax.figure
    for (label, hist), (color, ls) in zip(histories.items(), _method_styles(list(histories)),
                                          strict=True):
        ax.plot(hist.steps, hist.get(key), ls, color=color, lw=2.2, label=label)
    if reference is not None:
        ax.axhline(reference, color="0.35", lw=1.2, ls=":", label=reference_label)
    ax.set_xlabel("parameter updates")
    ax.set_ylabel("exact log-likelihood (nats/example)" if key == "log_likelihood" else key)
    if title:
        ax.set_title(title)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))
    ax.grid(alpha=0.3)
    return fig, ax


def _method_styles(labels: Sequence[str]) -> list[tuple[str, str]]:
    """(colour, line style) per training method, in the colours of the model kinds.

    The exact gradient has the colour of the exact-gradient RBM (bluish green, dashed), the
    first PCD run that of the PCD-trained RBM (blue); CD-k and any other run take the other
    colours in turn (never orange: the highlight colour).
    """
    from .style import BLACK, KIND_STYLES, REDDISH_PURPLE, SKY_BLUE

    others = iter([(REDDISH_PURPLE, "-."), (BLACK, ":"), (SKY_BLUE, "-."), (BLACK, "-.")] * 4)
    out, used = [], set()
    for label in labels:
        low = label.lower()
        kind = "rbm_exact" if low.startswith("exact") else "rbm" if "pcd" in low else None
        if kind is not None and kind not in used:
            used.add(kind)
            out.append((KIND_STYLES[kind]["color"], KIND_STYLES[kind]["ls"]))
        else:
            out.append(next(others))
    return out


def plot_rbm_filters(rbm, shape: tuple[int, int], *, max_units: int = 16, axes=None):
    """Each hidden unit's couplings ``W[k]`` drawn as an image of the visible layer.

    Purple (``W > 0``): the unit and the pixel tend to be on together; green (``W < 0``):
    one on pushes the other off. One colour scale for all units (the course's map for signed
    quantities, as for the currents ``J``).

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from nelc_edu.models.binary_rbm import BinaryRBM
    >>> fig, axes = plot_rbm_filters(BinaryRBM.random(4, 9, seed=0), (3, 3))
    """
    rbm = _as_model(rbm)
    if shape[0] * shape[1] != rbm.N:
        raise ValueError(f"shape {shape} has {shape[0] * shape[1]} pixels; the model has N = "
                         f"{rbm.N} visible units.")
    n = min(rbm.M, max_units)
    plt = _plt()
    if axes is None:
        fig, axes = plt.subplots(1, n, figsize=(1.3 * n + 1.0, 2.0), squeeze=False,
                                 layout="constrained")
        axes = axes[0]
    else:
        fig = axes[0].figure
    vmax = float(np.abs(rbm.W[:n]).max()) or 1.0
    for k in range(n):
        im = axes[k].imshow(rbm.W[k].reshape(shape), cmap=DIVERGING_CMAP, vmin=-vmax, vmax=vmax)
        _frame(axes[k])
        axes[k].set_title(f"h{k + 1}", fontsize=10)
    fig.colorbar(im, ax=list(axes), fraction=0.02, pad=0.02, label="$W_{ki}$")
    return fig, axes


def plot_binary_images(X, shape: tuple[int, int], *, n_cols: int = 14, title: str | None = None):
    """A grid of binary images (rows of ``X`` reshaped to ``shape``).

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from nelc_edu.datasets import bars_and_stripes
    >>> fig, axes = plot_binary_images(bars_and_stripes(3), (3, 3))
    """
    X = np.asarray(X)
    n = X.shape[0]
    n_cols = min(n_cols, n)
    n_rows = int(np.ceil(n / n_cols))
    plt = _plt()
    fig, axes = plt.subplots(n_rows, n_cols, figsize=(0.75 * n_cols + 0.4, 0.8 * n_rows + 0.6),
                             squeeze=False, layout="constrained")
    for j, ax in enumerate(axes.ravel()):
        _frame(ax)
        if j < n:
            ax.imshow(X[j].reshape(shape), cmap=IMAGE_CMAP, vmin=0, vmax=1)
        else:
            ax.axis("off")
    if title:
        fig.suptitle(title)
    return fig, axes


def draw_training_comparison(
    X=None,
    *,
    k: int = 1,
    learning_rate: float = 0.05,
    M: int = 8,
    n_updates: int = 600,
    n_chains: int = 100,
    batch_size: int = 16,
    seed: int = 0,
    ax=None,
):
    """Train one toy RBM three ways (exact gradient, CD-k, PCD-k) and plot the curves.

    Parameters
    ----------
    X : array of 0/1, optional
        Training data; default: the 14 bars-and-stripes patterns on a 3x3 grid.
    k : int
        Gibbs steps per update for CD-k and PCD-k.
    learning_rate : float
        RMSprop step size, the same for the three runs.
    M, n_updates, n_chains, batch_size, seed
        Model size and training budget (as in :func:`nelc_edu.training.train`).
    ax : matplotlib Axes, optional
        Where to draw (a new figure if omitted).

    Returns
    -------
    fig, ax

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> fig, ax = draw_training_comparison(k=2, n_updates=20)
    >>> len(ax.lines)   # three runs and the reference line
    4
    """
    from ..datasets import bars_and_stripes
    from ..models.binary_rbm import compare_training_methods

    if X is None:
        X = bars_and_stripes(3)
    X = np.asarray(X)
    runs = compare_training_methods(
        X, M=M, methods=("exact", ("cd", k), ("pcd", k)), n_updates=n_updates,
        learning_rate=learning_rate, batch_size=batch_size, n_chains=n_chains,
        n_checkpoints=30, seed=seed,
    )
    n_distinct = np.unique(X, axis=0).shape[0]
    best = -np.log(n_distinct) if n_distinct == X.shape[0] else None
    return plot_rbm_training_curves(
        runs, reference=best, ax=ax, reference_label=f"best possible ($-\\log {n_distinct}$)",
        title=f"M = {M} hidden units, RMSprop learning rate {learning_rate:.3g}, k = {k}",
    )
