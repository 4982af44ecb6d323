"""Bounded waits: poll the condition a test waits for until it holds or a deadline passes, and
fail naming what did not happen (rather than sleep for a while and hope)."""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")


def wait_until(
    condition: Callable[[], T],
    what: str,
    timeout: float = 20,
    interval: float = 0.05,
    detail: Callable[[], str] | None = None,
) -> T:
    """The condition's first truthy value; fails once timeout seconds have passed without one.
    `what` names the awaited event ("6 deliveries"); detail adds what helps to see why."""
    deadline = time.monotonic() + timeout
    while not (value := condition()):
        if time.monotonic() > deadline:
            raise AssertionError(timed_out(what, timeout, detail))
        time.sleep(interval)
    return value


async def wait_until_async(
    condition: Callable[[], T | Awaitable[T]],
    what: str,
    timeout: float = 20,
    interval: float = 0.05,
    detail: Callable[[], str] | None = None,
) -> T:
    """wait_until on an event loop: the condition may be a coroutine function, and the loop
    runs on while it waits."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if inspect.isawaitable(value):
            value = await value
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(timed_out(what, timeout, detail))
        await asyncio.sleep(interval)


def timed_out(what: str, timeout: float, detail: Callable[[], str] | None) -> str:
    message = f"waited {timeout:g} s for {what}, in vain"
    return f"{message}: {detail()}" if detail is not None else message
