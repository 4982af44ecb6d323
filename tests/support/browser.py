"""The browser of the browser tests: Debian's chromium, headless, driven by Playwright, in
contexts that may reach the live server only (any other request is aborted and noted, as is
every error a page logs: a script that did not load, a Content-Security-Policy violation).
Screenshots are saved under GOVLEDGER_ARTIFACTS (default tests/artifacts)."""

from __future__ import annotations

import importlib.util
import os
import shutil
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.support.live import Live

CHROMIUM = os.environ.get("GOVLEDGER_CHROMIUM", "/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(os.environ.get("GOVLEDGER_ARTIFACTS") or ROOT / "tests" / "artifacts")
DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
# GraphiQL's answer, whole: its editor draws only the lines in view.
RESPONSE = "document.querySelector('.graphiql-response .CodeMirror').CodeMirror.getValue()"


def missing() -> str | None:
    """Why the browser tests cannot run here, if they cannot."""
    if importlib.util.find_spec("playwright") is None:
        return "playwright is not installed (pip install -e '.[dev]')"
    if shutil.which(CHROMIUM) is None:
        return f"no chromium at {CHROMIUM} (apt-get install -y chromium; .ci/run installs it)"
    return None


def required() -> bool:
    """Whether a browser test must fail rather than skip when it cannot run (CI: .ci/run)."""
    return bool(os.environ.get("GOVLEDGER_REQUIRE_BROWSER"))


def expect(actual: Any, message: str | None = None) -> Any:
    """Playwright's expect, imported when first called: the browser tests' modules import this
    one where playwright may be missing, and their browser fixture (tests/e2e/browser/conftest.py)
    then skips them, or fails them where required()."""
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(actual, message)


class Offline:
    """A browser context that may reach the live server only: anything else is aborted and
    noted, as is every error a page logs."""

    def __init__(self, browser: Any, live: Live) -> None:
        self.browser, self.origin = browser, live.url
        self.foreign: list[str] = []
        self.errors: list[str] = []
        self.contexts: list[Any] = []

    def page(self, viewport: dict[str, int] = DESKTOP, **options: Any) -> Any:
        context = self.browser.new_context(
            viewport=viewport, locale="ko-KR", timezone_id="Asia/Seoul", **options
        )
        context.route("**/*", self._route)
        self.contexts.append(context)
        page = context.new_page()
        page.on("console", self._console)
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("websocket", self._websocket)
        return page

    def _console(self, message: Any) -> None:
        if message.type == "error":
            self.errors.append(message.text)

    def _route(self, route: Any) -> None:
        url = route.request.url
        if url.startswith((f"{self.origin}/", "data:")):
            route.continue_()
        else:
            self.foreign.append(url)
            route.abort("blockedbyclient")

    def _websocket(self, socket: Any) -> None:
        if not socket.url.startswith(self.origin.replace("http://", "ws://", 1) + "/"):
            self.foreign.append(socket.url)

    def close(self) -> None:
        for context in self.contexts:
            context.close()


def shot(page: Any, name: str, full_page: bool = True) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=str(path), full_page=full_page)
    return path


def query_of(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}
