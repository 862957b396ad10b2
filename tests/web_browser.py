"""Helpers for the browser tests: Debian's chromium under Playwright, logging in, page errors."""
import contextlib
import os
import shutil

from playwright.sync_api import sync_playwright

# Debian's chromium (make browser installs it); CHROMIUM names another binary.
CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
VIEWPORT = {"width": 1600, "height": 900}


@contextlib.contextmanager
def launch():
    with sync_playwright() as driver:
        chromium = driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def log_in(page, server, path):
    """Open path as a stranger, log in on the page it sends us to, and land back on path."""
    page.goto(f"{server.web_url}{path}")
    page.fill("input[name=access_key]", server.access_key)
    page.fill("input[name=secret_key]", server.secret_key)
    page.click("form.login button[type=submit]")
    page.wait_for_load_state()


@contextlib.contextmanager
def open_page(browser, storage_state=None):
    """A page in a fresh context, closed with it; fails the test when a script on it threw.

    Closing the context, never the page alone: Chromium keeps a page whose navigation or load
    is still in flight (a test ends right after a click, a live page reloads), and Playwright's
    page.close() then waits for it forever; disposing of the context always ends its pages.
    """
    context = browser.new_context(viewport=VIEWPORT, storage_state=storage_state)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(error))
    try:
        yield page
    finally:
        context.close()
    assert not errors, f"script errors on the page: {errors}"
