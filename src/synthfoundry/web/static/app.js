// The shell: sign-in, navigation, and a hash router that loads each page's module on demand.

import { ApiError, api, firstRun, onSessionChange, refresh, signIn, signOut } from "./api.js";
import { problemBox, session } from "./common.js";
import { button, field, h, replace } from "./dom.js";
import { dropAll, stopAll } from "./live.js";

const PAGES = [
  { path: "datasets", title: "Datasets", module: "./pages/datasets.js" },
  { path: "generators", title: "Generators", module: "./pages/generators.js" },
  { path: "synthetic", title: "Synthetic data", module: "./pages/synthetic.js" },
  { path: "reports", title: "Reports", module: "./pages/reports.js" },
  { path: "images", title: "Image datasets", module: "./pages/images.js" },
  { path: "videos", title: "Videos", module: "./pages/videos.js" },
  { path: "workflows", title: "Workflows", module: "./pages/workflows.js" },
  { path: "jobs", title: "Jobs", module: "./pages/jobs.js" },
  { path: "account", title: "Account", module: "./pages/account.js" },
  { path: "admin", title: "Admin", module: "./pages/admin.js", admin: true },
];

const main = document.getElementById("main");
// Each render takes a number; an older render that finishes late does not overwrite a newer one.
let renderToken = 0;
const nav = document.getElementById("nav");

function parseHash() {
  const [path, query = ""] = location.hash.replace(/^#\/?/, "").split("?");
  const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
  return { parts, query: new URLSearchParams(query) };
}

function renderNav() {
  const current = parseHash().parts[0] || "datasets";
  const isAdmin = session.user && session.user.is_admin;
  replace(
    nav,
    h(
      "ul",
      {},
      PAGES.filter((page) => !page.admin || isAdmin).map((page) =>
        h(
          "li",
          {},
          h(
            "a",
            { href: `#/${page.path}`, "aria-current": page.path === current ? "page" : undefined },
            page.title,
          ),
        ),
      ),
    ),
  );
  const who = document.getElementById("who");
  if (session.user) {
    replace(who, h("span", {}, session.user.email), " ", button("Sign out", onSignOut, "link"));
  } else {
    replace(who);
  }
}

async function onSignOut() {
  stopAll();
  await signOut().catch(() => {});
  session.user = null;
  renderNav();
  renderSignIn();
}

async function renderSignIn(message = "") {
  document.title = "Sign in · Synthfoundry";
  const mine = ++renderToken;
  const setup = await firstRun().catch(() => ({ needs_first_admin: false }));
  if (mine !== renderToken) return;
  const email = h("input", { type: "email", name: "email", autocomplete: "username", required: true });
  const password = h("input", {
    type: "password",
    name: "password",
    autocomplete: "current-password",
    required: true,
  });
  const problem = h("div", { class: "problem-slot" });
  const form = h(
    "form",
    { class: "card narrow", "aria-labelledby": "signin-title" },
    h("h1", { id: "signin-title" }, "Sign in"),
    message ? h("p", { class: "notice" }, message) : null,
    setup.needs_first_admin
      ? h(
          "div",
          { class: "notice", role: "note" },
          h("strong", {}, "No account exists yet. "),
          "Create the first admin on the server, then sign in here: ",
          h("code", {}, setup.how),
        )
      : null,
    field("E-mail", email),
    field("Password", password),
    problem,
    h("button", { type: "submit", class: "primary" }, "Sign in"),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    replace(problem);
    try {
      await signIn(email.value.trim(), password.value);
      await loadUser();
      route();
    } catch (error) {
      replace(problem, problemBox(error));
    }
  });
  replace(main, form);
  email.focus();
}

async function loadUser() {
  session.user = await api.get("v1/users/me");
  renderNav();
}

async function route() {
  stopAll();
  const { parts, query } = parseHash();
  const page = PAGES.find((candidate) => candidate.path === (parts[0] || "datasets"));
  renderNav();
  nav.classList.remove("open");
  document.getElementById("menu-toggle").setAttribute("aria-expanded", "false");
  if (!session.user) {
    // The sign-in form stays as it is when only the address changes (it keeps what was typed);
    // after signing in, the route asked for is drawn.
    if (!document.getElementById("signin-title")) renderSignIn();
    return;
  }
  if (!page) {
    replace(main, h("h1", {}, "Not found"), h("p", {}, "No page at this address. "), h("a", { href: "#/datasets" }, "Go to datasets"));
    return;
  }
  const mine = ++renderToken;
  document.title = `${page.title} · Synthfoundry`;
  try {
    const module = await import(page.module);
    if (mine !== renderToken) return;
    const view = h("div", { class: "page" });
    replace(main, view);
    await module.render(view, { parts: parts.slice(1), query });
  } catch (error) {
    if (mine !== renderToken) return;
    if (error instanceof ApiError && error.status === 401) {
      session.user = null;
      renderSignIn("Your session has ended; sign in again.");
      return;
    }
    replace(main, h("h1", {}, page.title), problemBox(error));
  }
  if (mine !== renderToken) return;
  // The benchmark (benchmarks/ui.py) reads this mark as "interactive".
  performance.mark("synthfoundry:ready");
  if (document.activeElement === document.body) main.focus({ preventScroll: true });
}

async function start() {
  document.getElementById("menu-toggle").addEventListener("click", (event) => {
    const open = nav.classList.toggle("open");
    event.currentTarget.setAttribute("aria-expanded", String(open));
  });
  onSessionChange((signedIn) => {
    if (!signedIn && session.user) {
      session.user = null;
      renderNav();
    }
  });
  // For the tests and for anyone curious: drop live connections as a flaky network would.
  window.synthfoundry = { dropLiveConnections: dropAll };
  try {
    if (await refresh()) await loadUser();
  } catch {
    session.user = null;
  }
  // Routing starts once the session is known: a route drawn before would be drawn again when
  // it is, wiping what the user typed into the sign-in form meanwhile.
  window.addEventListener("hashchange", route);
  route();
}

start();
