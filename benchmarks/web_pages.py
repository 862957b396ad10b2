"""A page's time to interactive and bytes in a real browser: Debian's chromium under Playwright,
launched as the browser tests launch it (tests/web_browser.py), logged in with an API token."""
import os
from urllib.parse import urlsplit

import psutil

import servers  # noqa: F401  (it puts the project's root on sys.path)
from clearml_local.web.session import COOKIE  # noqa: E402  (the web UI's login cookie)
from tests.web_browser import CHROMIUM, VIEWPORT, launch  # noqa: E402,F401

# After the load event (the page's scripts ran and drew), one animation frame and one task: the
# first moment the main thread is free to answer input. Times count from navigation start.
SETTLED = """() => new Promise((resolve) => requestAnimationFrame(() => setTimeout(() => {
  const navigation = performance.getEntriesByType("navigation")[0];
  const resources = performance.getEntriesByType("resource");
  const size = (entry) => entry.transferSize || entry.encodedBodySize || 0;
  resolve({interactive: performance.now() / 1000, loaded: navigation.loadEventEnd / 1000,
           document_bytes: size(navigation),
           bytes: size(navigation) + resources.reduce((sum, entry) => sum + size(entry), 0),
           requests: 1 + resources.length});
}, 0)))"""


def interactive(browser, web_url, token, path, check):
    """{interactive, loaded (seconds from navigation start), bytes, requests, browser_cpu
    (chromium's CPU seconds over the load)} of one load of
    path in a fresh context (a cold cache, as on a first visit), logged in with token.
    check(page) raises unless the page shows all it should; script errors on it raise too."""
    context = browser.new_context(viewport=VIEWPORT)
    context.add_cookies([{"name": COOKIE, "value": token,
                          "domain": urlsplit(web_url).hostname, "path": "/"}])
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(error))
    try:
        cpu = browser_cpu_seconds()
        response = page.goto(web_url + path, wait_until="load", timeout=300_000)
        if response is None or response.status != 200:
            raise RuntimeError(f"{path}: HTTP {response and response.status}")
        timing = page.evaluate(SETTLED)
        timing["browser_cpu"] = browser_cpu_seconds() - cpu
        check(page)
    finally:
        context.close()
    if errors:
        raise RuntimeError(f"script errors on {path}: {errors}")
    return timing


def browser_cpu_seconds():
    """CPU seconds chromium's processes (those below this one) have used so far: unlike wall
    time, hardly changed by other load on the machine."""
    total = 0.0
    for process in psutil.Process(os.getpid()).children(recursive=True):
        try:
            if "chrom" in process.name():
                times = process.cpu_times()
                total += times.user + times.system
        except psutil.Error:
            continue
    return total


def compare_check(curves):
    """check() for the compare page: every chart drawn, with `curves` traces in all."""
    def check(page):
        drawn = page.evaluate("""() => Array.from(document.querySelectorAll(
            "[data-scalars] .js-plotly-plot")).reduce((sum, div) => sum + div.data.length, 0)""")
        if drawn != curves:
            raise RuntimeError(f"compare page drew {drawn} curves, not {curves}")
    return check


def table_check(rows):
    """check() for the experiments page: the table holds `rows` experiments."""
    def check(page):
        shown = page.locator("#experiments tbody tr").count()
        if shown != rows:
            raise RuntimeError(f"experiments page shows {shown} rows, not {rows}")
    return check
