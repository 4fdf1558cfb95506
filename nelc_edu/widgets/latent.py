"""Widgets for notebooks 05 and 06: untie the decoder, check the gradient.

Each builder returns an ``ipywidgets.VBox`` (controls on top, an ``Output`` below). The
models and checks come from :mod:`nelc_edu.untying` and :mod:`nelc_edu.finite_differences`;
the figures from :mod:`nelc_edu.plotting.latent`
(:func:`~nelc_edu.plotting.latent.draw_untying`,
:func:`~nelc_edu.plotting.latent.draw_gradient_check`), drawn through
:func:`nelc_edu.widgets._common.redraw_into`, so one control change = one figure.

Examples
--------
>>> import matplotlib
>>> matplotlib.use("Agg")
>>> from nelc_edu.widgets.latent import untying_explorer
>>> box = untying_explorer(a=0.5)
>>> type(box).__name__
'VBox'
"""

from __future__ import annotations

import numpy as np

from ._common import controls, redraw_into, slider_kwargs

__all__ = ["untying_explorer", "gradient_check_explorer"]

_DECODER_OPTIONS = [
    ("random U_target", "random"),
    ("shifted: z draws prototype z+1", "shifted"),
]


def untying_explorer(a: float = 0.0, *, decoder: str = "random", beta: float = 2.0,
                     seed: int = 0):
    """Slider ``a`` from the tied one-hot RBM (0) to an untied two-matrix model (1).

    The model is :func:`nelc_edu.untying.prototype_model`: 4 latent states whose
    decoder means are the 3x3 prototypes when tied, decoder
    ``U = (1 - a) W.T + a U_target``. Each move redraws the latent graph (decoder-mean images
    as nodes, net currents as arrows) and marks ``a`` on the curves of latent and path
    entropy production (all exact). The curves of each decoder target are computed once.

    Parameters
    ----------
    a : float in [0, 1]
        Initial slider value.
    decoder : {"random", "shifted"}
        Initial decoder target (a dropdown switches it).
    beta, seed
        As in :func:`~nelc_edu.untying.prototype_model`.

    Returns
    -------
    ipywidgets.VBox

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> box = untying_explorer(a=1.0, decoder="shifted")
    >>> out = box.children[-1]
    >>> "dominant cycle 0 -> 1 -> 2 -> 3 -> 0" in out.outputs[0]["text"]
    True
    """
    import ipywidgets as widgets

    from ..plotting.latent import draw_untying
    from ..untying import untying_sweep

    slider = widgets.FloatSlider(**slider_kwargs("untying a", value=float(a), min=0.0, max=1.0,
                                                 step=0.05, readout_format=".2f"))
    target = widgets.Dropdown(options=_DECODER_OPTIONS, value=decoder,
                              description="U_target", style={"description_width": "initial"},
                              layout=widgets.Layout(width="340px"))
    out = widgets.Output()
    sweeps: dict[str, object] = {}

    def update(_change=None):
        dec = target.value
        if dec not in sweeps:
            sweeps[dec] = untying_sweep(decoder=dec, beta=beta, seed=seed)
        redraw_into(out, lambda fig: draw_untying(fig, slider.value, decoder=dec, beta=beta,
                                                  seed=seed, sweep=sweeps[dec]),
                    figsize=(13.0, 5.6))

    slider.observe(update, names="value")
    target.observe(update, names="value")
    update()
    return widgets.VBox([controls(slider, target), out])


def gradient_check_explorer(X=None, *, K: int = 4, seed: int = 0, name: str = "W",
                            index: int = 0, eps: float = 1e-5):
    """Pick a parameter entry and a model: exact two-step gradient vs central finite difference.

    Controls: the parameter array (W, c, U, b), the entry (flat index), the model seed
    (``TwoMatrixModel.random(K, N, scale=1.0, seed=seed)``) and the finite-difference step.
    The figure is :func:`nelc_edu.plotting.latent.draw_gradient_check`; the text above it
    gives the two values and their relative error. Every quantity is exact (enumeration),
    so N must be small (the default data are 200 noisy 3x3 patterns, N = 9).

    Parameters
    ----------
    X : array (n, N) of 0/1, optional
        Data; default ``patterns_3x3(200, seed=0)``.
    K : int
        Latent states of the random models.
    seed, name, index, eps
        Initial values of the controls.

    Returns
    -------
    ipywidgets.VBox

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> box = gradient_check_explorer(K=3, name="c", index=2)
    >>> "relative error" in box.children[-1].outputs[0]["text"]
    True
    """
    import ipywidgets as widgets

    from ..datasets.toy import patterns_3x3
    from ..finite_differences import gradient_check
    from ..models import TwoMatrixModel
    from ..plotting.latent import draw_gradient_check

    if X is None:
        X = patterns_3x3(200, seed=0)[0]
    X = np.asarray(X)
    N = X.shape[1]
    sizes = {"W": K * N, "c": K, "U": N * K, "b": N}
    if name not in sizes:
        raise ValueError(f"name must be one of {sorted(sizes)}; got {name!r}.")

    param = widgets.Dropdown(options=[("encoder W", "W"), ("encoder bias c", "c"),
                                      ("decoder U", "U"), ("visible bias b", "b")],
                             value=name, description="parameter",
                             style={"description_width": "initial"},
                             layout=widgets.Layout(width="260px"))
    entry = widgets.IntSlider(**slider_kwargs("entry (flat index)", value=int(index) %
                                              sizes[name], min=0, max=sizes[name] - 1))
    seed_s = widgets.IntSlider(**slider_kwargs("model seed", value=int(seed), min=0, max=20))
    eps_s = widgets.FloatLogSlider(**slider_kwargs("step eps", value=float(eps), base=10,
                                                   min=-9, max=-1, step=1,
                                                   readout_format=".0e"))
    out = widgets.Output()
    checks: dict[tuple[int, float], object] = {}
    state = {"busy": False}

    def update(_change=None):
        if state["busy"]:
            return
        key = (seed_s.value, eps_s.value)
        if key not in checks:
            model = TwoMatrixModel.random(K, N, scale=1.0, seed=seed_s.value)
            checks[key] = gradient_check(model, X, eps=eps_s.value)
        redraw_into(out, lambda fig: draw_gradient_check(
            fig, name=param.value, index=entry.value, seed=seed_s.value, eps=eps_s.value,
            X=X, K=K, check=checks[key]), figsize=(13.0, 5.4))

    def new_param(_change=None):
        state["busy"] = True
        try:
            entry.max = sizes[param.value] - 1
            entry.value = min(entry.value, entry.max)
        finally:
            state["busy"] = False
        update()

    param.observe(new_param, names="value")
    for w in (entry, seed_s, eps_s):
        w.observe(update, names="value")
    update()
    return widgets.VBox([controls(param, entry), controls(seed_s, eps_s), out])
