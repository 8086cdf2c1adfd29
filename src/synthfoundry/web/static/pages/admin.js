// Administration: users (create, disable and enable, promote and demote, delete), the audit log
// with filters and export, and the workers and queues, refreshed while the page is open.

import { api, download } from "../api.js";
import { act, problemBox, session, toast } from "../common.js";
import {
  button, definitionList, formatBytes, formatNumber, formatTime, h, link, replace, section,
  select, shortId, statusBadge, table,
} from "../dom.js";
import { track } from "../live.js";
import { formKit, textCheck } from "../forms.js";

const REFRESH_SECONDS = 5;
const MIN_PASSWORD = 10;
const AUDIT_FILTERS = ["action", "actor_id", "target_type", "target_id", "since", "until", "workflow_id"];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function render(view, { parts, query }) {
  if (!session.user || !session.user.is_admin) {
    replace(
      view,
      h("h1", {}, "Admin"),
      h(
        "div",
        { class: "notice", role: "note" },
        h("strong", {}, "Admins only. "),
        "This page manages users, the audit log and the workers; your account is not an administrator's. Ask an administrator if you need a change. ",
        link("Go to your account", "#/account"),
      ),
    );
    return;
  }
  const tab = parts[0] || "users";
  replace(view, h("h1", {}, "Admin"), tabs(tab));
  const body = h("div");
  view.append(body);
  if (tab === "audit") return renderAudit(body, query);
  if (tab === "monitoring") return renderMonitoring(body);
  return renderUsers(body);
}

function tabs(current) {
  const tab = (key, text) => h("li", {}, h("a", { href: `#/admin/${key}`, "aria-current": key === current ? "page" : undefined }, text));
  return h("nav", { class: "tabs", "aria-label": "Administration" }, h("ul", {}, tab("users", "Users"), tab("audit", "Audit log"), tab("monitoring", "Monitoring")));
}

function wide(element) {
  element.classList.add("wide");
  return element;
}

/** Every page of a cursor-paginated list (users are few; this stops at `cap`). */
async function everything(path, query = {}, cap = 2000) {
  const items = [];
  let cursor;
  do {
    const page = await api.get(path, { query: { limit: 100, ...query, cursor } });
    items.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor && items.length < cap);
  return items;
}

// -- users --------------------------------------------------------------------------------

async function renderUsers(body) {
  const holder = h("div");
  replace(body, section("Users", holder), createUserSection(() => loadUsers(holder)));
  await loadUsers(holder);
}

async function loadUsers(holder) {
  const users = await everything("v1/users");
  const me = session.user.id;
  // Each row's buttons say whose they are (the visible text first, as screen readers expect).
  const named = (element, user) => {
    element.setAttribute("aria-label", `${element.textContent}: ${user.email}`);
    return element;
  };
  const change = (user, patch, message) => async (event) => {
    await act(event.currentTarget, null, async () => {
      await api.patch(`v1/users/${user.id}`, patch);
      toast(message);
      await loadUsers(holder);
    });
  };
  replace(
    holder,
    wide(
      table(
        "User list",
        ["Name", "E-mail", "Role", "State", "Created", "Last sign-in", "Actions"],
        users.map((user) => [
          user.id === me ? h("span", {}, user.name, h("span", { class: "muted" }, " (you)")) : user.name,
          user.email,
          user.is_admin ? h("span", { class: "badge role-admin" }, "admin") : "user",
          user.is_active ? h("span", { class: "badge status-succeeded" }, "active") : h("span", { class: "badge status-cancelled" }, "disabled"),
          formatTime(user.created_at),
          user.last_login_at ? formatTime(user.last_login_at) : "never",
          h(
            "div",
            { class: "row" },
            user.id === me
              ? h("span", { class: "muted" }, "change yourself on the Account page")
              : [
                  named(
                    user.is_active
                      ? button("Disable", change(user, { is_active: false }, `Disabled ${user.email}: their sessions ended`))
                      : button("Enable", change(user, { is_active: true }, `Enabled ${user.email}`)),
                    user,
                  ),
                  named(
                    user.is_admin
                      ? button("Remove admin", change(user, { is_admin: false }, `${user.email} is no longer an admin`))
                      : button("Make admin", change(user, { is_admin: true }, `${user.email} is now an admin`)),
                    user,
                  ),
                  named(button("Delete", async (event) => {
                    if (!confirm(`Delete ${user.email} with their API keys and sessions?`)) return;
                    await act(event.currentTarget, null, async () => {
                      await api.delete(`v1/users/${user.id}`);
                      toast(`Deleted ${user.email}`);
                      await loadUsers(holder);
                    });
                  }, "danger"), user),
                ],
            named(link("Activity", `#/admin/audit?actor_id=${user.id}`), user),
          ),
        ]),
        { empty: "No users." },
      ),
    ),
  );
}

function createUserSection(after) {
  const kit = formKit();
  const email = h("input", { type: "email", name: "email", autocomplete: "off", maxlength: "320" });
  const name = h("input", { type: "text", name: "name", autocomplete: "off", maxlength: "200" });
  const password = h("input", { type: "password", name: "password", autocomplete: "new-password" });
  const admin = h("input", { type: "checkbox", name: "is_admin" });
  const slot = h("div");
  const create = h("button", { type: "submit", class: "primary" }, "Create user");
  const form = h(
    "form",
    { novalidate: true },
    h(
      "div",
      { class: "grid-2" },
      kit.field("email", "E-mail", email, "", (input) => (/^[^@\s]{1,64}@[^@\s]{1,255}$/.test(input.value.trim()) ? "" : "an e-mail address")),
      kit.field("name", "Name", name, "", textCheck({ min: 1, max: 200, required: true })),
      kit.field("password", "Password", password, `at least ${MIN_PASSWORD} characters; tell it to them safely`, (input) => (input.value.length >= MIN_PASSWORD ? "" : `at least ${MIN_PASSWORD} characters`)),
    ),
    h("label", { class: "check" }, admin, h("span", {}, "Administrator (manages users, sees every user's resources and the audit log)")),
    slot,
    create,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!kit.valid()) return;
    await act(create, slot, async () => {
      let user;
      try {
        user = await api.post("v1/users", { email: email.value.trim(), name: name.value.trim(), password: password.value, is_admin: admin.checked });
      } catch (error) {
        kit.serverErrors(error);
        throw error;
      }
      toast(`Created ${user.email}`);
      form.reset();
      await after();
    });
  });
  return section("Create a user", form);
}

// -- audit log ----------------------------------------------------------------------------

/** The API's filters from the page's query: datetime-local values become RFC 3339. */
function auditQuery(query) {
  const out = {};
  for (const key of AUDIT_FILTERS) {
    const value = (query.get(key) || "").trim();
    if (!value) continue;
    if (key === "since" || key === "until") {
      const date = new Date(value);
      if (!Number.isNaN(date.getTime())) out[key] = date.toISOString();
    } else out[key] = value;
  }
  return out;
}

async function renderAudit(body, query) {
  const users = await everything("v1/users").catch(() => []);
  const emailOf = new Map(users.map((user) => [user.id, user.email]));
  const kit = formKit();
  const input = (name, attrs = {}) => h("input", { type: "text", name, value: query.get(name) || "", ...attrs });
  const action = input("action", { maxlength: "64", list: "audit-actions", placeholder: "users.update" });
  const actor = select([["", "anyone"], ...users.map((user) => [user.id, user.email])], query.get("actor_id") || "");
  actor.name = "actor_id";
  const targetType = input("target_type", { maxlength: "64", list: "audit-target-types", placeholder: "workflow" });
  const targetId = input("target_id", { maxlength: "64" });
  const since = h("input", { type: "datetime-local", name: "since", value: query.get("since") || "" });
  const until = h("input", { type: "datetime-local", name: "until", value: query.get("until") || "" });
  const workflow = input("workflow_id", { maxlength: "36", placeholder: "a run's id" });
  const actions = h("datalist", { id: "audit-actions" });
  const targetTypes = h("datalist", { id: "audit-target-types" });
  const apply = h("button", { type: "submit", class: "primary" }, "Apply filters");
  const uuidCheck = (control) => (!control.value.trim() || UUID.test(control.value.trim()) ? "" : "an id such as 0192…-…");
  const form = h(
    "form",
    { class: "card", novalidate: true, "aria-label": "Audit log filters" },
    h("h2", {}, "Filters"),
    h(
      "div",
      { class: "filter-grid" },
      kit.field("action", "Action", action, "e.g. users.update, workflow.start"),
      kit.field("actor_id", "Actor", actor),
      kit.field("target_type", "Target type", targetType),
      kit.field("target_id", "Target id", targetId),
      kit.field("since", "From (inclusive)", since, "your local time"),
      kit.field("until", "Until (exclusive)", until, "your local time", () => (since.value && until.value && until.value <= since.value ? "after the start" : "")),
      kit.field("workflow_id", "Workflow run", workflow, "its events and its configuration's", uuidCheck),
    ),
    actions,
    targetTypes,
    h("div", { class: "row" }, apply, link("Clear filters", "#/admin/audit")),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (!kit.valid()) return;
    const params = new URLSearchParams();
    for (const control of [action, actor, targetType, targetId, since, until, workflow]) {
      if (control.value.trim()) params.set(control.name, control.value.trim());
    }
    const text = params.toString();
    location.hash = text ? `#/admin/audit?${text}` : "#/admin/audit";
  });

  const filters = auditQuery(query);
  const exportSlot = h("div");
  const exporter = (format, name) => (event) => act(event.currentTarget, exportSlot, () => download("v1/audit-events/export", name, { ...filters, format }));
  const results = h("div");
  const more = h("div", { class: "row" });
  const problem = h("div");
  const rows = [];
  const seenActions = new Set();
  const seenTypes = new Set();
  let cursor;

  const row = (event) => [
    formatTime(event.occurred_at),
    h("code", {}, event.action),
    h("span", { class: `badge ${event.outcome === "success" ? "status-succeeded" : "status-failed"}` }, event.outcome),
    event.actor_id ? emailOf.get(event.actor_id) || `${event.actor_type} ${shortId(event.actor_id)}` : event.actor_type,
    event.target_type || event.target_id ? `${event.target_type || ""} ${event.target_id ? shortId(event.target_id) : ""}`.trim() : "—",
    event.client_ip || "—",
    Object.keys(event.details || {}).length ? h("code", { class: "audit-details" }, JSON.stringify(event.details)) : "—",
  ];
  async function load() {
    const page = await api.get("v1/audit-events", { query: { ...filters, limit: 50, cursor } });
    cursor = page.next_cursor;
    for (const event of page.items) {
      rows.push(row(event));
      seenActions.add(event.action);
      if (event.target_type) seenTypes.add(event.target_type);
    }
    replace(actions, [...seenActions].sort().map((value) => h("option", { value })));
    replace(targetTypes, [...seenTypes].sort().map((value) => h("option", { value })));
    const filtered = Object.keys(filters).length > 0;
    replace(
      results,
      h("p", { class: "muted", role: "status" }, `${formatNumber(rows.length)} event${rows.length === 1 ? "" : "s"} shown${cursor ? "; more below" : ""}.`),
      wide(
        table("Audit events", ["When", "Action", "Outcome", "Actor", "Target", "IP", "Details"], rows, {
          empty: filtered ? "No event matches these filters: widen the time range or clear a filter." : "No events recorded yet.",
        }),
      ),
    );
    replace(more, cursor ? button("Show more events", (event) => act(event.currentTarget, problem, load)) : null);
  }
  await load();
  replace(
    body,
    form,
    section(
      "Events",
      h(
        "div",
        { class: "row export-row" },
        h("span", {}, "Export every matching event:"),
        button("Download CSV", exporter("csv", "audit-events.csv")),
        button("Download JSON Lines", exporter("jsonl", "audit-events.jsonl")),
      ),
      exportSlot,
      results,
      more,
      problem,
    ),
  );
}

// -- monitoring ---------------------------------------------------------------------------

function countsTable(caption, counts, empty) {
  const entries = Object.entries(counts || {});
  return table(caption, ["Status", "Jobs"], entries.map(([status, count]) => [statusBadge(status), formatNumber(count)]), { empty });
}

function percentOf(used, total) {
  return used !== null && used !== undefined && total ? ` (${Math.round((used / total) * 100)}%)` : "";
}

function metricsView(metrics) {
  const { jobs, queues, throughput, workers, connections, host } = metrics;
  const tiles = h(
    "div",
    { class: "tiles" },
    [
      ["Jobs", formatNumber(jobs.total)],
      ["Queued", formatNumber(Object.values(queues).reduce((sum, queue) => sum + queue.queued, 0))],
      ["Running", formatNumber(Object.values(queues).reduce((sum, queue) => sum + queue.running, 0))],
      ["Workers alive", formatNumber(workers.alive)],
      ["Workers stale", formatNumber(workers.stale)],
      ["Succeeded / min", formatNumber(throughput.succeeded_per_minute, 2)],
    ].map(([label, value]) => h("div", { class: "tile" }, h("span", { class: "tile-value" }, value), h("span", { class: "tile-label" }, label))),
  );
  return [
    tiles,
    h(
      "div",
      { class: "grid-2" },
      section(
        "Queues",
        table("Queue depths", ["Queue", "Waiting", "Running"], Object.entries(queues).map(([name, queue]) => [name, formatNumber(queue.queued), formatNumber(queue.running)]), {
          empty: "No queues configured.",
        }),
      ),
      section(
        "Throughput",
        table(
          "Jobs finished per window",
          ["Last", "Finished", "Succeeded", "Failed", "Cancelled"],
          throughput.windows.map((window) => [`${window.minutes} min`, formatNumber(window.finished), formatNumber(window.succeeded), formatNumber(window.failed), formatNumber(window.cancelled)]),
          { empty: "No jobs finished yet." },
        ),
      ),
      section("Jobs by status", countsTable("Job counts by status", Object.fromEntries(Object.entries(jobs.by_status).filter(([, count]) => count > 0)), "No jobs yet.")),
      section(
        "Jobs by kind",
        table(
          "Job counts by kind",
          ["Kind", "Total", "By status"],
          Object.entries(jobs.by_kind).map(([kind, counts]) => [kind, formatNumber(counts.total), Object.entries(counts.by_status).map(([status, count]) => `${status}: ${count}`).join(", ")]),
          { empty: "No jobs yet." },
        ),
      ),
      section(
        `Host ${host.hostname}`,
        definitionList([
          ["CPUs", host.cpu.count === null ? "—" : formatNumber(host.cpu.count)],
          ["CPU busy", host.cpu.percent === null ? "—" : `${formatNumber(host.cpu.percent, 1)}%`],
          ["Load (1, 5, 15 min)", host.cpu.load_average ? host.cpu.load_average.map((value) => value.toFixed(2)).join(", ") : "—"],
          ["Memory used", `${formatBytes(host.memory.used_bytes)} of ${formatBytes(host.memory.total_bytes)}${percentOf(host.memory.used_bytes, host.memory.total_bytes)}`],
          ["API process memory", formatBytes(host.memory.process_rss_bytes)],
        ]),
        host.gpus.length
          ? table(
              "GPUs",
              ["GPU", "Name", "Memory used", "Busy", "API process holds"],
              host.gpus.map((gpu) => [
                String(gpu.index),
                gpu.name || "—",
                `${formatBytes(gpu.memory_used_bytes)} of ${formatBytes(gpu.memory_total_bytes)}`,
                gpu.utilization_percent === null ? "—" : `${formatNumber(gpu.utilization_percent, 0)}%`,
                `${formatBytes(gpu.process_allocated_bytes)} (reserved ${formatBytes(gpu.process_reserved_bytes)})`,
              ]),
            )
          : h("p", { class: "muted" }, "No GPU in use by the API process."),
      ),
      section(
        "Live connections",
        definitionList([
          ["WebSockets", formatNumber(connections.websockets)],
          ["Event streams", formatNumber(connections.event_streams)],
          ["Jobs watched", formatNumber(connections.watched_jobs)],
          ["Job readers", formatNumber(connections.job_readers)],
          ["Owner readers", formatNumber(connections.owner_readers)],
        ]),
      ),
    ),
  ];
}

function workersView(workers) {
  return section(
    "Workers",
    h("p", { class: "muted" }, `Workers heard from in the last hour; one silent for over ${formatNumber(workers.stale_after_seconds, 0)} s is stale.`),
    wide(
      table(
        "Worker list",
        ["Worker", "Host", "Process", "Backend", "Queues", "Jobs at once", "Started", "Last heartbeat", "Running jobs"],
        workers.items.map((worker) => [
          h("code", {}, worker.id),
          worker.host,
          String(worker.pid),
          worker.backend,
          worker.queues.join(", "),
          formatNumber(worker.concurrency),
          formatTime(worker.started_at),
          h("span", {}, formatTime(worker.heartbeat_at), " ", worker.stale ? h("span", { class: "badge status-failed" }, "stale") : h("span", { class: "badge status-succeeded" }, "alive")),
          worker.running_jobs.length
            ? h(
                "ul",
                { class: "plain" },
                worker.running_jobs.map((job) => h("li", {}, link(`${job.kind} ${shortId(job.id)}`, `#/jobs/${job.id}`), ` (${job.queue}, ${job.status})`)),
              )
            : "idle",
        ]),
        { empty: "No worker has been heard from in the last hour: start one (synthfoundry worker) or check the local backend's settings." },
      ),
    ),
  );
}

async function renderMonitoring(body) {
  const content = h("div");
  const updated = h("span", { class: "muted" });
  const problem = h("div");
  let timer = null;
  let stopped = false;
  let paused = false;
  let busy = false;

  async function refresh() {
    if (busy) return;
    busy = true;
    try {
      const [metrics, workers] = await Promise.all([api.get("v1/monitoring/metrics"), api.get("v1/monitoring/workers")]);
      if (stopped) return;
      replace(content, metricsView(metrics), workersView(workers));
      updated.textContent = `Updated ${new Date().toLocaleTimeString()}${paused ? " · paused" : ` · every ${REFRESH_SECONDS} s`}`;
      replace(problem);
    } catch (error) {
      if (!stopped) replace(problem, problemBox(error));
    } finally {
      busy = false;
      schedule();
    }
  }
  function schedule() {
    clearTimeout(timer);
    if (!stopped && !paused) timer = setTimeout(refresh, REFRESH_SECONDS * 1000);
  }
  // The router's stopAll() ends the refreshing when the page changes.
  track({
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
    drop() {},
  });
  const pause = h("button", { type: "button", "aria-pressed": "false" }, "Pause updates");
  pause.addEventListener("click", () => {
    paused = !paused;
    pause.setAttribute("aria-pressed", String(paused));
    pause.textContent = paused ? "Resume updates" : "Pause updates";
    if (paused) {
      clearTimeout(timer);
      updated.textContent = `${updated.textContent.split(" · ")[0]} · paused`;
    } else refresh();
  });
  const now = button("Refresh now", (event) => act(event.currentTarget, problem, refresh));
  replace(body, h("div", { class: "row monitor-controls" }, pause, now, updated), problem, content);
  await refresh();
}
