import { api, download, list } from "../api.js";
import { act, go, toast } from "../common.js";
import { compareBars, heatmap, legend } from "../charts.js";
import {
  button, definitionList, field, formatNumber, formatTime, h, link, replace, section, select,
  shortId, statusBadge, table,
} from "../dom.js";
import { jobProgress } from "../widgets.js";

export async function render(view, { parts, query }) {
  if (parts[0] === "new") return renderNew(view, query.get("synthetic"));
  if (parts[0]) return renderOne(view, parts[0]);
  return renderList(view);
}

const percent = (value) => (value === null || value === undefined ? "—" : `${(value * 100).toFixed(1)}%`);

async function renderList(view) {
  const reports = await list("v1/reports");
  replace(
    view,
    h("div", { class: "page-head" }, h("h1", {}, "Reports"), button("New report", () => go("reports/new"), "primary")),
    section(
      "Quality reports",
      table(
        "Reports",
        ["Report", "Status", "Fidelity", "On unseen rows", "Utility", "Privacy (closer to train)", "Created"],
        reports.map((report) => [
          link(shortId(report.id), `#/reports/${report.id}`),
          statusBadge(report.status),
          percent(report.summary?.fidelity),
          percent(report.summary?.fidelity_vs_holdout),
          percent(report.summary?.utility),
          formatNumber(report.summary?.privacy_closer_to_train_share),
          formatTime(report.created_at),
        ]),
        { empty: "No reports yet: generate synthetic data, then judge it against the real data." },
      ),
    ),
  );
}

async function renderNew(view, syntheticId) {
  const [datasets, synthetic] = await Promise.all([list("v1/datasets"), list("v1/synthetic-datasets")]);
  const readySynthetic = synthetic.filter((item) => item.status === "ready");
  if (!readySynthetic.length) {
    replace(view, h("h1", {}, "New report"), h("p", { class: "empty" }, "Generate synthetic data first. "), link("Go to synthetic data", "#/synthetic"));
    return;
  }
  const ready = datasets.filter((item) => item.status === "ready");
  const real = select(ready.map((item) => [item.id, item.name]));
  const fake = select(readySynthetic.map((item) => [item.id, item.name]), syntheticId || readySynthetic[0].id);
  const holdout = select([["", "(none: split the real data)"], ...ready.map((item) => [item.id, item.name])], "");
  const target = h("input", { type: "text", placeholder: "e.g. income" });
  const problem = h("div");
  const submit = h("button", { type: "submit", class: "primary" }, "Create report");
  const form = h(
    "form",
    { class: "card" },
    field("Real dataset", real),
    field("Synthetic dataset", fake),
    field("Holdout dataset (optional)", holdout, "real rows the model never saw: makes privacy and utility honest"),
    field("Target column (optional)", target, "for utility: a model trained on synthetic rows predicts it on real rows"),
    problem,
    submit,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    await act(submit, problem, async () => {
      const body = { real_dataset_id: real.value, synthetic_dataset_id: fake.value };
      if (holdout.value) body.holdout_dataset_id = holdout.value;
      if (target.value.trim()) body.target = target.value.trim();
      const job = await api.post("v1/reports", body);
      toast("Report started");
      go(`reports/${job.target_id}`);
    });
  });
  replace(view, h("h1", {}, "New report"), form);
}

function scores(details) {
  const pairs = [
    ["Fidelity", percent(details.fidelity.score)],
    ["Column shapes", percent(details.fidelity.column_shapes)],
    ["Column pair trends", percent(details.fidelity.column_pair_trends)],
    ["Validity", percent(details.validity.score)],
  ];
  const unseen = details.holdout_fidelity;
  if (unseen) {
    pairs.splice(3, 0, [
      "Fidelity on unseen rows (holdout)",
      `${percent(unseen.score)} (training rows: ${percent(unseen.ceiling)}, ${percent(unseen.relative)} of it)`,
    ]);
  }
  if (details.utility) pairs.push(["Utility (TSTR / TRTR)", `${percent(details.utility.score)} on ${details.utility.target}`]);
  if (details.privacy) {
    pairs.push(["Closer to train than holdout", `${formatNumber(details.privacy.closer_to_train_share)} (0.5 is ideal)`]);
    pairs.push(["Exact copies", `${percent(details.privacy.exact_copy_rate)} (holdout: ${percent(details.privacy.holdout_exact_copy_rate)})`]);
    pairs.push(["Membership inference AUC", `${formatNumber(details.privacy.membership_inference_auc)} (0.5 is ideal)`]);
  }
  return section("Scores", definitionList(pairs), details.notes?.length ? h("ul", {}, details.notes.map((note) => h("li", {}, note))) : null);
}

function plots(details) {
  const columns = details.plots.columns.map((plot) => compareBars(plot.column, plot.labels, plot.real, plot.synthetic));
  const out = [section("Distributions per column: real against synthetic", legend(), h("div", { class: "charts" }, columns))];
  if (details.plots.association_columns.length > 1) {
    out.push(
      section(
        "Associations (|r| or Cramér's V)",
        h(
          "div",
          { class: "heat-pair" },
          heatmap("Real", details.plots.association_columns, details.plots.association_real),
          heatmap("Synthetic", details.plots.association_columns, details.plots.association_synthetic),
        ),
      ),
    );
  }
  if (details.privacy) {
    const edges = details.privacy.histogram_edges;
    const labels = edges.slice(0, -1).map((edge) => edge.toFixed(2));
    const total = (values) => values.reduce((sum, value) => sum + value, 0) || 1;
    const holdout = details.privacy.histogram_holdout.map((value, _, all) => value / total(all));
    const synthetic = details.privacy.histogram_synthetic.map((value, _, all) => value / total(all));
    out.push(
      section(
        "Privacy: distance to the closest training row",
        h("p", { class: "muted" }, "Synthetic rows should sit no closer to the training rows than real unseen (holdout) rows do."),
        legend(["holdout", "synthetic"]),
        compareBars("Distance to closest record", labels, holdout, synthetic, ["holdout", "synthetic"]),
      ),
    );
  }
  return out;
}

async function renderOne(view, id) {
  const refresh = () => renderOne(view, id);
  const report = await api.get(`v1/reports/${id}`);
  replace(
    view,
    h(
      "div",
      { class: "page-head" },
      h("h1", {}, `Report ${shortId(report.id)}`),
      h(
        "div",
        { class: "row" },
        report.status === "ready" ? button("Download HTML", (event) => act(event.currentTarget, null, () => download(`v1/reports/${id}/download`, `report-${id}.html`, { format: "html" }))) : null,
        report.status === "ready" ? button("Download JSON", (event) => act(event.currentTarget, null, () => download(`v1/reports/${id}/download`, `report-${id}.json`, { format: "json" }))) : null,
      ),
    ),
    section(
      "Details",
      definitionList([
        ["Status", statusBadge(report.status)],
        ["Real", report.real_dataset_id ? link(shortId(report.real_dataset_id), `#/datasets/${report.real_dataset_id}`) : "—"],
        ["Synthetic", report.synthetic_dataset_id ? link(shortId(report.synthetic_dataset_id), `#/synthetic/${report.synthetic_dataset_id}`) : "—"],
        ["Target", report.target || "—"],
        ["Created", formatTime(report.created_at)],
      ]),
    ),
  );
  if (report.status === "running" && report.job_id) {
    view.append(jobProgress(report.job_id, { title: "Judging", onDone: refresh }));
    return;
  }
  if (report.status !== "ready") return;
  const details = await api.get(`v1/reports/${id}/details`);
  view.append(scores(details), ...plots(details));
}
