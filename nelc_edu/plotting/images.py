"""Grids and strips of small binary images: data, decoder means, chain samples.

Images are drawn ink-on-paper (``gray_r``: 1 is black, 0 is white) on a fixed 0-1
scale, tiled into one picture with light-grey gutters, so a grid of a hundred digits
costs a single ``imshow``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from .style import IMAGE_CMAP

__all__ = ["image_grid", "image_strip"]

_KNOWN_SHAPES = {64: (8, 8), 784: (28, 28), 9: (3, 3), 16: (4, 4), 36: (6, 6)}
_GUTTER = "#c8c8c8"


def infer_image_shape(n_pixels: int) -> tuple[int, int]:
    """The (height, width) of a flattened image: 64 -> (8, 8), 784 -> (28, 28), squares.

    Examples
    --------
    >>> infer_image_shape(64), infer_image_shape(784)
    ((8, 8), (28, 28))
    """
    if n_pixels in _KNOWN_SHAPES:
        return _KNOWN_SHAPES[n_pixels]
    side = int(round(math.sqrt(n_pixels)))
    if side * side == n_pixels:
        return (side, side)
    raise ValueError(f"cannot guess the shape of an image with {n_pixels} pixels; pass "
                     "shape=(height, width).")


def _as_images(images: Any, shape: tuple[int, int] | None) -> np.ndarray:
    arr = np.asarray(images, dtype=float)
    if arr.ndim == 1:
        arr = arr[None, :]
    if arr.ndim == 2:
        h, w = shape if shape is not None else infer_image_shape(arr.shape[1])
        if h * w != arr.shape[1]:
            raise ValueError(f"shape={shape} has {h * w} pixels but each image has "
                             f"{arr.shape[1]}.")
        arr = arr.reshape(arr.shape[0], h, w)
    if arr.ndim != 3 or arr.shape[0] == 0:
        raise ValueError(f"images has shape {np.shape(images)}; expected (n, h, w) or "
                         "(n, h*w) with n >= 1.")
    return arr


def image_grid(
    images: Any,
    shape: tuple[int, int] | None = None,
    *,
    ncols: int | None = None,
    titles: Sequence[str] | None = None,
    ax: Any = None,
    title: str | None = None,
    cmap: str = IMAGE_CMAP,
    vmin: float = 0.0,
    vmax: float = 1.0,
    tile_inches: float = 0.75,
):
    """Tile images into one grid picture.

    Parameters
    ----------
    images : array_like, shape (n, h, w) or (n, h*w)
        Binary images or probabilities in [0, 1] (e.g. decoder means ``sigmoid(U + b)``).
    shape : (h, w), optional
        Needed for flattened images whose size is not 64, 784 or a square.
    ncols : int, optional
        Default: about ``sqrt(n)``, at most 10.
    titles : sequence of str, optional
        One short label per image, written above it.
    ax : matplotlib Axes, optional
        Draw there; a new figure sized to the grid otherwise.
    title : str, optional
        Title of the whole grid.
    cmap : str, optional
        Default ``gray_r`` (ink = 1).
    vmin, vmax : float, optional
        Colour scale (fixed so that 0.5 always means the same grey).
    tile_inches : float, optional
        Size of one image when a new figure is made.

    Returns
    -------
    fig, ax

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> import numpy as np
    >>> X = (np.random.default_rng(0).random((12, 64)) > 0.5).astype(float)
    >>> fig, ax = image_grid(X, ncols=6, titles=[str(k) for k in range(12)])
    >>> ax.images[0].get_array().shape
    (25, 53)
    >>> plt.close(fig)
    """
    imgs = _as_images(images, shape)
    n, h, w = imgs.shape
    if ncols is None:
        ncols = min(10, max(1, math.ceil(math.sqrt(n))))
    ncols = max(1, min(int(ncols), n))
    nrows = math.ceil(n / ncols)
    if titles is not None and len(titles) != n:
        raise ValueError(f"titles has {len(titles)} entries for {n} images.")
    gap = max(1, round(max(h, w) / 8))
    top = 0
    if titles is not None:
        top = max(2, round(0.45 * h))  # room for the label above each tile
    cell_h, cell_w = h + gap + top, w + gap
    mosaic = np.full((nrows * cell_h - gap, ncols * cell_w - gap), np.nan)
    for k in range(n):
        r, c = divmod(k, ncols)
        y0 = r * cell_h + top
        x0 = c * cell_w
        mosaic[y0:y0 + h, x0:x0 + w] = imgs[k]
        if top:
            mosaic[y0 - top:y0, x0:x0 + w] = vmin  # paper-white band for the label
    import matplotlib as mpl

    cm = mpl.colormaps[cmap].with_extremes(bad=_GUTTER)
    if ax is None:
        import matplotlib.pyplot as plt

        aspect = mosaic.shape[0] / mosaic.shape[1]
        width = min(12.0, max(2.5, ncols * tile_inches))
        fig, ax = plt.subplots(figsize=(width, max(1.2, width * aspect + (0.5 if title else 0))))
    else:
        fig = ax.figure
    ax.imshow(np.ma.masked_invalid(mosaic), cmap=cm, vmin=vmin, vmax=vmax,
              interpolation="nearest")
    if titles is not None:
        for k in range(n):
            r, c = divmod(k, ncols)
            ax.text(c * cell_w + (w - 1) / 2, r * cell_h + top - 1.0, titles[k],
                    ha="center", va="bottom", fontsize=11 if ncols <= 10 else 9,
                    clip_on=False)
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)
    if title:
        ax.set_title(title)
    return fig, ax


def image_strip(
    images: Any,
    shape: tuple[int, int] | None = None,
    *,
    labels: Sequence[str] | None = None,
    ax: Any = None,
    title: str | None = None,
    tile_inches: float = 0.9,
):
    """One row of images, e.g. successive samples of a chain, with optional labels.

    Parameters
    ----------
    images : array_like, shape (n, h, w) or (n, h*w)
    shape : (h, w), optional
    labels : sequence of str, optional
        One short label per image (e.g. ``"t=0"``), written above it.
    ax : matplotlib Axes, optional
    title : str, optional
    tile_inches : float, optional

    Returns
    -------
    fig, ax

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> import numpy as np
    >>> X = np.eye(64)[:5]
    >>> fig, ax = image_strip(X, labels=[f"t={t}" for t in range(5)])
    >>> len(ax.texts)
    5
    >>> plt.close(fig)
    """
    imgs = _as_images(images, shape)
    return image_grid(imgs, ncols=imgs.shape[0], titles=labels, ax=ax, title=title,
                      tile_inches=tile_inches)
