// What every page shares: the signed-in user, messages, problems, navigation.

import { ApiError } from "./api.js";
import { h } from "./dom.js";

export const session = { user: null };

export function toast(text, kind = "info") {
  const box = document.getElementById("toasts");
  const item = h("div", { class: `toast toast-${kind}` }, text);
  box.append(item);
  setTimeout(() => item.remove(), kind === "error" ? 10_000 : 5_000);
}

/** A problem from the API as a visible message (problem+json detail and field errors). */
export function problemBox(error) {
  const text = error instanceof ApiError ? error.describe() : String(error.message || error);
  return h(
    "div",
    { class: "problem", role: "alert" },
    h("strong", {}, error instanceof ApiError ? error.title : "Something went wrong"),
    h("pre", {}, text),
  );
}

export function go(path) {
  location.hash = `#/${path}`;
}

/** Run an action from a button: disabled while it runs, a problem shown where asked. */
export async function act(button, slot, action) {
  button.disabled = true;
  if (slot) slot.replaceChildren();
  try {
    return await action();
  } catch (error) {
    if (slot) slot.replaceChildren(problemBox(error));
    else toast(error instanceof ApiError ? error.describe() : String(error), "error");
    return undefined;
  } finally {
    button.disabled = false;
  }
}
