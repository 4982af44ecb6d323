"""`python verify.py NOTE_FILE VERIFIER_KEY PROOF_FILE` checks a govledger checkpoint's signature
(the key as c2sp.org/signed-note writes it: `name+keyid+base64(0x01||key)`), then a proof against
it (RFC 9162 §2.1.3.2, §2.1.4.2): JSON, hashes in base64, leafIndex counting events in log order
from 0, digest the event's chain digest in hex (docs/hash-chain.md). Python + `cryptography` only.
  {"type": "inclusion", "treeSize": 8, "leafIndex": 5, "digest": "d40c…", "proof": ["…"]}
  {"type": "consistency", "treeSize": 8, "oldSize": 5, "oldRoot": "…", "proof": ["…"]}"""

import json
import sys
from base64 import b64decode
from hashlib import sha256
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey


def open_checkpoint(note: str, vkey: str) -> tuple[int, bytes]:
    name, key_id, material = vkey.split("+", 2)
    key = b64decode(material, validate=True)
    expected_id = sha256(name.encode() + b"\n" + key).digest()[:4].hex()
    if key[:1] != b"\x01" or len(key) != 33 or expected_id != key_id:
        raise ValueError(f"{vkey} is not a signed-note Ed25519 verifier key")
    body = note[: note.rfind("\n\n") + 1]
    for line in note[len(body) + 1 :].splitlines():
        dash, signer, signature = [*line.split(" "), "", ""][:3]
        blob = b64decode(signature, validate=True) if (dash, signer) == ("\u2014", name) else b""
        if blob[:4].hex() == key_id:  # raises InvalidSignature if it does not verify:
            Ed25519PublicKey.from_public_bytes(key[1:]).verify(blob[4:], body.encode())
            origin, size, root = body.split("\n")[:3]
            print(f"checkpoint: {origin}, size {int(size)}, root {root}: signed by {name}+{key_id}")
            return int(size), b64decode(root, validate=True)
    raise ValueError(f"the note has no signature by {name}+{key_id}")


def climb(fn: int, sn: int, path: list[bytes], seed: bytes) -> tuple[bytes, bytes] | None:
    fr = sr = seed  # RFC 9162's walk to the root, None if it ends elsewhere; inclusion's r is sr
    for c in path:
        if sn == 0:
            return None
        if fn % 2 == 1 or fn == sn:
            fr, sr = sha256(b"\x01" + c + fr).digest(), sha256(b"\x01" + c + sr).digest()
            while fn % 2 == 0 and fn != 0:
                fn, sn = fn // 2, sn // 2
        else:
            sr = sha256(b"\x01" + sr + c).digest()
        fn, sn = fn // 2, sn // 2
    return (fr, sr) if sn == 0 else None


def consistency(m: int, n: int, proof: list[bytes], old: bytes, new: bytes) -> bool:
    if m == 0 or m >= n or not proof:  # the empty tree, or the same tree: an empty proof
        return m in (0, n) and not proof and old == (new if m else sha256().digest())
    path = [old, *proof] if m & (m - 1) == 0 else proof
    fn, sn = m - 1, n - 1
    while fn % 2:
        fn, sn = fn // 2, sn // 2
    return climb(fn, sn, path[1:], path[0]) == (old, new)


if __name__ == "__main__":
    try:
        size, root = open_checkpoint(Path(sys.argv[1]).read_text(encoding="utf-8"), sys.argv[2])
        claim = json.loads(Path(sys.argv[3]).read_text(encoding="utf-8"))
        proof, held = [b64decode(p, validate=True) for p in claim["proof"]], False
        what = f"a proof for a tree of size {claim['treeSize']}, against size {size}"
        if claim["type"] == "inclusion" and claim["treeSize"] == size:
            i, digest = claim["leafIndex"], claim["digest"]
            what = f"inclusion: leaf {i} (digest {digest}) in the tree of size {size}"
            walk = climb(i, size - 1, proof, sha256(b"\x00" + bytes.fromhex(digest)).digest())
            held = 0 <= i < size and walk is not None and walk[1] == root
        elif claim["type"] == "consistency" and claim["treeSize"] == size:
            m, old = claim["oldSize"], claim["oldRoot"]
            what = f"consistency: the tree of size {m} (root {old}) is a prefix of size {size}"
            held = consistency(m, size, proof, b64decode(old, validate=True), root)
        if not held:
            raise ValueError(f"{what}: the proof does not hold")
        print(f"{what}: ok")
    except Exception as error:  # any failure refuses, and says why
        sys.exit(f"REFUSED: {str(error) or type(error).__name__}")
