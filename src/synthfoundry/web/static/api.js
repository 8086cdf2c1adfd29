// The UI's only door to the server: the public REST API with a bearer token held in memory.
// The refresh token is an HttpOnly cookie the page never sees; refreshes are serialised across
// tabs (each refresh token works once), so two tabs never spend the same one.

const BROWSER = "v1/auth/browser";
const MARKER = { "x-synthfoundry-browser": "1" };
let accessToken = null;
let expiresAt = 0;
let pendingRefresh = null;
const listeners = new Set();

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.status = status;
    this.title = problem.title || `HTTP ${status}`;
    this.errors = problem.errors || [];
    this.problem = problem;
  }

  /** The problem in words: the detail, then each invalid field with its path. */
  describe() {
    const lines = [this.message];
    for (const error of this.errors) {
      const where = Array.isArray(error.loc) ? error.loc.join(".") : error.field || error.path || "";
      lines.push(where ? `${where}: ${error.msg || error.message}` : error.msg || error.message);
    }
    return lines.filter(Boolean).join("\n");
  }
}

export function onSessionChange(listener) {
  listeners.add(listener);
}

function setToken(body) {
  accessToken = body ? body.access_token : null;
  // Refresh a little before expiry so a request never carries a token about to lapse.
  expiresAt = body ? Date.now() + (body.expires_in - 20) * 1000 : 0;
  for (const listener of listeners) listener(Boolean(accessToken));
}

async function problemOf(response) {
  try {
    return await response.json();
  } catch {
    return { title: response.statusText, detail: `HTTP ${response.status}` };
  }
}

async function browserCall(path, init = {}) {
  const response = await fetch(`${BROWSER}/${path}`, {
    method: "POST",
    credentials: "same-origin",
    ...init,
    headers: { ...MARKER, ...(init.headers || {}) },
  });
  if (!response.ok) throw new ApiError(response.status, await problemOf(response));
  return response.status === 204 ? null : response.json();
}

export async function signIn(email, password) {
  const form = new URLSearchParams({ username: email, password });
  setToken(await browserCall("login", { body: form }));
}

async function refreshNow() {
  try {
    setToken(await browserCall("refresh"));
    return true;
  } catch (error) {
    setToken(null);
    if (error instanceof ApiError && error.status === 401) return false;
    throw error;
  }
}

/** Trade the cookie for an access token; false when the browser is not signed in. */
export function refresh() {
  if (!pendingRefresh) {
    const run = navigator.locks
      ? navigator.locks.request("synthfoundry-refresh", () =>
          // Another tab may have refreshed while this one waited for the lock.
          accessToken && Date.now() < expiresAt ? true : refreshNow(),
        )
      : refreshNow();
    pendingRefresh = Promise.resolve(run).finally(() => {
      pendingRefresh = null;
    });
  }
  return pendingRefresh;
}

export async function signOut() {
  try {
    await browserCall("logout");
  } finally {
    setToken(null);
  }
}

export async function firstRun() {
  const response = await fetch(`${BROWSER}/first-run`);
  return response.ok ? response.json() : { needs_first_admin: false };
}

export async function token() {
  if (!accessToken || Date.now() >= expiresAt) await refresh();
  return accessToken;
}

function withQuery(path, query) {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === "") continue;
    for (const item of Array.isArray(value) ? value : [value]) params.append(key, String(item));
  }
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

async function send(method, path, { json, body, query, headers = {} } = {}, retried = false) {
  const bearer = await token();
  const init = { method, headers: { ...headers } };
  if (bearer) init.headers.authorization = `Bearer ${bearer}`;
  if (json !== undefined) {
    init.headers["content-type"] = "application/json";
    init.body = JSON.stringify(json);
  } else if (body !== undefined) {
    init.body = body;
  }
  const response = await fetch(withQuery(path.replace(/^\//, ""), query), init);
  if (response.status === 401 && !retried && (await refresh())) {
    return send(method, path, { json, body, query, headers }, true);
  }
  if (!response.ok) throw new ApiError(response.status, await problemOf(response));
  return response;
}

/** JSON in, JSON out: api.get("v1/datasets", {query: {limit: 50}}) */
export const api = {
  async request(method, path, options) {
    const response = await send(method, path, options);
    if (response.status === 204) return null;
    const type = response.headers.get("content-type") || "";
    return type.includes("json") ? response.json() : response.text();
  },
  get: (path, options) => api.request("GET", path, options),
  post: (path, json, options = {}) => api.request("POST", path, { ...options, json }),
  patch: (path, json, options = {}) => api.request("PATCH", path, { ...options, json }),
  put: (path, json, options = {}) => api.request("PUT", path, { ...options, json }),
  delete: (path, options) => api.request("DELETE", path, options),
  postForm: (path, formData, options = {}) =>
    api.request("POST", path, { ...options, body: formData }),
  raw: send,
};

/** A file from the API as a blob (images, videos, downloads). */
export async function fetchBlob(path, query) {
  const response = await send("GET", path, { query });
  const disposition = response.headers.get("content-disposition") || "";
  const match = /filename="?([^";]+)"?/.exec(disposition);
  return { blob: await response.blob(), filename: match ? match[1] : null };
}

export async function download(path, fallbackName, query) {
  const { blob, filename } = await fetchBlob(path, query);
  const url = URL.createObjectURL(blob);
  const anchor = document.createElement("a");
  anchor.href = url;
  anchor.download = filename || fallbackName;
  document.body.append(anchor);
  anchor.click();
  anchor.remove();
  setTimeout(() => URL.revokeObjectURL(url), 30_000);
}

/** Upload with a progress callback (fetch cannot report upload progress; XHR can). */
export async function upload(path, formData, onProgress) {
  const bearer = await token();
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open("POST", path);
    if (bearer) request.setRequestHeader("authorization", `Bearer ${bearer}`);
    request.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) onProgress(event.loaded / event.total);
    });
    request.addEventListener("load", () => {
      let body = {};
      try {
        body = JSON.parse(request.responseText || "{}");
      } catch {
        body = { detail: request.responseText };
      }
      if (request.status >= 200 && request.status < 300) resolve(body);
      else reject(new ApiError(request.status, body));
    });
    request.addEventListener("error", () =>
      reject(new ApiError(0, { title: "Network error", detail: "the upload did not reach the server" })),
    );
    request.send(formData);
  });
}

/** A list route's items, following `next_cursor` page by page up to `most` items. */
export async function list(path, query = {}, { most = 1000 } = {}) {
  const items = [];
  let cursor;
  do {
    const page = await api.get(path, { query: { limit: 100, ...query, cursor } });
    if (Array.isArray(page)) return page;
    items.push(...(page.items || []));
    cursor = page.next_cursor || undefined;
  } while (cursor && items.length < most);
  return items;
}
