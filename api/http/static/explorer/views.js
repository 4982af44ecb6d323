// The unit as in force at a date: its place in the tree, staffing, budget and tasks. Where an
// answer from before a recording is given, every figure that recording changed is highlighted.

import { circled, delta, fill, h, ko, num, percent, won } from "./dom.js";

export const STATUS = {
  COMPLETED: ["추진완료", "completed"],
  IN_PROGRESS: ["추진중", "in progress"],
  UNDER_REVIEW: ["검토중", "under review"],
  NOT_ADOPTED: ["미반영", "not adopted"],
  PLANNED: ["계획", "planned"],
};

/** A figure, or (where the answer before a recording differs) before and after. */
function cell(was, key, value, format = num) {
  if (was && was.size && was.get(key) !== value && !(was.get(key) == null && value == null)) {
    return delta(was.get(key), value, format);
  }
  return format(value);
}

/** The government picker: shown when the ledger holds more than one. */
export function renderGovernments(governments, selected, pick) {
  const select = document.getElementById("government");
  select.hidden = governments.length < 2;
  document.getElementById("government-label").hidden = select.hidden;
  fill(
    "government",
    governments.map((g) => h("option", { value: g.id, selected: selected && g.id === selected.id ? "" : null }, g.name)),
  );
  select.onchange = () => pick(governments.find((g) => g.id === select.value));
}

export function renderTree(units, selected, pick) {
  const children = new Map();
  for (const unit of units) {
    const parent = unit.parent ? unit.parent.id : null;
    if (!children.has(parent)) children.set(parent, []);
    children.get(parent).push(unit);
  }
  const known = new Set(units.map((u) => u.id));
  const roots = units.filter((u) => !u.parent || !known.has(u.parent.id));
  const branch = (list) =>
    h(
      "ul",
      {},
      list.map((unit) =>
        h(
          "li",
          {},
          h(
            "button",
            {
              type: "button",
              class: unit.id === selected ? "unit selected" : "unit",
              "data-unit": unit.name,
              "aria-current": unit.id === selected ? "true" : null,
              onclick: () => pick(unit),
            },
            unit.name,
          ),
          children.has(unit.id) ? branch(children.get(unit.id)) : null,
        ),
      ),
    );
  fill("tree", units.length ? branch(roots) : h("p", { class: "empty" }, "조직 없음 (no units at this date)"));
}

function figure(id, label, english, content) {
  return h("div", { class: "figure" }, h("div", { class: "label" }, ko(label, english)), h("div", { class: "value", id }, content));
}

export function renderSummary(unit, was) {
  const s = unit.staffing;
  fill(
    "summary",
    h("h2", { id: "unit-name" }, unit.name),
    h(
      "p",
      { class: "meta" },
      unit.parent ? [ko("상위", "parent"), " ", unit.parent.name, " · "] : null,
      ko("기준일", "as of"),
      " ",
      h("strong", { id: "shown-as-of" }, unit.asOf),
      s ? [" · ", ko("인력 기준일", "staffing reference date"), " ", h("span", { id: "staffing-reference" }, s.referenceDate)] : null,
    ),
    h(
      "div",
      { class: "figures" },
      figure("staffing-authorized", "정원", "authorised", s ? cell(was, "staffing:total:authorized", s.authorized) : "–"),
      figure("staffing-current", "현원", "current", s ? cell(was, "staffing:total:current", s.current) : "–"),
      figure("staffing-women", "여성", "women", s ? cell(was, "staffing:total:women", s.women) : "–"),
      figure(
        "budget-rate",
        "집행률",
        unit.budget ? `execution FY${unit.budget.fiscalYear}` : "execution",
        unit.budget ? percent(unit.budget.executionRate) : "–",
      ),
    ),
  );
}

export function renderStaffing(staffing, was) {
  if (!staffing) {
    fill("staffing", h("h3", {}, ko("인력 현황", "staffing")), h("p", { class: "empty" }, "이 날짜에 인력 수치 없음 (no staffing in force at this date)"));
    return;
  }
  const body = [];
  for (const part of staffing.byCategory) {
    const rows = staffing.rows.filter((r) => r.jobCategory === part.jobCategory);
    rows.forEach((row, i) =>
      body.push(
        h(
          "tr",
          { "data-series": row.seriesKey, title: row.resolutions.join("\n") || null },
          i === 0 ? h("th", { rowspan: rows.length + 1, scope: "rowgroup" }, row.jobCategory) : null,
          h("td", {}, row.grade || "–", row.resolutions.length ? h("sup", { class: "note" }, "*") : null),
          h("td", { class: "n" }, cell(was, `staffing:${row.seriesKey}:authorized`, row.authorized)),
          h("td", { class: "n" }, cell(was, `staffing:${row.seriesKey}:current`, row.current)),
          h("td", { class: "n" }, cell(was, `staffing:${row.seriesKey}:women`, row.women)),
        ),
      ),
    );
    const subtotal = (f) => h("td", { class: "n" }, cell(was, `staffing:category:${part.jobCategory}:${f}`, part[f]));
    body.push(h("tr", { class: "subtotal" }, h("td", {}, "소계"), subtotal("authorized"), subtotal("current"), subtotal("women")));
  }
  fill(
    "staffing",
    h("h3", {}, ko("인력 현황", "staffing"), h("small", { class: "ref" }, ` 기준일 ${staffing.referenceDate}`)),
    h(
      "div",
      { class: "scroll" },
      h(
        "table",
        { id: "staffing-table" },
        h("thead", {}, h("tr", {}, h("th", {}, ko("직종", "category")), h("th", {}, ko("직급", "grade")), h("th", { class: "n" }, ko("정원", "auth.")), h("th", { class: "n" }, ko("현원", "current")), h("th", { class: "n" }, ko("여성", "women")))),
        h("tbody", {}, body),
        h("tfoot", {}, h("tr", {}, h("th", { colspan: 2 }, "계 total"), h("td", { class: "n" }, cell(was, "staffing:total:authorized", staffing.authorized)), h("td", { class: "n" }, cell(was, "staffing:total:current", staffing.current)), h("td", { class: "n" }, cell(was, "staffing:total:women", staffing.women)))),
      ),
    ),
    staffing.notes.map((note) => h("p", { class: "note" }, "※ ", note)),
    h("p", { class: "source" }, ko("출처", "source"), " ", staffing.sources.join(", ")),
  );
}

function bar(rate) {
  if (rate === null || rate === undefined) return null;
  const width = Math.max(0, Math.min(100, (rate || 0) * 100));
  return h("div", { class: "bar", role: "img", "aria-label": percent(rate) }, h("div", { class: "fill", style: `width:${width.toFixed(1)}%` }));
}

export function renderBudget(unitId, budget, fiscalYear, years, pickYear, was) {
  const picker = h(
    "select",
    { id: "fiscal-year", "aria-label": "회계연도 fiscal year", onchange: (e) => pickYear(Number(e.target.value)) },
    [...new Set([...years, fiscalYear])].sort().map((y) => h("option", { value: y, selected: y === fiscalYear }, `${y}년`)),
  );
  const title = h("h3", {}, ko("예산 집행현황", "budget execution"), " ", picker);
  if (!budget) {
    fill("budget", title, h("p", { class: "empty" }, `${fiscalYear}년 예산 없음 (no budget lines of FY${fiscalYear} in force at this date)`));
    return;
  }
  // As the documents print it: in thousands of won (천원) where every figure is whole thousands.
  const thousands = budget.lines.every((l) => l.budgeted % 1000 === 0 && (l.executed ?? 0) % 1000 === 0);
  const money = thousands ? (v) => (v === null || v === undefined ? "–" : num(v / 1000)) : won;
  const rows = budget.lines.map((line) =>
    h(
      "tr",
      { "data-line": line.id },
      h("td", {}, line.account ? h("small", { class: "account" }, line.account, " ") : null, line.item,
        line.owner.id !== unitId ? h("small", { class: "owner" }, ` (${line.owner.name})`) : null),
      h("td", { class: "n" }, cell(was, `budget:${line.id}:budgeted`, line.budgeted, money)),
      h("td", { class: "n" }, cell(was, `budget:${line.id}:executed`, line.executed, money)),
      h("td", { class: "n" }, money(line.remaining)),
      h("td", { class: "rate" }, bar(line.executionRate), percent(line.executionRate)),
    ),
  );
  fill(
    "budget",
    title,
    h("p", { class: "unit-note" }, thousands ? "(단위: 천원 thousand won)" : "(단위: 원 won)"),
    h("div", { class: "scroll" }, h(
      "table",
      { id: "budget-table" },
      h("thead", {}, h("tr", {}, h("th", {}, ko("과목", "item")), h("th", { class: "n" }, ko("예산액", "budget")), h("th", { class: "n" }, ko("집행액", "executed")), h("th", { class: "n" }, ko("잔액", "remaining")), h("th", {}, ko("집행률", "rate")))),
      h("tbody", {}, rows),
      h("tfoot", {}, h("tr", {}, h("th", {}, "합계 total"), h("td", { class: "n" }, money(budget.budgeted)), h("td", { class: "n" }, money(budget.executed)), h("td", { class: "n" }, money(budget.remaining)), h("td", { class: "rate" }, bar(budget.executionRate), percent(budget.executionRate)))),
    )),
    h("p", { class: "source" }, ko("기준일", "reference date"), " ", budget.referenceDate, " · ", ko("출처", "source"), " ", [...new Set(budget.lines.map((l) => l.source).filter(Boolean))].join(", ")),
  );
}

function status(task, was) {
  if (!task.status) return null; // the report states none (major tasks)
  const [korean, english] = STATUS[task.status];
  const before = was && was.size ? was.get(`task:${task.id}:status`) : undefined;
  const changed = before !== undefined && before !== task.status;
  return h(
    "span",
    { class: `status ${(task.status || "none").toLowerCase()}${changed ? " changed" : ""}` },
    changed ? h("del", {}, (STATUS[before] || ["–"])[0]) : null,
    changed ? " " : null,
    korean,
    h("small", { class: "en" }, english),
  );
}

function taskRow(task, was) {
  return h(
    "li",
    { "data-task": task.id },
    h("span", { class: "number" }, task.kind === "MAJOR_TASK" ? circled(task.number) : task.number ?? ""),
    h("span", { class: "title" }, cell(was, `task:${task.id}:title`, task.title, (t) => t ?? "–")),
    task.responsible ? h("small", { class: "responsible" }, ` (${task.responsible})`) : null,
    status(task, was),
    task.statusSince ? h("small", { class: "since" }, ` ${task.statusSince}~`) : null,
  );
}

export function renderTasks(tasks, was) {
  const major = tasks.filter((t) => t.kind === "MAJOR_TASK");
  const audit = tasks.filter((t) => t.kind === "AUDIT_FOLLOW_UP");
  const categories = [...new Set(audit.map((t) => t.category || "기타"))];
  fill(
    "tasks",
    h("h3", {}, ko("주요 업무", "major tasks")),
    major.length ? h("ol", { class: "tasks" }, major.map((t) => taskRow(t, was))) : h("p", { class: "empty" }, "없음 (none)"),
    audit.length ? h("h3", {}, ko("행정사무감사 처리결과", "council audit follow-ups"), h("small", { class: "ref" }, ` ${audit.length}건`)) : null,
    categories.map((category) =>
      h("details", { open: categories.length === 1 }, h("summary", {}, category, ` (${audit.filter((t) => (t.category || "기타") === category).length})`),
        h("ol", { class: "tasks" }, audit.filter((t) => (t.category || "기타") === category).map((t) => taskRow(t, was)))),
    ),
  );
}
