"""A test whose tool is missing skips, unless the environment says the tool must be there
(.ci/run sets GOVLEDGER_REQUIRE_BROWSER, _NODE, _REPLICA and _CURL): then it fails, so that CI
never passes by skipping."""

from __future__ import annotations

import os
from typing import NoReturn

import pytest


def unavailable(reason: str, requirement: str) -> NoReturn:
    """Skip for reason, or fail when the environment variable `requirement` is set."""
    if os.environ.get(requirement):
        pytest.fail(f"{reason}, and {requirement} says it must be there (.ci/run sets it)")
    pytest.skip(reason)
