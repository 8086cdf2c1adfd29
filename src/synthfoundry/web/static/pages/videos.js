// Videos: product videos (the form with an image upload, stage-by-stage progress, a player) and
// music videos (concept, character, flavor, music), each with download, retry, cancel, delete.

import { api, download, fetchBlob, list, upload } from "../api.js";
import { act, go, problemBox, toast } from "../common.js";
import {
  button, definitionList, field, formatBytes, formatNumber, formatTime, h, link, progressBar,
  replace, section, select, shortId, statusBadge, table,
} from "../dom.js";
import { follow, track } from "../live.js";
import { TERMINAL, jobProgress } from "../widgets.js";
import { formKit, numberCheck, textCheck } from "../forms.js";

const STYLES = ["modern", "minimal", "bold", "playful", "luxury"];
const RUNNING = new Set(["queued", "processing", "paused"]);
const KINDS = {
  product: { base: "v1/videos", route: "videos", noun: "product video" },
  music: { base: "v1/music-videos", route: "videos/music", noun: "music video" },
};

export async function render(view, { parts, query }) {
  if (parts[0] === "music") {
    if (parts[1] === "new") return renderMusicNew(view);
    if (parts[1]) return renderOne(view, KINDS.music, parts[1]);
    return renderList(view, KINDS.music, query.get("kind") || "");
  }
  if (parts[0] === "new") return renderProductNew(view);
  if (parts[0]) return renderOne(view, KINDS.product, parts[0]);
  return renderList(view, KINDS.product, "");
}

function tabs(current) {
  const tab = (key, text, href) => h("li", {}, h("a", { href, "aria-current": key === current ? "page" : undefined }, text));
  return h("nav", { class: "tabs", "aria-label": "Kinds of video" }, h("ul", {}, tab("product", "Product videos", "#/videos"), tab("music", "Music videos", "#/videos/music")));
}

function numberInput(attrs) {
  return h("input", { type: "number", inputmode: "numeric", ...attrs });
}

async function flavorChoice() {
  const flavors = await api.get("v1/video-flavors").catch(() => ({ flavors: [], default_flavor: "" }));
  const choice = select([
    ["", `default${flavors.default_flavor ? ` (${flavors.default_flavor})` : ""}`],
    ...flavors.flavors.map((flavor) => [flavor.name, `${flavor.name}${flavor.description ? `: ${flavor.description}` : ""}${flavor.builtin ? "" : " (yours)"}`]),
  ], "");
  choice.name = "flavor";
  return choice;
}

// -- lists --------------------------------------------------------------------------------

async function renderList(view, kind, kindFilter) {
  const music = kind === KINDS.music;
  const items = await list(kind.base, music && kindFilter ? { kind: kindFilter } : {});
  const cells = new Map();
  const rows = items.map((video) => {
    let status = statusBadge(video.status);
    if (RUNNING.has(video.status) && video.job_id) {
      const cell = h("span", { class: "list-progress" }, progressBar(video.progress, `${video.title}: progress`));
      cells.set(video.job_id, { cell, title: video.title });
      status = h("div", {}, statusBadge(video.status), cell);
    }
    const row = [link(video.title || shortId(video.id), `#/${kind.route}/${video.id}`)];
    if (music) row.push(video.kind);
    row.push(
      status,
      video.seconds ? `${formatNumber(video.seconds, 1)} s` : "—",
      video.width ? `${video.width}×${video.height}` : "—",
      formatBytes(video.size_bytes),
      `$${formatNumber(video.cost_usd, 4)}`,
      formatTime(video.created_at),
    );
    return row;
  });
  const headers = ["Title", ...(music ? ["Kind"] : []), "Status", "Length", "Resolution", "File size", "Cost", "Created"];
  let filter = null;
  if (music) {
    filter = select([["", "every kind"], ["music", "music videos"], ["clip", "clips"], ["character", "character references"]], kindFilter);
    filter.addEventListener("change", () => {
      location.hash = filter.value ? `#/videos/music?kind=${filter.value}` : "#/videos/music";
    });
  }
  replace(
    view,
    h(
      "div",
      { class: "page-head" },
      h("h1", {}, "Videos"),
      button(music ? "New music video" : "New product video", () => go(music ? "videos/music/new" : "videos/new"), "primary"),
    ),
    tabs(music ? "music" : "product"),
    section(
      music ? "Your music videos" : "Your product videos",
      filter ? field("Show", filter) : null,
      table(music ? "Music videos" : "Product videos", headers, rows, {
        empty: music
          ? kindFilter ? `No ${kindFilter} items yet.` : "No music videos yet: describe a concept and a character, add music if you like, and render one."
          : "No product videos yet: give a product name and a call to action (an image of the product helps), and render one.",
      }),
    ),
  );
  if (!cells.size) return;
  let reload = null;
  track(
    follow(
      null,
      (message) => {
        const entry = cells.get(message.job_id);
        if (!entry || message.type !== "event") return;
        if (message.event === "progress" && typeof message.data?.fraction === "number") {
          replace(entry.cell, progressBar(message.data.fraction, `${entry.title}: progress`));
        } else if (message.event === "status" && TERMINAL.has(message.data?.status) && !reload) {
          reload = setTimeout(() => renderList(view, kind, kindFilter).catch((error) => view.append(problemBox(error))), 500);
        }
      },
      { all: true },
    ),
  );
}

// -- product video form -------------------------------------------------------------------

/** A file input for one image, with a preview of the chosen file. */
function imagePicker() {
  const input = h("input", { type: "file", name: "product_image", accept: "image/jpeg,image/png,image/webp" });
  const preview = h("div", { class: "picked" });
  let url = null;
  input.addEventListener("change", () => {
    if (url) URL.revokeObjectURL(url);
    url = null;
    const file = input.files[0];
    if (!file) {
      replace(preview);
      return;
    }
    url = URL.createObjectURL(file);
    replace(preview, h("img", { src: url, alt: `Chosen image: ${file.name}` }), h("span", { class: "muted" }, `${file.name}, ${formatBytes(file.size)}`));
  });
  track({ stop: () => url && URL.revokeObjectURL(url), drop() {} });
  return { input, preview };
}

async function renderProductNew(view) {
  const kit = formKit();
  const name = h("input", { type: "text", name: "product_name", maxlength: "100", required: true });
  const cta = h("input", { type: "text", name: "cta_text", maxlength: "50", required: true, placeholder: "Order today" });
  const style = select(STYLES, "modern");
  style.name = "style";
  const picker = imagePicker();
  const aspect = select([["", "default (the flavor's, else 16:9)"], ["16:9", "16:9 landscape"], ["9:16", "9:16 portrait"], ["1:1", "1:1 square"]], "");
  aspect.name = "aspect";
  const flavor = await flavorChoice();
  const resolution = numberInput({ name: "resolution", min: "120", max: "2160", placeholder: "1080" });
  const fps = numberInput({ name: "fps", min: "1", max: "60", placeholder: "24" });
  const duration = numberInput({ name: "duration_seconds", min: "1", max: "120", step: "0.5", placeholder: "as long as the voice-over" });
  const seed = numberInput({ name: "seed", min: "0", max: String(2 ** 32 - 1), placeholder: "0" });
  const voice = h("input", { type: "text", name: "voice", maxlength: "64" });
  const scriptProvider = select([["local", "local"], ["openai", "OpenAI"]], "local");
  const voiceProvider = select([["local", "local"], ["openai", "OpenAI"], ["silent", "silent (captions only)"]], "local");
  const videoProvider = select([["local", "local"], ["http", "HTTP video provider"]], "local");
  const status = h("div", { "aria-live": "polite" });
  const problem = h("div");
  const submit = h("button", { type: "submit", class: "primary" }, "Render the video");
  const form = h(
    "form",
    { class: "card", novalidate: true },
    kit.field("product_name", "Product name", name, "1 to 100 characters", textCheck({ min: 1, max: 100, required: true })),
    kit.field("cta_text", "Call to action", cta, "1 to 50 characters, shown at the end", textCheck({ min: 1, max: 50, required: true })),
    kit.field("style", "Style", style),
    kit.field("product_image", "Product image (optional)", picker.input, "JPEG, PNG or WebP, up to 10 MB"),
    picker.preview,
    h(
      "details",
      { class: "more" },
      h("summary", {}, "Format, flavor, voice and providers"),
      h(
        "div",
        { class: "grid-2" },
        kit.field("aspect", "Aspect ratio", aspect),
        kit.field("flavor", "Flavor", flavor, "presets for aspect, size and frame rate"),
        kit.field("resolution", "Resolution (short side, pixels)", resolution, "120 to 2160; default 1080", numberCheck({ min: 120, max: 2160 })),
        kit.field("fps", "Frames per second", fps, "1 to 60; default 24", numberCheck({ min: 1, max: 60 })),
        kit.field("duration_seconds", "Length (seconds)", duration, "1 to 120", numberCheck({ min: 1, max: 120, integer: false })),
        kit.field("seed", "Seed", seed, "the same seed gives the same video", numberCheck({ min: 0, max: 2 ** 32 - 1 })),
        kit.field("voice", "Voice (optional)", voice, "a voice of the voice provider", textCheck({ max: 64 })),
        kit.field("script", "Script provider", scriptProvider),
        kit.field("voice_provider", "Voice provider", voiceProvider),
        kit.field("video", "Video provider", videoProvider),
      ),
    ),
    status,
    problem,
    submit,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!kit.valid()) {
      replace(problem, problemBox(new Error("Some fields are not valid: see the messages above.")));
      return;
    }
    const body = new FormData();
    body.append("product_name", name.value.trim());
    body.append("cta_text", cta.value.trim());
    body.append("style", style.value);
    const optional = { aspect, flavor, resolution, fps, duration_seconds: duration, seed, voice };
    for (const [key, control] of Object.entries(optional)) if (control.value.trim()) body.append(key, control.value.trim());
    const providers = { script: scriptProvider.value, voice: voiceProvider.value, video: videoProvider.value };
    if (Object.values(providers).some((value) => value !== "local")) body.append("providers", JSON.stringify(providers));
    const file = picker.input.files[0];
    if (file) body.append("product_image", file, file.name);
    await act(submit, problem, async () => {
      try {
        const accepted = await upload(KINDS.product.base, body, (fraction) => replace(status, progressBar(fraction, "Sending the request")));
        toast("Rendering started");
        go(`videos/${accepted.id}`);
      } catch (error) {
        replace(status);
        kit.serverErrors(error);
        throw error;
      }
    });
  });
  replace(view, h("p", { class: "back" }, link("← Videos", "#/videos")), h("h1", {}, "New product video"), form);
  name.focus();
}

// -- music video form ---------------------------------------------------------------------

async function renderMusicNew(view) {
  const kit = formKit();
  const concept = h("textarea", { name: "concept", rows: "3", maxlength: "2000", placeholder: "a lonely robot finds a garden on the moon" });
  concept.classList.add("short");
  const character = h("textarea", { name: "character_description", rows: "2", maxlength: "1000", placeholder: "a small silver robot with round blue eyes" });
  character.classList.add("short");
  const scenes = numberInput({ name: "num_scenes", min: "1", max: "50", value: "4" });
  const flavor = await flavorChoice();
  const provider = select([["local", "local"], ["http", "HTTP video provider"]], "local");
  provider.name = "provider";
  const seed = numberInput({ name: "seed", min: "0", max: String(2 ** 32 - 1), placeholder: "0" });
  const audio = h("input", { type: "file", name: "audio", accept: "audio/*,.wav,.mp3,.ogg,.flac,.m4a" });
  const plan = h("div", { "aria-live": "polite" });
  const status = h("div", { "aria-live": "polite" });
  const problem = h("div");
  const submit = h("button", { type: "submit", class: "primary" }, "Render the music video");
  const planButton = button("Plan the scenes first", async (event) => {
    if (!concept.value.trim()) {
      kit.valid();
      return;
    }
    await act(event.currentTarget, plan, async () => {
      const body = { concept_prompt: concept.value.trim(), num_scenes: Number(scenes.value || 4) };
      if (seed.value.trim()) body.seed = Number(seed.value);
      const planned = await api.post("v1/music-videos/scenes", body, { query: { config_flavor: flavor.value || undefined } });
      replace(
        plan,
        table(`Scenes (flavor ${planned.flavor})`, ["#", "Prompt", "Seconds"], planned.scenes.map((scene) => [String(scene.sequence), scene.prompt, formatNumber(scene.duration, 1)]), { empty: "No scenes." }),
      );
    });
  });
  const form = h(
    "form",
    { class: "card", novalidate: true },
    kit.field("concept", "Concept", concept, "what the video is about, 1 to 2000 characters", textCheck({ min: 1, max: 2000, required: true })),
    kit.field("character_description", "Character", character, "who appears in every scene, 1 to 1000 characters", textCheck({ min: 1, max: 1000, required: true })),
    h(
      "div",
      { class: "grid-2" },
      kit.field("num_scenes", "Scenes", scenes, "1 to 50", numberCheck({ min: 1, max: 50, optional: false })),
      kit.field("flavor", "Flavor", flavor, "the look, pacing and models"),
      kit.field("provider", "Clip provider", provider),
      kit.field("seed", "Seed", seed, "", numberCheck({ min: 0, max: 2 ** 32 - 1 })),
    ),
    kit.field("audio", "Music (optional)", audio, "WAV, MP3, Ogg, FLAC or M4A, up to 50 MB; its length sets the scenes'"),
    h("div", { class: "row" }, planButton),
    plan,
    status,
    problem,
    submit,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!kit.valid()) {
      replace(problem, problemBox(new Error("Some fields are not valid: see the messages above.")));
      return;
    }
    const body = new FormData();
    body.append("concept", concept.value.trim());
    body.append("character_description", character.value.trim());
    body.append("num_scenes", scenes.value);
    if (flavor.value) body.append("flavor", flavor.value);
    body.append("provider", provider.value);
    if (seed.value.trim()) body.append("seed", seed.value.trim());
    if (audio.files[0]) body.append("audio", audio.files[0], audio.files[0].name);
    await act(submit, problem, async () => {
      try {
        const accepted = await upload(KINDS.music.base, body, (fraction) => replace(status, progressBar(fraction, "Sending the request")));
        toast("Rendering started");
        go(`videos/music/${accepted.id}`);
      } catch (error) {
        replace(status);
        kit.serverErrors(error);
        throw error;
      }
    });
  });
  replace(view, h("p", { class: "back" }, link("← Music videos", "#/videos/music")), h("h1", {}, "New music video"), form);
  concept.focus();
}

// -- one video ----------------------------------------------------------------------------

function stageList(video) {
  if (!video.stages.length) return h("p", { class: "empty" }, "No stages yet.");
  return h(
    "ol",
    { class: "stage-list" },
    video.stages.map((stage) =>
      h(
        "li",
        {},
        h("div", { class: "row" }, h("strong", {}, stage.name), statusBadge(stage.status), h("span", { class: "muted" }, `$${formatNumber(stage.cost_usd, 4)}`)),
        progressBar(stage.progress, `Stage ${stage.name}: progress`),
        h("p", { class: "muted" }, stage.started_at ? `${formatTime(stage.started_at)} → ${formatTime(stage.completed_at)}` : "not started"),
        stage.error ? h("p", { class: "field-error" }, stage.error) : null,
      ),
    ),
  );
}

/** The finished file: a player for a video, the picture for a character reference. */
async function player(kind, video) {
  const base = `${kind.base}/${video.id}`;
  const holder = h("div", { class: "player" }, h("p", { class: "muted" }, "Loading the video…"));
  const urls = [];
  track({ stop: () => urls.forEach((url) => URL.revokeObjectURL(url)), drop() {} });
  const load = async () => {
    const [file, poster] = await Promise.all([fetchBlob(`${base}/download`), video.kind === "character" ? null : fetchBlob(`${base}/thumbnail`).catch(() => null)]);
    const src = URL.createObjectURL(file.blob);
    urls.push(src);
    if (video.kind === "character") {
      replace(holder, h("img", { src, alt: `Character reference: ${video.title}`, class: "character" }));
      return;
    }
    const attrs = { controls: true, src, preload: "metadata", "aria-label": `Video: ${video.title}` };
    if (poster) {
      attrs.poster = URL.createObjectURL(poster.blob);
      urls.push(attrs.poster);
    }
    if (video.width) Object.assign(attrs, { width: String(video.width), height: String(video.height) });
    replace(holder, h("video", attrs, "Your browser cannot play this video: download it instead."));
  };
  load().catch((error) => replace(holder, problemBox(error)));
  return section(video.kind === "character" ? "Picture" : "Player", holder);
}

function detailsText(details) {
  const script = details && details.script;
  if (!script) return null;
  if (Array.isArray(script) && script.every((part) => part && typeof part === "object")) {
    const keys = [...new Set(script.flatMap((part) => Object.keys(part)))];
    const rows = script.map((part) => keys.map((key) => (part[key] === undefined || part[key] === null ? "—" : typeof part[key] === "object" ? JSON.stringify(part[key]) : String(part[key]))));
    return section("Script", table("Scenes of the script", keys.map((key) => key.replaceAll("_", " ")), rows, { empty: "No script." }));
  }
  const text = typeof script === "string" ? script : JSON.stringify(script, null, 2);
  return section("Script", h("pre", { class: "log", tabindex: "0", "aria-label": "Script" }, text));
}

async function renderOne(view, kind, id) {
  const refresh = () => renderOne(view, kind, id);
  const video = await api.get(`${kind.base}/${id}`);
  const base = `${kind.base}/${id}`;
  const running = RUNNING.has(video.status);
  const after = async (verb, message) => {
    await api.post(`${base}/${verb}`);
    toast(message);
    await refresh();
  };
  const extension = video.kind === "character" ? "png" : "mp4";
  const actionsRow = h(
    "div",
    { class: "row" },
    video.status === "completed"
      ? button("Download", (event) => act(event.currentTarget, null, () => download(`${base}/download`, `${video.title || "video"}.${extension}`)), "primary")
      : null,
    ["failed", "cancelled"].includes(video.status)
      ? button("Retry", (event) => act(event.currentTarget, null, () => after("retry", "Running again from the last finished stage")), "primary")
      : null,
    running
      ? button("Cancel rendering", async (event) => {
          if (!confirm("Cancel the rendering? The finished stages stay for a retry.")) return;
          await act(event.currentTarget, null, () => after("cancel", "Cancelling"));
        }, "danger")
      : null,
    !running
      ? button("Delete", async (event) => {
          if (!confirm(`Delete ${video.title || "this video"} and its files?`)) return;
          await act(event.currentTarget, null, async () => {
            await api.delete(base);
            toast("Deleted");
            go(kind.route);
          });
        }, "danger")
      : null,
  );
  const request = video.request || {};
  const facts = [
    ["Status", statusBadge(video.status)],
    ["Kind", video.kind],
    video.product_name ? ["Product", video.product_name] : null,
    video.style ? ["Style", video.style] : null,
    video.cta_text ? ["Call to action", video.cta_text] : null,
    request.concept ? ["Concept", request.concept] : null,
    request.character_description ? ["Character", request.character_description] : null,
    request.flavor ? ["Flavor", request.flavor] : null,
    ["Size", video.width ? `${video.width}×${video.height}` : "—"],
    ["Length", video.seconds ? `${formatNumber(video.seconds, 1)} s` : "—"],
    ["File", formatBytes(video.size_bytes)],
    ["Cost", `$${formatNumber(video.cost_usd, 4)}`],
    ["Created", formatTime(video.created_at)],
    ["Id", shortId(video.id)],
  ].filter(Boolean);
  replace(
    view,
    h("p", { class: "back" }, link(kind === KINDS.music ? "← Music videos" : "← Videos", `#/${kind.route}`)),
    h("div", { class: "page-head" }, h("h1", {}, video.title || `Video ${shortId(video.id)}`), actionsRow),
    section("Details", definitionList(facts), video.error_message ? h("p", { class: "problem", role: "alert" }, video.error_message) : null),
  );
  if (running && video.job_id) {
    view.append(jobProgress(video.job_id, { title: "Rendering", onDone: refresh }));
  }
  // While it renders the live view above shows the stages; the table gives their times and costs.
  if (!running) view.append(section("Stages", stageList(video)));
  if (video.status === "completed") view.append(await player(kind, video));
  const script = detailsText(video.details);
  if (script) view.append(script);
  if (video.details && Object.keys(video.details).length) {
    view.append(
      h(
        "details",
        { class: "more card" },
        h("summary", {}, "Technical details"),
        h("pre", { class: "log", tabindex: "0", "aria-label": "Technical details" }, JSON.stringify({ request: video.request, details: video.details }, null, 2)),
      ),
    );
  }
}
