"""The browser tests' fixtures: one chromium a module (tests/support/browser.py), the Seoul data
on the live server, a context offline but for it, and an editor's token. Every browser test
depends on the browser fixture (through offline): where chromium or playwright is missing they
skip, saying why, but fail where GOVLEDGER_REQUIRE_BROWSER is set (CI: .ci/run)."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from ledger.importing.importer import Importer
from tests.support.browser import CHROMIUM, Offline, missing, required
from tests.support.ingest import SEOUL_DATA
from tests.support.live import Live


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if (why := missing()) is not None:
        if required():  # CI (.ci/run): never skip silently
            pytest.fail(f"the browser tests cannot run: {why}", pytrace=False)
        pytest.skip(why)
    from playwright import sync_api

    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def seoul(live: Live) -> Live:
    Importer(live.runtime.ledger).import_folder(SEOUL_DATA)
    live.caught_up()
    return live


@pytest.fixture
def offline(browser: Any, seoul: Live) -> Iterator[Offline]:
    found = Offline(browser, seoul)
    yield found
    found.close()
    assert found.foreign == [], f"requests to another host: {found.foreign}"
    assert found.errors == [], f"errors logged by a page: {found.errors}"


@pytest.fixture
def editor(seoul: Live) -> str:
    """A token made on a thread of its own: Playwright's sync API keeps an event loop running
    on this one, where Live.token's asyncio.run cannot run."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(seoul.token, "editor-kim", "editor").result()
