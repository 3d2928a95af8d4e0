"""Real browser tests: Debian's chromium driven by Playwright (from pip) against a real ``run.py``.

Chromium comes from Debian (``apt-get install -y chromium fonts-wqy-microhei``, done here when missing
and we are root); Playwright never downloads a browser. Each test module gets its own service process
on a fresh SQLite database with the shipped processes and demo users. Screenshots go to
``test-output/screenshots`` (ignored by git) so that people can look at every main page.
"""
from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from urllib.parse import quote
from typing import Iterator

import pytest

from tests.e2e.servers import ROOT, ServiceProcess

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = ROOT / "test-output" / "screenshots"
DEMO_PASSWORD = "demo-pass"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-dev-shm-usage"]


def _chromium_installed() -> bool:
    return Path(CHROMIUM).exists() and Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc").exists()


def _ensure_chromium() -> None:
    """Install once per machine: the suite's worker processes (pytest-xdist) take turns behind a file lock,
    since two apt-get runs at once fail on dpkg's own lock."""
    if _chromium_installed():
        return
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        pytest.fail("Debian's chromium is needed: apt-get install -y chromium fonts-wqy-microhei (as root)")
    with open(Path(tempfile.gettempdir()) / "servicedesk-tests-apt.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if _chromium_installed():  # another worker installed it while this one waited
            return
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], check=True, env=env, stdout=subprocess.DEVNULL)
        subprocess.run(["apt-get", "install", "-y", "-qq", "chromium", "fonts-wqy-microhei"], check=True, env=env,
                       stdout=subprocess.DEVNULL)


@pytest.fixture(scope="session")
def browser() -> Iterator:
    _ensure_chromium()
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def service(tmp_path_factory) -> Iterator[ServiceProcess]:
    """One real service (web + scheduler) on a fresh SQLite database, demo users with DEMO_PASSWORD."""
    folder = tmp_path_factory.mktemp("browser-service")
    process = ServiceProcess(f"sqlite:///{folder / 'servicedesk.db'}", folder, scheduler=True, demo=True,
                             extra_env={"DEMO_PASSWORD": DEMO_PASSWORD})
    process.site = f"http://127.0.0.1:{process.port}"
    yield process
    process.stop()


class People:
    """Opens browser pages signed in as demo users, each in its own context (own cookies)."""

    def __init__(self, browser, service: ServiceProcess):
        self.browser = browser
        self.site = service.site
        self.contexts: list = []

    def page(self, language: str = "zh"):
        context = self.browser.new_context(locale="zh-CN" if language == "zh" else "en-US",
                                           timezone_id="Asia/Shanghai", viewport={"width": 1360, "height": 900})
        context.set_default_timeout(15_000)
        self.contexts.append(context)
        page = context.new_page()
        page.console_errors = []
        page.on("console", lambda message: message.type == "error" and page.console_errors.append(message.text))
        page.on("pageerror", lambda error: page.console_errors.append(str(error)))
        return page

    def signed_in(self, user: str, language: str = "zh", password: str = DEMO_PASSWORD, then: str = ""):
        page = self.page(language)
        page.goto(f"{self.site}/login" + (f"?next={quote(then, safe='/')}" if then else ""))
        page.fill("input[name=username]", user)
        page.fill("input[name=password]", password)
        page.click("button[type=submit].primary")
        page.wait_for_load_state("networkidle")
        assert "/login" not in page.url, f"{user} could not sign in"
        return page

    def close(self) -> None:
        for context in self.contexts:
            context.close()


@pytest.fixture
def people(browser, service) -> Iterator[People]:
    crowd = People(browser, service)
    yield crowd
    crowd.close()


def screenshot(page, name: str) -> Path:
    """Save a full-page screenshot for people to look at (test-output/screenshots/<name>.png)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
