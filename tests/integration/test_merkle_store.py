"""The log's Merkle tree on real PostgreSQL (ledger/integrity/tree.py,
ledger/integrity/tree_reads.py, projections/read/proofs.py): written with every recording, by
concurrent writers too, its root at every size the RFC 9162 root of the events' digests in log order
(recomputed here from the RFC's definition, not the project's code); every proof verifies; a changed
node is found; a ledger recorded before the tree gets it on upgrade; export and restore keep the
root; the API's reads answer as the ledger's."""

from __future__ import annotations

import hashlib
import logging
import random
import threading
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import asyncpg
import orjson
import pytest
from psycopg import sql

from api.runtime import Runtime
from domain import commands as c
from domain.proofs import merkle
from domain.provenance import Provenance
from ledger.integrity import export_lines
from ledger.integrity.export import export, parts, restore, verify_export
from ledger.integrity.tree import Frontier, subtrees
from ledger.integrity.tree_reads import ProofRequestError
from ledger.settings import PgConfig
from ledger.work import UnitOfWork
from projections.read import proofs
from tests.conftest import fresh_database, register, staffing_rows

WHO = Provenance("tree-test", "보고", "보고서.pdf")
THREADS = 4
WRITES = 60


def mth(leaves: Sequence[bytes]) -> bytes:
    """MTH of RFC 9162 §2.1.1, as the RFC writes it."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return hashlib.sha256(b"\x00" + leaves[0]).digest()
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return hashlib.sha256(b"\x01" + mth(leaves[:k]) + mth(leaves[k:])).digest()


def table(runtime: Runtime, suffix: str) -> sql.Identifier:
    return sql.Identifier(f"{runtime.ledger.events_table}{suffix}")


def chain_rows(runtime: Runtime) -> list[tuple[int, bytes, int | None]]:
    """(position, digest, leaf index) of every chained event, in log order."""
    with runtime.connect() as conn:
        rows = conn.execute(
            sql.SQL(
                "SELECT notification_id, digest, leaf_index FROM {} ORDER BY notification_id"
            ).format(table(runtime, "_chain"))
        ).fetchall()
    return [(row[0], bytes(row[1]), row[2]) for row in rows]


def digests(runtime: Runtime) -> list[bytes]:
    return [digest for _, digest, _ in chain_rows(runtime)]


def write_concurrently(runtime: Runtime) -> None:
    ids = [register(runtime, f"나무 {n}") for n in range(THREADS)]

    def write(unit_id: Any, seed: int) -> None:
        rng = random.Random(seed)
        for n in range(WRITES):
            day = date(2021, 1, 1).replace(month=1 + n % 12, day=1 + n // 12)
            command = c.RecordStaffing(unit_id, day, staffing_rows(current=rng.randrange(99)))
            runtime.ledger.execute(command, WHO)

    threads = [threading.Thread(target=write, args=(u, n)) for n, u in enumerate(ids)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    chunk = [
        (c.RecordStaffing(ids[0], date(2022, 1, day), staffing_rows(current=day)), WHO)
        for day in range(1, 8)
    ]
    UnitOfWork(runtime.ledger).execute(chunk)  # seven events in one transaction


@pytest.fixture
def written(runtime: Runtime) -> Runtime:
    write_concurrently(runtime)
    return runtime


def test_concurrent_writers_make_the_rfc_tree_at_every_size(written: Runtime) -> None:
    rows = chain_rows(written)
    leaves = [digest for _, digest, _ in rows]
    assert len(leaves) == THREADS * (WRITES + 1) + 7
    assert [leaf for _, _, leaf in rows] == list(range(len(leaves)))
    tree = written.ledger.tree
    assert tree.checkpoint() == (len(leaves), mth(leaves))
    for size in range(len(leaves) + 1):
        assert tree.root(size) == mth(leaves[:size]), size
    for position, _, leaf in rows[:: len(rows) // 9]:
        assert tree.leaf_index_of(position) == leaf
        assert tree.position_of_leaf(leaf) == position  # type: ignore[arg-type]
    assert tree.leaf_index_of(10**9) is None and tree.position_of_leaf(10**9) is None
    with written.connect() as conn:
        nodes = conn.execute(
            sql.SQL("SELECT count(*) FROM {}").format(table(written, "_merkle"))
        ).fetchone()
    assert nodes == (2 * len(leaves) - len(leaves).bit_count(),)


def test_every_proof_verifies_and_a_changed_node_is_found(written: Runtime, tmp_path: Path) -> None:
    leaves = digests(written)
    tree, rng = written.ledger.tree, random.Random(9)
    for _ in range(200):
        size = rng.randrange(1, len(leaves) + 1)
        index = rng.randrange(size)
        proof = tree.inclusion_proof(index, size)
        assert proof.leaf_hash == merkle.leaf_hash(leaves[index])
        assert merkle.verify_inclusion(
            proof.leaf_hash, index, size, proof.hashes, mth(leaves[:size])
        )
        m = rng.randrange(size + 1)
        consistency = tree.consistency_proof(m, size)
        assert merkle.verify_consistency(
            m, size, consistency.hashes, mth(leaves[:m]), mth(leaves[:size])
        )
        if proof.hashes:
            changed = list(proof.hashes)
            changed[rng.randrange(len(changed))] = bytes(32)
            assert not merkle.verify_inclusion(
                proof.leaf_hash, index, size, changed, mth(leaves[:size])
            )

    assert tree.check().ok and tree.check().size == len(leaves)
    change_node(written, 1, 3)  # leaves 6 and 7: inside the tree, on no root's edge
    found = tree.check()
    assert found.problem == "node (1, 3) of the tree (leaves 6 to 7) is altered"
    assert found.position == tree.position_of_leaf(6)
    size = len(leaves)
    proof = tree.inclusion_proof(4, size)
    assert not merkle.verify_inclusion(proof.leaf_hash, 4, size, proof.hashes, mth(leaves))
    assert tree.checkpoint().root == mth(leaves)  # the root reads its right edge only

    change_node(written, *merkle.frontier(size)[0])
    assert tree.checkpoint().root != mth(leaves)
    with written.connect() as conn:
        export(conn, written.ledger.chain_store, tmp_path / "export", None)
    verified = verify_export(tmp_path / "export")
    assert verified.broken is None and verified.root == mth(leaves).hex()
    assert verified.file_problems == [
        f"the root of the tree over the export's {size} digests is not the manifest's root"
    ]


def change_node(runtime: Runtime, level: int, index: int) -> None:
    with runtime.connect() as conn:
        conn.execute(
            sql.SQL("UPDATE {} SET hash = %s WHERE level = %s AND node_index = %s").format(
                table(runtime, "_merkle")
            ),
            (bytes(32), level, index),
        )
        conn.commit()


def test_impossible_proofs_are_refused_naming_the_field(written: Runtime) -> None:
    tree, size = written.ledger.tree, written.ledger.tree.checkpoint().size
    cases: list[tuple[Callable[[], object], str]] = [
        (lambda: tree.inclusion_proof(size, size), "leafIndex"),
        (lambda: tree.inclusion_proof(-1, size), "leafIndex"),
        (lambda: tree.inclusion_proof(0, size + 1), "treeSize"),
        (lambda: tree.consistency_proof(5, 4), "fromSize"),
        (lambda: tree.consistency_proof(1, size + 1), "toSize"),
        (lambda: tree.root(size + 1), "treeSize"),
    ]
    for ask, field in cases:
        with pytest.raises(ProofRequestError) as refused:
            ask()
        assert refused.value.field == field and str(refused.value).startswith(field)


def test_frontier_appends_the_nodes_domain_merkle_appends() -> None:
    rng = random.Random(3)
    for _ in range(30):
        leaves = [rng.randbytes(32) for _ in range(rng.randrange(1, 90))]
        store, frontier = merkle.MemoryNodeStore(), Frontier()
        at = 0
        while at < len(leaves):
            batch = leaves[at : at + rng.randrange(1, 9)]
            expected = [(n.level, n.index, n.hash) for n in store.extend(batch)]
            assert frontier.append(batch) == expected
            at += len(batch)
        hashes = [merkle.leaf_hash(leaf) for leaf in leaves]
        folded = Frontier()
        folded.fold(b"".join(hashes))
        assert frontier.root() == folded.root() == mth(leaves)
        cut = rng.randrange(len(leaves) + 1)
        pushed = Frontier()
        pushed.fold(b"".join(hashes[:cut]))
        for level, node in subtrees(cut, hashes[cut:]):
            pushed.push(level, node)
        assert pushed.size == len(leaves) and pushed.root() == mth(leaves)


def forget_the_tree(runtime: Runtime) -> None:
    """Make the database as a ledger recorded before the tree left it."""
    with runtime.connect() as conn:
        conn.execute(sql.SQL("DROP TABLE {}").format(table(runtime, "_merkle")))
        conn.execute(
            sql.SQL("ALTER TABLE {} DROP COLUMN leaf_index").format(table(runtime, "_chain"))
        )
        conn.commit()


def test_a_ledger_recorded_before_the_tree_gets_it_on_upgrade(
    runtime: Runtime, caplog: pytest.LogCaptureFixture
) -> None:
    unit = register(runtime, "오래된 원장")
    for month in range(1, 13):
        runtime.ledger.execute(
            c.RecordStaffing(unit, date(2020, month, 1), staffing_rows(month)), WHO
        )
    before = digests(runtime)
    forget_the_tree(runtime)
    with caplog.at_level(logging.WARNING, logger="ledger.integrity.tree"):
        upgraded = Runtime(database=runtime.database)
    try:
        assert "built the log's Merkle tree" in caplog.text and "13 events" in caplog.text
        assert upgraded.ledger.tree.checkpoint() == (13, mth(before))
        assert [leaf for _, _, leaf in chain_rows(upgraded)] == list(range(13))
        upgraded.ledger.execute(c.RecordStaffing(unit, date(2021, 1, 1), staffing_rows(1)), WHO)
        assert upgraded.ledger.tree.checkpoint() == (14, mth(digests(upgraded)))
        caplog.clear()
        Runtime(database=runtime.database).close()  # in step: nothing to build
        assert "Merkle" not in caplog.text
    finally:
        upgraded.close()


def test_a_log_older_than_the_chain_gets_chain_and_tree(runtime: Runtime) -> None:
    unit = register(runtime, "더 오래된 원장")
    for month in range(1, 6):
        runtime.ledger.execute(
            c.RecordStaffing(unit, date(2020, month, 1), staffing_rows(month)), WHO
        )
    before = digests(runtime)
    forget_the_tree(runtime)
    with runtime.connect() as conn:
        conn.execute(sql.SQL("DELETE FROM {}").format(table(runtime, "_chain")))
        conn.commit()
    upgraded = Runtime(database=runtime.database)
    try:
        assert digests(upgraded) == before
        assert upgraded.ledger.tree.checkpoint() == (6, mth(before))
    finally:
        upgraded.close()


def test_a_writer_finds_a_tree_left_behind_and_brings_it_up(written: Runtime) -> None:
    leaves = digests(written)
    with written.connect() as conn:
        written.ledger.chain_store.tree.truncate(conn, 37)
        conn.commit()
    assert written.ledger.tree.checkpoint().size == 37
    unit = register(written, "따라잡기")
    leaves = digests(written)
    assert written.ledger.tree.checkpoint() == (len(leaves), mth(leaves))
    assert [leaf for _, _, leaf in chain_rows(written)] == list(range(len(leaves)))
    assert unit


def as_format_1(folder: Path) -> None:
    """Rewrite an export as govledger-export/1 wrote it: no leaves, no tree."""
    manifest = orjson.loads((folder / "manifest.json").read_bytes())
    for entry in manifest["files"]:
        path = folder / entry["name"]
        records = [orjson.loads(raw) for raw in path.read_bytes().splitlines()]
        for record in records:
            del record["leafIndex"], record["leafHash"]
        path.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in records))
        entry["sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
    manifest["format"] = "govledger-export/1"
    del manifest["tree"]
    (folder / "manifest.json").write_bytes(orjson.dumps(manifest))


def restored_checkpoint(server: PgConfig, folder: Path) -> tuple[Any, list[Any]]:
    with fresh_database(server) as database:
        restored = Runtime(database=database)
        try:
            with restored.connect() as conn:
                restore(conn, restored.ledger.chain_store, folder, None)
            return restored.ledger.tree.checkpoint(), chain_rows(restored)
        finally:
            restored.close()


def test_export_and_restore_keep_the_root(
    written: Runtime, server: PgConfig, tmp_path: Path
) -> None:
    head = written.ledger.tree.checkpoint()
    folder = tmp_path / "export"
    with written.connect() as conn:
        manifest = export(conn, written.ledger.chain_store, folder, None)
    assert manifest["tree"] == {"size": head.size, "root": head.root.hex()}
    first = orjson.loads((folder / "events-00001.jsonl").read_bytes().splitlines()[5])
    assert (
        first["leafIndex"] == 5
        and first["leafHash"] == merkle.leaf_hash(bytes.fromhex(first["digest"])).hex()
    )
    verified = verify_export(folder)
    assert verified.ok and (verified.tree_size, verified.root) == (head.size, head.root.hex())
    assert restored_checkpoint(server, folder) == (head, chain_rows(written))

    as_format_1(folder)
    verified = verify_export(folder)
    assert verified.ok and verified.root == head.root.hex()
    assert restored_checkpoint(server, folder) == (head, chain_rows(written))


def test_a_part_checked_at_once_is_checked_as_line_by_line(
    written: Runtime, tmp_path: Path
) -> None:
    with written.connect() as conn:
        export(conn, written.ledger.chain_store, tmp_path / "export", None)
    path = tmp_path / "export" / "events-00001.jsonl"
    for leafed in (True, False):
        for part in parts([path], 7_000):
            lines = export_lines._lines(part)
            fast = export_lines._at_once(path.name, lines, "x", leafed)
            slow = export_lines._line_by_line(path.name, lines, "x", leafed)
            assert (fast or slow) == slow and (fast is not None) == (leafed and bool(lines))


def rewrite(folder: Path, change: Any) -> None:
    """Change the export's manifest or a line of its first file, keeping the SHA-256s true."""
    manifest = orjson.loads((folder / "manifest.json").read_bytes())
    path = folder / "events-00001.jsonl"
    lines = [orjson.loads(raw) for raw in path.read_bytes().splitlines()]
    change(manifest, lines)
    path.write_bytes(b"".join(orjson.dumps(line) + b"\n" for line in lines))
    manifest["files"][0]["sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
    (folder / "manifest.json").write_bytes(orjson.dumps(manifest))


def test_an_export_whose_leaves_or_root_changed_does_not_verify(
    written: Runtime, tmp_path: Path
) -> None:
    def changed_leaf(manifest: Any, lines: list[Any]) -> None:
        lines[9]["leafHash"] = "00" * 32

    def moved_leaf(manifest: Any, lines: list[Any]) -> None:
        lines[9]["leafIndex"] = 10

    def changed_root(manifest: Any, lines: list[Any]) -> None:
        manifest["tree"]["root"] = "00" * 32

    for change, found in (
        (changed_leaf, "leafHash"),
        (moved_leaf, "leafIndex"),
        (changed_root, "root"),
    ):
        folder = tmp_path / change.__name__
        with written.connect() as conn:
            export(conn, written.ledger.chain_store, folder, None)
        rewrite(folder, change)
        verified = verify_export(folder)
        problems = " ".join(verified.file_problems) + (
            verified.broken.problem if verified.broken else ""
        )
        assert not verified.ok and found in problems, problems


async def test_the_api_reads_answer_as_the_ledger_does(written: Runtime) -> None:
    ledger_tree, table_name = written.ledger.tree, written.ledger.events_table
    head = ledger_tree.checkpoint()
    rows = chain_rows(written)
    conn = await asyncpg.connect(**written.config.asyncpg_kwargs())
    try:
        assert await proofs.checkpoint(conn, table_name) == (head.size, head.root.hex())
        rng = random.Random(5)
        for _ in range(50):
            size = rng.randrange(1, head.size + 1)
            index, m = rng.randrange(size), rng.randrange(size + 1)
            sync = ledger_tree.inclusion_proof(index, size)
            found = await proofs.inclusion(conn, table_name, index, size)
            assert found.leaf_hash == sync.leaf_hash.hex()
            assert found.hashes == [h.hex() for h in sync.hashes]
            assert (found.leaf_index, found.tree_size) == (index, size)
            consistent = await proofs.consistency(conn, table_name, m, size)
            assert consistent.hashes == [
                h.hex() for h in ledger_tree.consistency_proof(m, size).hashes
            ]
            assert await proofs.root(conn, table_name, size) == ledger_tree.root(size).hex()
        page = [position for position, _, _ in rows[10:30]] + [10**9]
        leaves = await proofs.leaves(conn, table_name, page)
        assert (
            leaves
            == {
                position: proofs.Leaf(leaf, merkle.leaf_hash(digest).hex())  # type: ignore[arg-type]
                for position, digest, leaf in rows[10:30]
            }
        )
        assert await proofs.position_of_leaf(conn, table_name, 17) == rows[17][0]
        for ask, field in (
            (proofs.inclusion(conn, table_name, head.size, head.size), "leafIndex"),
            (proofs.inclusion(conn, table_name, 0, head.size + 1), "treeSize"),
            (proofs.consistency(conn, table_name, 3, 2), "fromSize"),
            (proofs.consistency(conn, table_name, 2, head.size + 1), "toSize"),
        ):
            with pytest.raises(ValueError, match=f"^{field}"):
                await ask
    finally:
        await conn.close()
