// Workflows: saved configurations in a JSON editor checked as one types (each problem at its
// JSON path, a click away in the text), runs with their agents live, results, test results,
// exports and the audit trail; pause, resume and abort.

import { ApiError, api, download, list } from "../api.js";
import { act, go, problemBox, toast } from "../common.js";
import {
  button, definitionList, field, formatNumber, formatTime, h, link, progressBar, replace,
  section, select, shortId, statusBadge, table,
} from "../dom.js";
import { follow, track } from "../live.js";
import { jobProgress } from "../widgets.js";
import { previewTable } from "./datasets.js";

const CONFIGS = "v1/workflow-configs";
const RUNS = "v1/workflows";
const STATUSES = ["queued", "running", "pausing", "paused", "aborting", "aborted", "succeeded", "failed"];
const FINISHED = new Set(["aborted", "succeeded", "failed"]);
const STEP_TYPES = [
  ["ingest", "a dataset of yours", "dataset_id"],
  ["train", "train a generator on a dataset", "generator_id"],
  ["generate", "generate rows from a generator", "synthetic_dataset_id"],
  ["evaluate", "judge synthetic rows against real ones", "report_id"],
  ["test", "checks with thresholds on a report", "passed"],
  ["export", "write the rows as CSV, JSON or Parquet", "key"],
  ["images", "a text-to-image dataset", "image_dataset_id"],
  ["collect", "an image collection", "image_dataset_id"],
  ["video", "a product video", "video_id"],
];
const OUTPUT_ROUTES = {
  dataset_id: "datasets",
  generator_id: "generators",
  synthetic_dataset_id: "synthetic",
  report_id: "reports",
  image_dataset_id: "images",
  video_id: "videos",
};

export async function render(view, { parts, query }) {
  if (parts[0] === "configs" && parts[1] === "new") return renderEditor(view, null);
  if (parts[0] === "configs" && parts[1]) return renderEditor(view, parts[1]);
  if (parts[0] === "runs" && parts[1]) return renderRun(view, parts[1]);
  return renderList(view, query.get("status") || "");
}

const money = (value) => (value === null || value === undefined ? "—" : `$${formatNumber(value, 4)}`);
const seconds = (value) => (value ? `${formatNumber(value, 1)} s` : "—");

// -- lists --------------------------------------------------------------------------------

async function renderList(view, status) {
  const [configs, runs] = await Promise.all([list(CONFIGS), list(RUNS, { status: status || undefined })]);
  const filter = select([["", "any status"], ...STATUSES.map((value) => [value, value])], status);
  filter.addEventListener("change", () => {
    location.hash = filter.value ? `#/workflows?status=${filter.value}` : "#/workflows";
  });
  const live = new Map();
  const runRows = runs.map((run) => {
    const progress = h("span", {}, progressBar(run.progress, `${run.name}: progress`));
    const badge = h("span", {}, statusBadge(run.status));
    live.set(run.id, { progress, badge, name: run.name });
    return [
      link(run.name, `#/workflows/runs/${run.id}`),
      badge,
      progress,
      run.current_stage || "—",
      money(run.cost_usd),
      formatTime(run.created_at),
    ];
  });
  replace(
    view,
    h("div", { class: "page-head" }, h("h1", {}, "Workflows"), button("New configuration", () => go("workflows/configs/new"), "primary")),
    section(
      "Configurations",
      table(
        "Workflow configurations",
        ["Name", "Version", "Runs", "Average cost", "Changed"],
        configs.map((config) => [
          link(config.name, `#/workflows/configs/${config.id}`),
          String(config.version),
          formatNumber(config.runs),
          money(config.average_cost_usd),
          formatTime(config.updated_at),
        ]),
        { empty: "No configurations yet: write one (steps such as ingest, train, generate, evaluate, test, export) and save it." },
      ),
    ),
    section(
      "Runs",
      field("Status", filter),
      table("Workflow runs", ["Run", "Status", "Progress", "Stage", "Cost", "Started"], runRows, {
        empty: status ? `No ${status} runs.` : "No runs yet: open a configuration and start a run.",
      }),
    ),
  );
  if (!runs.some((run) => !FINISHED.has(run.status))) return;
  // workflow_update messages move the runs' progress in place; a run that ends reloads the list.
  let reload = null;
  track(
    follow(
      null,
      (message) => {
        if (message.type !== "workflow_update") return;
        const entry = live.get(message.workflow_id);
        if (!entry) return;
        replace(entry.progress, progressBar(message.progress, `${entry.name}: progress`));
        replace(entry.badge, statusBadge(message.status));
        if (FINISHED.has(message.status) && !reload) {
          reload = setTimeout(() => renderList(view, status).catch((error) => view.append(problemBox(error))), 800);
        }
      },
      { all: true },
    ),
  );
}

// -- JSON with positions ------------------------------------------------------------------

/** Where each JSON pointer's value lies in `text`; a syntax error with its offset. */
export function locate(text) {
  const positions = new Map();
  let i = 0;
  const fail = (message) => {
    const error = new Error(i >= text.length ? "the text ends too early: a closing } or ] may be missing" : message);
    error.offset = i;
    throw error;
  };
  const space = () => {
    while (i < text.length && " \t\n\r".includes(text[i])) i += 1;
  };
  const escapePointer = (key) => key.replaceAll("~", "~0").replaceAll("/", "~1");
  const string = () => {
    const start = i;
    i += 1;
    while (i < text.length && text[i] !== '"') {
      if (text[i] === "\n") fail("a string must end on its line");
      i += text[i] === "\\" ? 2 : 1;
    }
    if (i >= text.length) fail("a string is not closed");
    i += 1;
    try {
      return JSON.parse(text.slice(start, i));
    } catch {
      i = start;
      return fail("a string has a bad escape");
    }
  };
  const value = (pointer) => {
    space();
    const start = i;
    const c = text[i];
    if (c === "{") {
      i += 1;
      space();
      if (text[i] === "}") i += 1;
      else {
        for (;;) {
          space();
          if (text[i] !== '"') fail("expected a key in double quotes");
          const key = string();
          space();
          if (text[i] !== ":") fail('expected ":" after the key');
          i += 1;
          value(`${pointer}/${escapePointer(key)}`);
          space();
          if (text[i] === ",") {
            i += 1;
            continue;
          }
          if (text[i] === "}") {
            i += 1;
            break;
          }
          fail('expected "," or "}"');
        }
      }
    } else if (c === "[") {
      i += 1;
      space();
      if (text[i] === "]") i += 1;
      else {
        for (let index = 0; ; index += 1) {
          value(`${pointer}/${index}`);
          space();
          if (text[i] === ",") {
            i += 1;
            continue;
          }
          if (text[i] === "]") {
            i += 1;
            break;
          }
          fail('expected "," or "]"');
        }
      }
    } else if (c === '"') {
      string();
    } else {
      const match = /^(-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)/.exec(text.slice(i, i + 400));
      if (!match) fail(i >= text.length ? "the text ends too early" : "expected a value (text in double quotes, a number, true, false, null, {…} or […])");
      i += match[0].length;
    }
    positions.set(pointer, { start, end: i });
  };
  value("");
  space();
  if (i < text.length) fail("unexpected text after the end");
  return positions;
}

function lineOf(text, offset) {
  const before = text.slice(0, offset);
  const line = before.split("\n").length;
  return { line, column: offset - before.lastIndexOf("\n") };
}

/** The position of `pointer`, or of its nearest ancestor that is written (a missing field). */
function positionOf(positions, pointer) {
  let path = pointer || "";
  while (path && !positions.has(path)) path = path.slice(0, path.lastIndexOf("/"));
  return positions.get(path) || positions.get("") || { start: 0, end: 0 };
}

// -- the editor ---------------------------------------------------------------------------

function starter(datasets) {
  const ready = datasets.find((dataset) => dataset.status === "ready");
  const steps = [
    { name: "data", type: "ingest", params: { dataset_id: ready ? ready.id : "ID OF ONE OF YOUR DATASETS" } },
    { name: "train", type: "train", params: { dataset: "$data.dataset_id" } },
    { name: "rows", type: "generate", params: { generator: "$train.generator_id", size: 1000 } },
    { name: "judge", type: "evaluate", params: { real: "$data.dataset_id", synthetic: "$rows.synthetic_dataset_id" } },
    { name: "gate", type: "test", params: { report: "$judge.report_id", checks: [{ metric: "fidelity", min: 0.5 }] } },
  ];
  return { name: ready ? `${ready.name} pipeline` : "my pipeline", description: "", steps };
}

function helpPanel(datasets) {
  return h(
    "details",
    { class: "more" },
    h("summary", {}, "Step types and your datasets"),
    h("p", { class: "muted" }, 'Each step has a unique name, a type and its parameters; a later step refers to an earlier one\'s output as "$name.output".'),
    table("Step types", ["Type", "Does", "Output"], STEP_TYPES.map(([type, does, output]) => [h("code", {}, type), does, h("code", {}, output)])),
    h("h3", {}, "Your datasets"),
    table("Your datasets", ["Name", "Id", "Status"], datasets.map((dataset) => [dataset.name, h("code", {}, dataset.id), statusBadge(dataset.status)]), { empty: "No datasets yet: upload one on the Datasets page." }),
  );
}

async function renderEditor(view, id) {
  const [config, datasets] = await Promise.all([id ? api.get(`${CONFIGS}/${id}`) : null, list("v1/datasets").catch(() => [])]);
  const editor = h("textarea", {
    class: "code-editor",
    spellcheck: "false",
    autocapitalize: "off",
    autocomplete: "off",
    wrap: "off",
    rows: "24",
  });
  editor.value = JSON.stringify(config ? config.config : starter(datasets), null, 2);
  const summary = h("p", { class: "validation-summary", role: "status", "aria-live": "polite" });
  const problemsList = h("ol", { class: "problems-list", "aria-label": "Problems in the configuration" });
  const position = h("p", { class: "muted cursor-position", "aria-hidden": "true" });
  const slot = h("div");
  let checked = 0;

  function selectRange(start, end) {
    editor.focus();
    editor.setSelectionRange(start, Math.max(start, end));
    // Scroll the text area so the selection shows: a line is about 1.45em.
    const { line } = lineOf(editor.value, start);
    const lineHeight = parseFloat(getComputedStyle(editor).lineHeight) || 20;
    editor.scrollTop = Math.max(0, (line - 3) * lineHeight);
  }

  function showProblems(problems, text, positions) {
    editor.setAttribute("aria-invalid", problems.length ? "true" : "false");
    if (!problems.length) editor.removeAttribute("aria-invalid");
    summary.className = `validation-summary ${problems.length ? "bad" : "good"}`;
    summary.textContent = problems.length
      ? `${problems.length} problem${problems.length === 1 ? "" : "s"}: each is listed with its path; select one to go to it.`
      : "Valid: no problems found.";
    replace(
      problemsList,
      problems.map((problem) => {
        const where = positions ? positionOf(positions, problem.path) : { start: problem.offset || 0, end: problem.offset || 0 };
        const { line, column } = lineOf(text, where.start);
        return h(
          "li",
          {},
          h(
            "button",
            { type: "button", class: "link problem-link", onclick: () => selectRange(where.start, where.end) },
            h("code", {}, problem.path || "/"),
            ` line ${line}, column ${column}`,
          ),
          h("span", { class: "problem-message" }, problem.message),
        );
      }),
    );
  }

  /** Parse here (syntax, with positions), then ask the API (everything else). */
  async function validate() {
    const mine = ++checked;
    const text = editor.value;
    let document;
    let positions;
    try {
      positions = locate(text);
      document = JSON.parse(text);
    } catch (error) {
      showProblems([{ path: "", message: `not valid JSON: ${error.message}`, offset: error.offset ?? 0 }], text, null);
      return null;
    }
    if (!document || typeof document !== "object" || Array.isArray(document)) {
      showProblems([{ path: "", message: "a configuration is an object: {name, description, steps}" }], text, positions);
      return null;
    }
    summary.className = "validation-summary";
    summary.textContent = "Checking…";
    const result = await api.post(`${CONFIGS}/validate`, document);
    if (mine !== checked) return null;
    showProblems(result.problems, text, positions);
    return result.valid ? document : null;
  }

  let timer = null;
  editor.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(() => validate().catch((error) => replace(slot, problemBox(error))), 700);
  });
  const showPosition = () => {
    const { line, column } = lineOf(editor.value, editor.selectionStart);
    position.textContent = `Line ${line}, column ${column}`;
  };
  editor.addEventListener("keyup", showPosition);
  editor.addEventListener("click", showPosition);
  // Tab indents (two spaces) instead of leaving the editor; Escape then Tab leaves it.
  let escaped = false;
  editor.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      escaped = true;
      return;
    }
    if (event.key === "Tab" && !event.shiftKey && !escaped && !event.ctrlKey && !event.altKey && !event.metaKey) {
      event.preventDefault();
      editor.setRangeText("  ", editor.selectionStart, editor.selectionEnd, "end");
      editor.dispatchEvent(new Event("input"));
    }
    escaped = false;
  });

  const save = h("button", { type: "button", class: "primary" }, id ? "Save as a new version" : "Save");
  save.addEventListener("click", () =>
    act(save, slot, async () => {
      const document = await validate();
      if (!document) throw new Error("Fix the problems listed next to the editor first.");
      const saved = id ? await api.put(`${CONFIGS}/${id}`, document) : await api.post(CONFIGS, document);
      toast(id ? `Saved version ${saved.version}` : "Saved");
      if (id) await renderEditor(view, id);
      else go(`workflows/configs/${saved.id}`);
    }),
  );
  const check = button("Check now", (event) => act(event.currentTarget, slot, validate));
  const runInline = id
    ? null
    : button("Run without saving", (event) =>
        act(event.currentTarget, slot, async () => {
          const document = await validate();
          if (!document) throw new Error("Fix the problems listed next to the editor first.");
          const run = await api.post(RUNS, { config: document });
          toast("Run started");
          go(`workflows/runs/${run.id}`);
        }),
      );
  const remove = id
    ? button("Delete", async (event) => {
        if (!confirm(`Delete the configuration ${config.name}? Its runs stay.`)) return;
        await act(event.currentTarget, slot, async () => {
          await api.delete(`${CONFIGS}/${id}`);
          toast("Deleted");
          go("workflows");
        });
      }, "danger")
    : null;

  const editorId = "workflow-editor";
  editor.id = editorId;
  editor.setAttribute("aria-describedby", "workflow-editor-hint");
  replace(
    view,
    h("p", { class: "back" }, link("← Workflows", "#/workflows")),
    h("div", { class: "page-head" }, h("h1", {}, config ? config.name : "New configuration"), remove),
    config
      ? h("p", { class: "muted" }, `Version ${config.version} · ${formatNumber(config.runs)} run${config.runs === 1 ? "" : "s"} · average cost ${money(config.average_cost_usd)} · changed ${formatTime(config.updated_at)}`)
      : null,
    h(
      "section",
      { class: "card" },
      h("h2", {}, "Configuration"),
      h(
        "div",
        { class: "editor-layout" },
        h(
          "div",
          { class: "field editor-pane" },
          h("label", { for: editorId }, "Configuration (JSON)"),
          h("p", { class: "hint", id: "workflow-editor-hint" }, "Checked as you type. Tab indents; press Escape, then Tab, to move on."),
          editor,
          position,
        ),
        h("div", { class: "problems-pane" }, h("h3", {}, "Problems"), summary, problemsList),
      ),
      helpPanel(datasets),
      slot,
      h("div", { class: "row" }, save, check, runInline),
    ),
    config ? runSection(config) : null,
    config ? await runsOf(config) : null,
  );
  validate().catch((error) => replace(slot, problemBox(error)));
}

function runSection(config) {
  const version = select(
    Array.from({ length: config.version }, (_, index) => config.version - index).map((number) => [String(number), number === config.version ? `${number} (latest)` : String(number)]),
    String(config.version),
  );
  const overrides = h("textarea", { rows: "3", placeholder: '{"rows": {"size": 500}}' });
  overrides.classList.add("short");
  const overridesField = field("Overrides (JSON, optional)", overrides, "per step name, the parameters to replace for this run");
  const keep = h("input", { type: "checkbox" });
  const slot = h("div");
  const start = h("button", { type: "submit", class: "primary" }, "Start a run");
  const form = h(
    "form",
    { novalidate: true },
    field("Version", version),
    overridesField,
    h("label", { class: "check" }, keep, " Keep what the run made if it is aborted"),
    slot,
    start,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    overridesField.setError("");
    let parsed = {};
    if (overrides.value.trim()) {
      try {
        parsed = JSON.parse(overrides.value);
      } catch (error) {
        overridesField.setError(`not valid JSON: ${error.message}`);
        overrides.focus();
        return;
      }
    }
    await act(start, slot, async () => {
      const run = await api.post(RUNS, { config_id: config.id, version: Number(version.value), overrides: parsed, keep_outputs: keep.checked });
      toast("Run started");
      go(`workflows/runs/${run.id}`);
    });
  });
  return section("Run", form);
}

async function runsOf(config) {
  const runs = (await list(RUNS)).filter((run) => run.config_id === config.id);
  return section(
    "Runs of this configuration",
    table(
      `Runs of ${config.name}`,
      ["Run", "Version", "Status", "Cost", "Started"],
      runs.map((run) => [link(shortId(run.id), `#/workflows/runs/${run.id}`), String(run.config_version ?? "—"), statusBadge(run.status), money(run.cost_usd), formatTime(run.created_at)]),
      { empty: "Not run yet: start a run above." },
    ),
  );
}

// -- one run ------------------------------------------------------------------------------

function outputValue(key, value) {
  if (OUTPUT_ROUTES[key] && typeof value === "string") return link(shortId(value), `#/${OUTPUT_ROUTES[key]}/${value}`);
  if (typeof value === "boolean") return value ? "yes" : "no";
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}

function agentCards(steps) {
  if (!steps.length) return h("p", { class: "empty" }, "No steps yet.");
  return h(
    "ol",
    { class: "stage-list agents" },
    steps.map((step) =>
      h(
        "li",
        { dataset: { status: step.status } },
        h("div", { class: "row" }, h("strong", {}, step.name), h("span", { class: "muted" }, step.type), statusBadge(step.status)),
        progressBar(step.progress, `Agent ${step.name}: progress`),
        h(
          "p",
          { class: "muted" },
          step.started_at ? `${formatTime(step.started_at)} → ${step.finished_at ? formatTime(step.finished_at) : "…"}` : "not started",
          ` · ${seconds(step.compute_seconds)} · ${money(step.cost_usd)}`,
        ),
        step.job_id ? h("p", {}, link(`Job ${shortId(step.job_id)}`, `#/jobs/${step.job_id}`)) : null,
        Object.keys(step.outputs || {}).length
          ? h("dl", { class: "details compact" }, Object.entries(step.outputs).flatMap(([key, value]) => [h("dt", {}, key), h("dd", {}, outputValue(key, value))]))
          : null,
      ),
    ),
  );
}

function runControls(run, after) {
  const call = (verb, message) => async (event) => {
    if (verb === "abort" && !confirm(`Abort ${run.name}? The running step is cancelled, and what the run made is removed unless it was started to keep it.`)) return;
    await act(event.currentTarget, null, async () => {
      await api.post(`${RUNS}/${run.id}/${verb}`);
      toast(message);
      await after();
    });
  };
  return h(
    "div",
    { class: "row" },
    ["queued", "running"].includes(run.status) ? button("Pause", call("pause", "Pausing: the running step checkpoints")) : null,
    run.status === "paused" ? button("Resume", call("resume", "Resuming"), "primary") : null,
    ["queued", "running", "pausing", "paused"].includes(run.status) ? button("Abort", call("abort", "Aborting"), "danger") : null,
  );
}

async function optional(promise) {
  try {
    return await promise;
  } catch (error) {
    if (error instanceof ApiError && [404, 409, 422].includes(error.status)) return null;
    throw error;
  }
}

const percent = (value) => (value === null || value === undefined ? "—" : `${(value * 100).toFixed(1)}%`);

function qualitySection(quality, reportId) {
  const pairs = [
    ["Fidelity", percent(quality.fidelity?.score)],
    ["Column shapes", percent(quality.fidelity?.column_shapes)],
    ["Column pair trends", percent(quality.fidelity?.column_pair_trends)],
    ["Validity", percent(quality.validity?.score)],
  ];
  if (quality.utility) pairs.push(["Utility", `${percent(quality.utility.score)}${quality.utility.target ? ` on ${quality.utility.target}` : ""}`]);
  if (quality.privacy) {
    pairs.push(["Closer to train than holdout", `${formatNumber(quality.privacy.closer_to_train_share)} (0.5 is ideal)`]);
    pairs.push(["Exact copies", percent(quality.privacy.exact_copy_rate)]);
    pairs.push(["Membership inference AUC", `${formatNumber(quality.privacy.membership_inference_auc)} (0.5 is ideal)`]);
  }
  return section(
    "Quality",
    definitionList(pairs),
    reportId ? h("p", {}, link("Open the full report with its plots", `#/reports/${reportId}`)) : null,
  );
}

function testSection(checks) {
  const failed = checks.filter((check) => !check.passed).length;
  return section(
    "Test results",
    h("p", { class: failed ? "problem" : "muted" }, failed ? `${failed} of ${checks.length} checks failed.` : `All ${checks.length} checks passed.`),
    table(
      "Checks of the test step",
      ["Check", "Metric", "Measured", "Threshold", "Result"],
      checks.map((check) => [check.name, check.metric, formatNumber(check.measured), check.threshold, h("span", { class: `badge ${check.passed ? "status-succeeded" : "status-failed"}` }, check.passed ? "passed" : "failed")]),
      { empty: "No checks." },
    ),
  );
}

function exportSection(run, refresh) {
  const format = select([["csv", "CSV"], ["json", "JSON"], ["parquet", "Parquet"]], "csv");
  const destination = h("input", { type: "text", maxlength: "300", placeholder: "leave empty to download" });
  const slot = h("div");
  const submit = h("button", { type: "submit", class: "primary" }, "Export");
  const form = h(
    "form",
    { class: "inline-form", novalidate: true },
    field("Format", format),
    field("Storage prefix (optional)", destination, "write to the platform's storage instead of downloading"),
    submit,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    await act(submit, slot, async () => {
      const written = await api.post(`${RUNS}/${run.id}/results/export`, { format: format.value, destination: destination.value.trim() || null });
      if (written.download_url) await download(written.download_url, written.key.split("/").pop());
      toast(written.download_url ? "Exported and downloading" : `Exported to ${written.key}`);
      await refresh();
    });
  });
  const exports = run.results?.exports || [];
  return section(
    "Export the generated rows",
    form,
    slot,
    table(
      "Exports of this run",
      ["File", "Format", "Size", "Download"],
      exports.map((written) => [
        written.key.split("/").pop(),
        written.format,
        formatNumber(written.size_bytes),
        written.download_url
          ? button("Download", (event) => act(event.currentTarget, null, () => download(written.download_url, written.key.split("/").pop())))
          : h("span", { class: "muted" }, written.key),
      ]),
      { empty: "Nothing exported yet." },
    ),
  );
}

function auditSection(events) {
  return section(
    "Audit trail",
    table(
      "Audit trail of this run",
      ["When", "Action", "Outcome", "By", "Details"],
      events.map((event) => [
        formatTime(event.occurred_at),
        event.action,
        event.outcome,
        event.actor_id ? `${event.actor_type} ${shortId(event.actor_id)}` : event.actor_type,
        Object.keys(event.details || {}).length ? h("code", {}, JSON.stringify(event.details)) : "—",
      ]),
      { empty: "No recorded actions." },
    ),
  );
}

async function renderRun(view, id) {
  const refresh = () => renderRun(view, id);
  const run = await api.get(`${RUNS}/${id}`);
  const finished = FINISHED.has(run.status);
  const overview = h("div");
  const agents = h("div");
  const current = h("div");
  let currentJob = null;

  function drawStatus(status) {
    replace(
      overview,
      definitionList([
        ["Status", statusBadge(status.status)],
        ["Progress", progressBar(status.progress, "Run progress")],
        ["Stage", status.current_stage || "—"],
        ["Message", status.message || "—"],
        ["Configuration", run.config_id ? link(`version ${run.config_version}`, `#/workflows/configs/${run.config_id}`) : "inline"],
        ["Cost", money(run.cost_usd)],
        ["Compute", seconds(run.compute_seconds)],
        ["Started", formatTime(run.created_at)],
      ]),
      run.error_message ? h("p", { class: "problem", role: "alert" }, run.error_message) : null,
    );
    replace(agents, agentCards(status.steps));
    // The running agent's own job, live (a training shows its epochs and losses).
    const running = status.steps.find((step) => step.status === "running" && step.job_id);
    if (running && running.job_id !== currentJob) {
      currentJob = running.job_id;
      replace(current, h("div", { class: "run-live" }, jobProgress(running.job_id, { title: `Agent ${running.name} (${running.type})` })));
    } else if (!running && currentJob) {
      currentJob = null;
      replace(current);
    }
  }

  const controls = h("div");
  const drawControls = (status) => replace(controls, runControls({ ...run, status }, refresh));
  replace(
    view,
    h("p", { class: "back" }, link("← Workflows", "#/workflows")),
    h("div", { class: "page-head" }, h("h1", {}, run.name), controls),
    section("Overview", overview),
    finished || !run.job_id ? null : h("div", { class: "run-live" }, jobProgress(run.job_id, { title: "Run progress", onDone: () => setTimeout(refresh, 300) })),
    section("Agents", h("p", { class: "muted" }, "Each step of the run, with its own job."), agents),
    current,
  );
  drawStatus(run);
  drawControls(run.status);

  if (!finished && run.job_id) {
    // workflow_update and the steps' events come on the run's job; the status route has the rest.
    let pending = null;
    const reload = async () => {
      pending = null;
      const status = await api.get(`${RUNS}/${id}/status`);
      drawStatus(status);
      drawControls(status.status);
    };
    track(
      follow(run.job_id, (message) => {
        if (message.type === "snapshot" || pending) return;
        pending = setTimeout(() => reload().catch(() => {}), 600);
      }),
    );
  }

  const outputs = Object.fromEntries(run.steps.flatMap((step) => Object.entries(step.outputs || {}).map(([key, value]) => [`${step.type}.${key}`, value])));
  const reportId = outputs["evaluate.report_id"];
  const hasGenerated = Boolean(outputs["generate.synthetic_dataset_id"]);
  const hasTest = run.steps.some((step) => step.type === "test" && ["succeeded", "failed"].includes(step.status)) || Boolean(run.results?.checks);
  const [quality, samples, checks, audit] = await Promise.all([
    reportId ? optional(api.get(`${RUNS}/${id}/results/quality`)) : null,
    hasGenerated ? optional(api.get(`${RUNS}/${id}/results/samples`, { query: { limit: 20 } })) : null,
    hasTest ? optional(api.get(`${RUNS}/${id}/results/test-results`)) : null,
    api.get(`${RUNS}/${id}/audit`).catch(() => null),
  ]);
  if (quality) view.append(qualitySection(quality, reportId));
  if (checks) view.append(testSection(checks));
  if (samples && samples.columns.length) view.append(section("Sample rows", previewTable(`First generated rows of ${run.name}`, samples)));
  if (hasGenerated && finished) view.append(exportSection(run, refresh));
  if (audit) view.append(auditSection(audit));
}
