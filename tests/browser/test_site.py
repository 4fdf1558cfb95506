"""The course website in a real (headless) browser, with no network, served and from disk.

The site is built once per session (fast budgets) by ``nelc_edu.site.build_site``, or taken
from ``$NELC_SITE_DIR`` (CI builds it at the full budgets and points this variable at it).
Every page is opened from a local HTTP server while every request to another host is
refused and recorded; each must render, have its math typeset by the MathJax shipped inside
the site (no raw ``$...$`` or ``\\(`` left), load every image (``naturalWidth > 0``), resolve
every internal link (page and anchor), show no widget placeholder, and request nothing
from the network. Search must find a word offline, and the site must read from ``file://``.
Screenshots of a few pages go to ``artifacts/screenshots/site-*.png``.
"""

from __future__ import annotations

import functools
import html
import http.server
import os
import re
import threading
import time
import urllib.parse
from pathlib import Path

import pytest

from nelc_edu.site import build, launch

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
VIEWPORT = {"width": 1280, "height": 900}
SCREENSHOT_PAGES = ["index.html", "notebooks/01_markov_chains_and_detailed_balance.html",
                    "notebooks/08_training_latent_cycles.html", "docs/lecturer-guide.html",
                    "api/markov.html"]
PAGE_TIMEOUT_MS = 60_000

# Wait for MathJax (if the page has math), then for every image; report what a reader sees.
_JS_CHECK = r"""async () => {
  const hasMath = document.querySelector('.math') !== null;
  if (hasMath) {
    const t0 = Date.now();
    while (!(window.MathJax && MathJax.startup && MathJax.startup.promise)) {
      if (Date.now() - t0 > 20000) break;
      await new Promise(r => setTimeout(r, 50));
    }
    if (window.MathJax && MathJax.startup && MathJax.startup.promise)
      await MathJax.startup.promise;
  }
  const imgs = [...document.images];
  imgs.forEach(i => { i.loading = 'eager'; });
  await Promise.all(imgs.map(i => i.complete ? null : new Promise(r => {
    i.addEventListener('load', r); i.addEventListener('error', r);
    setTimeout(r, 10000); })));
  const main = document.querySelector('main') || document.body;
  const clone = main.cloneNode(true);
  // code, outputs and API signatures (a default such as title='$T_{ij}$') are not prose
  clone.querySelectorAll('pre, code, script, style, mjx-container, .cell_output, .output, '
                         + 'textarea, .highlight, dt.sig').forEach(e => e.remove());
  const prose = clone.textContent;
  const mathNodes = [...document.querySelectorAll('span.math, div.math')];
  return {
    title: document.title,
    textLength: main.innerText.trim().length,
    hasMath: hasMath,
    mathJaxVersion: window.MathJax && MathJax.version,
    untypeset: mathNodes.filter(e => !e.querySelector('mjx-container'))
                        .map(e => e.textContent.slice(0, 80)),
    rawTex: (prose.match(/\\\(|\\\[|\$[^$\s][^$]{0,80}\$/g) || []).slice(0, 5),
    brokenImages: imgs.filter(i => !(i.naturalWidth > 0)).map(i => i.getAttribute('src')),
    images: imgs.length,
    links: [...document.querySelectorAll('a[href]')].map(a => a.href),
    placeholders: [...document.querySelectorAll('.cell_output, .output')]
        .map(e => (e.innerText.match(
            /Loading widget|Error displaying widget|Error rendering output/g) || []).length)
        .reduce((a, b) => a + b, 0),
    widgetScripts: document.querySelectorAll(
        'script[type="application/vnd.jupyter.widget-view+json"],' +
        'script[type="application/vnd.jupyter.widget-state+json"]').length,
  };
}"""


def _built_site(tmp_path_factory) -> Path:
    given = os.environ.get("NELC_SITE_DIR")
    if given:
        site = Path(given).resolve()
        assert (site / build.SITE_MARKER).is_file(), (
            f"NELC_SITE_DIR={given} holds no site built by nelc-edu build-site")
        return site
    site = tmp_path_factory.mktemp("site") / "html"
    build.build_site(site, repo_root=REPO, fast=True, log=lambda line: None)
    return site


@pytest.fixture(scope="session")
def site_dir(tmp_path_factory, chromium_path, sync_playwright_factory) -> Path:
    """The built site (needs the browser tools first, so a missing tool skips fast)."""
    return _built_site(tmp_path_factory)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep the test output clean
        pass


@pytest.fixture(scope="session")
def site_server(site_dir):
    """Serve the site on 127.0.0.1 (a thread of this process, stopped at the end)."""
    handler = functools.partial(_QuietHandler, directory=str(site_dir))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def _offline_context(browser, allowed_prefix: str):
    """A browser context that refuses (and records) every request off ``allowed_prefix``."""
    context = browser.new_context(viewport=VIEWPORT)
    blocked: list[str] = []

    def route(r):
        url = r.request.url
        if url.startswith(allowed_prefix) or url.startswith(("data:", "blob:", "about:")):
            r.continue_()
        else:
            blocked.append(url)
            r.abort()

    context.route("**/*", route)
    return context, blocked


def _pages(site_dir: Path) -> list[str]:
    return sorted(p.relative_to(site_dir).as_posix() for p in site_dir.rglob("*.html"))


@functools.cache
def _ids(path: str) -> frozenset:
    text = Path(path).read_text(encoding="utf-8", errors="replace")
    return frozenset(html.unescape(m) for m in re.findall(r'\bid="([^"]+)"', text))


def _link_problems(links: list[str], base: str, site_dir: Path) -> list[str]:
    problems = []
    for link in links:
        if not link.startswith(base):
            continue
        parts = urllib.parse.urlsplit(link)
        rel = urllib.parse.unquote(parts.path).lstrip("/")
        target = site_dir / rel
        if target.is_dir():
            target = target / "index.html"
        if not target.is_file():
            problems.append(f"{link} (no such file)")
            continue
        frag = urllib.parse.unquote(parts.fragment)
        if frag and target.suffix == ".html" and frag not in _ids(str(target)):
            problems.append(f"{link} (no element with id {frag!r})")
    return problems


def test_every_page_renders_offline(browser, site_server, site_dir, browser_report):
    """Each page: rendered, math typeset, images loaded, internal links resolve, no network."""
    pages = _pages(site_dir)
    notebook_pages = [p for p in pages if p.startswith("notebooks/")]
    assert len(notebook_pages) == len(list((REPO / "notebooks").glob("*.ipynb")))
    assert "api/index.html" in pages and "docs/lecturer-guide.html" in pages
    if (REPO / "docs" / "theory.md").is_file():
        assert "docs/theory.html" in pages
    context, blocked = _offline_context(browser, site_server)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    problems: dict[str, list[str]] = {}
    t0 = time.perf_counter()
    math_pages = 0
    for rel in pages:
        errors.clear()
        page.goto(f"{site_server}/{rel}", timeout=PAGE_TIMEOUT_MS, wait_until="load")
        r = page.evaluate(_JS_CHECK)
        found = []
        if r["textLength"] < 20 and rel not in ("genindex.html", "search.html"):
            found.append(f"almost empty ({r['textLength']} characters)")
        if r["hasMath"]:
            math_pages += 1
            if not str(r["mathJaxVersion"] or "").startswith("3."):
                found.append(f"MathJax did not load (version {r['mathJaxVersion']!r})")
        if r["untypeset"]:
            found.append(f"math not typeset: {r['untypeset'][:3]}")
        if r["rawTex"]:
            found.append(f"raw TeX in the text: {r['rawTex']}")
        if r["brokenImages"]:
            found.append(f"images that did not load: {r['brokenImages'][:5]}")
        if r["placeholders"] or r["widgetScripts"]:
            found.append("widget placeholder or widget script on the page")
        found += [f"broken link {p}" for p in _link_problems(r["links"], site_server, site_dir)]
        found += [f"script error: {e}" for e in errors]
        if found:
            problems[rel] = found
        if rel in SCREENSHOT_PAGES:
            stem = Path(rel).with_suffix("").as_posix().replace("/", "-")
            page.screenshot(path=str(browser_report.artifacts / f"site-{stem}.png"),
                            full_page=False)
    browser_report.timing("site: every page", time.perf_counter() - t0)
    context.close()
    report = "\n".join(f"{rel}:\n  " + "\n  ".join(p) for rel, p in problems.items())
    assert not problems, f"{len(problems)} of {len(pages)} pages have problems:\n{report}"
    assert not blocked, f"the site asked the network for: {sorted(set(blocked))[:10]}"
    assert math_pages >= len(notebook_pages), "some notebook pages have no math at all"


def test_notebook_pages_have_figures_stills_and_launch_buttons(browser, site_server):
    """Figures are there; widgets are stills; the launch buttons open the student edition."""
    url = launch.repository_url(REPO)
    context, blocked = _offline_context(browser, site_server)
    page = context.new_page()
    stills = 0
    for nb in sorted((REPO / "notebooks").glob("*.ipynb")):
        page.goto(f"{site_server}/notebooks/{nb.stem}.html", timeout=PAGE_TIMEOUT_MS)
        figures = page.locator(".cell_output img").count()
        assert figures > 0, f"{nb.name}: no figure on its page"
        stills += page.locator("p.nelc-widget-still").count()
        hrefs = page.eval_on_selector_all(
            ".dropdown-launch-buttons a, [class*='launch'] a",
            "els => els.map(e => e.getAttribute('href'))")
        assert launch.binder_url(nb.name, url) in hrefs, f"{nb.name}: Binder button {hrefs}"
        assert launch.colab_url(nb.name, url) in hrefs, f"{nb.name}: Colab button {hrefs}"
        body = page.inner_text("main")
        assert "Show the solution" in body, f"{nb.name}: solutions are not folded"
        assert "google.colab" not in body, f"{nb.name}: the Colab set-up cell shows on the site"
    assert stills >= 1, "no widget still on any page"
    context.close()
    assert not blocked, f"requests to the network: {sorted(set(blocked))[:10]}"


def test_search_works_offline(browser, site_server):
    context, blocked = _offline_context(browser, site_server)
    page = context.new_page()
    page.goto(f"{site_server}/search.html?q=entropy+production", timeout=PAGE_TIMEOUT_MS)
    page.wait_for_selector("#search-results li a", timeout=PAGE_TIMEOUT_MS)
    hits = page.eval_on_selector_all("#search-results li a",
                                     "els => els.map(e => e.getAttribute('href'))")
    assert any("notebooks/02_currents_and_entropy_production" in h for h in hits), hits[:10]
    context.close()
    assert not blocked


def test_site_reads_from_disk(browser, site_dir, browser_report):
    """A learner with no network opens index.html from disk: pages, math, images, search."""
    base = site_dir.as_uri()
    context, blocked = _offline_context(browser, "file://")
    page = context.new_page()
    page.goto(f"{base}/index.html", timeout=PAGE_TIMEOUT_MS)
    first = page.locator("main a[href*='notebooks/01_']").first
    first.click()
    page.wait_for_load_state("load")
    assert page.url.startswith("file://") and "notebooks/01_" in page.url
    r = page.evaluate(_JS_CHECK)
    assert r["hasMath"] and not r["untypeset"] and not r["rawTex"], r
    assert r["images"] > 0 and not r["brokenImages"], r["brokenImages"]
    page.screenshot(path=str(browser_report.artifacts / "site-from-disk.png"))
    page.goto(f"{base}/search.html?q=detailed+balance", timeout=PAGE_TIMEOUT_MS)
    page.wait_for_selector("#search-results li a", timeout=PAGE_TIMEOUT_MS)
    context.close()
    assert not blocked, f"requests to the network: {sorted(set(blocked))[:10]}"
