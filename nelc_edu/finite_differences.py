"""Check the exact likelihood gradient against central finite differences (notebook 06).

``(L(theta + eps) - L(theta - eps)) / (2 eps)``, with ``L`` the exact log-likelihood
(enumeration of the 2^N visible states), agrees with the two-step gradient
(``docs/theory.md``, "The likelihood gradient: the two-step rule") up to ``O(eps^2)``
truncation plus about ``1e-16 |L| / eps`` rounding:

* :func:`finite_difference_gradient`: one entry, or every entry of one parameter array;
* :func:`gradient_check`: every entry of every array, with one relative error;
* :func:`fd_error_vs_eps`: the error of one entry as the step varies (truncation vs rounding).

The figures are in :mod:`nelc_edu.plotting.latent`. The models must be small (N <= 20).

Examples
--------
>>> import numpy as np
>>> from nelc_edu.models import TwoMatrixModel
>>> model = TwoMatrixModel.random(3, 4, scale=1.0, seed=0)
>>> gradient_check(model, np.eye(4, dtype=np.uint8)).rel_error < 1e-6
True
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

__all__ = ["finite_difference_gradient", "GradientCheck", "gradient_check", "fd_error_vs_eps"]

#: The parameter arrays of a two-matrix model, in the order the figures use.
PARAM_NAMES = ("W", "c", "U", "b")


def flat_index(shape: tuple[int, ...], index) -> tuple[int, ...]:
    """The multi-index of ``index`` (a flat index or already a tuple) in an array of ``shape``.

    Examples
    --------
    >>> flat_index((2, 3), 4)
    (1, 1)
    """
    if isinstance(index, (int, np.integer)):
        size = int(np.prod(shape))
        if not 0 <= int(index) < size:
            raise ValueError(f"flat index {index} out of range for shape {shape}.")
        return tuple(int(i) for i in np.unravel_index(int(index), shape))
    return tuple(int(i) for i in index)


def finite_difference_gradient(model, X, name: str, index=None, *, eps: float = 1e-5):
    """Central finite difference of the exact log-likelihood w.r.t. parameter ``name``.

    ``(L(theta + eps) - L(theta - eps)) / (2 eps)`` with ``L = model.log_likelihood(X,
    method="exact")``; the error is ``O(eps^2)`` (truncation) plus about
    ``1e-16 |L| / eps`` (rounding). The model is left unchanged (a copy is perturbed).

    Parameters
    ----------
    model : TwoMatrixModel (N <= 20)
    X : array (n, N) of 0/1
    name : {"W", "c", "U", "b"}
    index : int, tuple of int or None
        One entry (flat index or tuple); None computes every entry.
    eps : float

    Returns
    -------
    float or numpy.ndarray
        A float for one entry, else an array shaped like the parameter.

    Examples
    --------
    >>> from nelc_edu.models import TwoMatrixModel
    >>> model = TwoMatrixModel.random(3, 4, scale=1.0, seed=0)
    >>> X = np.eye(4, dtype=np.uint8)
    >>> fd = finite_difference_gradient(model, X, "c", 1)
    >>> bool(abs(fd - model.gradient(X, method="exact")["c"][1]) < 1e-8)
    True
    """
    params = model.params()
    if name not in params:
        raise ValueError(f"name must be one of {sorted(params)}; got {name!r}.")
    work = model.copy()
    theta = work.params()[name]
    X = np.asarray(X)

    def one(idx):
        old = theta[idx]
        theta[idx] = old + eps
        up = work.log_likelihood(X, method="exact")
        theta[idx] = old - eps
        down = work.log_likelihood(X, method="exact")
        theta[idx] = old
        return (up - down) / (2.0 * eps)

    if index is not None:
        return float(one(flat_index(theta.shape, index)))
    out = np.empty(theta.shape)
    for idx in np.ndindex(theta.shape):
        out[idx] = one(idx)
    return out


class GradientCheck(NamedTuple):
    """Exact gradient and its central finite-difference counterpart, per parameter array.

    Attributes
    ----------
    exact, fd : dict of numpy.ndarray
        ``{"W", "c", "U", "b"}`` from ``model.gradient(X, method="exact")`` and from
        :func:`finite_difference_gradient`.
    rel_error : float
        ``||exact - fd|| / ||exact||`` over all entries together.
    """

    exact: dict[str, np.ndarray]
    fd: dict[str, np.ndarray]
    rel_error: float


def gradient_check(model, X, *, eps: float = 1e-5) -> GradientCheck:
    """Compare every entry of the exact gradient with a central finite difference.

    Examples
    --------
    >>> from nelc_edu.models import TwoMatrixModel
    >>> model = TwoMatrixModel.random(3, 4, scale=1.0, seed=0)
    >>> check = gradient_check(model, np.eye(4, dtype=np.uint8))
    >>> check.rel_error < 1e-6
    True
    """
    exact = model.gradient(X, method="exact")
    fd = {k: finite_difference_gradient(model, X, k, eps=eps) for k in exact}
    e = np.concatenate([exact[k].ravel() for k in exact])
    f = np.concatenate([fd[k].ravel() for k in exact])
    return GradientCheck(exact, fd, float(np.linalg.norm(e - f) / np.linalg.norm(e)))


def fd_error_vs_eps(model, X, name: str, index, eps_values: Sequence[float]) -> np.ndarray:
    """Relative error ``|fd(eps) - exact| / |exact|`` of one gradient entry for each ``eps``.

    Examples
    --------
    >>> from nelc_edu.models import TwoMatrixModel
    >>> model = TwoMatrixModel.random(3, 4, scale=1.0, seed=0)
    >>> err = fd_error_vs_eps(model, np.eye(4, dtype=np.uint8), "W", 0, [1e-1, 1e-5])
    >>> bool(err[1] < err[0])
    True
    """
    g = model.gradient(X, method="exact")[name]
    exact = float(g[flat_index(g.shape, index)])
    fds = np.array([finite_difference_gradient(model, X, name, index, eps=e)
                    for e in eps_values])
    return np.abs(fds - exact) / max(abs(exact), 1e-300)
