"""Who asks: the bearer token of a request checked against the tokens kept in
api/token_store.py, each with a name (the actor of what it records) and a role. A process keeps
the principals of the tokens it has seen, so that checking a token costs no query; revoking one
NOTIFYs every process to forget it at once."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

import asyncpg

from api.errors import Forbidden, Unauthenticated, unavailable
from api.token_store import REVOKED_CHANNEL, hash_token, holder_of
from ledger import outages
from projections.listener import Listener

CACHED_TOKENS = 10_000
WRITERS = ("editor", "admin")
UNCHECKED = f"the bearer token cannot be checked: {outages.MESSAGE}"


@dataclass(frozen=True)
class Principal:
    name: str
    role: str

    @property
    def can_write(self) -> bool:
        return self.role in WRITERS


def parse_authorization(authorization: str | None) -> str | None:
    """The hash of the bearer token of an Authorization header; None without one."""
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("Authorization must be 'Bearer <token>'")
    if not token.isascii():  # a header of other bytes (HTTP reads headers as Latin-1)
        raise Unauthenticated("Authorization: a bearer token is ASCII (glt_...); this one is not")
    return hash_token(token.strip())


class TokenCache:
    """The principals of tokens this process has seen, by hash. Forgets a token when it is
    revoked (NOTIFY), and everything when the LISTEN connection was lost (a revocation may have
    gone unheard). Unknown tokens are not remembered: each costs a query, and is refused."""

    def __init__(self, pool: asyncpg.Pool, listener: Listener) -> None:
        self.pool = pool
        self._known: OrderedDict[str, Principal] = OrderedDict()
        self._revocations = 0
        listener.on(REVOKED_CHANNEL, self.forget, reopened=self.forget_all)
        self.listener = listener

    def forget(self, token_hash: str) -> None:
        self._revocations += 1
        self._known.pop(token_hash, None)

    def forget_all(self) -> None:
        self._revocations += 1
        self._known.clear()

    async def authenticate(self, authorization: str | None) -> Principal | None:
        """The principal of an Authorization header; None without one; a bad one is refused."""
        token_hash = parse_authorization(authorization)
        if token_hash is None:
            return None
        principal = self._known.get(token_hash)
        if principal is None or not self.listener.connected:
            revocations = self._revocations
            principal = await self._look_up(token_hash)
            if revocations == self._revocations:  # none heard while the query ran
                self._remember(token_hash, principal)
        return principal

    async def _look_up(self, token_hash: str) -> Principal:
        """The token's principal as stored; checked before any execution, so a database out of
        reach is answered here (SERVICE_UNAVAILABLE) rather than by the error codes."""
        try:
            async with self.pool.acquire() as conn:
                holder = await holder_of(conn, token_hash)
        except Exception as error:
            answer = unavailable(error, UNCHECKED)
            if answer is None:
                raise
            raise answer from error
        if holder is None:
            raise Unauthenticated("the bearer token is unknown or revoked")
        return Principal(*holder)

    def _remember(self, token_hash: str, principal: Principal) -> None:
        self._known[token_hash] = principal
        self._known.move_to_end(token_hash)
        while len(self._known) > CACHED_TOKENS:
            self._known.popitem(last=False)


def require_writer(principal: Principal | None) -> Principal:
    if principal is None:
        raise Unauthenticated("mutations need a bearer token of role editor or admin")
    if not principal.can_write:
        raise Forbidden(
            f"token {principal.name!r} has role {principal.role}; mutations need editor or admin"
        )
    return principal


def require_admin(principal: Principal | None) -> Principal:
    if principal is None:
        raise Unauthenticated("this needs a bearer token of role admin")
    if principal.role != "admin":
        raise Forbidden(f"token {principal.name!r} has role {principal.role}; this needs admin")
    return principal
