"""The review page in a real headless Chromium: start the browser, serve the app, log in, measure.

Needs Debian's chromium and chromium-driver (`make test` installs them);
MAILFLOW_SKIP_CHROMIUM=1 opts out explicitly. Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import base64
import os
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask import Flask
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.wait import WebDriverWait

from mailflow.demo.embedded import free_port
from mailflow.ops.http import ServedApp
from tests.review.web.conftest import PASSWORD

ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts"
DESKTOP, PHONE = (1280, 900), (390, 844)  # a laptop, and an iPhone 12 to 15 in CSS pixels


def start_chromium(*, javascript: bool = True) -> webdriver.Chrome:
    """A headless Chromium at 1280x900; with javascript=False, one that runs no script at all."""
    if os.environ.get("MAILFLOW_SKIP_CHROMIUM") == "1":
        pytest.skip("MAILFLOW_SKIP_CHROMIUM=1: browser tests explicitly opted out")
    binary, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if not binary or not driver:
        raise RuntimeError(
            "chromium and chromedriver are not installed: `make test` installs Debian's chromium and "
            "chromium-driver (set MAILFLOW_SKIP_CHROMIUM=1 to skip these tests explicitly)"
        )
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for flag in (
        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--window-size=1280,900", "--lang=en-US", "--hide-scrollbars",
    ):  # fmt: skip
        options.add_argument(flag)
    if not javascript:
        options.add_experimental_option("prefs", {"profile.managed_default_content_settings.javascript": 2})
    return webdriver.Chrome(options=options, service=Service(executable_path=driver))


@contextmanager
def serving(app: Flask) -> Iterator[str]:
    """The app behind waitress on a free local port; yields its base URL."""
    port = free_port()
    stop = threading.Event()
    # The daemon's own wrapper: it stops waitress in the order that keeps its loop thread quiet
    # (a bare server.close() under the running loop raised EBADF in that thread).
    served = ServedApp("browser-test-page", app, "127.0.0.1", port, stop)
    served.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        stop.set()
        served.join(timeout=15)


def log_in(browser: webdriver.Chrome, base: str, name: str = "manager", password: str = PASSWORD) -> None:
    """Through the login form, as a reviewer would; waits for the page it leads to."""
    browser.get(f"{base}/login")
    browser.find_element(By.NAME, "username").send_keys(name)
    browser.find_element(By.NAME, "password").send_keys(password)
    browser.find_element(By.ID, "login").click()
    WebDriverWait(browser, 10).until(lambda b: "/login" not in b.current_url)


def shows(browser: webdriver.Chrome, words: str) -> None:
    """Wait for the page a click led to (a click returns before the next page has loaded)."""
    WebDriverWait(browser, 10).until(lambda b: words in b.page_source)


def set_viewport(browser: webdriver.Chrome, size: tuple[int, int]) -> None:
    """The page's viewport in CSS pixels, exactly.

    Not Chrome's mobile emulation: there a page too wide for the phone is zoomed out and
    window.innerWidth grows with it, so a sideways scroll would pass the width check unseen.
    """
    width, height = size
    browser.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
    )


def page_widths(browser: webdriver.Chrome) -> tuple[int, int, int]:
    """(the page's scrollWidth, its clientWidth, the window's innerWidth): what scrolls sideways."""
    widths = browser.execute_script(
        "const e = document.documentElement; return [e.scrollWidth, e.clientWidth, window.innerWidth];"
    )
    return widths[0], widths[1], widths[2]


def screenshot(browser: webdriver.Chrome, name: str) -> Path:
    """The whole page, top to bottom, as test-artifacts/<name>.png."""
    ARTIFACTS.mkdir(exist_ok=True)
    width, height = browser.execute_script(
        "return [window.innerWidth, document.documentElement.scrollHeight];"
    )
    clip = {"x": 0, "y": 0, "width": width, "height": height, "scale": 1}
    shot = browser.execute_cdp_cmd("Page.captureScreenshot", {"captureBeyondViewport": True, "clip": clip})
    path = ARTIFACTS / f"{name}.png"
    path.write_bytes(base64.b64decode(shot["data"]))
    return path
