// Checks a govledger checkpoint and Merkle proof with WebCrypto alone (Node 18+, or a browser in a
// secure context), as verify.py does, with its inputs and output: `node verify.mjs NOTE KEY PROOF`.
const { subtle } = globalThis.crypto ?? (await import("node:crypto")).webcrypto;
const bytes = (base64) => Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
const hex = (data) => Array.from(data, (b) => b.toString(16).padStart(2, "0")).join("");
const unhex = (text) => Uint8Array.from(text.match(/../g) ?? [], (h) => parseInt(h, 16));
const equal = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);
const half = (x) => Math.floor(x / 2); // not x >> 1: sizes may pass 2**31
const sha = async (...parts) => // parts: bytes, or strings to write in UTF-8
  new Uint8Array(await subtle.digest("SHA-256", await new Blob(parts).arrayBuffer()));
export async function verifyCheckpoint(note, vkey) { // → { origin, size, root, said }, or throws
  const [name, keyId] = vkey.split("+"), key = bytes(vkey.split("+").slice(2).join("+"));
  const expectedId = hex((await sha(`${name}\n`, key)).slice(0, 4));
  if (key[0] !== 1 || key.length !== 33 || expectedId !== keyId)
    throw new Error(`${vkey} is not a signed-note Ed25519 verifier key`);
  const body = note.slice(0, note.lastIndexOf("\n\n") + 1);
  for (const line of note.slice(body.length + 1).split("\n")) {
    const [dash, signer, signature] = line.split(" ");
    const blob = dash === "\u2014" && signer === name ? bytes(signature) : new Uint8Array();
    if (hex(blob.slice(0, 4)) !== keyId) continue;
    const ed25519 = await subtle.importKey("raw", key.slice(1), "Ed25519", false, ["verify"]);
    if (!(await subtle.verify("Ed25519", ed25519, blob.slice(4), new TextEncoder().encode(body))))
      throw new Error(`the signature by ${name}+${keyId} does not verify`);
    const [origin, size, root] = body.split("\n");
    const said = `checkpoint: ${origin}, size ${+size}, root ${root}: signed by ${name}+${keyId}`;
    return { origin, size: +size, root: bytes(root), said };
  }
  throw new Error(`the note has no signature by ${name}+${keyId}`);
}
async function climb(fn, sn, path, fr, sr = fr) { // RFC 9162's walk up; inclusion's r is sr
  for (const c of path) {
    if (sn === 0) return [];
    if (fn % 2 === 1 || fn === sn) {
      [fr, sr] = [await sha("\x01", c, fr), await sha("\x01", c, sr)];
      while (fn % 2 === 0 && fn !== 0) [fn, sn] = [half(fn), half(sn)];
    } else sr = await sha("\x01", sr, c);
    [fn, sn] = [half(fn), half(sn)];
  }
  return sn === 0 ? [fr, sr] : [];
}
export async function verifyInclusion(leafHash, index, size, proof, root) { // RFC 9162 §2.1.3.2
  const [, r] = index >= 0 && index < size ? await climb(index, size - 1, proof, leafHash) : [];
  return r !== undefined && equal(r, root);
}
export async function verifyConsistency(m, n, proof, oldRoot, newRoot) { // RFC 9162 §2.1.4.2
  if (m === 0 || m >= n || proof.length === 0) // the empty tree, or the same tree: an empty proof
    return (m === 0 || m === n) && !proof.length && equal(oldRoot, m ? newRoot : await sha());
  const path = (BigInt(m) & BigInt(m - 1)) === 0n ? [oldRoot, ...proof] : proof;
  let [fn, sn] = [m - 1, n - 1];
  while (fn % 2 === 1) [fn, sn] = [half(fn), half(sn)];
  const [fr, sr] = await climb(fn, sn, path.slice(1), path[0]);
  return fr !== undefined && equal(fr, oldRoot) && equal(sr, newRoot);
}
export async function verifyProof({ size, root }, claim) { // claim: the proof's JSON, parsed
  const { type, treeSize, leafIndex: i, digest, oldSize: m, oldRoot: old } = claim;
  const proof = claim.proof.map(bytes);
  let what = `a proof for a tree of size ${treeSize}, against size ${size}`, held = false;
  if (type === "inclusion" && treeSize === size) {
    what = `inclusion: leaf ${i} (digest ${digest}) in the tree of size ${size}`;
    const isHex = hex(unhex(digest)) === digest.toLowerCase();
    held = isHex && (await verifyInclusion(await sha("\x00", unhex(digest)), i, size, proof, root));
  } else if (type === "consistency" && treeSize === size) {
    what = `consistency: the tree of size ${m} (root ${old}) is a prefix of size ${size}`;
    held = await verifyConsistency(m, size, proof, bytes(old), root);
  }
  if (!held) throw new Error(`${what}: the proof does not hold`);
  return `${what}: ok`;
}

const [{ pathToFileURL }, { readFileSync }] = globalThis.process?.argv?.[1]
  ? await Promise.all([import("node:url"), import("node:fs")]) : [{}, {}];
if (pathToFileURL && import.meta.url === pathToFileURL(process.argv[1]).href) { // run, not imported
  const [noteFile, vkey, proofFile] = process.argv.slice(2);
  try {
    const checkpoint = await verifyCheckpoint(readFileSync(noteFile, "utf8"), vkey);
    console.log(checkpoint.said);
    console.log(await verifyProof(checkpoint, JSON.parse(readFileSync(proofFile, "utf8"))));
  } catch (error) { console.error(`REFUSED: ${error.message}`); process.exitCode = 1; }
}
