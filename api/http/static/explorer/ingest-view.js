// The review of a report beside its text: the source lines numbered as the reader numbers them,
// each fact's line marked (a click on a fact scrolls to its line), lines with problems marked,
// corrections old -> new per cell, new facts, and the proposals a person confirms.

import { fill, h, ko, num } from "./dom.js";

const FIELDS = {
  authorized: "정원",
  current: "현원",
  women: "여성",
  resolution: "판독",
  budgeted: "예산액",
  executed: "집행액",
  projects: "사업수",
  title: "제목",
  description: "내용",
  status: "상태",
  status_since: "상태 기준일",
  number: "번호",
  category: "분류",
  responsible: "담당",
  listed: "목록 게재",
  milestones: "추진 일정",
  name: "이름",
  parent: "상위 조직",
  value: "값",
  printed: "인쇄된 값",
  note: "비고",
};
const STATUS = {
  NEW: ["신규", "new"],
  CORRECTED: ["정정", "corrected"],
  UNCHANGED: ["변동 없음", "unchanged"],
};

/** The report's lines as the reader numbers them: NFC, split at line feeds, \r dropped. */
export function sourceLines(text) {
  return text.normalize("NFC").split("\n").map((line) => line.replace(/\r+$/, ""));
}

/** The source pane: its lines marked (facts, checks, problems), and the line picked last. */
export class Source {
  constructor(container) {
    this.container = container;
    this.current = null;
  }

  show(lines, review) {
    const facts = new Set(review.facts.map((f) => f.line).filter(Boolean));
    const problems = new Map(review.problems.map((p) => [p.line, p.message]));
    const checks = new Set(review.tables.flatMap((t) => t.checks.map((c) => c.line)));
    const rows = lines.map((text, index) => {
      const n = index + 1;
      const marks = [facts.has(n) && "fact", checks.has(n) && "check", problems.has(n) && "problem"];
      return h(
        "div",
        { class: ["line", ...marks.filter(Boolean)].join(" "), id: `L${n}`, "data-line": n, title: problems.get(n) },
        h("span", { class: "no", "aria-hidden": "true" }, n),
        h("span", { class: "text" }, text || " "),
      );
    });
    this.container.replaceChildren(...rows);
    this.current = null;
  }

  /** Scroll the pane (and the page, where the pane is not in view) to a line and mark it. */
  pick(n) {
    const line = document.getElementById(`L${n}`);
    if (!line) return;
    if (this.current) this.current.classList.remove("current");
    line.classList.add("current");
    this.current = line;
    const pane = this.container;
    pane.scrollTop = line.offsetTop - pane.offsetTop - pane.clientHeight / 3;
    line.scrollIntoView({ block: "nearest" });
  }
}

/** A button naming a line of the source; a click picks it. */
export function lineButton(n, source, label = `${n}행`) {
  if (!n) return h("span", { class: "at none" }, "행 없음 no line");
  const pick = () => source.pick(n);
  return h("button", { type: "button", class: "at", "data-line": n, onclick: pick, title: `line ${n}` }, label);
}

/** A cell's field in Korean where its last word is a known field, with that word in English. */
function fieldLabel(field) {
  const words = field.split(" ");
  const last = words[words.length - 1];
  if (!(last in FIELDS)) return h("span", { class: "field" }, field);
  const korean = [...words.slice(0, -1), FIELDS[last]].join(" ");
  return h("span", { class: "field" }, korean, h("small", { class: "en" }, last));
}

function value(v) {
  if (v === null || v === undefined) return h("span", { class: "none" }, "–");
  if (typeof v === "number") return num(v);
  if (typeof v === "boolean") return v ? "예 yes" : "아니오 no";
  if (typeof v === "string") return v === "" ? h("span", { class: "none" }, "(빈 값 empty)") : v;
  return JSON.stringify(v);
}

function cellRow(c) {
  return h(
    "tr",
    { class: c.changed ? "changed-row" : "" },
    h("td", {}, fieldLabel(c.field)),
    h("td", { class: "n old" }, c.changed ? h("del", {}, value(c.old)) : value(c.old)),
    h("td", { class: "arrow", "aria-hidden": "true" }, c.changed ? "→" : ""),
    h("td", { class: "n new" }, c.changed ? h("ins", {}, value(c.new)) : value(c.new)),
  );
}

/** A fact's cells: those that change; for a new fact, also those it gives a value. */
function cellsTable(cells, onlyChanged) {
  const shown = cells.filter((c) => c.changed || (!onlyChanged && c.new !== null));
  if (!shown.length) return null;
  const heads = [ko("항목", "field"), ko("이전", "old"), "", ko("새 값", "new")];
  return h(
    "table",
    { class: "cells" },
    h("thead", {}, h("tr", {}, heads.map((label, i) => h("th", { class: i % 2 ? "n" : "" }, label)))),
    h("tbody", {}, shown.map(cellRow)),
  );
}

export function factItem(fact, source, onlyChanged) {
  const pick = () => fact.line && source.pick(fact.line);
  const status = h("span", { class: "status" }, ko(...STATUS[fact.status]));
  return h(
    "li",
    { class: `fact ${fact.status.toLowerCase()}`, "data-line": fact.line || "" },
    h(
      "div",
      { class: "fact-head" },
      h("button", { type: "button", class: "fact-link", onclick: pick, disabled: !fact.line }, status, " ", fact.what),
      lineButton(fact.line, source),
    ),
    h("div", { class: "source-ref" }, fact.source),
    cellsTable(fact.cells, onlyChanged),
  );
}

/** Fill a section of the review with a heading and its body, and show it. */
export function section(id, heading, ...body) {
  const el = fill(id, heading ? h("h3", {}, heading) : null, ...body);
  el.hidden = false;
  return el;
}

/** Empty and hide a section; true when it is (to be) empty. */
export function hidden(id, empty) {
  if (!empty) return false;
  fill(id).hidden = true;
  return true;
}

function problemItem(p, source) {
  const figures =
    p.printed !== null || p.computed !== null
      ? h(
          "div",
          { class: "figures-line" },
          "인쇄 printed ",
          h("b", { class: "old" }, p.printed ?? "–"),
          " · 계산 computed ",
          h("b", { class: "new" }, p.computed ?? "–"),
        )
      : null;
  return h(
    "li",
    {},
    lineButton(p.line, source, `${p.file}:${p.line}`),
    " ",
    h("span", { class: "where" }, `${p.table} · ${p.row} · ${p.column}`),
    h("div", { class: "message" }, p.message),
    figures,
  );
}

export function showProblems(review, source) {
  if (hidden("problems", !review.problems.length)) return;
  const heading = ko(`읽을 수 없는 곳 ${review.problems.length}건`, "problems: nothing is recorded");
  section("problems", heading, h("ol", { class: "problems" }, review.problems.map((p) => problemItem(p, source))));
}

export function showFacts(id, facts, heading, source, onlyChanged) {
  if (hidden(id, !facts.length)) return;
  section(id, heading, h("ol", { class: "facts" }, facts.map((f) => factItem(f, source, onlyChanged))));
}

/** The proposals, each with a box a person ticks; onConfirm(all ticked) on each change. */
export function showProposals(review, source, onConfirm) {
  if (hidden("proposals", !review.proposals.length)) return;
  const boxes = review.proposals.map((_, i) =>
    h("input", { type: "checkbox", id: `proposal-${i}`, onchange: () => onConfirm(boxes.every((b) => b.checked)) }),
  );
  const items = review.proposals.map((p, i) =>
    h(
      "li",
      {},
      boxes[i],
      h("label", { for: `proposal-${i}` }, h("b", {}, p.subject), ` · ${p.field} = `, h("code", {}, p.value || "(빈 값 empty)")),
      " ",
      lineButton(p.line, source),
      h("div", { class: "why" }, p.why),
    ),
  );
  const heading = ko(`확인할 제안 ${review.proposals.length}건`, "proposals a person confirms before applying");
  section("proposals", heading, h("ol", { class: "proposals" }, items));
}
