// Widgets several pages share: a job's live progress, action buttons for a job.

import { api } from "./api.js";
import { act } from "./common.js";
import { button, h, progressBar, replace, statusBadge } from "./dom.js";
import { lineChart } from "./charts.js";
import { follow, track } from "./live.js";

export const TERMINAL = new Set(["succeeded", "failed", "cancelled"]);

function duration(seconds) {
  return seconds < 90 ? `${Math.max(1, Math.round(seconds))} s` : `${Math.round(seconds / 60)} min`;
}

/** The server's estimate with its range: absent until a few steps are timed. */
function formatEta(progress) {
  const seconds = progress.eta_seconds;
  if (seconds === null || seconds === undefined) return "Time left: estimating…";
  const low = progress.eta_low_seconds;
  const high = progress.eta_high_seconds;
  const range = low != null && high != null && high > low ? ` (${duration(low)} to ${duration(high)})` : "";
  return `Time left: about ${duration(seconds)}${range}`;
}

/** Losses a model reports in its epoch message: "generator 0.6931, critic -0.0123". */
function lossesIn(message) {
  const found = {};
  for (const [, name, value] of String(message || "").matchAll(/([A-Za-z_]+) (-?\d+(?:\.\d+)?(?:e-?\d+)?)/g)) {
    found[name] = Number(value);
  }
  return Object.keys(found).length ? found : null;
}

function lossSeries(points) {
  const names = [...new Set(points.flatMap((point) => Object.keys(point)))];
  return names.map((name) => ({ name, values: points.map((point) => point[name]).filter((value) => value !== undefined) }));
}

/**
 * A job's progress, live: status, stages, overall bar, ETA, message and, for models that report
 * them, losses per epoch. `onDone(job)` runs once when the job ends.
 */
export function jobProgress(jobId, { onDone, title = "Progress" } = {}) {
  const box = h("section", { class: "card job-progress", "aria-live": "polite", "aria-label": title });
  let job = null;
  let ended = false;
  const losses = [];
  let lastEpoch = null;

  function draw() {
    if (!job) {
      replace(box, h("h2", {}, title), h("p", { class: "muted" }, "Connecting…"));
      return;
    }
    const progress = job.progress || {};
    const stages = h(
      "ol",
      { class: "stages", "aria-label": "Stages" },
      (job.stages || []).map((stage) => h("li", { dataset: { status: stage.status } }, `${stage.name}: `, statusBadge(stage.status))),
    );
    const unitLine =
      progress.total && progress.unit
        ? `${progress.stage || ""} ${progress.completed ?? 0} / ${progress.total} ${progress.unit}`
        : progress.stage || "";
    replace(
      box,
      h("h2", {}, title),
      h("p", { class: "row" }, "Status: ", statusBadge(job.status), h("span", { class: "job-step" }, unitLine)),
      progressBar(progress.fraction || (job.status === "succeeded" ? 1 : 0), `${title}: overall progress`),
      TERMINAL.has(job.status) ? null : h("p", { class: "muted eta" }, formatEta(progress)),
      progress.message ? h("p", { class: "muted" }, progress.message) : null,
      job.error ? h("p", { class: "problem", role: "alert" }, `${job.error.code || "error"}: ${job.error.message}`) : null,
      stages,
      losses.length > 1 ? lineChart("Training losses", lossSeries(losses)) : null,
      actions(job, refresh),
    );
  }

  async function refresh() {
    job = await api.get(`v1/jobs/${jobId}`);
    draw();
  }

  function apply(message) {
    if (message.type === "snapshot") {
      job = message.job;
    } else if (message.type === "event" && job) {
      const data = message.data || {};
      if (message.event === "progress") {
        job.progress = { ...job.progress, ...data };
        const epochLosses = data.unit === "epochs" ? lossesIn(data.message) : null;
        if (epochLosses && data.completed !== lastEpoch) {
          lastEpoch = data.completed;
          losses.push(epochLosses);
        }
      } else if (message.event === "stage") {
        job.stages = (job.stages || []).map((stage) => (stage.name === data.stage ? { ...stage, status: data.status } : stage));
      } else if (message.event === "status") {
        job.status = data.status;
        if (data.error) job.error = data.error;
      }
    }
    draw();
    if (job && TERMINAL.has(job.status) && !ended) {
      ended = true;
      refresh().then(() => onDone && onDone(job));
    }
  }

  draw();
  track(follow(jobId, apply));
  return box;
}

/** Cancel, pause and resume buttons fitting a job's status. */
export function actions(job, after) {
  const slot = h("div", { class: "row job-actions" });
  const call = (verb) => async (event) => {
    await act(event.currentTarget, null, async () => {
      await api.post(`v1/jobs/${job.id}/${verb}`);
      await after();
    });
  };
  if (["queued", "running", "pausing", "paused"].includes(job.status)) slot.append(button("Cancel", call("cancel"), "danger"));
  if (["queued", "running"].includes(job.status)) slot.append(button("Pause", call("pause")));
  if (job.status === "paused") slot.append(button("Resume", call("resume")));
  return slot;
}
