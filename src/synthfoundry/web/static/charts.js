// Small SVG charts drawn here (no chart library): bars of real against synthetic shares, a
// correlation heatmap, a histogram pair and a line chart. Each has a text alternative.

import { h } from "./dom.js";

const s = (tag, attrs, ...children) => h(`svg:${tag}`, attrs, ...children);

function frame(width, height, label) {
  return s("svg", { viewBox: `0 0 ${width} ${height}`, class: "chart", role: "img", "aria-label": label, width, height });
}

function truncate(text, length = 12) {
  const value = String(text);
  return value.length > length ? `${value.slice(0, length - 1)}…` : value;
}

/** Side-by-side bars of two share vectors over the same labels. */
export function compareBars(title, labels, real, synthetic, names = ["real", "synthetic"]) {
  const width = 300;
  const height = 170;
  const bottom = 40;
  const top = 10;
  const peak = Math.max(1e-9, ...real, ...synthetic);
  const slot = (width - 20) / Math.max(1, labels.length);
  const bar = Math.max(1, slot / 2 - 1);
  const svg = frame(width, height, `${title}: ${names[0]} against ${names[1]}`);
  svg.append(s("line", { x1: 10, x2: width - 10, y1: height - bottom, y2: height - bottom, class: "axis" }));
  labels.forEach((label, index) => {
    const x = 10 + index * slot;
    [real[index], synthetic[index]].forEach((value, which) => {
      const barHeight = ((height - bottom - top) * (value || 0)) / peak;
      const rect = s("rect", {
        x: x + which * bar,
        y: height - bottom - barHeight,
        width: bar,
        height: barHeight,
        class: which ? "synthetic" : "real",
      });
      rect.append(s("title", {}, `${label} ${names[which]}: ${((value || 0) * 100).toFixed(1)}%`));
      svg.append(rect);
    });
    if (labels.length <= 12 || index % Math.ceil(labels.length / 8) === 0) {
      svg.append(
        s("text", { x: x + slot / 2, y: height - bottom + 12, "text-anchor": "end", transform: `rotate(-35 ${x + slot / 2} ${height - bottom + 12})` }, truncate(label)),
      );
    }
  });
  return h("figure", { class: "card" }, h("figcaption", {}, h("strong", {}, title)), svg);
}

export function legend(names = ["real", "synthetic"]) {
  return h(
    "p",
    { class: "legend" },
    h("span", {}, h("span", { class: "swatch real" }), names[0]),
    h("span", {}, h("span", { class: "swatch synthetic" }), names[1]),
  );
}

function heatColour(value) {
  // 0 -> white, 1 -> deep blue; the cell's number is in its title for exact reading.
  const v = Math.max(0, Math.min(1, Math.abs(value ?? 0)));
  const light = Math.round(98 - v * 58);
  return `hsl(222, 80%, ${light}%)`;
}

export function heatmap(title, names, matrix) {
  const cell = Math.max(8, Math.min(28, Math.floor(260 / Math.max(1, names.length))));
  const margin = 80;
  const size = margin + cell * names.length + 4;
  const svg = frame(size, size, `${title}: association matrix of ${names.length} columns`);
  names.forEach((name, row) => {
    svg.append(s("text", { x: margin - 4, y: margin + row * cell + cell * 0.7, "text-anchor": "end" }, truncate(name, 11)));
    svg.append(
      s("text", { x: margin + row * cell + cell * 0.6, y: margin - 4, transform: `rotate(-60 ${margin + row * cell + cell * 0.6} ${margin - 4})` }, truncate(name, 11)),
    );
    names.forEach((other, column) => {
      const value = matrix[row][column];
      const rect = s("rect", { x: margin + column * cell, y: margin + row * cell, width: cell, height: cell, fill: heatColour(value) });
      rect.append(s("title", {}, `${name} / ${other}: ${value === null ? "n/a" : value.toFixed(2)}`));
      svg.append(rect);
    });
  });
  return h("figure", { class: "card" }, h("figcaption", {}, h("strong", {}, title)), svg);
}

/** A line chart of named series ({name, values}); the first two get the chart's two colours. */
export function lineChart(title, series, xLabel = "epoch") {
  const width = 320;
  const height = 160;
  const pad = 28;
  const all = series.flatMap((item) => item.values).filter((value) => Number.isFinite(value));
  const low = Math.min(...all);
  const high = Math.max(...all);
  const span = high - low || 1;
  const longest = Math.max(2, ...series.map((item) => item.values.length));
  const svg = frame(width, height, `${title} over ${xLabel}s`);
  svg.append(s("line", { x1: pad, x2: width - 5, y1: height - pad, y2: height - pad, class: "axis" }));
  svg.append(s("line", { x1: pad, x2: pad, y1: 5, y2: height - pad, class: "axis" }));
  svg.append(s("text", { x: 2, y: 12 }, high.toFixed(2)));
  svg.append(s("text", { x: 2, y: height - pad }, low.toFixed(2)));
  svg.append(s("text", { x: width / 2, y: height - 6, "text-anchor": "middle" }, xLabel));
  series.forEach((item, index) => {
    const points = item.values
      .map((value, step) => [step, value])
      .filter(([, value]) => Number.isFinite(value))
      .map(([step, value]) => `${pad + (step * (width - pad - 5)) / (longest - 1)},${5 + ((high - value) * (height - pad - 5)) / span}`)
      .join(" ");
    const line = s("polyline", { points, class: index ? "line-b" : "line-a" });
    line.append(s("title", {}, `${item.name}: last ${item.values.at(-1)?.toFixed?.(4)}`));
    svg.append(line);
  });
  return h(
    "figure",
    { class: "card" },
    h("figcaption", {}, h("strong", {}, title)),
    svg,
    legend(series.slice(0, 2).map((item) => item.name).concat(series.length < 2 ? [""] : [])),
  );
}
