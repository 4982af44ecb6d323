"""GraphQL over HTTP in full: every audit of graphql-http (the npm package of the
GraphQL-over-HTTP specification's reference implementation, its `auditServer`) passes against a
live server, none with a warning or a notice. Needs Node and npm; the package is installed into
GOVLEDGER_NODE_PACKAGES (default .venv/node-audit) on first use. CI installs Node (.ci/run) and
sets GOVLEDGER_REQUIRE_NODE, with which a missing Node fails the test instead of skipping it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

from tests.support.live import Live
from tests.support.requirements import unavailable

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = Path(os.environ.get("GOVLEDGER_NODE_PACKAGES", ROOT / ".venv" / "node-audit"))
PACKAGE = "graphql-http@1"
AUDIT = Path(__file__).with_name("audit.mjs")
REQUIREMENT = "GOVLEDGER_REQUIRE_NODE"


def graphql_http() -> Path:
    """The folder whose node_modules holds graphql-http, installed there if missing."""
    if (PACKAGES / "node_modules" / "graphql-http" / "package.json").exists():
        return PACKAGES
    npm = shutil.which("npm")
    if npm is None:
        reason = "npm is not installed: the GraphQL-over-HTTP audit needs graphql-http"
        unavailable(reason, REQUIREMENT)
    PACKAGES.mkdir(parents=True, exist_ok=True)
    installed = subprocess.run(
        [npm, "install", "--no-audit", "--no-fund", "--prefix", str(PACKAGES), PACKAGE],
        capture_output=True,
        text=True,
        timeout=300,
    )
    if installed.returncode != 0:
        reason = f"npm could not install {PACKAGE}: {installed.stderr.strip()[-300:]}"
        unavailable(reason, REQUIREMENT)
    return PACKAGES


def test_every_graphql_over_http_audit_passes(live: Live) -> None:
    node = shutil.which("node")
    if node is None:
        unavailable("node is not installed: the GraphQL-over-HTTP audit runs on Node", REQUIREMENT)
    packages = graphql_http()
    ran = subprocess.run(
        [node, str(AUDIT), f"{live.url}/graphql", str(packages)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert ran.returncode == 0, ran.stderr
    results = [json.loads(line) for line in ran.stdout.splitlines() if line.strip()]
    failed = [r for r in results if r["status"] != "ok"]
    print(f"graphql-http audits: {len(results) - len(failed)} of {len(results)} ok")
    assert results and not failed, "\n".join(
        f"{r['id']} {r['status']}: {r['name']}: {r['reason']}" for r in failed
    )
