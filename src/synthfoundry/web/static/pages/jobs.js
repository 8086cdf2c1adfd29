import { api, list } from "../api.js";
import { act } from "../common.js";
import {
  formatTime, h, link, progressBar, replace, section, select, shortId, statusBadge, table,
} from "../dom.js";
import { follow, track } from "../live.js";
import { actions, jobProgress } from "../widgets.js";

const STATUSES = ["", "queued", "running", "pausing", "paused", "cancelling", "succeeded", "failed", "cancelled"];

export async function render(view, { parts, query }) {
  if (parts[0]) return renderOne(view, parts[0]);
  return renderList(view, query.get("status") || "");
}

async function renderList(view, status) {
  const filter = select(STATUSES.map((value) => [value, value || "any status"]), status);
  filter.id = "job-status-filter";
  filter.addEventListener("change", () => {
    location.hash = filter.value ? `#/jobs?status=${filter.value}` : "#/jobs";
  });
  const body = h("div");
  const load = async () => {
    const jobs = await list("v1/jobs", { status: status || undefined });
    replace(
      body,
      table(
        "Jobs",
        ["Job", "Kind", "Status", "Progress", "Created", "Actions"],
        jobs.map((job) => [
          link(shortId(job.id), `#/jobs/${job.id}`),
          job.kind,
          statusBadge(job.status),
          progressBar(job.progress?.fraction || 0, `Job ${shortId(job.id)} progress`),
          formatTime(job.created_at),
          actions(job, load),
        ]),
        { empty: status ? `No ${status} jobs.` : "No jobs yet: training, generation and reports run as jobs." },
      ),
    );
  };
  await load();
  // Any change to any of the user's jobs refreshes the list (at most once a second).
  let pending = null;
  track(
    follow(null, () => {
      if (pending) return;
      pending = setTimeout(() => {
        pending = null;
        load().catch(() => {});
      }, 1000);
    }, { all: true }),
  );
  replace(
    view,
    h("h1", {}, "Jobs"),
    section("Filter", h("div", { class: "field" }, h("label", { for: "job-status-filter" }, "Status"), filter)),
    section("Jobs", body),
  );
}

async function renderOne(view, id) {
  const job = await api.get(`v1/jobs/${id}`);
  const logs = h("pre", { class: "log", tabindex: "0", "aria-label": "Job log" });
  const loadLogs = async () => {
    const events = await api.get(`v1/jobs/${id}/logs`);
    logs.textContent = events.length ? events.map((event) => `${event.at || ""} ${event.data?.level || ""} ${event.data?.message || ""}`).join("\n") : "No log lines.";
  };
  const refreshLogs = h("button", { type: "button" }, "Refresh log");
  refreshLogs.addEventListener("click", () => act(refreshLogs, null, loadLogs));
  replace(
    view,
    h("h1", {}, `Job ${shortId(job.id)} · ${job.kind}`),
    jobProgress(id, { title: "Progress", onDone: loadLogs }),
    job.result ? section("Result", h("pre", { class: "log" }, JSON.stringify(job.result, null, 2))) : null,
    section("Log", refreshLogs, logs),
  );
  await loadLogs();
}
