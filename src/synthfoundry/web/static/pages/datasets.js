import { api, download, list, upload } from "../api.js";
import { act, go, problemBox, toast } from "../common.js";
import {
  button, definitionList, field, formatBytes, formatNumber, formatTime, h, link, progressBar,
  replace, section, select, shortId, statusBadge, table,
} from "../dom.js";
import { jobProgress } from "../widgets.js";

const KINDS = ["integer", "float", "categorical", "boolean", "datetime", "identifier", "text", "constant"];
const FORMATS = ["csv", "parquet", "json", "zip"];

export async function render(view, { parts }) {
  if (parts[0]) return renderOne(view, parts[0]);
  return renderList(view);
}

function uploader(onUploaded) {
  const input = h("input", { type: "file", accept: ".csv,.tsv,.txt,.parquet,.json,.jsonl,.ndjson,.gz" });
  const name = h("input", { type: "text", name: "name", maxlength: "200" });
  const status = h("div", { class: "upload-status", "aria-live": "polite" });
  const zone = h(
    "div",
    { class: "dropzone" },
    h("p", {}, "Drop a CSV, TSV, Parquet or JSON file here, or choose one."),
    field("File", input, "Gzip-compressed files work too."),
    field("Name (optional)", name),
    status,
  );
  async function send(file) {
    const form = new FormData();
    form.append("file", file, file.name);
    if (name.value.trim()) form.append("name", name.value.trim());
    replace(status, progressBar(0, `Uploading ${file.name}`));
    try {
      const dataset = await upload("v1/datasets", form, (fraction) => replace(status, progressBar(fraction, `Uploading ${file.name}`)));
      replace(status, h("p", {}, `Uploaded ${dataset.name}.`));
      toast(`Uploaded ${dataset.name}`);
      onUploaded(dataset);
    } catch (error) {
      replace(status, problemBox(error));
    }
  }
  input.addEventListener("change", () => input.files[0] && send(input.files[0]));
  zone.addEventListener("dragover", (event) => {
    event.preventDefault();
    zone.classList.add("over");
  });
  zone.addEventListener("dragleave", () => zone.classList.remove("over"));
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    zone.classList.remove("over");
    const file = event.dataTransfer.files[0];
    if (file) send(file);
  });
  return section("Upload a table", zone);
}

async function renderList(view) {
  const datasets = await list("v1/datasets");
  replace(
    view,
    h("h1", {}, "Datasets"),
    uploader((dataset) => go(`datasets/${dataset.id}`)),
    section(
      "Your datasets",
      table(
        "Datasets",
        ["Name", "Status", "Rows", "Columns", "Size", "Uploaded"],
        datasets.map((dataset) => [
          link(dataset.name, `#/datasets/${dataset.id}`),
          statusBadge(dataset.status),
          formatNumber(dataset.rows),
          formatNumber(dataset.columns),
          formatBytes(dataset.size_bytes),
          formatTime(dataset.created_at),
        ]),
        { empty: "No datasets yet: upload a CSV above to start." },
      ),
    ),
  );
}

function columnKinds(dataset, refresh) {
  const selects = new Map();
  const slot = h("div");
  const rows = dataset.column_schema.map((column) => {
    const current = dataset.column_overrides[column.name] || "";
    const choice = select([["", `detected (${column.detected_kind || column.kind})`], ...KINDS], current);
    choice.setAttribute("aria-label", `Kind of column ${column.name}`);
    selects.set(column.name, choice);
    return [column.name, column.kind, choice];
  });
  const save = button("Save column kinds", async (event) => {
    const overrides = {};
    for (const [name, choice] of selects) if (choice.value) overrides[name] = choice.value;
    await act(event.currentTarget, slot, async () => {
      await api.patch(`v1/datasets/${dataset.id}`, { column_overrides: overrides });
      toast("Column kinds saved");
      await refresh();
    });
  }, "primary");
  return section("Columns", h("p", { class: "muted" }, "Override a detected kind when it is wrong (a code stored as numbers is categorical)."), table("Column kinds", ["Column", "Kind", "Override"], rows), slot, save);
}

function statsSection(stats) {
  return section(
    "Statistics",
    table(
      "Column statistics",
      ["Column", "Kind", "Missing", "Distinct", "Min", "Max", "Mean", "Most frequent"],
      stats.columns.map((column) => [
        column.name,
        column.kind,
        formatNumber(column.nulls),
        formatNumber(column.distinct),
        column.minimum ?? "—",
        column.maximum ?? "—",
        formatNumber(column.mean),
        (column.top_values || []).slice(0, 3).map((top) => `${top.value ?? "(missing)"} (${top.count ?? top.share ?? ""})`).join(", "),
      ]),
    ),
  );
}

export function previewTable(caption, preview) {
  return table(
    caption,
    preview.columns,
    preview.rows.map((row) => preview.columns.map((column) => (row[column] === null || row[column] === undefined ? h("span", { class: "muted" }, "null") : String(row[column])))),
    { empty: "No rows." },
  );
}

function downloads(path, stem, formats = FORMATS) {
  return h(
    "div",
    { class: "row" },
    formats.map((format) =>
      button(`Download ${format.toUpperCase()}`, (event) => act(event.currentTarget, null, () => download(path, `${stem}.${format}`, { format }))),
    ),
  );
}

async function renderOne(view, id) {
  const refresh = () => renderOne(view, id);
  const dataset = await api.get(`v1/datasets/${id}`);
  const head = h(
    "div",
    { class: "page-head" },
    h("h1", {}, dataset.name),
    h(
      "div",
      { class: "row" },
      dataset.status === "ready" ? button("Train a generator", () => go(`generators/new?dataset=${dataset.id}`), "primary") : null,
      button("Delete", async (event) => {
        if (!confirm(`Delete dataset ${dataset.name}?`)) return;
        await act(event.currentTarget, null, async () => {
          await api.delete(`v1/datasets/${dataset.id}`);
          go("datasets");
        });
      }, "danger"),
    ),
  );
  const info = section(
    "Details",
    definitionList([
      ["Status", statusBadge(dataset.status)],
      ["Rows", formatNumber(dataset.rows)],
      ["Columns", formatNumber(dataset.columns)],
      ["File", `${dataset.file_name} (${dataset.source_format}, ${formatBytes(dataset.size_bytes)})`],
      ["Uploaded", formatTime(dataset.created_at)],
      ["Id", shortId(dataset.id)],
    ]),
    dataset.error ? h("p", { class: "problem" }, dataset.error) : null,
  );
  replace(view, head, info);
  if (dataset.status !== "ready") {
    if (dataset.ingest_job_id) view.append(jobProgress(dataset.ingest_job_id, { title: "Reading the file", onDone: refresh }));
    return;
  }
  const [stats, preview] = await Promise.all([api.get(`v1/datasets/${id}/stats`), api.get(`v1/datasets/${id}/preview`, { query: { limit: 20 } })]);
  view.append(
    section("Download", downloads(`v1/datasets/${id}/download`, dataset.name)),
    section("Preview (first rows)", previewTable(`First rows of ${dataset.name}`, preview)),
    statsSection(stats),
    columnKinds(dataset, refresh),
  );
}

export { downloads };
