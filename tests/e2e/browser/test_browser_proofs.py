"""A proof a person can see, in a real browser (Debian's chromium, headless, offline but for the
live server on the Seoul data, as test_browser.py drives it): a timeline entry's
"verify" control fetches the event's inclusion proof and the signed checkpoint and checks both in
the page with docs/proofs.md's JavaScript verifier, showing the leaf, the path's length, the
root, the signature and the key; a proof changed on its way to the browser (one byte flipped)
is shown failing, at the root. Screenshots under GOVLEDGER_ARTIFACTS (default tests/artifacts)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ledger.database import Database
from ledger.importing.importer import Importer
from tests.support.browser import Offline, expect, shot
from tests.support.checkpoints import ORIGIN, signing_runtime
from tests.support.ingest import SEOUL_DATA
from tests.support.live import Live, serving

CHECKS = ("leaf", "path", "root", "signature", "key")


@pytest.fixture
def seoul(database: Database, tmp_path: Path) -> Iterator[Live]:
    """The Seoul data on a server that signs checkpoints."""
    runtime, _ = signing_runtime(database, tmp_path / "checkpoint.key")
    try:
        Importer(runtime.ledger).import_folder(SEOUL_DATA)
        with serving(runtime) as live:
            live.caught_up()
            yield live
    finally:
        runtime.close()


def flip_a_proof_byte(route: Any) -> None:
    """The inclusion proof's answer with one byte of its first hash flipped; other requests go
    on as they were."""
    if "inclusionProof" not in (route.request.post_data or ""):
        route.fallback()
        return
    response = route.fetch()
    body = response.json()
    hashes = body["data"]["inclusionProof"]["hashes"]
    hashes[0] = f"{int(hashes[0][:2], 16) ^ 0x01:02x}{hashes[0][2:]}"
    route.fulfill(response=response, body=json.dumps(body))


def verify(page: Any, entry: Any) -> Any:
    entry.locator("button.verify").click()
    proof = entry.locator(".proof")
    expect(proof.locator(".verdict")).not_to_have_text("검증 중 checking…")
    return proof


def test_a_timeline_entry_is_verified_in_the_browser_and_a_tampered_proof_fails(
    seoul: Live, offline: Offline
) -> None:
    page = offline.page()
    page.goto(f"{seoul.url}/?unit=시장비서실&asOf=2020-02-15")
    entries = page.locator("#events > li")
    expect(entries.first).to_contain_text("importer")
    checkpoint = seoul.data("{ ledgerCheckpoint { treeSize publicKey } }")["ledgerCheckpoint"]

    first = entries.first
    proof = verify(page, first)
    expect(proof.locator(".verdict")).to_have_class("verdict ok")
    expect(proof.locator(".verdict")).to_contain_text(f"signed at size {checkpoint['treeSize']}")
    for check in CHECKS:
        expect(proof.locator(f'li[data-check="{check}"]')).to_have_class("ok")
    expect(proof.locator('li[data-check="key"]')).to_contain_text(checkpoint["publicKey"])
    expect(proof.locator('li[data-check="signature"]')).to_contain_text(ORIGIN)
    expect(proof.locator('li[data-check="path"]')).to_contain_text("hashes from the leaf")
    first.scroll_into_view_if_needed()
    shot(page, "explorer-proof-verified.png", full_page=False)

    page.route("**/graphql", flip_a_proof_byte)
    second = entries.nth(1)
    proof = verify(page, second)
    expect(proof.locator(".verdict")).to_have_class("verdict failed")
    expect(proof.locator(".verdict")).to_contain_text("NOT verified")
    expect(proof.locator('li[data-check="root"]')).to_have_class("failed")
    expect(proof.locator('li[data-check="root"]')).to_contain_text("does not rebuild")
    for check in ("leaf", "path", "signature"):
        expect(proof.locator(f'li[data-check="{check}"]')).to_have_class("ok")
    second.scroll_into_view_if_needed()
    shot(page, "explorer-proof-tampered.png", full_page=False)

    page.unroute("**/graphql")
    proof = verify(page, second)  # the same entry, its proof untouched: verified again
    expect(proof.locator(".verdict")).to_have_class("verdict ok")
