"""Benchmark: the Merkle tree's proofs over HTTP, on a ledger of the harness's size.

Starts an embedded PostgreSQL in a temporary directory, writes a synthetic ledger of --events
events (rebuild.LedgerWriter, about 100 events a unit, as benchmarks/as_of.py; the harness's
ledger, ../shared/peer/govledger_load.py, is 117,662 staffing events and 400 registrations),
projects it and runs VACUUM (ANALYZE), makes a checkpoint key, then starts `govledger serve
--workers 1` on it in a process of its own, as an operator would. From this process, over one
keep-alive HTTP connection, it times

  inclusion    inclusionProof(leafIndex, treeSize) for --requests distinct random leaves at the
               checkpoint's size (so that no answer comes from the answer cache); each answer is
               checked against the signed checkpoint with domain.merkle.verify_inclusion
  consistency  consistencyProof(fromSize, toSize) for random older sizes
  checkpoint   ledgerCheckpoint (its note signed once per size, then read from the table)
  floor        a request that reads nothing (`__typename`, a text of its own each time): HTTP,
               parsing and execution alone

and, before the server starts, the same inclusion proofs in this process without HTTP: the read
alone, and the whole GraphQL execution.

after --warmup requests of each, the kinds taking turns, and prints p50, p95 and p99 (target:
inclusion p50 under 5 ms).
Run on demand, never by the test suite:

    .venv/bin/python benchmarks/proofs.py --events 118000
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
from graphql import ExecutionResult
from rebuild import console, write_ledger
from rich.table import Table

from api.runtime import Runtime
from domain.proofs.checkpoint import open_checkpoint, parse_verifier_key
from domain.proofs.merkle import verify_inclusion
from ledger.database import Database, start_embedded
from ledger.integrity.checkpoints import make_key
from ledger.settings import Settings
from projections.read import proofs

ROOT = Path(__file__).resolve().parents[1]
INCLUSION = """query($i: Int!, $n: Int!) {
  inclusionProof(leafIndex: $i, treeSize: $n) { leafIndex treeSize leafHash hashes } }"""
CONSISTENCY = """query($m: Int!, $n: Int!) {
  consistencyProof(fromSize: $m, toSize: $n) { fromSize toSize hashes } }"""
CHECKPOINT = "{ ledgerCheckpoint { treeSize rootHash note publicKey } }"
FLOOR = "{ __typename } # %d"
"""A request that reads nothing, each a text of its own (no answer from the cache): what HTTP,
parsing and execution cost on this machine, under any proof."""
TARGET_MS = 5.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def serve(database_url: str, key_file: Path, log: Path) -> tuple[subprocess.Popen[bytes], str]:
    """`govledger serve --workers 1` on the ledger, once /healthz answers."""
    port = free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "GOVLEDGER_CHECKPOINT_KEY": str(key_file)}
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "cli.main", "serve", "--port", str(port), "--workers", "1"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"serve exited:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                return process, url
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError("serve did not answer within 600 s")


def post(client: httpx.Client, query: str, variables: dict[str, Any] | None = None) -> Any:
    response = client.post("/graphql", json={"query": query, "variables": variables or {}})
    body = response.json()
    if body.get("errors"):
        raise RuntimeError(body["errors"])
    return body["data"]


def timed(
    samples: int, warmup: int, requests: dict[str, Callable[[int], Any]]
) -> dict[str, list[float]]:
    """Milliseconds of `samples` requests of each kind, after `warmup` untimed ones, the kinds
    taking turns (so that the machine's noise falls on all alike)."""
    found: dict[str, list[float]] = {kind: [] for kind in requests}
    for n in range(warmup + samples):
        for kind, request in requests.items():
            start = time.perf_counter()
            request(n)
            if n >= warmup:
                found[kind].append((time.perf_counter() - start) * 1000)
    return found


def quantile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q * 100) - 1]


def measure(url: str, requests: int, warmup: int, seed: int) -> dict[str, list[float]]:
    rng = random.Random(seed)
    with httpx.Client(base_url=url, timeout=30) as client:
        checkpoint = post(client, CHECKPOINT)["ledgerCheckpoint"]
        size, root = checkpoint["treeSize"], bytes.fromhex(checkpoint["rootHash"])
        name, key = parse_verifier_key(checkpoint["publicKey"])
        signed = open_checkpoint(checkpoint["note"], name, key)
        assert (signed.size, signed.root) == (size, root), "the note is not the tree's"
        leaves = rng.sample(range(size), min(size, requests + warmup))

        def inclusion(n: int) -> None:
            proof = post(client, INCLUSION, {"i": leaves[n], "n": size})["inclusionProof"]
            path = [bytes.fromhex(h) for h in proof["hashes"]]
            leaf = bytes.fromhex(proof["leafHash"])
            assert verify_inclusion(leaf, leaves[n], size, path, root), leaves[n]

        olds = [rng.randrange(1, size) for _ in range(requests + warmup)]
        kinds: dict[str, Callable[[int], Any]] = {
            "inclusion": inclusion,
            "consistency": lambda n: post(client, CONSISTENCY, {"m": olds[n], "n": size}),
            "checkpoint": lambda n: post(client, CHECKPOINT),
            "floor (__typename)": lambda n: post(client, FLOOR % n),
        }
        return timed(requests, warmup, kinds)


async def in_process(
    runtime: Runtime, requests: int, warmup: int, seed: int
) -> dict[str, list[float]]:
    """The same inclusion proofs without HTTP: the read alone (projections/read/proofs.py on a
    pooled connection) and the whole GraphQL execution (the executor, a request's context)."""
    from api.graphql.context import Context
    from api.graphql.execution import executor
    from api.graphql.schema import prepare, schema

    rng = random.Random(seed)
    services = await runtime.open_services()
    table, document = runtime.ledger.events_table, prepare(INCLUSION)
    assert document.node is not None
    try:
        size = await services.pool.fetchval(f'SELECT count(*) FROM "{table}_chain"')
        found: dict[str, list[float]] = {"read alone": [], "GraphQL execution": []}
        for n in range(warmup + requests):
            async with services.pool.acquire() as conn:
                start = time.perf_counter()
                await proofs.inclusion(conn, table, rng.randrange(size), size)
                read = (time.perf_counter() - start) * 1000
            start = time.perf_counter()
            variables = {"i": rng.randrange(size), "n": size}
            result = executor.run(schema._schema, document.node, Context(services), variables, None)
            if not isinstance(result, ExecutionResult):
                result = await result
            assert not result.errors, result.errors
            if n >= warmup:
                found["read alone"].append(read)
                found["GraphQL execution"].append((time.perf_counter() - start) * 1000)
        return found
    finally:
        await runtime.close_services()


def build(
    database: Database, folder: Path, events: int, units: int, seed: int
) -> tuple[Path, int, dict[str, list[float]]]:
    """The ledger written and projected; the key's file and the number of events."""
    key_file = folder / "checkpoint.key"
    make_key(key_file)
    runtime = Runtime(replace(Settings.from_env(), checkpoint_key=key_file), database=database)
    try:
        start = time.perf_counter()
        writer = write_ledger(runtime, events, units, seed)
        console.print(f"wrote {writer.written:,} events in {time.perf_counter() - start:.0f} s")
        start = time.perf_counter()
        with console.status("projecting the log"):
            runtime.catch_up()
        console.print(f"projected in {time.perf_counter() - start:.0f} s")
        with runtime.connect() as conn:
            conn.autocommit = True
            conn.execute("VACUUM (ANALYZE)")
        alone = asyncio.run(in_process(runtime, 2000, 200, seed))
    finally:
        runtime.close()
    return key_file, writer.written, alone


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=118_000, help="events to write (118000)")
    parser.add_argument("--units", type=int, default=0, help="units (default: events / 100)")
    parser.add_argument("--requests", type=int, default=2000, help="timed requests of each")
    parser.add_argument("--warmup", type=int, default=200, help="untimed requests first")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory(prefix="govledger-proofs-") as name:
        folder = Path(name)
        database = start_embedded(folder / "data")
        try:
            units = args.units or args.events // 100
            key_file, written, alone = build(database, folder, args.events, units, args.seed)
            process, served = serve(database.config.url(), key_file, folder / "serve.log")
            try:
                found = measure(served, args.requests, args.warmup, args.seed)
            finally:
                process.terminate()
                process.wait(timeout=30)
        finally:
            assert database.embedded is not None
            database.embedded.cleanup()
    table = Table(title=f"proofs over HTTP, {written:,} events, {args.requests} requests each")
    for column in ("request", "p50 ms", "p95 ms", "p99 ms"):
        table.add_column(column, justify="left" if column == "request" else "right")
    for kind, values in {
        **found,
        **{f"inclusion, in process: {k}": v for k, v in alone.items()},
    }.items():
        table.add_row(kind, *(f"{quantile(values, q):.2f}" for q in (0.50, 0.95, 0.99)))
    console.print(table)
    p50 = quantile(found["inclusion"], 0.50)
    verdict = "[green]met[/]" if p50 < TARGET_MS else "[red]not met[/]"
    console.print(f"inclusion proof p50 {p50:.2f} ms; target under {TARGET_MS:g} ms: {verdict}")


if __name__ == "__main__":
    main()
