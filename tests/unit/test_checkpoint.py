"""Signed checkpoints (domain/proofs/checkpoint.py): the C2SP checkpoint body, signed notes with
Ed25519 and the key formats, checked against the reference implementation's published example
(golang.org/x/mod/sumdb/note, note_test.go: the PeterNeumann and EnochRoot keys, note and
signatures), and the mirror's check for forks and rollbacks."""

from __future__ import annotations

import base64
import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

pytest.importorskip(
    "cryptography", reason="cryptography is not installed: it is a dependency of checkpoints"
)

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from domain.proofs.checkpoint import (
    Checkpoint,
    CheckpointError,
    check_history,
    format_checkpoint,
    key_id,
    open_checkpoint,
    parse_checkpoint,
    parse_signer_key,
    parse_verifier_key,
    sign_note,
    signer_key,
    verifier_key,
    verify_note,
)
from domain.proofs.merkle import MemoryNodeStore, consistency_proof, root

PETER_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
PETER_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
ENOCH_VKEY = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop"
TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n"  # noqa: E501
PETER_SIG = "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"  # noqa: E501
ENOCH_SIG = "— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n"  # noqa: E501

ORIGIN = "govledger.example/seoul"
LOG_KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))


# The reference example.


def test_the_key_id_is_the_first_four_bytes_of_the_hash_of_name_newline_type_and_key() -> None:
    name, public_key = parse_verifier_key(PETER_VKEY)
    raw = base64.b64decode(PETER_VKEY.split("+", 2)[2])[1:]
    assert key_id(name, public_key) == hashlib.sha256(b"PeterNeumann\n\x01" + raw).digest()[:4]
    assert key_id(name, public_key).hex() == "c74f20a3"


def test_signing_the_reference_text_gives_the_reference_note_byte_for_byte() -> None:
    name, private_key = parse_signer_key(PETER_SKEY)
    assert sign_note(TEXT, name, private_key) == TEXT + "\n" + PETER_SIG
    assert verifier_key(name, private_key.public_key()) == PETER_VKEY
    assert signer_key(name, private_key) == PETER_SKEY


def test_the_reference_note_verifies_and_other_keys_signatures_are_ignored() -> None:
    peter, enoch = parse_verifier_key(PETER_VKEY), parse_verifier_key(ENOCH_VKEY)
    note = TEXT + "\n" + PETER_SIG + ENOCH_SIG
    assert verify_note(note, *peter) == TEXT
    assert verify_note(note, *enoch) == TEXT
    with pytest.raises(CheckpointError, match="no signature by EnochRoot"):
        verify_note(TEXT + "\n" + PETER_SIG, *enoch)


def test_a_signature_that_does_not_verify_refuses_the_note() -> None:
    broken = PETER_SIG[:60] + "ABCD" + PETER_SIG[60:]  # as the reference test breaks it
    with pytest.raises(CheckpointError, match="does not verify"):
        verify_note(TEXT + "\n" + broken, *parse_verifier_key(PETER_VKEY))
    changed = TEXT.replace("cryptography", "cryptographY")
    with pytest.raises(CheckpointError, match="does not verify"):
        verify_note(changed + "\n" + PETER_SIG, *parse_verifier_key(PETER_VKEY))


@pytest.mark.parametrize(
    "note",
    [
        TEXT,
        TEXT + "\n",
        TEXT + "\n" + PETER_SIG[:-1],
        "\x01" + TEXT + "\n" + PETER_SIG,
        TEXT + "\n" + PETER_SIG.replace("PeterNeumann", "Bad Name")[:-1],
        TEXT + "\n" + PETER_SIG + "Unexpected line.\n",
        TEXT + "\n" + PETER_SIG * 101,
    ],
)
def test_malformed_notes_are_refused(note: str) -> None:
    with pytest.raises(CheckpointError):
        verify_note(note, *parse_verifier_key(PETER_VKEY))


@pytest.mark.parametrize("key", [PETER_VKEY, PETER_SKEY])
def test_mangled_keys_are_refused(key: str) -> None:
    """As the reference test mangles them: every proper substring, every byte changed."""
    parse = parse_signer_key if key.startswith("PRIVATE") else parse_verifier_key
    manglings = [key[i:j] for i in range(len(key)) for j in range(i + 1, len(key) + 1)]
    manglings += [key[:i] + chr(ord(key[i]) + 1) + key[i + 1 :] for i in range(len(key))]
    for mangled in manglings:
        if mangled != key:
            with pytest.raises(CheckpointError):
                parse(mangled)


def test_keys_of_another_length_or_algorithm_are_refused() -> None:
    for key in [
        "PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==",
        "PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
    ]:
        with pytest.raises(CheckpointError):
            parse_verifier_key(key)


# Checkpoints.


def test_the_specification_example_parses() -> None:
    body = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
    checkpoint = parse_checkpoint(body)
    assert (checkpoint.origin, checkpoint.size, checkpoint.extensions) == (
        "example.com/behind-the-sofa",
        20852163,
        (),
    )
    assert base64.b64encode(checkpoint.root).decode() == body.split("\n")[2]
    assert format_checkpoint(checkpoint) == body


LINE = st.text(st.characters(min_codepoint=0x20, exclude_categories=["Cs"]), min_size=1)


@given(LINE, st.integers(0, 2**63), st.binary(min_size=32, max_size=32), st.lists(LINE))
def test_checkpoints_round_trip(origin: str, size: int, head: bytes, extensions: list[str]) -> None:
    checkpoint = Checkpoint(origin, size, head, tuple(extensions))
    body = format_checkpoint(checkpoint)
    assert body.count("\n") == 3 + len(extensions)
    assert parse_checkpoint(body) == checkpoint


@pytest.mark.parametrize(
    "body",
    [
        "log\n8\n" + "A" * 43 + "=",  # no final newline
        "log\n8\n",  # no root
        "\n8\n" + "A" * 43 + "=\n",  # no origin
        "log\n08\n" + "A" * 43 + "=\n",  # a leading zero
        "log\n-8\n" + "A" * 43 + "=\n",
        "log\n8\n" + "A" * 42 + "==\n",  # 31 bytes
        "log\n8\n" + "A" * 43 + "!\n",  # not base64
        "log\n8\n" + "A" * 43 + "=\n\n",  # an empty extension line
    ],
)
def test_malformed_checkpoints_are_refused(body: str) -> None:
    with pytest.raises(CheckpointError):
        parse_checkpoint(body)


def signed(checkpoint: Checkpoint) -> str:
    return sign_note(format_checkpoint(checkpoint), ORIGIN, LOG_KEY)


def test_a_signed_checkpoint_opens_with_the_logs_key_only() -> None:
    checkpoint = Checkpoint(ORIGIN, 8, hashlib.sha256(b"root").digest())
    note = signed(checkpoint)
    assert open_checkpoint(note, ORIGIN, LOG_KEY.public_key()) == checkpoint
    assert open_checkpoint(note, *parse_verifier_key(verifier_key(ORIGIN, LOG_KEY.public_key())))
    other = Ed25519PrivateKey.from_private_bytes(bytes(32)).public_key()
    with pytest.raises(CheckpointError, match="no signature"):
        open_checkpoint(note, ORIGIN, other)
    with pytest.raises(CheckpointError, match="no signature"):
        open_checkpoint(note, "govledger.example/busan", LOG_KEY.public_key())


def test_a_signature_under_the_logs_key_id_by_another_key_does_not_verify() -> None:
    body = format_checkpoint(Checkpoint(ORIGIN, 1, bytes(32)))
    forger = Ed25519PrivateKey.from_private_bytes(bytes(32))
    blob = key_id(ORIGIN, LOG_KEY.public_key()) + forger.sign(body.encode())
    note = f"{body}\n— {ORIGIN} {base64.b64encode(blob).decode()}\n"
    with pytest.raises(CheckpointError, match="does not verify"):
        verify_note(note, ORIGIN, LOG_KEY.public_key())


def test_a_signature_of_the_same_name_under_another_key_id_is_ignored() -> None:
    """A rotated key: the old key's signature shares the name, not the id."""
    body = format_checkpoint(Checkpoint(ORIGIN, 2, bytes(32)))
    old = Ed25519PrivateKey.from_private_bytes(bytes(32))
    both = sign_note(body, ORIGIN, old) + sign_note(body, ORIGIN, LOG_KEY).split("\n\n")[-1]
    assert both.count("\n— ") == 2
    assert verify_note(both, ORIGIN, LOG_KEY.public_key()) == body
    assert verify_note(both, ORIGIN, old.public_key()) == body


def test_changing_any_character_of_a_signed_checkpoint_refuses_it() -> None:
    note = signed(Checkpoint(ORIGIN, 1234, hashlib.sha256(b"root").digest()))
    for at in range(len(note)):
        for replacement in {"0", "A", "\n"} - {note[at]}:
            changed = note[:at] + replacement + note[at + 1 :]
            with pytest.raises(CheckpointError):
                open_checkpoint(changed, ORIGIN, LOG_KEY.public_key())


def test_sign_note_refuses_what_would_not_verify() -> None:
    bad = [("no newline", ORIGIN), ("a\n", "has space"), ("a\n", "a+b"), ("\x07\n", "k")]
    for body, name in bad:
        with pytest.raises(CheckpointError):
            sign_note(body, name, LOG_KEY)


# The mirror's check.


def digests(count: int, seed: int = 0) -> list[bytes]:
    return [hashlib.sha256(f"{seed}/{i}".encode()).digest() for i in range(count)]


HONEST = MemoryNodeStore(digests(20))
FORKED = MemoryNodeStore(digests(10) + digests(10, seed=1))  # the same first 10 leaves


def at(store: MemoryNodeStore, size: int) -> Checkpoint:
    """A checkpoint of `store` at `size`, signed and opened as a mirror would."""
    note = signed(Checkpoint(ORIGIN, size, root(size, store.get)))
    return open_checkpoint(note, ORIGIN, LOG_KEY.public_key())


def history(*steps: tuple[MemoryNodeStore, int]) -> list[tuple[Checkpoint, list[bytes]]]:
    """Checkpoints, each with the consistency proof its own log gives from the largest one seen
    before it."""
    entries, largest = [], 0
    for store, size in steps:
        proof = consistency_proof(largest, size, store.get) if largest <= size else []
        entries.append((at(store, size), proof))
        largest = max(largest, size)
    return entries


def test_a_growing_history_has_no_findings() -> None:
    steps = [(HONEST, 3), (HONEST, 3), (HONEST, 7), (HONEST, 12), (HONEST, 20)]
    assert check_history(history(*steps)) == []


def test_two_roots_for_one_size_are_a_fork() -> None:
    (finding,) = check_history(history((HONEST, 12), (FORKED, 12)))
    assert (finding.kind, finding.at, finding.earlier) == ("fork", 1, 0)


def test_a_fork_is_found_against_any_earlier_checkpoint_of_its_size() -> None:
    findings = check_history(history((HONEST, 12), (HONEST, 15), (FORKED, 12)))
    assert [(f.kind, f.at, f.earlier) for f in findings] == [("fork", 2, 0), ("rollback", 2, 1)]


def test_a_smaller_checkpoint_is_a_rollback() -> None:
    (finding,) = check_history(history((HONEST, 12), (HONEST, 8)))
    assert (finding.kind, finding.at, finding.earlier) == ("rollback", 1, 0)
    assert "size 8 after size 12" in finding.detail


def test_a_larger_checkpoint_that_rewrote_history_is_a_rollback() -> None:
    (finding,) = check_history(history((HONEST, 12), (FORKED, 15)))
    assert (finding.kind, finding.at, finding.earlier) == ("rollback", 1, 0)
    assert check_history(history((HONEST, 8), (FORKED, 15))) == []  # the leaves 8 saw are kept


def test_a_wrong_proof_is_not_taken_for_consistency() -> None:
    entries = history((HONEST, 8), (HONEST, 15))
    entries[1] = (entries[1][0], consistency_proof(7, 15, HONEST.get))
    assert [f.kind for f in check_history(entries)] == ["rollback"]


def test_consistency_is_checked_from_the_largest_checkpoint_after_a_rollback() -> None:
    findings = check_history(history((HONEST, 12), (HONEST, 5), (FORKED, 16)))
    assert [(f.kind, f.at, f.earlier) for f in findings] == [("rollback", 1, 0), ("rollback", 2, 0)]


def test_a_checkpoint_of_another_log_is_refused() -> None:
    entries = history((HONEST, 3), (HONEST, 5))
    entries[1] = (Checkpoint("another.example/log", 5, entries[1][0].root), entries[1][1])
    with pytest.raises(CheckpointError, match="another"):
        check_history(entries)
