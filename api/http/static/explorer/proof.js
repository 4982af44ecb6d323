// A proof a person can see: the "verify" control of a timeline entry fetches the event's
// inclusion proof and the log's signed checkpoint from the public API and checks both here, in
// the browser, with the verifier of docs/proofs.md (verify.mjs, the same bytes as
// docs/proofs-verifiers/verify.mjs; WebCrypto's SHA-256 and Ed25519): no server-side "trust me".
// It shows each thing checked: the leaf, the path's length, the root, the signature, the key.

import { gql } from "./api.js";
import { h } from "./dom.js";
import { verifyCheckpoint, verifyInclusion } from "./verify.mjs";

const CHECKPOINT = "query Checkpoint { ledgerCheckpoint { treeSize note publicKey origin } }";
const INCLUSION = `query Inclusion($leafIndex: Int!, $treeSize: Int!) {
  inclusionProof(leafIndex: $leafIndex, treeSize: $treeSize) { leafIndex treeSize leafHash hashes }
}`;

const unhex = (text) => Uint8Array.from(text.match(/../g) ?? [], (pair) => parseInt(pair, 16));
const hex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
const base64 = (bytes) => btoa(String.fromCharCode(...bytes));
const short = (text) => `${text.slice(0, 12)}…${text.slice(-6)}`;

async function leafHashOf(digest) {
  const data = new Uint8Array([0, ...unhex(digest)]);
  return new Uint8Array(await crypto.subtle.digest("SHA-256", data));
}

/** RFC 9162's audit path length for leaf i of a tree of n leaves (PATH, §2.1.3.1). */
function pathLength(i, n) {
  let [start, end, length] = [0, n, 0];
  while (end - start > 1) {
    let k = 1;
    while (k * 2 < end - start) k *= 2;
    if (i < start + k) end = start + k;
    else start += k;
    length += 1;
  }
  return length;
}

/** What was checked, each { what, ok, detail }, and the verdict. */
export async function checkEvent(event) {
  const { ledgerCheckpoint: checkpoint } = await gql(CHECKPOINT);
  if (!checkpoint.note) {
    return { ok: false, checks: [{ what: "서명 signature", ok: false, detail: "this server signs no checkpoint (it has no checkpoint key): there is nothing to check against" }] };
  }
  const checks = [];
  let signed = null;
  try {
    signed = await verifyCheckpoint(checkpoint.note, checkpoint.publicKey);
    checks.push({ what: "서명 signature", ok: true, detail: `Ed25519 signature of the checkpoint (${signed.origin}, size ${signed.size}) verifies` });
  } catch (error) {
    checks.push({ what: "서명 signature", ok: false, detail: error.message });
  }
  const size = signed ? signed.size : checkpoint.treeSize;
  const { inclusionProof: proof } = await gql(INCLUSION, { leafIndex: event.leafIndex, treeSize: size });
  const leaf = await leafHashOf(event.digest);
  const leafOk = proof.leafIndex === event.leafIndex && hex(leaf) === proof.leafHash;
  checks.unshift(
    { what: "잎 leaf", ok: leafOk, detail: `leaf ${event.leafIndex}: SHA-256(0x00 ‖ digest ${short(event.digest)}) = ${short(hex(leaf))}${leafOk ? "" : `, but the proof gives ${short(proof.leafHash)}`}` },
    { what: "경로 path", ok: proof.hashes.length === pathLength(event.leafIndex, size), detail: `${proof.hashes.length} hashes from the leaf to the root (RFC 9162 gives ${pathLength(event.leafIndex, size)} for leaf ${event.leafIndex} of ${size})` },
  );
  const rootOk = Boolean(signed) && (await verifyInclusion(leaf, event.leafIndex, size, proof.hashes.map(unhex), signed.root));
  checks.splice(2, 0, {
    what: "루트 root",
    ok: rootOk,
    detail: signed
      ? `${rootOk ? "the path rebuilds" : "the path does not rebuild"} the signed root ${base64(signed.root)}`
      : "no signed root to rebuild",
  });
  checks.push({ what: "키 key", ok: Boolean(signed), detail: `${checkpoint.publicKey}: compare it with the key the log publishes elsewhere (a key read from this server proves nothing against it)` });
  return { ok: checks.every((c) => c.ok), size, checks };
}

function shown(result, event) {
  const verdict = result.ok
    ? `검증됨 verified in this browser: this event is leaf ${event.leafIndex} of the log signed at size ${result.size}`
    : "검증 실패 NOT verified: see what failed below";
  return [
    h("p", { class: `verdict ${result.ok ? "ok" : "failed"}` }, verdict),
    h("ul", {}, result.checks.map((c) => h("li", { class: c.ok ? "ok" : "failed", "data-check": c.what.split(" ")[1] },
      h("b", {}, `${c.ok ? "✓" : "✗"} ${c.what}`), " ", c.detail))),
  ];
}

/** A "verify" button for a timeline entry, and where it shows what it checked. */
export function verifyControl(event) {
  if (event.leafIndex === null || event.leafIndex === undefined || !event.digest) return null;
  const out = h("div", { class: "proof", hidden: true, "aria-live": "polite" });
  const button = h("button", {
    type: "button",
    class: "verify",
    title: "이 기록이 서명된 원장에 있는지 브라우저에서 검증 (check in this browser that the event is in the signed log)",
    onclick: async () => {
      button.disabled = true;
      out.hidden = false;
      out.replaceChildren(h("p", { class: "verdict" }, "검증 중 checking…"));
      try {
        out.replaceChildren(...shown(await checkEvent(event), event));
      } catch (error) {
        out.replaceChildren(h("p", { class: "verdict failed" }, `검증 실패 NOT verified: ${error.message}`));
      } finally {
        button.disabled = false;
      }
    },
  }, "검증 verify");
  return [button, out];
}
