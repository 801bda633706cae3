"""Fixtures for the tests of the documentation site: the built site (built once per session),
a local server for it, and a Chromium page that records console errors and refuses every
request to another host. conftest.py makes them available to every test file."""

from __future__ import annotations

import functools
import os
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlparse

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = ROOT / "build" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def mkdocs_build(config_dir: Path, site_dir: Path, package: Path | None = None):
    env = {k: v for k, v in os.environ.items() if k != "SYRIATL_DOCS_PACKAGE"}
    env["NO_MKDOCS_2_WARNING"] = "1"
    if package is not None:
        env["SYRIATL_DOCS_PACKAGE"] = str(package)
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site_dir)],
        cwd=config_dir,
        env=env,
        capture_output=True,
        text=True,
    )


@pytest.fixture(scope="session")
def built_site(tmp_path_factory) -> Path:
    """The site built from the shipped package with ``mkdocs build --strict``."""
    site = tmp_path_factory.mktemp("site")
    result = mkdocs_build(ROOT, site)
    assert result.returncode == 0, result.stdout + result.stderr
    return site


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


@pytest.fixture(scope="session")
def server(built_site):
    """The built site served on loopback; yields its base URL (ends with ``/``)."""
    handler = functools.partial(QuietHandler, directory=str(built_site))
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="session")
def browser():
    """Debian's headless Chromium through Playwright (skipped without it, failed in CI)."""
    if not CHROMIUM.is_file():
        reason = (
            "Debian's chromium is not installed (apt-get install chromium); .ci/run installs it"
        )
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@dataclass
class Watched:
    """A browser page, with what went wrong on it: console errors and requests to other hosts."""

    page: object
    errors: list[str] = field(default_factory=list)
    foreign: list[str] = field(default_factory=list)


@pytest.fixture
def watched(browser):
    """A fresh page (1280 x 900) that records errors and refuses requests to other hosts."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    seen = Watched(page)

    def route(request_route):
        host = urlparse(request_route.request.url).hostname
        if host in ("127.0.0.1", None):
            request_route.continue_()
        else:
            seen.foreign.append(request_route.request.url)
            request_route.abort()

    page.route("**/*", route)
    page.on("console", lambda m: m.type == "error" and seen.errors.append(f"{page.url}: {m.text}"))
    page.on("pageerror", lambda e: seen.errors.append(f"{page.url}: {e}"))
    page.on("requestfailed", lambda r: seen.errors.append(f"{page.url}: failed {r.url}"))
    yield seen
    context.close()
