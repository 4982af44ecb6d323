"""Health probes. /healthz is liveness: 200 while the process answers. /readyz is readiness:
200 when the database answers within PROBE_SECONDS, the projector is not halted at an event,
and the read model lags the log by at most GOVLEDGER_READY_MAX_LAG events (the services'
settings); otherwise 503 with the reasons. Each process reads the projector's state from
rm_meta, so a worker without a projector of its own answers as truly as the process that runs
it."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from api.graphql.context import Services
from projections.halt import Halt
from projections.schema import PROJECTION_NAME

PROBE_SECONDS = 2.0
STATE = """
SELECT m.position, m.halted_at, m.halted_type, m.halted_error, m.halted_since,
    (SELECT max(notification_id) FROM {events}) AS head
FROM rm_meta m WHERE m.name = $1
"""


async def live(_: Request) -> Response:
    return JSONResponse({"status": "ok"})


def readiness(
    services: dict[str, Services], max_lag: int | None = None
) -> Callable[[Request], Awaitable[Response]]:
    """The /readyz endpoint over the process's services (there once the app has started);
    max_lag: the bound on the lag, the services' setting without it."""

    async def ready(_: Request) -> Response:
        current = services.get("current")
        if current is None:
            return unavailable(["the server is starting"])
        bound = current.settings.ready_max_lag if max_lag is None else max_lag
        try:
            state = await asyncio.wait_for(read_state(current), PROBE_SECONDS)
        except TimeoutError:
            return unavailable([f"the database did not answer within {PROBE_SECONDS:g} s"])
        except asyncpg.UndefinedTableError:
            return unavailable(["the read model has not been built yet"])
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
            return unavailable([f"the database is unreachable: {error}"])
        if state is None:
            return unavailable(["the read model has not been built yet"])
        return judge(state, bound)

    return ready


async def read_state(services: Services) -> dict[str, Any] | None:
    events = '"' + services.ledger.events_table.replace('"', '""') + '"'
    row = await services.pool.fetchrow(STATE.format(events=events), PROJECTION_NAME)
    return None if row is None else dict(row)


def judge(state: dict[str, Any], max_lag: int) -> Response:
    position, head = int(state["position"]), int(state["head"] or 0)
    lag = max(head - position, 0)
    figures = {"position": position, "head": head, "lag": lag}
    reasons = []
    if state["halted_at"] is not None:
        halt = Halt(state["halted_at"], state["halted_type"] or "", state["halted_error"] or "")
        reasons.append(halt.describe())
    if lag > max_lag:
        reasons.append(f"the read model lags the log by {lag} events (at most {max_lag})")
    if reasons:
        return unavailable(reasons, figures)
    return JSONResponse({"status": "ready", **figures})


def unavailable(reasons: list[str], figures: dict[str, int] | None = None) -> Response:
    body = {"status": "unavailable", "reasons": reasons, **(figures or {})}
    return JSONResponse(body, status_code=503)
