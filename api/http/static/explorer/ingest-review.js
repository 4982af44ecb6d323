// The review as a whole: the outcome and its counts, the draft's sections (problems,
// corrections, new facts, proposals), the printed totals checked per table, the facts
// unchanged, what each name matched, the text passed over; and what an apply recorded.

import { h, ko, moment, num } from "./dom.js";
import { factItem, hidden, lineButton, section, showFacts, showProblems, showProposals } from "./ingest-view.js";

function checkRow(c, source) {
  const mark = c.agrees ? "✓" : c.misprint ? "오기 misprint" : "✗";
  return h(
    "tr",
    { class: c.agrees ? "agrees" : c.misprint ? "misprint" : "disagrees", title: c.misprint || undefined },
    h("td", {}, c.row),
    h("td", {}, c.column),
    h("td", { class: "n" }, num(c.printed)),
    h("td", { class: "n" }, num(c.computed)),
    h("td", { class: "mark" }, mark),
    h("td", {}, lineButton(c.line, source)),
  );
}

function resolution(r, source) {
  return h(
    "div",
    { class: "resolution" },
    h("b", {}, "합계로 배치 placed by the totals: "),
    `${r.row} · ${r.column}: `,
    h("code", {}, r.printed),
    ` → ${r.chosen} `,
    lineButton(r.line, source),
    h("div", { class: "why" }, `${r.why} (candidates: ${r.candidates.join(" / ")})`),
  );
}

/** One table's checks, open where a total disagrees or cells were placed by the totals. */
function tableBlock(t, source) {
  const heads = ["행 row", "열 column", "인쇄 printed", "계산 computed", "", "행 line"];
  const open = t.checks.some((c) => !c.agrees && !c.misprint) || t.resolutions.length > 0;
  const about = `${t.firstLine}–${t.lastLine}행 · 합계 ${t.checks.length} · 수치 ${t.cells} (미검증 ${t.unchecked})`;
  const checks = h(
    "table",
    { class: "checks" },
    h("thead", {}, h("tr", {}, heads.map((label) => h("th", {}, label)))),
    h("tbody", {}, t.checks.map((c) => checkRow(c, source))),
  );
  return h(
    "details",
    { class: "table-checks", open },
    h("summary", {}, h("span", { class: "kind" }, t.kind), " ", t.title, " ", h("small", { class: "meta" }, about)),
    t.checks.length ? h("div", { class: "scroll" }, checks) : null,
    t.resolutions.map((r) => resolution(r, source)),
  );
}

function totalChecks(review) {
  return review.tables.reduce((n, t) => n + t.checks.length, 0);
}

/** A section folded under its heading (hidden when it has nothing). */
function folded(id, heading, count, list) {
  if (hidden(id, !count)) return;
  section(id, null, h("details", {}, h("summary", {}, heading), list));
}

function matchItem(m, source) {
  const isNew = m.isNew ? h("span", { class: "badge added" }, "신규 new") : null;
  const why = h("div", { class: "why" }, m.why);
  return h("li", {}, h("span", { class: "kind" }, m.kind), " ", m.label, isNew, " ", lineButton(m.line, source), why);
}

function skippedItem(s, source) {
  const lines = lineButton(s.firstLine, source, `${s.firstLine}–${s.lastLine}행`);
  return h("li", {}, lines, " ", s.heading, h("div", { class: "why" }, s.why));
}

/** The whole review; onConfirm(allConfirmed) follows the proposals' boxes. */
export function renderReview(review, source, onConfirm) {
  const by = (status) => review.facts.filter((f) => f.status === status);
  const [corrected, added, unchanged] = [by("CORRECTED"), by("NEW"), by("UNCHANGED")];
  showProblems(review, source);
  showFacts("corrections", corrected, ko(`정정 ${corrected.length}건`, "corrections, old → new"), source, true);
  showFacts("new-facts", added, ko(`신규 ${added.length}건`, "new facts"), source, false);
  showProposals(review, source, onConfirm);
  const checks = review.tables.map((t) => tableBlock(t, source));
  section("checks", ko(`검증한 합계 ${totalChecks(review)}개`, "printed totals checked"), checks);
  const facts = h("ol", { class: "facts" }, unchanged.map((f) => factItem(f, source, true)));
  folded("unchanged", ko(`변동 없음 ${unchanged.length}건`, "unchanged facts"), unchanged.length, facts);
  const matches = h("ul", { class: "matches" }, review.matches.map((m) => matchItem(m, source)));
  const matched = ko(`대조 ${review.matches.length}건`, "what each name matched in the ledger");
  folded("matches", matched, review.matches.length, matches);
  const skipped = h("ul", { class: "skipped" }, review.skipped.map((s) => skippedItem(s, source)));
  const passed = ko(`건너뛴 부분 ${review.skipped.length}곳`, "text passed over");
  folded("skipped", passed, review.skipped.length, skipped);
}

function title(review) {
  if (!review.ok) return ko("반영 불가", "refused: the report cannot be read whole");
  if (review.applied) return ko("반영 완료", "applied: its change set is recorded");
  return ko("검토 완료", "read whole: every printed total agrees");
}

function figure(id, korean, english, n) {
  return h("div", { class: "figure" }, h("div", { class: "label" }, ko(korean, english)), h("div", { class: "value", id }, num(n)));
}

/** The outcome above the review: read whole, applied or refused, and the counts. */
export function renderOutcome(review) {
  const c = review.counts;
  const dated = review.referenceDate ? ` · 기준일 ${review.referenceDate}` : "";
  const el = section(
    "outcome",
    null,
    h("h2", { id: "outcome-title" }, title(review)),
    h("p", { class: "meta" }, `${review.title} · ${review.unit}${dated} · ${review.file}`),
    h(
      "div",
      { class: "figures" },
      figure("count-new", "신규", "new", c.new),
      figure("count-corrected", "정정", "corrected", c.corrected),
      figure("count-unchanged", "변동 없음", "unchanged", c.unchanged),
      figure("count-checks", "검증 합계", "totals checked", totalChecks(review)),
      figure("count-problems", "문제", "problems", review.problems.length),
    ),
  );
  el.className = review.ok ? "ok" : "refused";
}

/** What an apply recorded, with a link to the explorer at the report's date. */
export function renderRecorded(review) {
  const total = review.events.reduce((n, e) => n + e.count, 0);
  const at = review.referenceDate ? `&asOf=${review.referenceDate}` : "";
  const link = `/?unit=${encodeURIComponent(review.unit)}${at}`;
  const events = total
    ? h("ul", { class: "events" }, review.events.map((e) => h("li", {}, h("code", {}, e.type), ` × ${num(e.count)}`)))
    : h("p", { class: "empty" }, "기록할 것 없음: 원장이 이미 모두 보유 (nothing to record: the ledger holds it all)");
  section(
    "recorded",
    ko(`기록됨 ${num(total)}건`, "recorded"),
    events,
    review.knownAt ? h("p", { class: "meta" }, `기록 시점 known from ${moment(review.knownAt)}`) : null,
    h("p", {}, h("a", { href: link, id: "recorded-link" }, `${review.unit} 탐색기에서 보기 (see it in the explorer)`)),
  );
}
