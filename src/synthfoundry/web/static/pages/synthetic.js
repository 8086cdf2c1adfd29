import { ApiError, api, list } from "../api.js";
import { act, go, problemBox, toast } from "../common.js";
import {
  button, definitionList, field, formatBytes, formatNumber, formatTime, h, link, replace,
  section, select, shortId, statusBadge, table,
} from "../dom.js";
import { jobProgress } from "../widgets.js";
import { downloads, previewTable } from "./datasets.js";

export async function render(view, { parts, query }) {
  if (parts[0] === "new") return renderNew(view, query.get("generator"));
  if (parts[0]) return renderOne(view, parts[0]);
  return renderList(view);
}

async function renderList(view) {
  const items = await list("v1/synthetic-datasets");
  replace(
    view,
    h("div", { class: "page-head" }, h("h1", {}, "Synthetic data"), button("Generate", () => go("synthetic/new"), "primary")),
    section(
      "Generated datasets",
      table(
        "Synthetic datasets",
        ["Name", "Status", "Rows", "Size", "Format", "Created"],
        items.map((item) => [
          link(item.name, `#/synthetic/${item.id}`),
          statusBadge(item.status),
          formatNumber(item.rows ?? item.size),
          formatBytes(item.size_bytes),
          item.file_format,
          formatTime(item.created_at),
        ]),
        { empty: "Nothing generated yet: train a generator, then generate rows from it." },
      ),
    ),
  );
}

function parseJson(text, what) {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Error(`${what} is not valid JSON: ${error.message}`);
  }
}

async function renderNew(view, generatorId) {
  const generators = (await list("v1/generators")).filter((generator) => generator.status === "ready");
  if (!generators.length) {
    replace(view, h("h1", {}, "Generate data"), h("p", { class: "empty" }, "No trained generator yet: train one from a dataset first. "), link("Go to generators", "#/generators"));
    return;
  }
  const generator = select(generators.map((item) => [item.id, `${item.name} (${item.synthesizer})`]), generatorId || generators[0].id);
  const size = h("input", { type: "number", min: "1", value: "1000", required: true });
  const seed = h("input", { type: "number", min: "0" });
  const name = h("input", { type: "text", maxlength: "200" });
  const format = select(["csv", "parquet", "json", "zip"], "csv");
  const mode = select([["plain", "As the data is"], ["conditions", "With conditions"], ["rebalance", "Rebalanced"]], "plain");
  const conditions = h("textarea", { rows: "4", placeholder: '{"sex": "Female", "age": [30, 40]}  or  [{"sex": "Female", "count": 500}, ...]' });
  const rebalanceColumn = h("input", { type: "text" });
  const rebalanceShares = h("textarea", { rows: "3", placeholder: '{">50K": 0.5, "<=50K": 0.5}' });
  const report = h("input", { type: "checkbox" });
  const conditionsField = field("Conditions (JSON)", conditions, "fixed values or [low, high] ranges; a list of them each with a \"count\" mixes groups");
  const rebalanceFields = h("div", {}, field("Column to rebalance", rebalanceColumn), field("Shares (JSON)", rebalanceShares));
  const showMode = () => {
    conditionsField.hidden = mode.value !== "conditions";
    rebalanceFields.hidden = mode.value !== "rebalance";
  };
  mode.addEventListener("change", showMode);
  showMode();
  const problem = h("div");
  const submit = h("button", { type: "submit", class: "primary" }, "Generate");
  const form = h(
    "form",
    { class: "card", novalidate: true },
    field("Generator", generator),
    field("Rows", size),
    field("Seed (optional)", seed, "the same seed gives the same rows"),
    field("Name (optional)", name),
    field("Download format", format),
    field("Steering", mode),
    conditionsField,
    rebalanceFields,
    h("div", { class: "field" }, h("label", {}, report, " Also judge the rows in a report")),
    problem,
    submit,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    await act(submit, problem, async () => {
      const body = { generator_id: generator.value, size: Number(size.value), format: format.value, report: report.checked };
      if (seed.value !== "") body.seed = Number(seed.value);
      if (name.value.trim()) body.name = name.value.trim();
      if (mode.value === "conditions" && conditions.value.trim()) body.conditions = parseJson(conditions.value, "Conditions");
      if (mode.value === "rebalance") body.rebalance = { column: rebalanceColumn.value.trim(), shares: parseJson(rebalanceShares.value || "{}", "Shares") };
      const job = await api.post("v1/synthetic-datasets", body);
      toast("Generation started");
      go(`synthetic/${job.target_id}`);
    });
  });
  replace(view, h("h1", {}, "Generate data"), form);
}

async function renderOne(view, id) {
  const refresh = () => renderOne(view, id);
  const item = await api.get(`v1/synthetic-datasets/${id}`);
  replace(
    view,
    h(
      "div",
      { class: "page-head" },
      h("h1", {}, item.name),
      h(
        "div",
        { class: "row" },
        item.status === "ready" ? button("Judge in a report", () => go(`reports/new?synthetic=${item.id}`), "primary") : null,
        button("Delete", async (event) => {
          if (!confirm(`Delete ${item.name}?`)) return;
          await act(event.currentTarget, null, async () => {
            await api.delete(`v1/synthetic-datasets/${item.id}`);
            go("synthetic");
          });
        }, "danger"),
      ),
    ),
    section(
      "Details",
      definitionList([
        ["Status", statusBadge(item.status)],
        ["Rows", formatNumber(item.rows ?? item.size)],
        ["Size", formatBytes(item.size_bytes)],
        ["Generator", item.generator_id ? link(shortId(item.generator_id), `#/generators/${item.generator_id}`) : "deleted"],
        ["Seed", item.seed ?? "random"],
        ["Conditions", item.conditions ? JSON.stringify(item.conditions) : item.rebalance ? `rebalanced: ${JSON.stringify(item.rebalance)}` : "none"],
        ["Created", formatTime(item.created_at)],
      ]),
    ),
  );
  if (item.status === "generating" && item.job_id) {
    view.append(jobProgress(item.job_id, { title: "Generating", onDone: refresh }));
    return;
  }
  if (item.status !== "ready") return;
  view.append(section("Download", downloads(`v1/synthetic-datasets/${id}/download`, item.name)));
  if (item.report) {
    view.append(section("Report summary", definitionList(Object.entries(item.report).filter(([, value]) => typeof value !== "object" || value === null).map(([key, value]) => [key, formatNumber(value)]))));
  }
  try {
    const preview = await api.get(`v1/synthetic-datasets/${id}/preview`, { query: { limit: 20 } });
    view.append(section("Preview (first rows)", previewTable(`First rows of ${item.name}`, preview)));
  } catch (error) {
    if (!(error instanceof ApiError) || ![404, 405].includes(error.status)) view.append(problemBox(error));
  }
}
