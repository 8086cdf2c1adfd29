import { ApiError, api, list } from "../api.js";
import { act, go, problemBox, toast } from "../common.js";
import { lineChart } from "../charts.js";
import {
  button, definitionList, field, formatNumber, formatTime, h, link, replace, section, select,
  shortId, statusBadge, table,
} from "../dom.js";
import { schemaForm } from "../forms.js";
import { jobProgress } from "../widgets.js";
import { previewTable } from "./datasets.js";

export async function render(view, { parts, query }) {
  if (parts[0] === "new") return renderNew(view, query.get("dataset"));
  if (parts[0]) return renderOne(view, parts[0]);
  return renderList(view);
}

async function renderList(view) {
  const generators = await list("v1/generators");
  replace(
    view,
    h("div", { class: "page-head" }, h("h1", {}, "Generators"), button("New generator", () => go("generators/new"), "primary")),
    section(
      "Your generators",
      table(
        "Generators",
        ["Name", "Model", "Status", "Trained rows", "Trained"],
        generators.map((generator) => [
          link(generator.name, `#/generators/${generator.id}`),
          generator.synthesizer,
          statusBadge(generator.status),
          formatNumber(generator.trained_rows),
          formatTime(generator.trained_at),
        ]),
        { empty: "No generators yet: open a dataset and train one." },
      ),
    ),
  );
}

async function renderNew(view, datasetId) {
  const [datasets, synthesizers] = await Promise.all([list("v1/datasets", { status: "ready" }), api.get("v1/synthesizers")]);
  const tabular = synthesizers.filter((model) => model.available && model.modality === "tabular");
  const ready = datasets.filter((dataset) => dataset.status === "ready");
  if (!ready.length) {
    replace(view, h("h1", {}, "New generator"), h("p", { class: "empty" }, "Upload a dataset first: a generator learns from one. "), link("Go to datasets", "#/datasets"));
    return;
  }
  const fallback = (tabular.find((model) => model.default) || tabular[0]).name;
  const datasetChoice = select(ready.map((dataset) => [dataset.id, dataset.name]), datasetId || ready[0].id);
  const modelChoice = select(tabular.map((model) => [model.name, model.default ? `${model.name} (default)` : model.name]), fallback);
  const name = h("input", { type: "text", maxlength: "200" });
  const about = h("p", { class: "muted" });
  const paramsSlot = h("div");
  const problem = h("div");
  let form = null;
  function showModel() {
    const model = tabular.find((candidate) => candidate.name === modelChoice.value);
    about.textContent = model.description;
    form = schemaForm(model.params_schema, `${model.name} parameters`);
    replace(paramsSlot, form.element);
  }
  modelChoice.addEventListener("change", showModel);
  showModel();
  const submit = h("button", { type: "submit", class: "primary" }, "Create and train");
  const element = h(
    "form",
    { class: "card", novalidate: true },
    field("Dataset", datasetChoice),
    field("Model", modelChoice),
    about,
    field("Name (optional)", name),
    paramsSlot,
    problem,
    submit,
  );
  element.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!form.valid()) {
      replace(problem, problemBox(new Error("Some parameters are not valid: see the fields marked above.")));
      return;
    }
    await act(submit, problem, async () => {
      try {
        const generator = await api.post("v1/generators", {
          dataset_id: datasetChoice.value,
          synthesizer: modelChoice.value,
          params: form.values(),
          ...(name.value.trim() ? { name: name.value.trim() } : {}),
        });
        await api.post(`v1/generators/${generator.id}/train`);
        toast("Training started");
        go(`generators/${generator.id}`);
      } catch (error) {
        if (error instanceof ApiError) form.showServerErrors(error.errors);
        throw error;
      }
    });
  });
  replace(view, h("h1", {}, "New generator"), element);
}

function probeSection(generator) {
  const rows = h("input", { type: "number", min: "1", max: "1000", value: "10" });
  const conditions = h("textarea", { rows: "3", placeholder: '{"age": [30, 40]}' });
  conditions.style.minHeight = "4rem";
  const out = h("div");
  const run = h("button", { type: "submit" }, "Probe");
  const form = h("form", { class: "probe" }, field("Rows", rows), field("Conditions (JSON, optional)", conditions, "values or [low, high] ranges per column"), run, out);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    let parsed = null;
    if (conditions.value.trim()) {
      try {
        parsed = JSON.parse(conditions.value);
      } catch (error) {
        replace(out, problemBox(new Error(`Conditions are not JSON: ${error.message}`)));
        return;
      }
    }
    await act(run, out, async () => {
      const result = await api.post(`v1/generators/${generator.id}/probe`, { rows: Number(rows.value), ...(parsed ? { conditions: parsed } : {}) });
      replace(out, previewTable("Probed rows", result));
    });
  });
  return section("Probe: a few rows now", form);
}

/** The fit's record (seconds, epochs, final losses, a thinned loss curve) from the job's result. */
function trainingRecord(generator, job) {
  return (job && job.result && job.result.training) || (generator.training_report && generator.training_report.training) || null;
}

function trainingSection(record) {
  if (!record) return null;
  const pairs = [["Training time", `${formatNumber(record.seconds, 1)} s`]];
  if (record.epochs) pairs.push(["Epochs", formatNumber(record.epochs)]);
  for (const [name, value] of Object.entries(record.final_losses || {})) pairs.push([`Final ${name} loss`, formatNumber(value, 4)]);
  const curve = record.loss_curve || {};
  const series = Object.entries(curve)
    .filter(([name, values]) => name !== "epoch" && Array.isArray(values))
    .map(([name, values]) => ({ name, values: values.map((value) => (value === null ? Number.NaN : value)) }));
  return [section("Training", definitionList(pairs)), series.length ? lineChart("Loss per epoch", series) : null];
}

async function renderOne(view, id) {
  const refresh = () => renderOne(view, id);
  const generator = await api.get(`v1/generators/${id}`);
  const job = generator.training_job_id ? await api.get(`v1/jobs/${generator.training_job_id}`).catch(() => null) : null;
  replace(
    view,
    h(
      "div",
      { class: "page-head" },
      h("h1", {}, generator.name),
      h(
        "div",
        { class: "row" },
        generator.status === "ready" ? button("Generate data", () => go(`synthetic/new?generator=${generator.id}`), "primary") : null,
        generator.status !== "training"
          ? button(generator.status === "ready" ? "Retrain" : "Train", async (event) => {
              await act(event.currentTarget, null, async () => {
                await api.post(`v1/generators/${generator.id}/train`);
                await refresh();
              });
            })
          : null,
        button("Delete", async (event) => {
          if (!confirm(`Delete generator ${generator.name}?`)) return;
          await act(event.currentTarget, null, async () => {
            await api.delete(`v1/generators/${generator.id}`);
            go("generators");
          });
        }, "danger"),
      ),
    ),
    section(
      "Details",
      definitionList([
        ["Status", statusBadge(generator.status)],
        ["Model", generator.synthesizer],
        ["Dataset", generator.dataset_id ? link(shortId(generator.dataset_id), `#/datasets/${generator.dataset_id}`) : "deleted"],
        ["Parameters", Object.keys(generator.params || {}).length ? JSON.stringify(generator.params) : "defaults"],
        ["Trained rows", formatNumber(generator.trained_rows)],
        ["Trained", formatTime(generator.trained_at)],
      ]),
    ),
  );
  if (job && !["succeeded"].includes(job.status)) {
    view.append(jobProgress(job.id, { title: "Training", onDone: refresh }));
  } else {
    view.append(...[trainingSection(trainingRecord(generator, job))].flat().filter(Boolean));
  }
  if (generator.training_report) {
    view.append(section("Training report", definitionList(Object.entries(generator.training_report).filter(([, value]) => typeof value !== "object").map(([key, value]) => [key, formatNumber(value)]))));
  }
  if (generator.status === "ready") view.append(probeSection(generator));
}
