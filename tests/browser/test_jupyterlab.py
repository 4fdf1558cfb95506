"""Every notebook, opened in JupyterLab in a real (headless) browser, as a student would.

For each notebook (a throwaway copy with outputs cleared, fast mode): Run All Cells, then check
what the page shows: no error output, no "Error displaying widget", widgets rendered, no widget
``Output`` holding two figures; from notebook 01 on, move a slider with the keyboard and check
that a figure or a text output changed. Screenshots go to ``artifacts/screenshots/``.

Run them alone with ``pytest tests/browser -m browser`` (``conftest.py`` lists the tools).
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

_NB_DIR = Path(os.environ.get("NELC_BROWSER_NOTEBOOKS",
                              Path(__file__).resolve().parents[2] / "notebooks"))
NOTEBOOKS = sorted(p.name for p in _NB_DIR.glob("*.ipynb"))

PANEL = ".jp-NotebookPanel:visible"
VIEWPORT = {"width": 1280, "height": 900}
MAX_SCREENSHOT_HEIGHT = 16000
OPEN_TIMEOUT_MS = 90_000
RUN_TIMEOUT_S = 600.0
SLIDER_TIMEOUT_S = 45.0
MAX_SLIDERS_TRIED = 6

# --- JavaScript run in the page ------------------------------------------------------------

_JS_PROGRESS = """() => {
  const p = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
  const root = p || document;
  const prompts = [...root.querySelectorAll('.jp-CodeCell .jp-InputPrompt')]
      .map(e => e.textContent.trim());
  const ind = root.querySelector('.jp-Notebook-ExecutionIndicator');
  return {running: prompts.filter(t => t.includes('*')).length,
          status: ind ? ind.getAttribute('data-status') : null,
          loading: (root.innerText.match(/Loading widget/g) || []).length};
}"""

# Problems a student would see: tracebacks, error text, broken widgets.
_JS_PROBLEMS = """() => {
  const root = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
  const cells = [...root.querySelectorAll('.jp-Cell')];
  const out = {errors: [], widget_errors: [], warnings: [], unexecuted: [],
               widgets: 0, sliders: 0, outputs: [], n_cells: cells.length};
  cells.forEach((cell, i) => {
    const isCode = cell.classList.contains('jp-CodeCell');
    cell.querySelectorAll('.jp-OutputArea-output').forEach(o => {
      const mime = o.getAttribute('data-mime-type') || '';
      const text = o.innerText || '';
      if (mime === 'application/vnd.jupyter.stderr') {
        if (/Traceback|^\\w*(Error|Exception)\\b/m.test(text)) {
          out.errors.push([i, text.slice(0, 1500)]);
        } else if (/Warning/.test(text)) {
          out.warnings.push([i, text.slice(0, 300)]);
        }
      } else if (o.classList.contains('jp-RenderedText')
                 && /^(?:[A-Z]\\w*)?(?:Error|Exception): |Traceback \\(most recent call/m
                    .test(text)) {
        out.errors.push([i, text.slice(0, 1500)]);
      }
      if (/Error displaying widget|Error rendering widget|Widget Javascript not detected/
          .test(text)) out.widget_errors.push([i, text.slice(0, 300)]);
    });
    if (isCode) {
      const src = cell.querySelector('.jp-InputArea-editor');
      const prompt = cell.querySelector('.jp-InputPrompt');
      const hasCode = src && src.innerText.trim().length > 0;
      if (hasCode && prompt && !/\\[\\d+\\]/.test(prompt.textContent)) {
        out.unexecuted.push(i);
      }
    }
  });
  out.widgets = root.querySelectorAll('.jupyter-widgets').length;
  out.sliders = root.querySelectorAll('.noUi-handle').length;
  // every widget Output: how many figures (img/svg/canvas outputs) does it hold?
  root.querySelectorAll('.widget-output').forEach((w, k) => {
    const kids = [...w.querySelectorAll('.jp-OutputArea-output')]
        .filter(o => !o.querySelector('.widget-output'));
    const figs = kids.filter(o => o.querySelector('img, canvas, svg') ||
        /^image\\//.test(o.getAttribute('data-mime-type') || '')).length;
    const cell = w.closest('.jp-Cell');
    out.outputs.push([cells.indexOf(cell), figs]);
  });
  return out;
}"""

# A cheap fingerprint of everything a callback can change (figures, Output text, HTML widgets),
# leaving out the slider's own read-out.
_JS_FINGERPRINT = """() => {
  const root = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
  const parts = [];
  root.querySelectorAll('.jp-OutputArea-output img').forEach(e => parts.push(e.src));
  root.querySelectorAll('.jp-OutputArea-output canvas').forEach(e => {
    try { parts.push(e.toDataURL()); } catch (err) { parts.push('canvas'); }
  });
  root.querySelectorAll('.jp-OutputArea-output svg').forEach(e => parts.push(e.outerHTML));
  root.querySelectorAll('.widget-output, .widget-html-content, .widget-label')
      .forEach(e => parts.push(e.innerText));
  const s = parts.join('\\u0001');
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) { h ^= s.charCodeAt(i); h = Math.imul(h, 16777619); }
  return (h >>> 0).toString(16) + ':' + s.length;
}"""

_JS_CONTENT_HEIGHT = """() => {
  const root = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
  const sc = root.querySelector('.jp-WindowedPanel-outer') || root.querySelector('.jp-Notebook');
  const cells = root.querySelectorAll('.jp-Cell');
  const last = cells[cells.length - 1];
  const bottom = last ? last.getBoundingClientRect().bottom + sc.scrollTop : sc.scrollHeight;
  return Math.ceil(bottom + 60);
}"""


_JS_SCROLL_TOP = """() => {
  const root = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
  root.querySelectorAll('.jp-WindowedPanel-outer, .jp-Notebook').forEach(e => e.scrollTop = 0);
}"""


# --- helpers -------------------------------------------------------------------------------

def _notebook_number(name: str) -> int | None:
    m = re.match(r"(\d+)", name)
    return int(m.group(1)) if m else None


def _accept_dialogs(page) -> str | None:
    """Accept a dialog (e.g. "Select Kernel") if JupyterLab shows one; return its title."""
    dialog = page.locator(".jp-Dialog")
    if not dialog.count():
        return None
    title = dialog.first.inner_text().splitlines()[0] if dialog.first.is_visible() else "dialog"
    accept = dialog.locator(".jp-Dialog-button.jp-mod-accept")
    if accept.count():
        accept.first.click()
    else:
        page.keyboard.press("Escape")
    return title


def _wait_kernel_ready(page, timeout_s: float = OPEN_TIMEOUT_MS / 1000) -> list[str]:
    """Wait until the kernel is idle and no dialog has shown for 2 s; return dialog titles."""
    indicator = f"{PANEL} .jp-Notebook-ExecutionIndicator[data-status='idle']"
    dialogs, calm_since = [], None
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        title = _accept_dialogs(page)
        if title:
            dialogs.append(title)
            calm_since = None
        elif page.locator(indicator).count():
            calm_since = calm_since or time.monotonic()
            if time.monotonic() - calm_since > 2.0:
                return dialogs
        time.sleep(0.25)
    raise AssertionError(f"the kernel did not become idle within {timeout_s:.0f} s")


def _collapse_left_sidebar(page) -> None:
    """Give the notebook the whole width, as on a projector (the file browser is closed)."""
    tab = page.locator(".jp-SideBar.jp-mod-left .lm-TabBar-tab.lm-mod-current")
    if tab.count():
        tab.first.click()


def _wait_execution_finished(page, timeout_s: float, settle_s: float = 1.0) -> dict:
    """Wait until no cell shows ``[*]``, the kernel is idle and widgets stopped loading."""
    deadline = time.monotonic() + timeout_s
    calm_since = None
    state = {}
    while time.monotonic() < deadline:
        _accept_dialogs(page)
        state = page.evaluate(_JS_PROGRESS)
        calm = state["running"] == 0 and state["status"] == "idle" and state["loading"] == 0
        if calm:
            calm_since = calm_since or time.monotonic()
            if time.monotonic() - calm_since >= settle_s:
                return state
        else:
            calm_since = None
        time.sleep(0.25)
    raise AssertionError(f"execution did not finish within {timeout_s:.0f} s (last state {state})")


def _run_all(page, attempts: int = 3) -> None:
    """Run > Run All Cells, retried if no cell starts (the kernel may still be connecting)."""
    for _ in range(attempts):
        _accept_dialogs(page)
        page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
        page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$")).click()
        try:
            page.wait_for_function(
                """() => [...document.querySelectorAll(
                      '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell .jp-InputPrompt')]
                      .some(e => /\\[(\\*|\\d+)\\]/.test(e.textContent))""",
                timeout=15_000,
            )
            return
        except Exception:  # noqa: BLE001 - playwright's TimeoutError: try again
            page.keyboard.press("Escape")
    raise AssertionError(f"Run All Cells started no cell after {attempts} attempts")


def _full_screenshot(page, path: Path) -> None:
    """Screenshot with the viewport stretched to the notebook's full height."""
    page.set_viewport_size(VIEWPORT)
    page.wait_for_timeout(200)
    height = min(int(page.evaluate(_JS_CONTENT_HEIGHT)), MAX_SCREENSHOT_HEIGHT)
    page.set_viewport_size({"width": VIEWPORT["width"], "height": max(height, VIEWPORT["height"])})
    page.wait_for_timeout(300)
    page.evaluate(_JS_SCROLL_TOP)
    page.wait_for_timeout(300)
    page.screenshot(path=str(path), full_page=True)


def _assert_no_problems(name: str, problems: dict, when: str) -> None:
    msgs = []
    for i, text in problems["errors"]:
        msgs.append(f"cell {i} shows an error {when}:\n{text}")
    for i, text in problems["widget_errors"]:
        msgs.append(f"cell {i} shows a broken widget {when}: {text}")
    for i, n in problems["outputs"]:
        if n > 1:
            msgs.append(f"cell {i}: a widget Output holds {n} figures {when} "
                        "(a callback draws without clear_output(wait=True)?)")
    assert not msgs, f"{name}:\n" + "\n".join(msgs)


def _move_a_slider(page) -> tuple[bool, list[str], object]:
    """Press ArrowRight (then ArrowLeft) on slider handles until an output changes.

    Returns (changed, log, handle locator that worked).
    """
    handles = page.locator(f"{PANEL} .noUi-handle")
    log = []
    for k in range(min(handles.count(), MAX_SLIDERS_TRIED)):
        handle = handles.nth(k)
        handle.scroll_into_view_if_needed()
        for key in ("ArrowRight", "ArrowLeft", "ArrowLeft"):
            before = page.evaluate(_JS_FINGERPRINT)
            handle.focus()
            page.keyboard.press(key)
            pressed = time.monotonic()
            while time.monotonic() - pressed < SLIDER_TIMEOUT_S:
                time.sleep(0.3)
                if page.evaluate(_JS_FINGERPRINT) != before:
                    _wait_execution_finished(page, SLIDER_TIMEOUT_S, settle_s=1.0)
                    log.append(f"slider {k}: {key} changed the output")
                    return True, log, handle
                idle = page.evaluate(_JS_PROGRESS)["status"] == "idle"
                if idle and time.monotonic() - pressed > 4:
                    break  # the kernel is idle and nothing changed: try the next key
            log.append(f"slider {k}: {key} changed nothing")
    return False, log, None


# --- the test ------------------------------------------------------------------------------

@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_notebook_in_jupyterlab(notebook, browser, lab_server, browser_report):
    """Run All Cells in JupyterLab; no errors, widgets render and react to a slider."""
    t0 = time.perf_counter()
    stem = Path(notebook).stem
    shots = browser_report.artifacts
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    console_errors = []
    page.on("pageerror", lambda exc: console_errors.append(str(exc)))
    try:
        page.goto(f"{lab_server.url}/lab/tree/{notebook}?reset&token={lab_server.token}",
                  timeout=OPEN_TIMEOUT_MS)
        page.wait_for_selector(f"{PANEL} .jp-Cell", timeout=OPEN_TIMEOUT_MS)
        for title in _wait_kernel_ready(page):
            browser_report.note(notebook, f"JupyterLab asked '{title}' on opening (a student "
                                "sees this too: is the kernelspec missing from the metadata?)")
        _collapse_left_sidebar(page)
        _run_all(page)
        page.wait_for_timeout(500)
        _wait_execution_finished(page, RUN_TIMEOUT_S)
        problems = page.evaluate(_JS_PROBLEMS)
        _full_screenshot(page, shots / f"{stem}.png")
        for i, text in problems["warnings"]:
            line = next((ln for ln in text.splitlines() if "Warning" in ln), text)
            browser_report.note(notebook, f"cell {i} shows a warning: {line.strip()[:200]}")

        _assert_no_problems(notebook, problems, "after Run All")
        assert not problems["unexecuted"], (
            f"{notebook}: cells {problems['unexecuted']} did not run (Run All stopped early?)"
        )
        assert problems["widgets"] > 0, (
            f"{notebook}: no widget rendered (is the ipywidgets extension missing, or does no "
            "cell display a widget?)"
        )

        number = _notebook_number(notebook)
        if number is not None and number >= 1:
            assert problems["sliders"] > 0, f"{notebook}: no slider found"
            changed, log, handle = _move_a_slider(page)
            assert changed, f"{notebook}: moving a slider changed no figure or text:\n" + \
                "\n".join(log)
            after = page.evaluate(_JS_PROBLEMS)
            _full_screenshot(page, shots / f"{stem}-slider.png")
            cell = handle.locator("xpath=ancestor::div[contains(@class,'jp-Cell')][1]")
            try:
                cell.screenshot(path=str(shots / f"{stem}-slider-cell.png"))
            except Exception:  # noqa: BLE001 - a nice-to-have picture, never a failure
                pass
            _assert_no_problems(notebook, after, "after moving a slider")
        if console_errors:
            browser_report.note(notebook, f"browser console errors: {console_errors[:3]}")
    except Exception:
        try:
            page.screenshot(path=str(shots / f"{stem}-FAILED.png"), full_page=True)
        except Exception:  # noqa: BLE001
            pass
        raise
    finally:
        browser_report.timing(notebook, time.perf_counter() - t0)
        context.close()
        lab_server.shutdown_kernel_of(notebook)
