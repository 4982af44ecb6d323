"""The hash chain's encoding and checks, and an export's files checked alone."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import UUID

import orjson
from hypothesis import given
from hypothesis import strategies as st

from domain.proofs.chain import GENESIS, ChainedEvent, canonical, chain, check, digest, encoding
from ledger.integrity.export import MANIFEST, check_file, check_part, line, parts, verify_export

SUBJECT = UUID("9e000000-0000-4000-8000-000000000001")
T0 = datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)

TEXT = st.text(st.characters(exclude_categories=["Cs"]))
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=20,
)


def events(count: int) -> list[ChainedEvent]:
    return [
        ChainedEvent(
            position=n * 2,  # positions may have gaps
            recorded_at=T0 + timedelta(seconds=n),
            subject=SUBJECT,
            version=n,
            type="domain.orgunit:OrgUnit.Renamed",
            data={"name": f"기획담당관 {n}", "actor": "kim", "reason": None, "source": "보고"},
        )
        for n in range(1, count + 1)
    ]


@given(json_values)
def test_canonical_is_sorted_compact_utf8_json(value: object) -> None:
    expected = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert canonical(value) == expected.encode()


def test_encoding_of_one_event_is_the_documented_bytes() -> None:
    event = events(1)[0]
    assert encoding(event, GENESIS) == (
        b'{"data":{"actor":"kim","name":"\xea\xb8\xb0\xed\x9a\x8d\xeb\x8b\xb4\xeb\x8b\xb9'
        b'\xea\xb4\x80 1","reason":null,"source":"\xeb\xb3\xb4\xea\xb3\xa0"},"position":2,'
        b'"previous":"' + GENESIS.encode() + b'","recordedAt":"2026-01-02T03:04:06.678901Z",'
        b'"subject":"9e000000-0000-4000-8000-000000000001",'
        b'"type":"domain.orgunit:OrgUnit.Renamed","version":1}'
    )


def test_a_chain_holds_and_each_change_breaks_it_where_it_is_made() -> None:
    log = events(5)
    digests = list(chain(log))
    rows = [(e, d, None) for e, d in zip(log, digests, strict=True)]
    assert check(rows).broken is None
    assert check(rows).digest == digests[-1]

    altered = list(rows)
    altered[2] = (replace(log[2], data={**log[2].data, "name": "x"}), digests[2], None)
    assert check(altered).broken is not None
    assert check(altered).broken.position == log[2].position  # type: ignore[union-attr]

    deleted = rows[:1] + rows[2:]
    assert check(deleted).broken.position == log[2].position  # type: ignore[union-attr]

    swapped = [rows[0], rows[2], rows[1], *rows[3:]]
    assert check(swapped).broken.position == log[2].position  # type: ignore[union-attr]


def write_export(directory: Path, log: list[ChainedEvent]) -> list[str]:
    digests = list(chain(log))
    previous = [GENESIS, *digests[:-1]]
    body = b"".join(line(e, d, p) + b"\n" for e, d, p in zip(log, digests, previous, strict=True))
    (directory / "events-00001.jsonl").write_bytes(body)
    manifest = {
        "format": "govledger-export/1",
        "events": len(log),
        "head": {"position": log[-1].position, "recordedAt": "", "digest": digests[-1]},
        "files": [
            {
                "name": "events-00001.jsonl",
                "events": len(log),
                "sha256": hashlib.sha256(body).hexdigest(),
            }
        ],
    }
    (directory / MANIFEST).write_bytes(orjson.dumps(manifest))
    return digests


def test_an_export_verifies_from_its_files_alone(tmp_path: Path) -> None:
    digests = write_export(tmp_path, events(20))
    verified = verify_export(tmp_path, expected=digests[7])
    assert verified.ok and verified.events == 20 and verified.head == digests[-1]
    assert not verify_export(tmp_path, expected="0" * 63 + "1").ok


def test_a_changed_byte_in_an_exported_file_is_found_at_its_event(tmp_path: Path) -> None:
    write_export(tmp_path, events(20))
    path = tmp_path / "events-00001.jsonl"
    lines = path.read_bytes().splitlines(keepends=True)
    lines[9] = lines[9].replace("기획담당관 10".encode(), "기획담당관 19".encode())
    path.write_bytes(b"".join(lines))
    verified = verify_export(tmp_path)
    assert verified.broken is not None and verified.broken.position == 20
    assert "altered" in verified.broken.problem
    assert any("SHA-256" in problem for problem in verified.file_problems)


def test_a_removed_line_is_found_at_the_event_after_it(tmp_path: Path) -> None:
    write_export(tmp_path, events(20))
    path = tmp_path / "events-00001.jsonl"
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join(lines[:5] + lines[6:]))
    check_result = check_file(path)
    assert check_result.broken is not None and check_result.broken.position == 14
    assert "missing" in check_result.broken.problem


def test_the_worked_example_of_docs_hash_chain_holds() -> None:
    event = ChainedEvent(
        1,
        datetime(2026, 11, 20, 0, 12, 3, 51234, tzinfo=UTC),
        UUID("3f2c8a1e-5b7d-4c9e-8f10-2a6b4c8d0e12"),
        1,
        "domain.orgunit:OrgUnit.Registered",
        {
            "timestamp": {"_type_": "datetime_iso", "_data_": "2026-11-20T00:12:03.049871+00:00"},
            "originator_topic": "domain.orgunit:OrgUnit",
            "actor": "import",
            "reason": "2020년 업무보고",
            "source": "seoul/2020-mayor-office.toml",
            "name": "시장비서실",
            "parent_id": None,
            "valid_from": {"_type_": "date_iso", "_data_": "2020-01-01"},
        },
    )
    doc = (Path(__file__).parents[2] / "docs" / "hash-chain.md").read_text(encoding="utf-8")
    assert len(encoding(event, GENESIS)) == 562
    hex_block = doc.split("```\n7b22", 1)[1].split("```", 1)[0]
    assert "7b22" + hex_block.replace("\n", "") == encoding(event, GENESIS).hex()
    assert digest(event, GENESIS) in doc


def test_parts_of_any_size_check_every_line_once(tmp_path: Path) -> None:
    digests = write_export(tmp_path, events(40))
    path = tmp_path / "events-00001.jsonl"
    for size in (1, 97, 500, 10**6):
        checks = [check_part(part) for part in parts([path], size)]
        assert sum(check.events for check in checks) == 40
        assert [c.last_digest for c in checks if c.events][-1] == digests[-1]
