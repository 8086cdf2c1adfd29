// Every element is built here, and every piece of user or server text becomes a text node:
// nothing in the UI parses HTML, so a dataset named "<img onerror=...>" stays text.

/** h("button", {class: "primary", onclick: fn}, "Save") */
export function h(tag, attrs = {}, ...children) {
  const svg = tag.startsWith("svg:");
  const el = svg
    ? document.createElementNS("http://www.w3.org/2000/svg", tag.slice(4))
    : document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") {
      el.addEventListener(key.slice(2), value);
    } else if (key === "dataset") {
      Object.assign(el.dataset, value);
    } else if (key === "value" && "value" in el) {
      el.value = value;
    } else if (key === "checked" || key === "disabled" || key === "selected" || key === "multiple") {
      el[key] = Boolean(value);
    } else if (key === "innerHTML" || key === "outerHTML") {
      throw new Error("the UI never sets HTML");
    } else {
      el.setAttribute(key, value === true ? "" : String(value));
    }
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export function clear(el) {
  while (el.firstChild) el.firstChild.remove();
  return el;
}

export function replace(el, ...children) {
  clear(el);
  return append(el, children);
}

let uniqueId = 0;
export function nextId(prefix = "f") {
  uniqueId += 1;
  return `${prefix}-${uniqueId}`;
}

/** A labelled control: the label names it, a hint and an error message are tied to it. */
export function field(label, control, hint = "") {
  const id = control.id || nextId();
  control.id = id;
  const error = h("p", { class: "field-error", id: `${id}-error`, "aria-live": "polite" });
  const described = [`${id}-error`];
  let hintEl = null;
  if (hint) {
    hintEl = h("p", { class: "hint", id: `${id}-hint` }, hint);
    described.push(`${id}-hint`);
  }
  control.setAttribute("aria-describedby", described.join(" "));
  const wrapper = h("div", { class: "field" }, h("label", { for: id }, label), control, hintEl, error);
  wrapper.setError = (message) => {
    error.textContent = message || "";
    if (message) control.setAttribute("aria-invalid", "true");
    else control.removeAttribute("aria-invalid");
  };
  return wrapper;
}

export function select(options, value) {
  const el = h("select");
  for (const option of options) {
    const [optionValue, text] = Array.isArray(option) ? option : [option, option];
    el.append(h("option", { value: optionValue, selected: optionValue === value }, text));
  }
  if (value !== undefined) el.value = value;
  return el;
}

export function button(text, onclick, cls = "") {
  return h("button", { type: "button", class: cls, onclick }, text);
}

/** A table from rows of values; cells are text or nodes. */
export function table(caption, headers, rows, { empty = "Nothing here yet." } = {}) {
  if (!rows.length) return h("p", { class: "empty" }, empty);
  return h(
    "div",
    { class: "table-wrap", tabindex: "0", role: "region", "aria-label": caption },
    h(
      "table",
      {},
      h("caption", { class: "visually-hidden" }, caption),
      h("thead", {}, h("tr", {}, headers.map((name) => h("th", { scope: "col" }, name)))),
      h("tbody", {}, rows.map((row) => h("tr", {}, row.map((cell) => h("td", {}, cell))))),
    ),
  );
}

export function link(text, href) {
  return h("a", { href }, text);
}

/** A card named by its heading, so that it is a landmark screen readers can jump to. */
export function section(title, ...children) {
  const id = nextId("section");
  return h("section", { class: "card", "aria-labelledby": id }, h("h2", { id }, title), ...children);
}

export function definitionList(pairs) {
  return h(
    "dl",
    { class: "details" },
    pairs.flatMap(([term, value]) => [h("dt", {}, term), h("dd", {}, value ?? "—")]),
  );
}

export function formatBytes(bytes) {
  if (bytes === null || bytes === undefined) return "—";
  const units = ["B", "KB", "MB", "GB", "TB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(unit ? 1 : 0)} ${units[unit]}`;
}

export function formatTime(iso) {
  if (!iso) return "—";
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? String(iso) : date.toLocaleString();
}

export function formatNumber(value, digits = 3) {
  if (value === null || value === undefined) return "—";
  if (typeof value !== "number") return String(value);
  return Number.isInteger(value) ? value.toLocaleString() : value.toFixed(digits);
}

export function shortId(id) {
  return String(id).slice(0, 8);
}

export function statusBadge(status) {
  return h("span", { class: `badge status-${status}` }, status);
}

/** A progress bar with its value in words for screen readers. */
export function progressBar(fraction, label) {
  const percent = Math.round((fraction || 0) * 100);
  const bar = h("progress", { max: "100", value: String(percent), "aria-label": label });
  return h("div", { class: "progress" }, bar, h("span", { class: "progress-text" }, `${percent}%`));
}
