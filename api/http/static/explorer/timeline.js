// What happened to a unit: the recordings a "known at" control steps through (compared two at a
// time in compare.js), the timeline of events, and the changes between two dates.

import { fill, h, ko, moment, num } from "./dom.js";
import { STATUS } from "./views.js";
import { verifyControl } from "./proof.js";

export const KIND = {
  staffing: "인력 staffing",
  budget: "예산 budget",
  task: "업무 task",
  indicator: "지표 indicator",
  "org.name": "명칭 name",
  "org.parent": "소속 parent",
  "org.status": "존속 status",
};

export function describe(recording) {
  const n = recording.events.length;
  const why = recording.reason ? ` · ${recording.reason}` : "";
  return `${moment(recording.knownAt)} · ${recording.actor}${why} (${n}건 event${n > 1 ? "s" : ""})`;
}

/** The known-at control: now, or the moment any recording about the unit completed. */
export function renderKnownAt(all, knownAt, pick) {
  const select = h(
    "select",
    { id: "known-at", "aria-label": "기록 시점 known at", onchange: (e) => pick(e.target.value || null) },
    h("option", { value: "", selected: !knownAt }, "현재 latest (everything recorded)"),
    [...all].reverse().map((r) => h("option", { value: r.knownAt, selected: r.knownAt === knownAt }, describe(r))),
    knownAt && !all.some((r) => r.knownAt === knownAt) ? h("option", { value: knownAt, selected: true }, `${moment(knownAt)} (from the link)`) : null,
  );
  fill("known-at-control", h("label", { for: "known-at" }, ko("기록 시점", "known at")), select);
}

const FIELD = {
  authorized: "정원 authorised",
  current: "현원 current",
  women: "여성 women",
  grade: "직급 grade",
  budgeted: "예산액 budget",
  executed: "집행액 executed",
  item: "과목 item",
  title: "제목 title",
  status: "상태 status",
  status_since: "상태일 status since",
  number: "번호 number",
  listed: "목록 listed",
  responsible: "담당 responsible",
  category: "구분 category",
  description: "내용 description",
  note: "비고 note",
  name: "명칭 name",
};

export function fieldName(field) {
  return FIELD[field] || field;
}

export function shown(value, field) {
  if (field === "status") return value ? (STATUS[value] || [value])[0] : "–";
  if (value !== null && typeof value === "object") return JSON.stringify(value);
  return typeof value === "number" ? num(value) : value ?? "–";
}

function label(event) {
  const data = event.data || {};
  return data.title || data.item || data.name || data.referenceDate || "";
}

/** The unit's events, oldest first; those of the chosen recording marked, later ones dimmed. */
export function renderTimeline(events, recording, knownAt) {
  const mine = new Set(recording ? recording.events.map((e) => e.cursor) : []);
  const limit = knownAt ? Date.parse(knownAt) : Infinity;
  const items = events.map((e) =>
    h(
      "li",
      { class: `${mine.has(e.cursor) ? "mine" : ""} ${Date.parse(e.recordedAt) > limit ? "later" : ""}`.trim() || null },
      h("div", { class: "when" }, h("span", { class: "valid" }, e.validFrom || "–"), h("small", {}, ` 기록 ${moment(e.recordedAt)}`)),
      h("div", { class: "what" }, h("code", {}, e.type), " ", label(e)),
      h("div", { class: "who" }, ko("기록자", "actor"), " ", h("span", { class: "actor" }, e.actor),
        e.reason ? [" · ", ko("사유", "reason"), " ", h("span", { class: "reason" }, e.reason)] : null,
        e.source ? [" · ", ko("출처", "source"), " ", h("span", { class: "source" }, e.source)] : null),
      verifyControl(e),
    ),
  );
  fill("timeline", h("h3", {}, ko("연혁", "timeline of events"), h("small", { class: "ref" }, ` ${events.length}건`)),
    h("ol", { class: "events", id: "events" }, items));
}

const ORDER = ["org.name", "org.parent", "org.status", "staffing", "budget", "task", "indicator"];
const LONG = 80;

function short(value, field) {
  const text = String(shown(value, field));
  return text.length > LONG ? h("span", { title: text }, `${text.slice(0, LONG)}…`) : text;
}

/** The changes of one subject (a task, a line, a staffing series): one row of field chips. */
function groupChanges(found) {
  const groups = new Map();
  for (const change of found) {
    const id = `${change.kind}|${change.subjectId}|${change.key}`;
    if (!groups.has(id)) groups.set(id, { kind: change.kind, label: change.label, key: change.key, changes: [] });
    groups.get(id).changes.push(change);
  }
  return [...groups.values()];
}

function changeRow(group) {
  const added = group.changes.every((c) => c.old === null);
  const gone = group.changes.every((c) => c.new === null);
  const sources = new Set(group.changes.flatMap((c) => c.events.map((e) => e.source)).filter(Boolean));
  return h(
    "tr",
    {},
    h("td", { class: "subject" }, group.label, group.key ? h("small", { class: "key" }, ` ${group.key}`) : null,
      added ? h("span", { class: "badge added" }, "신규 new") : gone ? h("span", { class: "badge gone" }, "없어짐 gone") : null),
    h("td", {}, group.changes.map((c) =>
      h("span", { class: "chip" }, h("b", {}, fieldName(c.field)), " ", c.old === null ? null : [h("del", {}, short(c.old, c.field)), " → "],
        h("ins", {}, short(c.new, c.field))))),
    h("td", { class: "source" }, [...sources].join(", ")),
  );
}

function changeTables(found) {
  const groups = groupChanges(found);
  return ORDER.concat([...new Set(groups.map((g) => g.kind))].filter((k) => !ORDER.includes(k)))
    .map((kind) => groups.filter((g) => g.kind === kind))
    .filter((list) => list.length)
    .map((list) =>
      h("details", { open: list.length <= 12, "data-kind": list[0].kind },
        h("summary", {}, KIND[list[0].kind] || list[0].kind, ` (${list.length})`),
        h("table", {}, h("tbody", {}, list.map(changeRow)))),
    );
}

export function renderChanges(found, from, to, pick) {
  const controls = h(
    "form",
    { class: "range", onsubmit: (e) => { e.preventDefault(); pick(e.target.from.value, e.target.to.value); } },
    h("label", {}, ko("시작", "from"), " ", h("input", { type: "date", name: "from", id: "changes-from", value: from, required: true })),
    h("label", {}, ko("종료", "to"), " ", h("input", { type: "date", name: "to", id: "changes-to", value: to, required: true })),
    h("button", { type: "submit" }, "비교 compare"),
  );
  const body = found === null
    ? h("p", { class: "empty" }, `${to}에 이 조직 없음 (the unit is not in force at ${to})`)
    : found.length === 0
      ? h("p", { class: "empty" }, "변경 없음 (no changes)")
      : h("div", { id: "changes-table" }, changeTables(found));
  fill("changes", h("h3", {}, ko("변경 사항", "changes between two dates")), controls, body);
}
