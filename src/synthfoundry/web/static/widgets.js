// Widgets several pages share: a job's live progress, action buttons for a job.

import { api } from "./api.js";
import { act } from "./common.js";
import { button, h, progressBar, replace, statusBadge } from "./dom.js";
import { lineChart } from "./charts.js";
import { follow, track } from "./live.js";

export const TERMINAL = new Set(["succeeded", "failed", "cancelled"]);

function formatEta(seconds) {
  if (seconds === null || seconds === undefined) return "estimating…";
  if (seconds < 60) return `about ${Math.max(1, Math.round(seconds))} s left`;
  return `about ${Math.round(seconds / 60)} min left`;
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
      TERMINAL.has(job.status) ? null : h("p", { class: "muted eta" }, formatEta(progress.eta_seconds)),
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
        const epochLosses = data.losses || (data.metrics && data.metrics.losses);
        if (epochLosses && typeof epochLosses === "object") losses.push(epochLosses);
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
