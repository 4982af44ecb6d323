// The transaction-time axis: the recordings of a unit (OrgUnit.learned, read in compare.js: one
// transaction of the log each), the one a knownAt falls in, and the figures that differ between
// the answers for a date as known at two of them.

/** The recording a knownAt falls in (the last one recorded by then), or null before all. */
export function recordingAt(all, knownAt) {
  if (!knownAt) return all[all.length - 1] || null;
  const exact = all.find((recording) => recording.knownAt === knownAt);
  if (exact) return exact; // recordings a millisecond apart: Date.parse drops microseconds
  const moment = Date.parse(knownAt);
  let found = null;
  for (const recording of all) {
    if (Date.parse(recording.startedAt) <= moment) found = recording;
  }
  return found;
}

function byKey(items, key) {
  return new Map((items || []).map((item) => [key(item), item]));
}

function compare(out, kind, label, fields, before, after) {
  for (const field of fields) {
    const old = before ? before[field] : null;
    const now = after ? after[field] : null;
    if (old !== now && !(old == null && now == null)) out.push({ kind, label, field, old, now });
  }
}

function staffingDiff(out, before, after) {
  compare(out, "staffing", "계 total", ["authorized", "current", "women"], before, after);
  const old = byKey(before && before.rows, (r) => r.seriesKey);
  const now = byKey(after && after.rows, (r) => r.seriesKey);
  for (const key of new Set([...old.keys(), ...now.keys()])) {
    const row = now.get(key) || old.get(key);
    const label = `${row.jobCategory} ${row.grade || ""}`.trim();
    compare(out, "staffing", label, ["authorized", "current", "women"], old.get(key), now.get(key));
  }
}

function linesDiff(out, before, after) {
  const old = byKey(before && before.lines, (l) => l.id);
  const now = byKey(after && after.lines, (l) => l.id);
  for (const id of new Set([...old.keys(), ...now.keys()])) {
    const label = (now.get(id) || old.get(id)).item;
    compare(out, "budget", label, ["budgeted", "executed"], old.get(id), now.get(id));
  }
}

function tasksDiff(out, before, after) {
  const old = byKey(before, (t) => t.id);
  const now = byKey(after, (t) => t.id);
  for (const id of new Set([...old.keys(), ...now.keys()])) {
    const label = (now.get(id) || old.get(id)).title;
    compare(out, "task", label, ["title", "status"], old.get(id), now.get(id));
  }
}

/** Every figure shown for a date that differs between two answers (before and after). */
export function differences(before, after) {
  const out = [];
  staffingDiff(out, before && before.staffing, after && after.staffing);
  linesDiff(out, before && before.budget, after && after.budget);
  tasksDiff(out, before && before.tasks, after && after.tasks);
  return out;
}

/** The before-values of one answer's figures, keyed as the tables look them up. */
export function beforeValues(before) {
  const values = new Map();
  if (!before) return values;
  const staffing = before.staffing;
  if (staffing) {
    for (const f of ["authorized", "current", "women"]) values.set(`staffing:total:${f}`, staffing[f]);
    for (const part of staffing.byCategory) {
      for (const f of ["authorized", "current", "women"]) {
        values.set(`staffing:category:${part.jobCategory}:${f}`, part[f]);
      }
    }
    for (const row of staffing.rows) {
      for (const f of ["authorized", "current", "women"]) {
        values.set(`staffing:${row.seriesKey}:${f}`, row[f]);
      }
    }
  }
  for (const line of (before.budget && before.budget.lines) || []) {
    for (const f of ["budgeted", "executed"]) values.set(`budget:${line.id}:${f}`, line[f]);
  }
  for (const task of before.tasks || []) {
    for (const f of ["title", "status"]) values.set(`task:${task.id}:${f}`, task[f]);
  }
  return values;
}
