// The time-travel explorer: the state lives in the URL (?gov=&unit=&asOf=&knownAt=&since=&fy=
// &from=&to=), so a view can be shared; every change of state reads the public GraphQL API again.
// A ledger of many governments shows one government's tree at a time, picked first.

import * as api from "./api.js";
import { renderExecution, renderHeadcount } from "./charts.js";
import { fill, h } from "./dom.js";
import { compareFrom, learnedBetween, renderCompare, unitRecordings } from "./compare.js";
import { beforeValues, differences, recordingAt } from "./recordings.js";
import { renderChanges, renderKnownAt, renderTimeline } from "./timeline.js";
import {
  renderBudget, renderGovernments, renderStaffing, renderSummary, renderTasks, renderTree,
} from "./views.js";

const KEYS = ["gov", "unit", "asOf", "knownAt", "since", "fy", "from", "to"];
let state = readUrl();
let generation = 0;

function today() {
  return new Date(Date.now() + 9 * 3600 * 1000).toISOString().slice(0, 10); // Seoul's date
}

function readUrl() {
  const params = new URLSearchParams(location.search);
  const found = Object.fromEntries(KEYS.map((key) => [key, params.get(key) || null]));
  // A "+" typed into a link's knownAt (an offset, +09:00) arrives decoded as a space.
  if (found.knownAt) found.knownAt = found.knownAt.replace(/ /g, "+");
  if (found.fy) found.fy = Number(found.fy);
  return found;
}

function writeUrl(push) {
  const params = new URLSearchParams();
  for (const key of KEYS) if (state[key]) params.set(key, state[key]);
  const url = `${location.pathname}?${params}`.replace(/\?$/, "");
  if (url !== location.pathname + location.search) {
    history[push ? "pushState" : "replaceState"](null, "", url);
  }
  document.getElementById("share").href = url;
}

/** Change the state (a user's action: a new history entry) and show it. */
function go(changes) {
  state = { ...state, ...changes };
  writeUrl(true);
  show();
}

/** The unit a link names: by id, by name, or by path of names (기획조정실/기획담당관). */
function resolve(named, units) {
  if (!named) return null;
  const byId = units.find((u) => u.id === named);
  if (byId) return byId;
  const path = named.split("/").filter(Boolean);
  const byName = units.filter((u) => u.name === path[path.length - 1]);
  const parents = new Map(units.map((u) => [u.id, u]));
  return byName.find((u) => {
    let at = u;
    for (const name of path.slice(0, -1).reverse()) {
      at = at.parent && parents.get(at.parent.id);
      if (!at || at.name !== name) return false;
    }
    return true;
  }) || null;
}

function linkName(unit, units) {
  return units.filter((u) => u.name === unit.name).length === 1 ? unit.name : unit.id;
}

async function show() {
  const mine = ++generation;
  const current = () => mine === generation;
  document.body.dataset.state = "loading";
  fill("error");
  try {
    await showState(current);
    if (current()) document.body.dataset.state = "ready";
  } catch (error) {
    if (!current()) return;
    fill("error", h("p", {}, "오류 error: ", error.message));
    document.body.dataset.state = "error";
  }
}

/** The government shown, and its tree: the one the link names, else the one of the unit it
 * names (found in the whole tree), else the first by name. */
async function governmentTree(asOf, knownAt) {
  const governments = await api.governments(asOf, knownAt);
  let government = resolve(state.gov, governments);
  if (!government && state.unit && governments.length > 1) {
    const everything = await api.tree(asOf, knownAt);
    const unit = resolve(state.unit, everything);
    const parents = new Map(everything.map((u) => [u.id, u]));
    let root = unit;
    while (root && root.parent && parents.has(root.parent.id)) root = parents.get(root.parent.id);
    government = root && governments.find((g) => g.id === root.id);
  }
  government = government || governments[0] || null;
  const units = government ? await api.tree(asOf, knownAt, government.id) : [];
  return { governments, government, units };
}

async function showState(current) {
  const asOf = state.asOf || today();
  const { governments, government, units } = await governmentTree(asOf, state.knownAt);
  if (!current()) return;
  renderGovernments(governments, government, (picked) =>
    go({ gov: linkName(picked, governments), unit: null, since: null, from: null, to: null }));
  const unit = resolve(state.unit, units);
  renderTree(units, unit && unit.id, (picked) => go({ unit: linkName(picked, units), from: null, to: null }));
  document.getElementById("unit-view").hidden = !unit;
  // On a phone the tree folds away once a unit is shown (its summary opens it again).
  if (matchMedia("(max-width: 899px)").matches) document.getElementById("tree-box").open = !unit;
  document.getElementById("intro").hidden = Boolean(unit);
  if (!unit) {
    if (state.unit) fill("error", h("p", {}, `'${state.unit}': 이 날짜에 없는 조직 (no such unit in force at ${state.asOf || today()})`));
    return;
  }
  const series = await api.series(unit.id, state.asOf || today(), state.knownAt);
  if (!current()) return;
  if (!series) throw new Error(`${unit.name}: not in force at ${state.asOf || today()}`);
  const dates = series.changeDates;
  if (!state.asOf) {
    state.asOf = dates.filter((d) => d <= today()).pop() || today();
    writeUrl(false);
  }
  await showUnit(current, unit, dates, series.overTime);
}

function rangeOf(dates) {
  const past = dates.filter((d) => d <= state.asOf);
  const to = state.to || state.asOf;
  const from = state.from || past[past.length - 2] || past[0] || dates[0] || state.asOf;
  return { from, to };
}

async function showUnit(current, unit, dates, overTime) {
  const { asOf, knownAt } = state;
  const fiscalYear = state.fy || Number(asOf.slice(0, 4));
  const years = [...new Set(dates.map((d) => Number(d.slice(0, 4))))];
  const { from, to } = rangeOf(dates);
  const [view, events, changed, budgets, all] = await Promise.all([
    api.unit(unit.id, asOf, knownAt, fiscalYear),
    api.history(unit.id, asOf),
    api.changes(unit.id, from, to, knownAt),
    api.budgetSeries(unit.id, asOf, knownAt, years),
    unitRecordings(unit.id, asOf),
  ]);
  if (!current()) return;
  // The known-at control picks the recording compared to ("to"); since, the one compared from.
  const latest = !knownAt && Boolean(state.since);
  const chosen = knownAt ? recordingAt(all, knownAt) : latest ? all[all.length - 1] || null : null;
  const previous = compareFrom(all, chosen, state.since);
  const [before, between] = await Promise.all([
    previous ? api.unit(unit.id, asOf, previous.knownAt, fiscalYear) : null,
    learnedBetween(unit.id, asOf, previous, chosen, latest),
  ]);
  if (!current()) return;
  renderControls(dates);
  renderKnownAt(all, knownAt, (moment) => go({ knownAt: moment }));
  renderCompare({
    all, to: chosen, from: previous, since: state.since, latest, asOf, between,
    differences: chosen ? differences(before, view) : [],
    pickFrom: (moment) => go({ since: moment }),
    pickTo: (moment) => go({ knownAt: moment }),
  });
  if (!view) {
    fill("summary", h("h2", { id: "unit-name" }, unit.name), h("p", { class: "empty" }, `${asOf}에 이 조직 없음 (not in force at ${asOf}, as known then)`));
    ["staffing", "budget", "tasks"].forEach((id) => fill(id));
  } else {
    const was = chosen && before ? beforeValues(before) : new Map();
    renderSummary(view, was);
    renderStaffing(view.staffing, was);
    renderBudget(view.id, view.budget, fiscalYear, years, (fy) => go({ fy }), was);
    renderTasks(view.tasks, was);
  }
  renderHeadcount(overTime, asOf, (day) => go({ asOf: day, from: null, to: null }));
  renderExecution(budgets, asOf, (day) => go({ asOf: day, from: null, to: null }));
  renderChanges(changed, from, to, (f, t) => go({ from: f, to: t }));
  renderTimeline(events, chosen, knownAt);
}

function renderControls(dates) {
  const input = document.getElementById("as-of");
  input.value = state.asOf;
  const slider = document.getElementById("as-of-slider");
  const inForce = dates.filter((d) => d <= state.asOf).length - 1;
  slider.max = String(Math.max(0, dates.length - 1));
  slider.value = String(Math.max(0, inForce));
  slider.disabled = dates.length < 2;
  slider.dataset.dates = dates.join(",");
  fill("as-of-ticks", dates.map((d, i) => h("option", { value: i, label: d })));
  fill("slider-label", inForce >= 0 ? `${dates[inForce]}부터 (in force since ${dates[inForce]})` : "이전 (before the first date)");
}

function wire() {
  document.getElementById("controls").addEventListener("submit", (e) => e.preventDefault());
  document.getElementById("as-of").addEventListener("change", (e) => {
    if (e.target.value) go({ asOf: e.target.value, from: null, to: null });
  });
  const slider = document.getElementById("as-of-slider");
  const dateAt = () => slider.dataset.dates.split(",")[Number(slider.value)];
  slider.addEventListener("input", () => fill("slider-label", dateAt()));
  slider.addEventListener("change", () => go({ asOf: dateAt(), from: null, to: null }));
  window.addEventListener("popstate", () => {
    state = readUrl();
    show();
  });
}

wire();
writeUrl(false);
show();
