// The signed-in user: their name and password, and their API keys (created with scopes, the
// secret shown once; revoked).

import { api, list, signOut } from "../api.js";
import { act, problemBox, session, toast } from "../common.js";
import { button, definitionList, formatTime, h, replace, section, table } from "../dom.js";
import { formKit, textCheck } from "../forms.js";

// The API has no route that lists scopes: these are synthfoundry/accounts/scopes.py's
// (RESOURCES, each with :read and :write, and admin), as OpenAPI's security scheme lists them.
const RESOURCES = [
  ["datasets", "datasets"],
  ["generators", "generators"],
  ["synthetic-datasets", "synthetic datasets"],
  ["reports", "reports"],
  ["image-datasets", "image datasets"],
  ["videos", "videos"],
  ["jobs", "jobs"],
  ["workflows", "workflows"],
  ["api-keys", "API keys"],
  ["users", "users"],
];
const MIN_PASSWORD = 10;

export async function render(view) {
  const me = await api.get("v1/users/me");
  session.user = { ...session.user, ...me };
  const keys = h("div");
  replace(view, h("h1", {}, "Account"), profileSection(me), passwordSection(), keysSection(me, keys));
  await loadKeys(keys);
}

// -- profile ------------------------------------------------------------------------------

function profileSection(me) {
  const facts = h("div");
  const drawFacts = (user) =>
    replace(
      facts,
      definitionList([
        ["Name", user.name],
        ["E-mail", user.email],
        ["Role", user.is_admin ? "administrator" : "user"],
        ["Account created", formatTime(user.created_at)],
        ["Last sign-in", formatTime(user.last_login_at)],
      ]),
    );
  drawFacts(me);
  const kit = formKit();
  const name = h("input", { type: "text", name: "name", maxlength: "200", autocomplete: "name", value: me.name });
  const slot = h("div");
  const save = h("button", { type: "submit" }, "Change name");
  const form = h("form", { class: "inline-form", novalidate: true }, kit.field("name", "Name", name, "", textCheck({ min: 1, max: 200, required: true })), save);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!kit.valid()) return;
    await act(save, slot, async () => {
      try {
        const user = await api.patch("v1/users/me", { name: name.value.trim() });
        session.user = { ...session.user, ...user };
        drawFacts(user);
        toast("Name changed");
      } catch (error) {
        kit.serverErrors(error);
        throw error;
      }
    });
  });
  return section("You", facts, h("h3", {}, "Your name"), form, slot);
}

function passwordSection() {
  const kit = formKit();
  const current = h("input", { type: "password", name: "current_password", autocomplete: "current-password" });
  const next = h("input", { type: "password", name: "new_password", autocomplete: "new-password", minlength: String(MIN_PASSWORD) });
  const again = h("input", { type: "password", name: "again", autocomplete: "new-password" });
  const slot = h("div");
  const save = h("button", { type: "submit" }, "Change password");
  const form = h(
    "form",
    { novalidate: true },
    h("p", { class: "muted" }, "Changing your password signs you out everywhere, this browser included."),
    kit.field("current_password", "Current password", current, "", (input) => (input.value ? "" : "required")),
    kit.field("new_password", "New password", next, `at least ${MIN_PASSWORD} characters`, (input) => (input.value.length >= MIN_PASSWORD ? "" : `at least ${MIN_PASSWORD} characters`)),
    kit.field("again", "New password again", again, "", (input) => (input.value === next.value ? "" : "the two new passwords differ")),
    slot,
    save,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!kit.valid()) return;
    await act(save, slot, async () => {
      try {
        await api.patch("v1/users/me", { current_password: current.value, new_password: next.value });
      } catch (error) {
        kit.serverErrors(error);
        throw error;
      }
      toast("Password changed: sign in with the new one");
      await signOut().catch(() => {});
      setTimeout(() => location.reload(), 1200);
    });
  });
  return section("Password", form);
}

// -- API keys -----------------------------------------------------------------------------

/** A table that scrolls sideways on a narrow screen rather than squeezing its columns. */
function wide(element) {
  element.classList.add("wide");
  return element;
}

function revokeButton(key, onclick) {
  const element = button("Revoke", onclick, "danger");
  element.setAttribute("aria-label", `Revoke: ${key.name}`);
  return element;
}

function keyState(key) {
  if (key.revoked_at) return "revoked";
  if (key.expires_at && new Date(key.expires_at) <= new Date()) return "expired";
  return "active";
}

async function loadKeys(holder) {
  const keys = await list("v1/api-keys");
  replace(
    holder,
    wide(table(
      "Your API keys",
      ["Name", "Key id", "Scopes", "Created", "Expires", "Last used", "State", "Actions"],
      keys.map((key) => {
        const state = keyState(key);
        return [
          key.name,
          h("code", {}, key.key_id),
          key.scopes.length > 3
            ? h("details", { class: "scopes" }, h("summary", {}, `${key.scopes.length} scopes`), key.scopes.join(", "))
            : h("span", { class: "scopes" }, key.scopes.join(", ")),
          formatTime(key.created_at),
          key.expires_at ? formatTime(key.expires_at) : "never",
          key.last_used_at ? formatTime(key.last_used_at) : "never",
          h("span", { class: `badge ${state === "active" ? "status-succeeded" : "status-cancelled"}` }, state),
          state === "revoked"
            ? ""
            : revokeButton(key, async (event) => {
                if (!confirm(`Revoke the API key ${key.name}? It stops working at once.`)) return;
                await act(event.currentTarget, null, async () => {
                  await api.delete(`v1/api-keys/${key.id}`);
                  toast(`Revoked ${key.name}`);
                  await loadKeys(holder);
                });
              }),
        ];
      }),
      { empty: "No API keys yet: create one below to use the API, the Python client or the command line." },
    )),
  );
}

function secretBox(created, onClose) {
  const value = h("input", { type: "text", readonly: true, class: "secret", value: created.secret, "aria-label": `Secret of ${created.name}`, spellcheck: "false" });
  const copied = h("span", { class: "muted", role: "status", "aria-live": "polite" });
  const copy = button("Copy", async () => {
    try {
      await navigator.clipboard.writeText(created.secret);
      copied.textContent = "Copied.";
    } catch {
      value.focus();
      value.select();
      copied.textContent = "Selected: press Ctrl+C (⌘C) to copy.";
    }
  }, "primary");
  const box = h(
    "div",
    { class: "secret-box", role: "alert", tabindex: "-1" },
    h("h3", {}, `The secret of ${created.name}`),
    h("p", {}, h("strong", {}, "Copy it now: it will not be shown again. "), "Anyone who has it can act with the key's scopes; keep it out of code and chats."),
    h("div", { class: "row secret-row" }, value, copy, copied),
    h("p", { class: "muted" }, "Use it as a bearer token: Authorization: Bearer <secret>."),
    button("I have copied it", () => {
      box.remove();
      onClose();
    }),
  );
  return box;
}

/** A row per resource with its read and write boxes (and admin, for admins). */
function scopePicker(isAdmin) {
  const boxes = [];
  const box = (scope, label) => {
    const input = h("input", { type: "checkbox", value: scope, "aria-label": label });
    boxes.push(input);
    return input;
  };
  const rows = RESOURCES.map(([resource, words]) =>
    h("tr", {}, h("th", { scope: "row" }, words), h("td", {}, box(`${resource}:read`, `Read ${words}`)), h("td", {}, box(`${resource}:write`, `Create, change and delete ${words}`))),
  );
  const admin = isAdmin ? box("admin", "Administer: every user's resources, users and the audit log") : null;
  const element = h(
    "fieldset",
    { class: "checks" },
    h("legend", {}, "Scopes"),
    h("p", { class: "hint" }, "Read lets the key see a resource; write lets it create, change and delete it (and implies read). A key never holds more than you do."),
    h(
      "div",
      { class: "table-wrap" },
      h(
        "table",
        { class: "scope-table" },
        h("caption", { class: "visually-hidden" }, "Scopes of the new key"),
        h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Resource"), h("th", { scope: "col" }, "Read"), h("th", { scope: "col" }, "Write"))),
        h("tbody", {}, rows),
      ),
    ),
    admin ? h("label", { class: "check" }, admin, h("span", {}, "admin ", h("span", { class: "muted" }, "(every user's resources, users and the audit log)"))) : null,
  );
  return { element, boxes, values: () => boxes.filter((input) => input.checked).map((input) => input.value) };
}

function keysSection(me, holder) {
  const scopes = scopePicker(me.is_admin);
  const setAll = (predicate) => () => {
    for (const box of scopes.boxes) box.checked = predicate(box.value);
  };
  const kit = formKit();
  const name = h("input", { type: "text", name: "name", maxlength: "200", placeholder: "laptop, CI, notebook…" });
  const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
  const expires = h("input", { type: "date", name: "expires_at", min: tomorrow });
  const secretSlot = h("div");
  const slot = h("div");
  const create = h("button", { type: "submit", class: "primary" }, "Create key");
  const form = h(
    "form",
    { novalidate: true },
    kit.field("name", "Key name", name, "to tell your keys apart", textCheck({ min: 1, max: 200, required: true })),
    scopes.element,
    h(
      "div",
      { class: "row scope-shortcuts" },
      button("Read everything", setAll((scope) => scope.endsWith(":read"))),
      button("Everything", setAll((scope) => scope !== "admin")),
      button("Clear", setAll(() => false)),
    ),
    kit.field("expires_at", "Expires on (optional)", expires, "the key stops working at the end of that day; empty: never", (input) => (input.value && input.value < tomorrow ? "a day after today" : "")),
    slot,
    create,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!kit.valid()) return;
    const chosen = scopes.values();
    if (!chosen.length) {
      replace(slot, problemBox(new Error("Choose at least one scope.")));
      return;
    }
    await act(create, slot, async () => {
      const body = { name: name.value.trim(), scopes: chosen };
      if (expires.value) body.expires_at = new Date(`${expires.value}T23:59:59`).toISOString();
      let created;
      try {
        created = await api.post("v1/api-keys", body);
      } catch (error) {
        kit.serverErrors(error);
        throw error;
      }
      const box = secretBox(created, () => create.focus());
      replace(secretSlot, box);
      box.focus();
      form.reset();
      await loadKeys(holder);
    });
  });
  return section(
    "API keys",
    h("p", { class: "muted" }, "Keys let scripts, the Python client and the command line act for you, limited to the scopes you choose."),
    holder,
    secretSlot,
    h("h3", {}, "Create a key"),
    form,
  );
}

