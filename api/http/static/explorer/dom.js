// Small DOM helpers: elements built from data with textContent only (no HTML from data), and
// the formats the documents print.

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else if (key === "class") el.className = value;
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value !== undefined && value !== null) el.setAttribute(key, String(value));
  }
  append(el, children);
  return el;
}

export function fill(id, ...children) {
  const el = document.getElementById(id);
  el.replaceChildren();
  append(el, children);
  return el;
}

/** A label as the documents print it, with the English beside it. */
export function ko(korean, english) {
  return h("span", { class: "ko" }, korean, english ? h("small", { class: "en" }, english) : null);
}

const NUMBER = new Intl.NumberFormat("ko-KR");

export function num(value) {
  return value === null || value === undefined ? "–" : NUMBER.format(value);
}

export function won(value) {
  return value === null || value === undefined ? "–" : `${NUMBER.format(value)}원`;
}

export function percent(rate) {
  return rate === null || rate === undefined ? "–" : `${(rate * 100).toFixed(1)}%`;
}

export function moment(iso) {
  if (!iso) return "";
  const d = new Date(iso);
  const pad = (n, w = 2) => String(n).padStart(w, "0");
  const offset = -d.getTimezoneOffset();
  const zone = `${offset < 0 ? "-" : "+"}${pad(Math.floor(Math.abs(offset) / 60))}:${pad(Math.abs(offset) % 60)}`;
  return (
    `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}${zone}`
  );
}

const CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳";

export function circled(n) {
  return n >= 1 && n <= 20 ? CIRCLED[n - 1] : n === null || n === undefined ? "" : `(${n})`;
}

/** A value before and after: the new one, the old one struck through beside it. */
export function delta(before, after, format = num) {
  return h(
    "span",
    { class: "changed", title: `before ${format(before)} → after ${format(after)}` },
    h("del", {}, format(before)),
    " ",
    h("ins", {}, format(after)),
  );
}
