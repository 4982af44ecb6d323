"""GraphQL types of the log's Merkle tree (RFC 9162) and its signed checkpoints, and what the root
fields of query.py call: each reads projections/read/proofs.py (stored nodes, O(log n) index
probes, no leaf rehashed) and, for the checkpoint, the note the log's key signed for its size
(ledger/integrity/checkpoints.py). docs/proofs.md says what each proof proves and what it does not."""

from __future__ import annotations

import asyncio
from datetime import datetime

import strawberry
from strawberry.types import Info

from api.graphql.context import ctx
from projections.read import proofs
from projections.read.queries import Conn


@strawberry.type(
    description="The log's Merkle tree (RFC 9162) now: its size and root over the events' chain digests in log order, and the checkpoint that says so, signed by the log's Ed25519 key (a c2sp.org/tlog-checkpoint as a signed note). Keep the note: against it, inclusionProof shows that an event is in the log the key signed, and consistencyProof that a later log extends it. A checkpoint proves what the log held when it was signed: not that the figures in it are true."
)
class LedgerCheckpoint:
    tree_size: int = strawberry.field(
        description="Leaves in the tree: the events in the log. Leaf i is the event whose leafIndex is i."
    )
    root_hash: str = strawberry.field(
        description="The tree's root (MTH, RFC 9162 §2.1.1) in hex: leaf i hashes event i's 32-byte chain digest (Event.digest)."
    )
    recorded_at: datetime | None = strawberry.field(
        description="When the last event in the tree (leaf treeSize - 1) was recorded; null for an empty log."
    )
    note: str | None = strawberry.field(
        description="The checkpoint (origin, tree size, base64 root hash) signed by the log's key, as a c2sp.org/signed-note; one tree size always gives the same note. Verify it with publicKey as you got it from elsewhere (docs/proofs.md). Null when this server has no checkpoint key (`govledger checkpoint init`): it signs nothing then, and makes no note up."
    )
    public_key: str | None = strawberry.field(
        description="The log's verifier key, <origin>+<key id>+<base64 key> (c2sp.org/signed-note). A key read from the server it checks proves nothing against that server: compare it with the one the log publishes elsewhere (its mirror's verifier-key, a minute, a web page). Null without a checkpoint key."
    )
    origin: str | None = strawberry.field(
        description="The log's name: the checkpoint's first line and the key's name (e.g. govledger.local/seoul). Null without a checkpoint key."
    )


@strawberry.type(
    description="An inclusion proof (RFC 9162 §2.1.3): the hashes that, with the leaf's hash, rebuild the root of the tree of treeSize leaves. It proves that the event whose digest gives leafHash is leaf leafIndex of the tree whose root a checkpoint of that size signs. It does not prove that the event's figures are true, nor that the log was not rewritten before that checkpoint was taken: a consistency proof from a checkpoint kept earlier (a mirror's) does that."
)
class InclusionProof:
    leaf_index: int = strawberry.field(description="The leaf: Event.leafIndex.")
    tree_size: int = strawberry.field(
        description="The size of the tree, and of the checkpoint, the proof is for."
    )
    leaf_hash: str = strawberry.field(
        description="SHA-256(0x00 || the event's 32-byte chain digest) in hex: recompute it from Event.digest rather than trust it."
    )
    hashes: list[str] = strawberry.field(
        description="The audit path in hex, from the leaf's sibling up to a child of the root; empty for a tree of one leaf."
    )


@strawberry.type(
    description="A consistency proof (RFC 9162 §2.1.4): the hashes that show the tree of fromSize leaves to be a prefix of the tree of toSize leaves, so that none of the first fromSize events was changed, removed or reordered between the two. Check it against the roots of two signed checkpoints, the older kept from when it was published: against roots read from this server now, it says nothing about what the server said before. Empty when fromSize is 0 or toSize."
)
class ConsistencyProof:
    from_size: int = strawberry.field(description="The size of the older tree.")
    to_size: int = strawberry.field(description="The size of the newer tree.")
    hashes: list[str] = strawberry.field(
        description="The proof's hashes in hex (PROOF of RFC 9162 §2.1.4.1)."
    )


def now(info: Info) -> None:
    """Note that the answer is the tree now: the tree grows with each recording, ahead of the
    read model whose position keys the answer cache, so such an answer is never cached."""
    ctx(info).cacheable = False


async def ledger_checkpoint(info: Info) -> LedgerCheckpoint:
    context = ctx(info)
    now(info)
    table = context.services.ledger.events_table

    async def read(conn: Conn) -> tuple[int, str, datetime | None]:
        size, root = await proofs.checkpoint(conn, table)
        recorded = await proofs.recorded_at_of_leaf(conn, table, size - 1) if size else None
        return size, root, recorded

    size, root, recorded = await context.reads.run(read)
    notes = context.services.checkpoints
    key = notes.key if notes else None
    if notes is None or key is None:
        return LedgerCheckpoint(
            tree_size=size,
            root_hash=root,
            recorded_at=recorded,
            note=None,
            public_key=None,
            origin=None,
        )
    note = await asyncio.to_thread(notes.signed, size, bytes.fromhex(root))
    return LedgerCheckpoint(
        tree_size=size,
        root_hash=root,
        recorded_at=recorded,
        note=note,
        public_key=key.verifier,
        origin=key.name,
    )


async def _tree_size(info: Info, asked: int | None) -> int:
    """The size asked for; the tree's size now without one."""
    if asked is not None:
        return asked
    context = ctx(info)
    now(info)
    table = context.services.ledger.events_table
    return await context.reads.run(lambda conn: proofs.tree_size(conn, table))


async def inclusion_proof(info: Info, leaf_index: int, tree_size: int | None) -> InclusionProof:
    context, size = ctx(info), await _tree_size(info, tree_size)
    table = context.services.ledger.events_table
    found = await context.reads.run(lambda conn: proofs.inclusion(conn, table, leaf_index, size))
    return InclusionProof(
        leaf_index=found.leaf_index,
        tree_size=found.tree_size,
        leaf_hash=found.leaf_hash,
        hashes=found.hashes,
    )


async def consistency_proof(info: Info, from_size: int, to_size: int | None) -> ConsistencyProof:
    context, size = ctx(info), await _tree_size(info, to_size)
    table = context.services.ledger.events_table
    found = await context.reads.run(lambda conn: proofs.consistency(conn, table, from_size, size))
    return ConsistencyProof(from_size=found.from_size, to_size=found.to_size, hashes=found.hashes)
