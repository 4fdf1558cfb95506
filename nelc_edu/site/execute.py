"""Run the course notebooks for the website, in parallel, and turn widgets into stills.

The site shows every notebook with the outputs a reader should see: executed at the **full**
budgets (``NELC_FAST`` unset) unless ``fast=True``. Each notebook runs in its own Jupyter
kernel through ``nbclient``, one notebook per core at a time (:func:`execute_notebooks`); the
site builder then renders the stored outputs without executing anything again.

A widget needs a live kernel to move, so a static page cannot make it react. Instead,
:func:`widgets_to_stills` replaces each widget output by a still of its default state: a one
line note naming the controls and their default values, then the figure and text the widget
showed (the content of its ``Output`` widgets, recorded during execution). Progress bars
(tqdm) become their final text line. The notebook then carries no widget state, so no page
shows a "Loading widget" placeholder or loads a widget script from a CDN.

Examples
--------
>>> nb = {"metadata": {"widgets": {"application/vnd.jupyter.widget-state+json": {"state": {
...     "a": {"model_name": "VBoxModel", "state": {"children": ["IPY_MODEL_b", "IPY_MODEL_c"]}},
...     "b": {"model_name": "FloatSliderModel", "state": {"description": "affinity",
...                                                       "value": 2.0}},
...     "c": {"model_name": "OutputModel", "state": {"outputs": [
...         {"output_type": "stream", "name": "stdout", "text": "sigma = 0.1\\n"}]}}}}}},
...     "cells": [{"cell_type": "code", "metadata": {}, "source": "w", "outputs": [
...         {"output_type": "display_data", "metadata": {}, "data": {
...             "application/vnd.jupyter.widget-view+json": {"model_id": "a"},
...             "text/plain": "VBox(...)"}}]}]}
>>> widgets_to_stills(nb)
1
>>> [o["output_type"] for o in nb["cells"][0]["outputs"]], "widgets" in nb["metadata"]
(['display_data', 'stream'], False)
>>> nb["cells"][0]["outputs"][0]["data"]["text/plain"]
'Interactive widget shown at its default settings: affinity = 2.'
"""

from __future__ import annotations

import html
import os
import subprocess
import time
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

__all__ = ["execute_notebooks", "ExecutionResult"]

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
#: Cell time-out (s): full-mode notebooks take up to 3 min in all on one core.
CELL_TIMEOUT = 900
_CONTROLS = {"FloatSliderModel", "IntSliderModel", "FloatLogSliderModel", "DropdownModel",
             "SelectionSliderModel", "ToggleButtonsModel", "RadioButtonsModel",
             "CheckboxModel", "ToggleButtonModel", "IntTextModel", "FloatTextModel",
             "BoundedIntTextModel", "BoundedFloatTextModel", "SelectModel",
             "IntRangeSliderModel", "FloatRangeSliderModel", "TextModel"}
_TEXTS = {"HTMLModel", "LabelModel", "HTMLMathModel"}


@dataclass(frozen=True)
class ExecutionResult:
    """How one notebook ran.

    Attributes
    ----------
    name : str
        The notebook's file name.
    seconds : float
        Wall time of the execution (kernel start included).
    stills : int
        How many widget outputs became stills.
    """

    name: str
    seconds: float
    stills: int


def _kernel_env(fast: bool) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("NELC_FAST", None)
    if fast:
        env["NELC_FAST"] = "1"
    # one core per notebook: no thread pools competing with the other kernels
    for var in ("NUMBA_NUM_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                "MKL_NUM_THREADS"):
        env[var] = "1"
    env["PYTHONUNBUFFERED"] = "1"
    return env


def execute_notebook(src: str | os.PathLike, dst: str | os.PathLike, *, fast: bool = False,
                     timeout: int = CELL_TIMEOUT) -> ExecutionResult:
    """Execute one notebook in a fresh kernel and write it, widgets as stills, to ``dst``.

    Parameters
    ----------
    src, dst : path-like
        The notebook to run and where to write the executed copy. The kernel's working
        folder is ``dst``'s folder.
    fast : bool
        Run at the fast budgets (``NELC_FAST=1``) instead of the full ones.
    timeout : int
        Seconds allowed for one cell.

    Returns
    -------
    ExecutionResult

    Raises
    ------
    RuntimeError
        If a cell raises (other than one tagged ``raises-exception``) or times out; the
        message names the notebook, the cell and the error.
    """
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    src, dst = Path(src), Path(dst)
    t0 = time.perf_counter()
    nb = nbformat.read(src, as_version=4)
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            store_widget_state=True,
                            resources={"metadata": {"path": str(dst.parent)}})
    try:
        # the kernel's own log (a TCP transport warning per kernel) would only add noise;
        # failures reach us as cell errors or as a dead-kernel error
        client.execute(env=_kernel_env(fast), stderr=subprocess.DEVNULL)
    except (CellExecutionError, CellTimeoutError) as exc:
        lines = [ln for ln in str(exc).strip().splitlines() if ln.strip()]
        raise RuntimeError(f"{src.name}: a cell failed: {lines[-1] if lines else exc}") from None
    except DeadKernelError as exc:
        raise RuntimeError(f"{src.name}: the kernel died ({exc}); out of memory?") from None
    stills = widgets_to_stills(nb)
    nbformat.write(nbformat.from_dict(nb), dst)
    return ExecutionResult(src.name, time.perf_counter() - t0, stills)


def _run_one(args: tuple[str, str, bool, int]) -> ExecutionResult:
    src, dst, fast, timeout = args
    return execute_notebook(src, dst, fast=fast, timeout=timeout)


def execute_notebooks(pairs: Iterable[tuple[Path, Path]], *, fast: bool = False,
                      jobs: int | None = None, timeout: int = CELL_TIMEOUT,
                      log=print) -> list[ExecutionResult]:
    """Execute notebooks in parallel, one kernel per core (``jobs``), longest names last.

    Parameters
    ----------
    pairs : iterable of (source, destination) paths
    fast : bool
        Fast budgets instead of the full ones.
    jobs : int, optional
        Notebooks run at once; default: the number of cores this process may use.
    timeout : int
        Seconds allowed for one cell.
    log : callable
        Called with one line per finished notebook.

    Returns
    -------
    list of ExecutionResult
        In the order of ``pairs``.

    Raises
    ------
    RuntimeError
        If a notebook fails (the first failure; the other notebooks are stopped).
    """
    pairs = [(str(s), str(d)) for s, d in pairs]
    if jobs is None:
        jobs = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (
            os.cpu_count() or 1)
    if jobs < 1:
        raise ValueError(f"jobs must be at least 1, got {jobs}")
    import multiprocessing

    results: dict[str, ExecutionResult] = {}
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=min(jobs, len(pairs)) or 1, mp_context=ctx) as pool:
        futures = {pool.submit(_run_one, (s, d, fast, timeout)): s for s, d in pairs}
        try:
            for future in as_completed(futures):
                result = future.result()
                results[futures[future]] = result
                log(f"  executed {result.name} in {result.seconds:.0f} s"
                    + (f" ({result.stills} widget stills)" if result.stills else ""))
        except BaseException:
            for f in futures:
                f.cancel()
            raise
    return [results[s] for s, _ in pairs]


# --- widgets to stills ---------------------------------------------------------------------

def _model_id(ref) -> str | None:
    if isinstance(ref, str) and ref.startswith("IPY_MODEL_"):
        return ref[len("IPY_MODEL_"):]
    return None


def _walk(state: dict, model_id: str, seen: set[str] | None = None):
    """Yield (model_name, state) of a widget and its descendants, depth first."""
    seen = set() if seen is None else seen
    if model_id in seen or model_id not in state:
        return
    seen.add(model_id)
    model = state[model_id]
    yield model.get("model_name", ""), model.get("state", {})
    for child in model.get("state", {}).get("children", []) or []:
        cid = _model_id(child)
        if cid:
            yield from _walk(state, cid, seen)


def _control_value(name: str, st: dict) -> str | None:
    label = st.get("_options_labels")
    if label is not None:
        index = st.get("index")
        if isinstance(index, int) and 0 <= index < len(label):
            return str(label[index])
        if isinstance(index, list):
            return ", ".join(str(label[i]) for i in index if 0 <= i < len(label))
        return None
    value = st.get("value")
    if value is None:
        return None
    if name == "FloatLogSliderModel" and isinstance(value, (int, float)):
        return f"{st.get('base', 10) ** value:g}"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, list):
        return " to ".join(f"{v:g}" if isinstance(v, float) else str(v) for v in value)
    return str(value)


def _strip_tags(text: str) -> str:
    import re

    return html.unescape(re.sub(r"<[^>]+>", " ", text)).strip()


def _still(state: dict, model_id: str) -> list[dict]:
    controls, outputs, texts = [], [], []
    for name, st in _walk(state, model_id):
        if name in _CONTROLS:
            value = _control_value(name, st)
            desc = (st.get("description") or "").strip().rstrip(":")
            if value is not None:
                controls.append(f"{desc} = {value}" if desc else value)
        elif name == "OutputModel":
            outputs.extend(st.get("outputs", []))
        elif name in _TEXTS and st.get("value"):
            texts.append(_strip_tags(str(st["value"])))
    still: list[dict] = []
    if controls or outputs:
        plain = "Interactive widget shown at its default settings" + (
            ": " + "; ".join(controls) + "." if controls else ".")
        note = ("<p class=\"nelc-widget-still\"><strong>Interactive widget</strong>, shown at "
                "its default settings"
                + (": " + "; ".join(f"<code>{html.escape(c)}</code>" for c in controls)
                   if controls else "")
                + ". Launch the notebook (Binder or Colab) to move the controls.</p>")
        still.append({"output_type": "display_data", "metadata": {},
                      "data": {"text/html": note, "text/plain": plain}})
        still.extend(outputs)
    elif texts:  # a progress bar or a label: its final text
        line = " ".join(t for t in texts if t)
        still.append({"output_type": "stream", "name": "stderr", "text": line + "\n"})
    return still


def widgets_to_stills(nb) -> int:
    """Replace every widget output of an executed notebook by a still of its default state.

    Parameters
    ----------
    nb : nbformat.NotebookNode or dict
        An executed notebook whose widget state was stored (``store_widget_state=True``);
        modified in place. Its ``metadata.widgets`` is removed.

    Returns
    -------
    int
        How many widget outputs became stills.
    """
    import copy

    widgets = nb.get("metadata", {}).pop("widgets", {}) or {}
    state = widgets.get(WIDGET_STATE, {}).get("state", {})
    count = 0
    for cell in nb.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        new_outputs = []
        for out in cell.get("outputs", []):
            view = out.get("data", {}).get(WIDGET_VIEW) if isinstance(out, dict) else None
            if view is None:
                new_outputs.append(out)
                continue
            count += 1
            new_outputs.extend(copy.deepcopy(_still(state, view.get("model_id", ""))))
        cell["outputs"] = new_outputs
    return count
