// The report ingest page: an editor pastes or uploads a report's text and reviews it against the
// ledger (ingestReport; a review records nothing), confirms the proposals, and applies it. The
// bearer token stays in this tab's sessionStorage, nowhere else.

import { fill, h } from "./dom.js";
import { renderOutcome, renderRecorded, renderReview } from "./ingest-review.js";
import { Source, sourceLines } from "./ingest-view.js";

const TOKEN_KEY = "govledger.token";
const INGEST = `mutation Ingest($input: IngestReportInput!) {
  ingestReport(input: $input) {
    ok applied file title unit referenceDate knownAt
    problems { file line table row column message printed computed }
    tables { kind title firstLine lastLine cells unchecked
      checks { row column printed computed agrees misprint line }
      resolutions { row column printed candidates chosen why line } }
    skipped { firstLine lastLine heading why }
    facts { kind what status line source cells { field old new changed } }
    matches { kind label key why isNew line }
    proposals { subject field value why line }
    counts { new corrected unchanged checks }
    events { type count }
  }
}`;

const $ = (id) => document.getElementById(id);
const source = new Source($("source"));
let reviewed = null; // { input, review, confirmed } of the last review: what Apply sends again

async function ingest(input) {
  const token = $("token").value.trim();
  const headers = { "content-type": "application/json", accept: "application/json" };
  if (token) headers.authorization = `Bearer ${token}`;
  const response = await fetch("/graphql", {
    method: "POST",
    headers,
    body: JSON.stringify({ query: INGEST, variables: { input } }),
  });
  const body = await response.json().catch(() => ({ errors: [{ message: `HTTP ${response.status}` }] }));
  if (body.errors && body.errors.length) {
    const codes = body.errors.map((e) => `${(e.extensions && e.extensions.code) || "ERROR"}: ${e.message}`);
    throw new Error(codes.join("; "));
  }
  return body.data.ingestReport;
}

function currentInput() {
  const unit = $("report-unit").value.trim();
  return { text: $("report-text").value, file: $("report-name").value.trim(), unit: unit || null };
}

function sameInput(a, b) {
  return a.text === b.text && a.file === b.file && a.unit === b.unit;
}

/** Apply is offered for a review read whole, with something to record, its proposals
 * confirmed, and the text unchanged since. */
function updateApply() {
  const button = $("apply");
  let note = "";
  if (!reviewed) note = "검토 후 반영할 수 있습니다 (review first)";
  else if (reviewed.applied) note = "반영됨 applied";
  else if (!sameInput(reviewed.input, currentInput())) note = "본문이 바뀌었습니다: 다시 검토하세요 (changed since the review: review again)";
  else if (!reviewed.review.ok) note = "읽을 수 없는 보고서는 반영할 수 없습니다 (a report with problems cannot be applied)";
  else if (reviewed.review.counts.new + reviewed.review.counts.corrected === 0) note = "기록할 것 없음 (nothing to record)";
  else if (!reviewed.confirmed) note = "제안을 모두 확인하세요 (confirm every proposal first)";
  button.disabled = note !== "";
  fill("apply-note", note);
}

function show(input, review) {
  renderOutcome(review);
  $("review-view").hidden = false;
  source.show(sourceLines(input.text), review);
  renderReview(review, source, (all) => {
    if (reviewed) reviewed.confirmed = all;
    updateApply();
  });
  const first = review.problems[0] || review.facts.find((f) => f.status !== "UNCHANGED" && f.line);
  if (first) source.pick(first.line);
}

async function run(state, action) {
  document.body.dataset.state = "loading";
  $("review").disabled = true;
  $("apply").disabled = true;
  fill("error");
  try {
    await action();
    document.body.dataset.state = state();
  } catch (error) {
    fill("error", h("p", {}, "오류 error: ", error.message));
    document.body.dataset.state = "error";
  } finally {
    $("review").disabled = false;
    updateApply();
  }
}

function review(event) {
  event.preventDefault();
  const input = currentInput();
  run(
    () => (reviewed.review.ok ? "reviewed" : "refused"),
    async () => {
      reviewed = null;
      const found = await ingest({ ...input, apply: false });
      reviewed = { input, review: found, confirmed: found.proposals.length === 0, applied: false };
      $("recorded").hidden = true;
      show(input, found);
    },
  );
}

function apply() {
  if (!reviewed) return;
  const { input } = reviewed;
  run(
    () => "applied",
    async () => {
      const found = await ingest({ ...input, apply: true });
      reviewed = { input, review: found, confirmed: true, applied: found.applied };
      show(input, found);
      renderRecorded(found);
      $("recorded").scrollIntoView({ block: "nearest" });
    },
  );
}

async function upload() {
  const file = $("report-upload").files[0];
  if (!file) return;
  $("report-text").value = await file.text();
  $("report-name").value = file.name;
  updateApply();
}

function wire() {
  const token = $("token");
  if (!token.value) token.value = sessionStorage.getItem(TOKEN_KEY) || "";
  token.addEventListener("input", () => {
    const value = token.value.trim();
    if (value) sessionStorage.setItem(TOKEN_KEY, value);
    else sessionStorage.removeItem(TOKEN_KEY);
  });
  $("report-form").addEventListener("submit", review);
  $("apply").addEventListener("click", apply);
  $("report-upload").addEventListener("change", () => upload().catch((e) => fill("error", h("p", {}, e.message))));
  for (const id of ["report-text", "report-name", "report-unit"]) $(id).addEventListener("input", updateApply);
  updateApply();
  document.body.dataset.state = "ready";
}

wire();
