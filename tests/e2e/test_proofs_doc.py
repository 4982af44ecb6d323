"""docs/proofs.md as a reader follows it: its fetch script and both verifiers, taken from the page
(each verifier the file of docs/proofs-verifiers, byte for byte), and its three command blocks
run as written, in bash, against a live server that signs checkpoints; what they print is the
output the page shows, hashes, sizes and the key aside. The JavaScript verifier runs under node;
without node the test is skipped, unless GOVLEDGER_REQUIRE_NODE=1 (CI), then it fails."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from uuid import UUID

import httpx
import pytest

from domain import commands as c
from ledger.database import Database
from tests.conftest import EDITOR, register, staffing_rows
from tests.support.checkpoints import signing_runtime
from tests.support.live import Live, serving

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "proofs.md"
BLOCK = re.compile(r"<!-- (file|run|output): (\S+) -->\n```[a-z]*\n(.*?)```\n", re.S)


def blocks() -> dict[tuple[str, str], str]:
    return {(kind, name): text for kind, name, text in BLOCK.findall(DOC.read_text("utf-8"))}


def normal(text: str) -> str:
    """What the page and a run share: the text without its hashes, sizes and key."""
    text = re.sub(r"govledger\.(local|test)/seoul\+[0-9a-f]{8}", "<key>", text)
    text = re.sub(r"govledger\.(local|test)/seoul", "<origin>", text)
    text = re.sub(r"[A-Za-z0-9+/]{43}=", "<base64>", text)
    text = re.sub(r"[0-9a-f]{64}", "<hex>", text)
    return re.sub(r"\d+", "<n>", text)


def node_on_path() -> None:
    if shutil.which("node"):
        return
    if os.environ.get("GOVLEDGER_REQUIRE_NODE") == "1":
        pytest.fail("node is not on PATH, and GOVLEDGER_REQUIRE_NODE=1 requires it")
    pytest.skip("node is not on PATH: the page's JavaScript verifier cannot run")


def test_the_page_gives_the_tested_verifiers_byte_for_byte() -> None:
    found = blocks()
    for name in ("verify.py", "verify.mjs"):
        shown = found[("file", name)]
        assert shown == (ROOT / "docs" / "proofs-verifiers" / name).read_text("utf-8"), name
        assert len(shown.splitlines()) < 80, name


@pytest.fixture
def signing(database: Database, tmp_path: Path) -> Iterator[Live]:
    runtime, _ = signing_runtime(database, tmp_path / "checkpoint.key")
    try:
        unit = register(runtime, "시장비서실")
        for month in range(1, 10):
            day = date(2020, month, 28)
            runtime.ledger.execute(c.RecordStaffing(unit, day, staffing_rows(month)), EDITOR)
        with serving(runtime) as live:
            yield live
    finally:
        runtime.close()


def run(block: str, folder: Path, env: dict[str, str]) -> str:
    """A command block of the page, as written, its settings of URL and LEAF left to env."""
    script = "\n".join(
        line for line in block.splitlines() if not line.startswith(("URL=", "LEAF="))
    )
    done = subprocess.run(
        ["bash", "-e", "-c", script],
        cwd=folder,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout
    return done.stdout


def test_the_worked_example_runs_as_written_against_a_live_server(
    signing: Live, tmp_path: Path
) -> None:
    node_on_path()
    found = blocks()
    folder = tmp_path / "auditor"
    folder.mkdir()
    for name in ("fetch.py", "verify.py", "verify.mjs"):
        (folder / name).write_text(found[("file", name)], encoding="utf-8")
    event = signing.data("{ events(first: 3) { edges { node { digest leafIndex } } } }")
    held = event["events"]["edges"][2]["node"]
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",  # python, govledger
        "PYTHONUNBUFFERED": "1",  # each line in the order it is written, as in a terminal
        "URL": signing.url,
        "LEAF": str(held["leafIndex"]),
        "DIGEST": held["digest"],
    }

    said = run(found[("run", "inclusion")], folder, env)
    assert normal(said) == normal(found[("output", "inclusion")]), said
    assert f"leaf 2 (digest {held['digest']}) in the tree of size 10: ok" in said
    assert (folder / "kept.txt").read_text() == (folder / "checkpoint.txt").read_text()

    unit = signing.data("{ orgUnits { id } }")["orgUnits"][0]["id"]
    signing.runtime.ledger.execute(c.RenameOrgUnit(UUID(unit), "시장실", date(2021, 1, 1)), EDITOR)
    signing.caught_up()
    said = run(found[("run", "consistency")], folder, env)
    assert normal(said) == normal(found[("output", "consistency")]), said
    assert "the tree of size 10 (root " in said and "is a prefix of size 11: ok" in said

    said = run(found[("run", "tampered")], folder, env)
    assert normal(said) == normal(found[("output", "tampered")]), said
    assert said.count("exit status 1") == 2


def test_a_proof_of_a_given_size_is_served_as_immutable(signing: Live) -> None:
    """What the page says of caching: a proof for an explicit size never changes."""
    query = "{ inclusionProof(leafIndex: 2, treeSize: 10) { hashes } }"
    response = httpx.get(f"{signing.url}/graphql", params={"query": query}, timeout=30)
    assert response.status_code == 200 and "errors" not in response.json()
    assert "immutable" in response.headers["cache-control"] and response.headers["etag"]
    current = "{ inclusionProof(leafIndex: 2) { hashes } }"
    response = httpx.get(f"{signing.url}/graphql", params={"query": current}, timeout=30)
    assert "immutable" not in response.headers.get("cache-control", "")
