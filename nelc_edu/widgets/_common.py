"""The one redraw pattern every widget of the course uses.

A widget callback must replace the figure in its ``Output``, never add a second one.
:func:`redraw_into` does that in one step: it draws into a fresh
:class:`matplotlib.figure.Figure` that pyplot does not know about (so the inline backend
can never show it a second time at the end of the cell), renders it to PNG, and *replaces*
the ``Output``'s content with the optional text report plus that one image. Replacing
``Output.outputs`` in a single assignment is what ``clear_output(wait=True)`` followed by a
display achieves, without the flicker, and it behaves the same with or without a running
kernel and with any matplotlib backend (Agg in the tests, inline or ipympl in JupyterLab).

Widget modules use it like this::

    def my_widget():
        slider = ipywidgets.FloatSlider(...)
        out = ipywidgets.Output()

        def update(change=None):
            redraw_into(out, lambda fig: _draw_something(fig, slider.value))

        slider.observe(update, names="value")
        update()
        return ipywidgets.VBox([slider, out])
"""

from __future__ import annotations

import base64
import io
from collections.abc import Callable
from typing import Any

__all__ = [
    "new_figure",
    "figure_to_png",
    "figure_alt_text",
    "redraw_into",
    "slider_kwargs",
    "controls",
    "display_outputs",
]

#: Layout and style shared by every slider: readable labels, no truncation.
SLIDER_STYLE = {"description_width": "initial"}


def new_figure(figsize: tuple[float, float] = (10.0, 4.8)):
    """A matplotlib Figure with constrained layout that pyplot does not manage.

    Examples
    --------
    >>> fig = new_figure((4, 3))
    >>> fig.get_size_inches().tolist()
    [4.0, 3.0]
    """
    from matplotlib.figure import Figure

    return Figure(figsize=figsize, layout="constrained")


def figure_to_png(fig, dpi: float = 100.0) -> bytes:
    """Render a figure to PNG bytes (any backend: uses the Agg canvas directly).

    Examples
    --------
    >>> fig = new_figure((2, 2))
    >>> _ = fig.add_subplot().plot([0, 1])
    >>> figure_to_png(fig)[:4]
    b'\\x89PNG'
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, facecolor="white")
    return buf.getvalue()


def figure_alt_text(fig, default: str = "Figure") -> str:
    """Text description of a figure: its captions (super-x-label, axis captions) and titles.

    Used as the ``text/plain`` part of the displayed image, which screen readers and
    text-only front ends show instead of the picture.

    Examples
    --------
    >>> fig = new_figure((3, 2))
    >>> ax = fig.add_subplot()
    >>> _ = ax.set_title("pi over time")
    >>> figure_alt_text(fig)
    'Figure: pi over time'
    """
    parts: list[str] = []
    for ax in fig.axes:
        title = ax.get_title()
        if title:
            parts.append(title)
        if not ax.get_xticks().size and ax.get_xlabel():
            parts.append(ax.get_xlabel().replace("\n", " "))
    sup = getattr(fig, "_supxlabel", None)
    if sup is not None and sup.get_text():
        parts.append(sup.get_text().replace("\n", " "))
    parts = [p.strip().rstrip(".").replace("$", "") for p in parts]
    return f"{default}: " + "; ".join(parts) if parts else default


def display_outputs(png: bytes, text: str | None = None, alt: str = "Figure") -> tuple:
    """Output entries (nbformat dicts): optional stdout text, then one PNG image.

    Examples
    --------
    >>> outs = display_outputs(b"\\x89PNG...", text="sigma = 0.1")
    >>> [o["output_type"] for o in outs]
    ['stream', 'display_data']
    """
    outputs: list[dict[str, Any]] = []
    if text:
        outputs.append({"output_type": "stream", "name": "stdout",
                        "text": text if text.endswith("\n") else text + "\n"})
    outputs.append({
        "output_type": "display_data",
        "data": {"image/png": base64.b64encode(png).decode("ascii"), "text/plain": alt},
        "metadata": {},
    })
    return tuple(outputs)


def redraw_into(
    out,
    draw: Callable[[Any], str | None],
    *,
    figsize: tuple[float, float] = (10.0, 4.8),
    dpi: float = 100.0,
) -> None:
    """Replace the content of ``out`` by one freshly drawn figure (and a text report).

    Parameters
    ----------
    out : ipywidgets.Output
    draw : callable
        ``draw(fig)`` draws into the empty figure it receives and returns an optional
        text report (shown above the figure) or None.
    figsize : tuple, optional
    dpi : float, optional

    Notes
    -----
    If ``draw`` raises, the error message replaces the figure (as ``stderr``, so the
    student sees it) instead of disappearing into the kernel log.

    Examples
    --------
    >>> import ipywidgets
    >>> out = ipywidgets.Output()
    >>> def draw(fig):
    ...     fig.add_subplot().plot([0, 1], [1, 0])
    ...     return "a line"
    >>> redraw_into(out, draw, figsize=(3, 2))
    >>> redraw_into(out, draw, figsize=(3, 2))  # replaces, never appends
    >>> [o["output_type"] for o in out.outputs]
    ['stream', 'display_data']
    """
    from ..plotting.style import style_context

    with style_context():
        fig = new_figure(figsize)
        try:
            text = draw(fig)
            png = figure_to_png(fig, dpi=dpi)
            outputs = display_outputs(png, text, figure_alt_text(fig))
        except Exception as exc:  # shown to the student, not swallowed
            outputs = ({"output_type": "stream", "name": "stderr",
                        "text": f"{type(exc).__name__}: {exc}\n"},)
        finally:
            fig.clear()
    out.outputs = outputs


def slider_kwargs(description: str, **kwargs: Any) -> dict[str, Any]:
    """Keyword arguments for an ipywidgets slider in the course style.

    Redraw on release (``continuous_update=False``: a figure per drag position would queue
    up), full-width label, a wide track.

    Examples
    --------
    >>> kw = slider_kwargs("affinity", min=-5.0, max=5.0)
    >>> kw["continuous_update"], kw["description"]
    (False, 'affinity')
    """
    import ipywidgets

    base: dict[str, Any] = {
        "description": description,
        "continuous_update": False,
        "style": SLIDER_STYLE,
        "layout": ipywidgets.Layout(width="340px"),
    }
    base.update(kwargs)
    return base


def controls(*children):
    """A wrapping row of controls.

    Examples
    --------
    >>> import ipywidgets
    >>> box = controls(ipywidgets.IntSlider(), ipywidgets.IntSlider())
    >>> len(box.children)
    2
    """
    import ipywidgets

    return ipywidgets.HBox(list(children), layout=ipywidgets.Layout(flex_flow="row wrap"))
