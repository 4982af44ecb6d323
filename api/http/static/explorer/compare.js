// Two recordings of a unit compared. A recording is one transaction of the log (OrgUnit.learned):
// the known-at control steps through them, and this panel compares the answer for the date shown
// as known at any one of them ("from") with the answer as known at another ("to"), cell by cell
// (old → new), then lists what the ledger learned in between: the recordings made in the window
// (earlier, later], each with the values it changed before and after.

import { gql } from "./api.js";
import { fill, h, ko, moment } from "./dom.js";
import { describe, fieldName, KIND, shown } from "./timeline.js";

const EPOCH = "1970-01-01T00:00:00Z";
const PAGE = 500;

const RECORDINGS = `query Recordings($id: ID!, $asOf: Date!, $cursor: String) {
  orgUnit(id: $id, asOf: $asOf) {
    learned(after: "${EPOCH}", first: ${PAGE}, cursor: $cursor) {
      edges { node { recordedAt actor reason source events { cursor } } }
      pageInfo { endCursor hasNextPage }
    }
  }
}`;

/**
 * The unit's recordings as recorded now, oldest first: one transaction each (a mutation, or a
 * chunk of an import), with the events of the unit and what it owns. Each is known from its
 * recordedAt on.
 */
export async function unitRecordings(id, asOf) {
  const found = [];
  let cursor = null;
  for (;;) {
    const unit = (await gql(RECORDINGS, { id, asOf, cursor })).orgUnit;
    if (!unit) break;
    found.push(...unit.learned.edges.map((edge) => edge.node));
    if (!unit.learned.pageInfo.hasNextPage) break;
    cursor = unit.learned.pageInfo.endCursor;
  }
  return found.map((r, index) => ({ ...r, startedAt: r.recordedAt, knownAt: r.recordedAt, index }));
}

/** The recording to compare from: the one named (since), else the one before `to`. */
export function compareFrom(all, to, since) {
  if (!to) return null;
  const named = since ? all.find((r) => r.knownAt === since) : null;
  if (named) return named;
  return to.index > 0 ? all[to.index - 1] : null;
}

const BETWEEN = `query Between($id: ID!, $asOf: Date!, $after: DateTime!, $until: DateTime) {
  orgUnit(id: $id, asOf: $asOf) {
    learned(after: $after, until: $until, first: 100) {
      edges { node { recordedAt actor reason source
        changes { kind label key field old new validFrom } } }
      pageInfo { hasNextPage }
    }
  }
}`;

/**
 * What the ledger learned about the unit between two recordings (either way round): the
 * recordings of (earlier, later], `later` null meaning now.
 */
export async function learnedBetween(id, asOf, from, to, latest) {
  if (!to) return { recordings: [], more: false, backwards: false };
  const backwards = Boolean(from && !latest && from.index > to.index);
  const [earlier, later] = backwards ? [to, from] : [from, latest ? null : to];
  const after = earlier ? earlier.knownAt : EPOCH;
  const unit = (await gql(BETWEEN, { id, asOf, after, until: later ? later.knownAt : null })).orgUnit;
  if (!unit) return { recordings: [], more: false, backwards };
  const recordings = unit.learned.edges.map((e) => e.node);
  return { recordings, more: unit.learned.pageInfo.hasNextPage, backwards };
}

function cells(differences, asOf) {
  if (!differences.length) {
    return h("p", { class: "empty" }, `두 기록의 ${asOf} 기준 수치가 같습니다 (the figures shown for ${asOf} are the same at both)`);
  }
  return h("div", { class: "scroll diff" }, h("table", { id: "known-at-changes" },
    h("thead", {}, h("tr", {}, h("th", {}, "구분 kind"), h("th", {}, "항목 item"), h("th", {}, "field"), h("th", { class: "n" }, "이전 before"), h("th", { class: "n" }, "이후 after"))),
    h("tbody", {}, differences.map((d) => h("tr", { class: "changed-row" },
      h("td", {}, KIND[d.kind] || d.kind), h("td", {}, d.label), h("td", {}, fieldName(d.field)),
      h("td", { class: "n old" }, shown(d.old, d.field)), h("td", { class: "n new" }, shown(d.now, d.field)))))));
}

function change(c) {
  const what = [c.label, c.key].filter(Boolean).join(" ");
  return h("li", { class: "chip" },
    c.validFrom ? h("small", { class: "valid" }, `${c.validFrom} `) : null,
    `${KIND[c.kind] || c.kind} · ${what} · `, h("b", {}, fieldName(c.field)), " ",
    c.old === null ? null : [h("del", {}, shown(c.old, c.field)), " → "],
    h("ins", {}, shown(c.new, c.field)));
}

function learned(between) {
  const { recordings, more, backwards } = between;
  const items = recordings.map((r) => h("li", { class: "recording" },
    h("div", { class: "who" }, h("time", {}, moment(r.recordedAt)), " · ", h("span", { class: "actor" }, r.actor),
      r.reason ? [" · ", h("q", {}, r.reason)] : null, r.source ? [" · ", r.source] : null),
    r.changes.length
      ? h("ul", { class: "changes" }, r.changes.map(change))
      : h("p", { class: "empty" }, "값 변경 없음 (no value changed)")));
  return [
    h("h4", {}, ko("그 사이에 기록된 것", "what the ledger learned in between"), h("small", { class: "ref" }, ` ${recordings.length}건${more ? "+" : ""}`),
      backwards ? h("small", { class: "ref" }, " · 기록 순서대로 (as recorded: from is the later one)") : null),
    items.length ? h("ol", { id: "learned-between" }, items) : h("p", { class: "empty" }, "없음 (none)"),
  ];
}

function fromControl(all, to, since, pickFrom) {
  const fallback = to.index > 0 ? `직전 기록 previous: ${describe(all[to.index - 1])}` : "기록 전 (nothing recorded)";
  return h("select", { id: "compare-from", "aria-label": "비교 기준 compare from", onchange: (e) => pickFrom(e.target.value || null) },
    h("option", { value: "", selected: !since }, fallback),
    [...all].reverse().map((r) => h("option", { value: r.knownAt, selected: r.knownAt === since }, describe(r))));
}

/**
 * The panel: "from" (any recording) → "to" (the known-at control's), the cells that differ
 * between the two answers, and the recordings in between with what each changed.
 */
export function renderCompare({ all, to, from, since, latest, differences, between, asOf, pickFrom, pickTo }) {
  const panel = document.getElementById("known-at-diff");
  if (!to) {
    fill("known-at-diff");
    panel.hidden = true;
    return;
  }
  panel.hidden = false;
  const moments = h(
    "p",
    { class: "meta" },
    h("label", { for: "compare-from" }, ko("이전", "from")), " ", fromControl(all, to, since, pickFrom),
    " → ", ko("이후", "to"), " ", h("span", { id: "after-known-at" }, latest ? "현재 latest" : moment(to.knownAt)),
    " · ", to.actor, to.reason ? [" · ", h("q", {}, to.reason)] : null,
    to.source ? [" · ", ko("출처", "source"), " ", to.source] : null,
    from ? [" ", h("button", { type: "button", id: "show-before", onclick: () => pickTo(from.knownAt) }, "이전 시점 보기 show from")] : null,
  );
  fill("known-at-diff", h("h3", {}, ko("두 기록 비교", "two recordings compared")), moments, cells(differences, asOf), learned(between));
}
