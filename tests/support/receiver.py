"""A webhook receiver as an integrator writes it: a real HTTP server on 127.0.0.1 that checks
each signature as docs/webhooks.md tells integrators to, and keeps every request it answered."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

from tests.support.waiting import wait_until


@dataclass
class Delivery:
    path: str
    cursor: str
    attempt: int
    status: int
    body: dict[str, Any]
    signed: bool
    at: float


@dataclass
class Receiver:
    """An integrator's endpoint; each path is a webhook with its secret. answer(n) gives the
    status of the n-th request (0-based), or seconds (a float) to stall before answering 200."""

    base: str = ""
    secrets: dict[str, str] = field(default_factory=dict)
    answer: Callable[[int], int | float] = lambda _: 200
    requests: list[Delivery] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    accepted: int = 0
    """Connections taken from the listening socket, in the order they came."""
    finished: int = 0
    """Connections answered and closed."""

    def handle(self, path: str, headers: Any, body: bytes) -> int:
        with self.lock:
            n = len(self.requests)
        reply = self.answer(n)
        if isinstance(reply, float):
            time.sleep(reply)  # the stall is the behaviour under test: a slow receiver
            reply = 200
        delivery = Delivery(
            path=path,
            cursor=headers["X-Govledger-Event-Cursor"],
            attempt=int(headers["X-Govledger-Delivery-Attempt"]),
            status=reply,
            body=json.loads(body),
            signed=signature_holds(self.secrets[path], body, headers["X-Govledger-Signature"]),
            at=time.monotonic(),
        )
        with self.lock:
            self.requests.append(delivery)
        return reply

    def delivered(self, path: str = "/hook") -> list[Delivery]:
        with self.lock:
            return [d for d in self.requests if d.status == 200 and d.path == path]

    def all(self, path: str = "/hook") -> list[Delivery]:
        with self.lock:
            return [d for d in self.requests if d.path == path]

    def count_accepted(self) -> None:
        with self.lock:
            self.accepted += 1

    def count_finished(self) -> None:
        with self.lock:
            self.finished += 1

    def settle(self) -> None:
        """Wait until every request sent so far has been answered. A probe of our own is
        accepted after every connection queued before it: once it is answered, all of them
        are counted as accepted, and the wait is for them to finish."""
        assert httpx.get(f"{self.base}/probe", timeout=10).status_code == 204

        def idle() -> bool:
            with self.lock:
                return self.finished == self.accepted

        wait_until(idle, "the receiver to answer the requests in flight")


def signature_holds(secret: str, body: bytes, header: str) -> bool:
    """The check of docs/webhooks.md, written from the document, not from the server's code."""
    match = re.fullmatch(r"t=(\d+),v1=([0-9a-f]{64})", header)
    if match is None or abs(time.time() - int(match[1])) > 300:
        return False
    signed = match[1].encode() + b"." + body
    expected = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, match[2])


@contextmanager
def listening() -> Iterator[Receiver]:
    """A receiver on a free port of 127.0.0.1 until the end."""
    found = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            status = found.handle(self.path, self.headers, body)
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def do_GET(self) -> None:  # Receiver.settle's probe
            self.send_response(204)
            self.end_headers()

        def finish(self) -> None:
            super().finish()
            found.count_finished()

        def log_message(self, *_: Any) -> None:
            pass

    class Server(ThreadingHTTPServer):
        def process_request(self, request: Any, client_address: Any) -> None:
            found.count_accepted()  # in the accepting thread, before the handler's
            super().process_request(request, client_address)

    server = Server(("127.0.0.1", 0), Handler)
    found.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield found
    finally:
        server.shutdown()
        server.server_close()
