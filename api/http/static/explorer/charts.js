// Charts over time as inline SVG: headcount (authorised and current) and budget execution at
// each date at which the unit's figures change (one column per date), the date in force marked.
// A click on a point shows that date.

import { fill, h, ko, percent, svg } from "./dom.js";

const WIDTH = 900;
const HEIGHT = 230;
const PAD = { left: 48, right: 24, top: 30, bottom: 34 };

/** One column per date; values on [low, high]. */
function scales(days, low, high) {
  const step = (WIDTH - PAD.left - PAD.right) / Math.max(1, days.length);
  const x = (day) => PAD.left + step * (days.indexOf(day) + 0.5);
  const y = (v) => HEIGHT - PAD.bottom - ((v - low) / (high - low || 1)) * (HEIGHT - PAD.top - PAD.bottom);
  return { x, y, step };
}

/** A step line: a value holds from its date until the next. */
function steps(points, x, y, step) {
  let d = "";
  points.forEach(([day, value], i) => {
    if (value === null || value === undefined) return;
    d += `${d ? "L" : "M"}${(x(day) - (i ? step / 2 : 0)).toFixed(1)},${y(value).toFixed(1)}`;
    d += `L${(x(day) + step / 2).toFixed(1)},${y(value).toFixed(1)}`;
  });
  return d;
}

function axes(days, ticks, scale, asOf, unit) {
  const { x, y, step } = scale;
  const shown = days.filter((d) => d <= asOf).pop();
  return [
    ticks.map((v) => [
      svg("line", { x1: PAD.left, x2: WIDTH - PAD.right, y1: y(v), y2: y(v), class: "grid" }),
      svg("text", { x: PAD.left - 6, y: y(v) + 4, "text-anchor": "end", class: "tick" }, `${v}${unit}`),
    ]),
    shown ? svg("rect", { x: x(shown) - step / 2, y: PAD.top - 6, width: step, height: HEIGHT - PAD.top - PAD.bottom + 6, class: "as-of" }) : null,
    days.map((day) => svg("text", { x: x(day), y: HEIGHT - PAD.bottom + 16, "text-anchor": "middle", class: "tick" }, day)),
  ];
}

function dots(points, scale, css, pick, label, above) {
  const { x, y } = scale;
  return points
    .filter(([, v]) => v !== null && v !== undefined)
    .flatMap(([day, v]) => {
      const dot = svg("circle", { cx: x(day), cy: y(v), r: 5, class: `dot ${css}`, "data-date": day },
        svg("title", {}, `${day}: ${label(v, day)}`));
      dot.addEventListener("click", () => pick(day));
      const text = svg("text", { x: x(day) + 8, y: y(v) + (above ? -7 : 15), class: `value ${css}` }, label(v, day));
      return [dot, text];
    });
}

function chart(id, title, legend, body) {
  fill(id, h("h3", {}, title), h("div", { class: "legend" }, legend),
    h("div", { class: "scroll" },
      svg("svg", { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: "img", "aria-label": title.textContent, class: "chart" }, body)));
}

export function renderHeadcount(points, asOf, pick) {
  const title = h("span", {}, ko("인원 추이", "headcount over time"));
  const known = points.filter((p) => p.staffing);
  if (!known.length) {
    fill("chart-headcount", h("h3", {}, title), h("p", { class: "empty" }, "인력 수치 없음 (no staffing)"));
    return;
  }
  const days = points.map((p) => p.asOf);
  const authorised = points.map((p) => [p.asOf, p.staffing ? p.staffing.authorized : null]);
  const current = points.map((p) => [p.asOf, p.staffing ? p.staffing.current : null]);
  const values = [...authorised, ...current].map(([, v]) => v).filter((v) => v !== null);
  const pad = Math.max(2, Math.ceil((Math.max(...values) - Math.min(...values)) * 0.25));
  const low = Math.max(0, Math.min(...values) - pad);
  const high = Math.max(...values) + pad;
  const scale = scales(days, low, high);
  chart(
    "chart-headcount",
    title,
    [h("span", { class: "key authorised" }, "정원 authorised"), h("span", { class: "key current" }, "현원 current")],
    [
      axes(days, [low, Math.round((low + high) / 2), high], scale, asOf, "명"),
      svg("path", { d: steps(authorised, scale.x, scale.y, scale.step), class: "line authorised" }),
      svg("path", { d: steps(current, scale.x, scale.y, scale.step), class: "line current" }),
      dots(authorised, scale, "authorised", pick, (v) => `정원 ${v}`, true),
      dots(current, scale, "current", pick, (v) => `현원 ${v}`, false),
    ],
  );
}

export function renderExecution(points, asOf, pick) {
  const title = h("span", {}, ko("예산 집행률 추이", "budget execution over time"));
  const rates = points.map((p) => {
    const budget = p[`fy${p.asOf.slice(0, 4)}`];
    return [p.asOf, budget && budget.executionRate !== null ? budget.executionRate * 100 : null];
  });
  if (!rates.some(([, v]) => v !== null)) {
    fill("chart-execution", h("h3", {}, title), h("p", { class: "empty" }, "집행 수치 없음 (no execution reported)"));
    return;
  }
  const days = rates.map(([d]) => d);
  const scale = scales(days, 0, 100);
  const bars = rates
    .filter(([, v]) => v !== null)
    .map(([day, v]) => svg("rect", { x: scale.x(day) - 9, y: scale.y(v), width: 18, height: scale.y(0) - scale.y(v), class: "bar-rate" }));
  chart(
    "chart-execution",
    title,
    [h("span", { class: "key execution" }, "집행률: execution of the fiscal year of each date, cumulative within it")],
    [
      axes(days, [0, 50, 100], scale, asOf, "%"),
      bars,
      dots(rates, scale, "execution", pick, (v, day) => `${percent(v / 100)} (${day.slice(0, 4)})`, true),
    ],
  );
}
