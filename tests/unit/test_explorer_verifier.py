"""The explorer's verifier (api/http/static/explorer/verify.mjs) is
docs/proofs-verifiers/verify.mjs, byte for byte: the page checks proofs with the very code
docs/proofs.md gives its readers."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_explorer_serves_the_documented_verifier_unchanged() -> None:
    served = ROOT / "api" / "http" / "static" / "explorer" / "verify.mjs"
    documented = ROOT / "docs" / "proofs-verifiers" / "verify.mjs"
    assert served.read_bytes() == documented.read_bytes(), (
        "the explorer's verify.mjs differs from docs/proofs-verifiers/verify.mjs: copy it again"
    )
