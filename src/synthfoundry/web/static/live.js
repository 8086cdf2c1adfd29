// Live job events over the API's WebSocket. A dropped connection reconnects with backoff and
// resumes after the last event it saw (`after_seq`), so nothing is missed; the page says so.

import { token } from "./api.js";

const connection = () => document.getElementById("connection");

function socketUrl(path) {
  const url = new URL(path, document.baseURI);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  return url.toString();
}

function announce(text, state) {
  const el = connection();
  if (!el) return;
  el.textContent = text;
  el.dataset.state = state;
}

/**
 * Follow one job: `onMessage` gets the snapshot and every event in order. Returns `stop()`.
 * With `all: true` it follows every job of the signed-in user instead.
 */
export function follow(jobId, onMessage, { all = false } = {}) {
  const path = all ? "v1/jobs/events" : `v1/jobs/${jobId}/events`;
  let socket = null;
  let lastSeq = null;
  let stopped = false;
  let attempt = 0;
  let timer = null;
  let dropped = false;

  async function open() {
    if (stopped) return;
    const bearer = await token().catch(() => null);
    if (!bearer || stopped) return;
    socket = new WebSocket(socketUrl(path));
    socket.addEventListener("open", () => {
      const hello = { type: "auth", token: bearer };
      if (lastSeq !== null && !all) hello.after_seq = lastSeq;
      socket.send(JSON.stringify(hello));
    });
    socket.addEventListener("message", (event) => {
      const message = JSON.parse(event.data);
      if (attempt > 0 || dropped) {
        announce(dropped ? "Live again: caught up with what happened while offline" : "", "live");
        dropped = false;
      }
      attempt = 0;
      if (message.type === "pong") return;
      if (typeof message.seq === "number") lastSeq = Math.max(lastSeq ?? -1, message.seq);
      onMessage(message);
    });
    socket.addEventListener("close", (event) => {
      socket = null;
      if (stopped) return;
      // 1000: the server ended a finished job's stream; nothing more will come.
      if (event.code === 1000 && !all) return;
      if (event.code === 1008) {
        announce("Live updates refused: sign in again", "offline");
        return;
      }
      dropped = true;
      attempt += 1;
      const delay = Math.min(10_000, 500 * 2 ** Math.min(attempt, 5));
      announce(`Connection lost: reconnecting in ${Math.round(delay / 1000)} s`, "offline");
      timer = setTimeout(open, delay);
    });
  }

  open();
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
      if (socket) socket.close(1000);
    },
    /** For tests and for the "reconnect" button: drop the socket as a network would. */
    drop() {
      if (socket) socket.close(4000, "dropped");
    },
  };
}

// Pages register their live followers here so leaving a page stops them.
const active = new Set();
export function track(follower) {
  active.add(follower);
  return follower;
}
export function stopAll() {
  for (const follower of active) follower.stop();
  active.clear();
}
export function dropAll() {
  for (const follower of active) follower.drop();
}
