// Image datasets: generate with a text-to-image model, collect from search providers and URL
// lists, or upload an ImageFolder ZIP; a gallery by label with lazy-loaded images; download.

import { ApiError, api, download, fetchBlob, list, upload } from "../api.js";
import { act, go, problemBox, toast } from "../common.js";
import {
  button, definitionList, field, formatBytes, formatNumber, formatTime, h, link, progressBar,
  replace, section, select, shortId, statusBadge, table,
} from "../dom.js";
import { follow, track } from "../live.js";
import { TERMINAL, jobProgress } from "../widgets.js";
import { checkboxes, formKit, numberCheck, textCheck } from "../forms.js";

const BASE = "v1/image-datasets";
const FORMATS = ["jpeg", "png", "webp", "gif", "bmp", "tiff"];
const LICENSES = [
  ["cc0", "CC0 (public domain dedication)"],
  ["pdm", "Public domain mark"],
  ["by", "CC BY"],
  ["by-sa", "CC BY-SA"],
  ["by-nc", "CC BY-NC"],
  ["by-nd", "CC BY-ND"],
  ["by-nc-sa", "CC BY-NC-SA"],
  ["by-nc-nd", "CC BY-NC-ND"],
  ["unknown", "Unknown license"],
];
const OPERATIONS = ["flip", "crop", "rotate", "color", "noise"];
const PAGE_OF_IMAGES = 24;
const PARALLEL_IMAGE_LOADS = 4;

export async function render(view, { parts }) {
  if (parts[0] === "generate") return renderGenerate(view);
  if (parts[0] === "collect") return renderCollect(view);
  if (parts[0] === "upload") return renderUpload(view);
  if (parts[0]) return renderOne(view, parts[0]);
  return renderList(view);
}

function numberInput(attrs = {}) {
  return h("input", { type: "number", inputmode: attrs.step && attrs.step !== "1" ? "decimal" : "numeric", ...attrs });
}

function textInput(attrs = {}) {
  return h("input", { type: "text", ...attrs });
}

function lines(text) {
  return text.split("\n").map((line) => line.trim()).filter(Boolean);
}

function setNumber(body, key, input) {
  if (input.value.trim() !== "") body[key] = Number(input.value);
}

// -- list ---------------------------------------------------------------------------------

async function renderList(view) {
  const [items, stats] = await Promise.all([list(BASE), api.get(`${BASE}/stats`).catch(() => null)]);
  const progressCells = new Map();
  const jobs = await Promise.all(
    items.filter((item) => item.status === "generating" && item.job_id).map((item) => api.get(`v1/jobs/${item.job_id}`).catch(() => null)),
  );
  const jobById = new Map(jobs.filter(Boolean).map((job) => [job.id, job]));
  const rows = items.map((item) => {
    let statusCell = statusBadge(item.status);
    if (item.status === "generating" && item.job_id) {
      const job = jobById.get(item.job_id);
      const cell = h("span", { class: "list-progress" }, progressBar(job?.progress?.fraction || 0, `${item.name}: progress`));
      progressCells.set(item.job_id, { cell, name: item.name });
      statusCell = h("div", {}, statusBadge(item.status), cell);
    }
    return [
      link(item.name, `#/images/${item.id}`),
      item.source,
      statusCell,
      labelSummary(item.labels),
      formatNumber(item.file_count),
      formatBytes(item.size_bytes),
      formatTime(item.created_at),
    ];
  });
  replace(
    view,
    h(
      "div",
      { class: "page-head" },
      h("h1", {}, "Image datasets"),
      h(
        "div",
        { class: "row" },
        button("Generate images", () => go("images/generate"), "primary"),
        button("Collect from the web", () => go("images/collect")),
        button("Upload a ZIP", () => go("images/upload")),
      ),
    ),
    stats && stats.datasets ? statsSection(stats) : null,
    section(
      "Your image datasets",
      table("Image datasets", ["Name", "Source", "Status", "Labels", "Images", "Size", "Created"], rows, {
        empty: "No image datasets yet: generate images from labels, collect them from the web, or upload a ZIP of labelled folders.",
      }),
    ),
  );
  if (!progressCells.size) return;
  // Progress of the datasets being made moves in place; one that ends reloads the list.
  let reload = null;
  track(
    follow(
      null,
      (message) => {
        const entry = progressCells.get(message.job_id);
        if (!entry || message.type !== "event") return;
        if (message.event === "progress" && typeof message.data?.fraction === "number") {
          replace(entry.cell, progressBar(message.data.fraction, `${entry.name}: progress`));
        } else if (message.event === "status" && TERMINAL.has(message.data?.status) && !reload) {
          reload = setTimeout(() => renderList(view).catch((error) => view.append(problemBox(error))), 500);
        }
      },
      { all: true },
    ),
  );
}

function labelSummary(labels) {
  if (!labels || !labels.length) return "—";
  const shown = labels.slice(0, 4).join(", ");
  return labels.length > 4 ? `${shown} and ${labels.length - 4} more` : shown;
}

function reasons(counts) {
  const entries = Object.entries(counts || {});
  return entries.length ? entries.map(([reason, count]) => `${reason}: ${count}`).join(", ") : "none";
}

function statsSection(stats) {
  return section(
    "Summary",
    definitionList([
      ["Datasets", `${formatNumber(stats.datasets)} (${reasons(stats.by_status)})`],
      ["Images", formatNumber(stats.images)],
      ["Size", formatBytes(stats.bytes)],
      ["Duplicates removed", formatNumber(stats.duplicates_removed)],
      ["Invalid downloads", reasons(stats.invalid_by_reason)],
      ["Refused downloads", reasons(stats.refused_by_reason)],
    ]),
  );
}

// -- generate -----------------------------------------------------------------------------

async function renderGenerate(view) {
  const kit = formKit();
  const labels = h("textarea", { rows: "4", name: "labels", placeholder: "cat\ndog\nhorse" });
  labels.classList.add("short");
  const labelsCheck = () => {
    const names = lines(labels.value);
    if (!names.length) return "give at least one label";
    if (names.length > 100) return "at most 100 labels";
    if (names.some((name) => name.length > 200)) return "each label at most 200 characters";
    if (new Set(names).size !== names.length) return "a label is given twice";
    return "";
  };
  const perLabel = numberInput({ name: "images_per_label", min: "1", max: "10000", value: "4" });
  const template = textInput({ name: "prompt_template", value: "a photo of {label}", maxlength: "1000" });
  const templateCheck = (input) => {
    if (!input.value.includes("{label}")) return 'must contain "{label}"';
    if (/[{}]/.test(input.value.replaceAll("{label}", ""))) return 'no braces other than "{label}"';
    return input.value.length > 1000 ? "at most 1000 characters" : "";
  };
  const negative = textInput({ name: "negative_prompt", maxlength: "1000" });
  const noise = numberInput({ name: "noise_level", min: "0", max: "1", step: "0.01", value: "0" });
  const seed = numberInput({ name: "seed", min: "0", max: String(2 ** 32 - 1), placeholder: "0" });
  const width = numberInput({ name: "width", min: "64", max: "2048", step: "8", placeholder: "model default" });
  const height = numberInput({ name: "height", min: "64", max: "2048", step: "8", placeholder: "model default" });
  const steps = numberInput({ name: "steps", min: "1", max: "200", placeholder: "model default" });
  const guidance = numberInput({ name: "guidance_scale", min: "0", max: "50", step: "0.5", placeholder: "model default" });
  const model = textInput({ name: "model", maxlength: "500", placeholder: "stabilityai/sdxl-turbo" });
  const device = select([["auto", "automatic"], ["cpu", "CPU"], ["cuda", "GPU (CUDA)"]], "auto");
  device.name = "device";
  const batch = numberInput({ name: "batch_size", min: "1", max: "64", placeholder: "by device" });
  const name = textInput({ name: "name", maxlength: "200" });
  const description = h("textarea", { name: "description", rows: "2", maxlength: "10000" });
  description.classList.add("short");
  const size = { min: 64, max: 2048, multipleOf: 8 };
  const problem = h("div");
  const submit = h("button", { type: "submit", class: "primary" }, "Generate");
  const form = h(
    "form",
    { class: "card", novalidate: true },
    kit.field("labels", "Class labels", labels, "one label per line; each becomes a folder of images", labelsCheck),
    h(
      "div",
      { class: "grid-2" },
      kit.field("images_per_label", "Images per label", perLabel, "1 to 10,000", numberCheck({ min: 1, max: 10000, optional: false })),
      kit.field("noise_level", "Noise level", noise, "Gaussian pixel noise added after generation, 0 (none) to 1", numberCheck({ min: 0, max: 1, integer: false, optional: false })),
    ),
    kit.field("prompt_template", "Prompt template", template, '"{label}" stands for each label', templateCheck),
    kit.field("negative_prompt", "Negative prompt (optional)", negative, "what the images should not show", textCheck({ max: 1000 })),
    kit.field("model", "Model (optional)", model, "a Hugging Face hub id (owner/name) or a diffusers model folder on the workers; empty: stabilityai/sdxl-turbo", textCheck({ max: 500 })),
    h(
      "details",
      { class: "more" },
      h("summary", {}, "Size, steps, seed and device"),
      h(
        "div",
        { class: "grid-2" },
        kit.field("width", "Width (pixels)", width, "a multiple of 8 from 64 to 2048", numberCheck(size)),
        kit.field("height", "Height (pixels)", height, "a multiple of 8 from 64 to 2048", numberCheck(size)),
        kit.field("steps", "Inference steps", steps, "1 to 200", numberCheck({ min: 1, max: 200 })),
        kit.field("guidance_scale", "Guidance scale", guidance, "0 to 50", numberCheck({ min: 0, max: 50, integer: false })),
        kit.field("seed", "Seed", seed, "the same seed gives the same images", numberCheck({ min: 0, max: 2 ** 32 - 1 })),
        kit.field("batch_size", "Batch size", batch, "images at once, 1 to 64", numberCheck({ min: 1, max: 64 })),
        kit.field("device", "Device", device),
      ),
    ),
    kit.field("name", "Name (optional)", name, "", textCheck({ max: 200 })),
    kit.field("description", "Description (optional)", description, "", textCheck({ max: 10000 })),
    problem,
    submit,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!kit.valid()) {
      replace(problem, problemBox(new Error("Some fields are not valid: see the messages above.")));
      return;
    }
    await act(submit, problem, async () => {
      const body = {
        labels: lines(labels.value),
        images_per_label: Number(perLabel.value),
        prompt_template: template.value,
        noise_level: Number(noise.value || 0),
        device: device.value,
      };
      if (negative.value.trim()) body.negative_prompt = negative.value.trim();
      if (model.value.trim()) body.model = model.value.trim();
      if (name.value.trim()) body.name = name.value.trim();
      if (description.value.trim()) body.description = description.value.trim();
      setNumber(body, "seed", seed);
      setNumber(body, "width", width);
      setNumber(body, "height", height);
      setNumber(body, "steps", steps);
      setNumber(body, "guidance_scale", guidance);
      setNumber(body, "batch_size", batch);
      try {
        const job = await api.post(BASE, body);
        toast("Generation started");
        go(`images/${job.target_id}`);
      } catch (error) {
        kit.serverErrors(error);
        throw error;
      }
    });
  });
  replace(view, backLink(), h("h1", {}, "Generate an image dataset"), form);
  labels.focus();
}

function backLink() {
  return h("p", { class: "back" }, link("← Image datasets", "#/images"));
}

// -- collect ------------------------------------------------------------------------------

/** "label" or "label, term, term" per line: a keyword, or the label's search terms. */
function parseQueries(text) {
  return lines(text).map((line) => {
    const terms = line.split(",").map((term) => term.trim()).filter(Boolean);
    return terms.length > 1 ? terms : terms[0] || line;
  });
}

/** "https://..." (the first label's) or "label https://..." per line. */
function parseUrls(text, labelNames) {
  const byLabel = {};
  let labelled = false;
  for (const line of lines(text)) {
    const match = /^(.+?)\s+(https?:\/\/\S+)$/.exec(line);
    const [label, url] = match ? [match[1].trim(), match[2]] : [labelNames[0], line];
    if (match) labelled = true;
    (byLabel[label] ||= []).push(url);
  }
  if (!labelled) return byLabel[labelNames[0]] || [];
  return byLabel;
}

async function renderCollect(view) {
  const providers = await api.get(`${BASE}/providers`);
  const kit = formKit();
  const queries = h("textarea", { rows: "4", name: "labels", placeholder: "tabby cat\ngolden retriever, retriever dog" });
  queries.classList.add("short");
  const queriesCheck = () => {
    const names = parseQueries(queries.value).map((label) => (Array.isArray(label) ? label[0] : label));
    if (!names.length) return "give at least one label";
    if (names.length > 100) return "at most 100 labels";
    if (names.some((label) => label.length > 200)) return "each label at most 200 characters";
    if (new Set(names).size !== names.length) return "a label is given twice";
    return "";
  };
  const perLabel = numberInput({ name: "images_per_label", min: "1", max: "10000", value: "20" });
  const searchable = providers.filter((provider) => provider.name !== "urls");
  const defaults = ["openverse", "wikimedia"];
  const providerBoxes = checkboxes(
    "Search providers",
    searchable.map((provider) => [provider.name, provider.name, !provider.available, provider.available ? "" : provider.reason || "unavailable"]),
    defaults,
    searchable.length ? "" : "No search provider is configured on this server: give URLs below.",
  );
  const urls = h("textarea", { rows: "3", name: "urls", placeholder: "https://example.org/cat.jpg\ngolden retriever https://example.org/dog.png" });
  urls.classList.add("short");
  const urlsCheck = () => {
    const bad = lines(urls.value).find((line) => !/(^|\s)https?:\/\/\S+$/.test(line));
    return bad ? `not a URL: ${bad.slice(0, 60)}` : "";
  };
  const minWidth = numberInput({ name: "min_width", min: "1", max: "10000", value: "64" });
  const minHeight = numberInput({ name: "min_height", min: "1", max: "10000", value: "64" });
  const megapixels = numberInput({ name: "max_megapixels", min: "0.01", max: "200", step: "0.1", value: "40" });
  const formats = checkboxes("Allowed formats", FORMATS.map((format) => [format, format.toUpperCase()]), FORMATS);
  const licenses = checkboxes("Licenses", LICENSES, [], "none checked: any license; every image keeps its license and attribution");
  const dedupe = numberInput({ name: "dedupe_threshold", min: "0", max: "32", value: "8" });
  const topUp = select([["", "no: keep what was found"], ["generate", "generate images (text-to-image model)"], ["augment", "augment the images found"]], "");
  topUp.name = "top_up_with";
  const model = textInput({ name: "model", maxlength: "500", placeholder: "stabilityai/sdxl-turbo" });
  const name = textInput({ name: "name", maxlength: "200" });
  const description = h("textarea", { name: "description", rows: "2", maxlength: "10000" });
  description.classList.add("short");
  const problem = h("div");
  const submit = h("button", { type: "submit", class: "primary" }, "Collect");
  const form = h(
    "form",
    { class: "card", novalidate: true },
    kit.field("labels", "Labels and search terms", queries, 'one label per line; to search with several terms, separate them with commas ("golden retriever, retriever dog"): the first names the label', queriesCheck),
    kit.field("images_per_label", "Images per label", perLabel, "1 to 10,000", numberCheck({ min: 1, max: 10000, optional: false })),
    providerBoxes.element,
    kit.field("urls", "Image URLs (optional)", urls, "one per line; put a label before a URL to file it under that label, otherwise it goes to the first label", urlsCheck),
    h(
      "details",
      { class: "more" },
      h("summary", {}, "Sizes, formats, licenses and duplicates"),
      h(
        "div",
        { class: "grid-2" },
        kit.field("min_width", "Minimum width (pixels)", minWidth, "", numberCheck({ min: 1, max: 10000, optional: false })),
        kit.field("min_height", "Minimum height (pixels)", minHeight, "", numberCheck({ min: 1, max: 10000, optional: false })),
        kit.field("max_megapixels", "Largest size (megapixels)", megapixels, "up to 200", numberCheck({ min: 0.000001, max: 200, integer: false, optional: false })),
        kit.field("dedupe_threshold", "Duplicate threshold", dedupe, "perceptual-hash bits apart still counted as one image, 0 to 32", numberCheck({ min: 0, max: 32, optional: false })),
      ),
      formats.element,
      licenses.element,
      kit.field("top_up_with", "Fill labels that found too few images", topUp),
      kit.field("model", "Model for topping up (optional)", model, "a Hugging Face hub id or a diffusers model folder on the workers", textCheck({ max: 500 })),
    ),
    kit.field("name", "Name (optional)", name, "", textCheck({ max: 200 })),
    kit.field("description", "Description (optional)", description, "", textCheck({ max: 10000 })),
    problem,
    submit,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!kit.valid()) {
      replace(problem, problemBox(new Error("Some fields are not valid: see the messages above.")));
      return;
    }
    const labels = parseQueries(queries.value);
    const labelNames = labels.map((label) => (Array.isArray(label) ? label[0] : label));
    const body = {
      labels,
      images_per_label: Number(perLabel.value),
      providers: providerBoxes.values(),
      urls: parseUrls(urls.value, labelNames),
      min_width: Number(minWidth.value),
      min_height: Number(minHeight.value),
      max_megapixels: Number(megapixels.value),
      allowed_formats: formats.values(),
      dedupe_threshold: Number(dedupe.value),
    };
    if (!body.providers.length && !lines(urls.value).length) {
      replace(problem, problemBox(new Error("Choose a search provider or give URLs.")));
      return;
    }
    if (!body.allowed_formats.length) {
      replace(problem, problemBox(new Error("Allow at least one image format.")));
      return;
    }
    if (licenses.values().length) body.licenses = licenses.values();
    if (topUp.value) body.top_up_with = topUp.value;
    if (model.value.trim()) body.model = model.value.trim();
    if (name.value.trim()) body.name = name.value.trim();
    if (description.value.trim()) body.description = description.value.trim();
    await act(submit, problem, async () => {
      try {
        const job = await api.post(`${BASE}/collect`, body);
        toast("Collection started");
        go(`images/${job.target_id}`);
      } catch (error) {
        kit.serverErrors(error);
        throw error;
      }
    });
  });
  replace(view, backLink(), h("h1", {}, "Collect an image dataset"), form);
  queries.focus();
}

// -- upload -------------------------------------------------------------------------------

async function renderUpload(view) {
  const input = h("input", { type: "file", accept: ".zip,application/zip" });
  const name = textInput({ name: "name", maxlength: "200" });
  const description = h("textarea", { name: "description", rows: "2", maxlength: "10000" });
  description.classList.add("short");
  const status = h("div", { class: "upload-status", "aria-live": "polite" });
  const zone = h(
    "div",
    { class: "dropzone" },
    h("p", {}, "Drop a ZIP here, or choose one. Inside: one folder per label, the images in it (label/image.png)."),
    field("ZIP file", input, "the upload starts as soon as a file is chosen"),
    status,
  );
  async function send(file) {
    const form = new FormData();
    form.append("file", file, file.name);
    if (name.value.trim()) form.append("name", name.value.trim());
    if (description.value.trim()) form.append("description", description.value.trim());
    replace(status, progressBar(0, `Uploading ${file.name}`));
    try {
      const dataset = await upload(`${BASE}/upload`, form, (fraction) => replace(status, progressBar(fraction, `Uploading ${file.name}`)));
      replace(status, h("p", {}, `Uploaded ${dataset.name}.`));
      toast(`Uploaded ${dataset.name}`);
      go(`images/${dataset.id}`);
    } catch (error) {
      replace(status, problemBox(error));
    }
  }
  input.addEventListener("change", () => input.files[0] && send(input.files[0]));
  zone.addEventListener("dragover", (event) => {
    event.preventDefault();
    zone.classList.add("over");
  });
  zone.addEventListener("dragleave", () => zone.classList.remove("over"));
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    zone.classList.remove("over");
    const file = event.dataTransfer.files[0];
    if (file) send(file);
  });
  replace(
    view,
    backLink(),
    h("h1", {}, "Upload an image dataset"),
    h("div", { class: "card" }, field("Name (optional)", name), field("Description (optional)", description), zone),
  );
}

// -- one dataset --------------------------------------------------------------------------

function flatPairs(object) {
  return Object.entries(object || {}).map(([key, value]) => [
    key.replaceAll("_", " "),
    value !== null && typeof value === "object"
      ? Object.entries(value).map(([inner, count]) => `${inner}: ${typeof count === "object" && count !== null ? JSON.stringify(count) : count}`).join(", ") || "none"
      : typeof value === "number" ? formatNumber(value) : String(value),
  ]);
}

async function renderOne(view, id) {
  const refresh = () => renderOne(view, id);
  const dataset = await api.get(`${BASE}/${id}`);
  const ready = dataset.status === "ready";
  const making = dataset.status === "generating";
  const head = h(
    "div",
    { class: "page-head" },
    h("h1", {}, dataset.name),
    h(
      "div",
      { class: "row" },
      ready
        ? button("Download ZIP", (event) => act(event.currentTarget, null, () => download(`${BASE}/${id}/download`, `${dataset.name}.zip`)), "primary")
        : null,
      making && dataset.job_id
        ? button("Cancel dataset", async (event) => {
            if (!confirm(`Cancel making ${dataset.name}? What it made so far is removed.`)) return;
            await act(event.currentTarget, null, async () => {
              await api.post(`${BASE}/${id}/cancel`);
              toast("Cancelling");
              await refresh();
            });
          }, "danger")
        : null,
      !making
        ? button("Delete", async (event) => {
            if (!confirm(`Delete image dataset ${dataset.name} and its images?`)) return;
            await act(event.currentTarget, null, async () => {
              await api.delete(`${BASE}/${id}`);
              toast(`Deleted ${dataset.name}`);
              go("images");
            });
          }, "danger")
        : null,
    ),
  );
  const request = Object.entries(dataset.request || {}).filter(([key, value]) => key !== "labels" && value !== null && typeof value !== "object");
  const info = section(
    "Details",
    definitionList([
      ["Status", statusBadge(dataset.status)],
      ["Source", dataset.source],
      ["Labels", `${dataset.labels.length}: ${dataset.labels.join(", ")}`],
      ["Images", formatNumber(dataset.file_count)],
      ["Size", formatBytes(dataset.size_bytes)],
      ["Time taken", dataset.generation_time === null ? "—" : `${formatNumber(dataset.generation_time, 1)} s`],
      ["Device", dataset.device_used],
      ["Made from", dataset.source_dataset_id ? link(shortId(dataset.source_dataset_id), `#/images/${dataset.source_dataset_id}`) : null],
      ["Description", dataset.description || null],
      ["Created", formatTime(dataset.created_at)],
      ["Id", shortId(dataset.id)],
    ].filter(([, value]) => value !== null && value !== undefined)),
    dataset.error ? h("p", { class: "problem", role: "alert" }, dataset.error) : null,
  );
  replace(view, backLink(), head, info);
  if (dataset.job_id && (making || dataset.status === "failed")) {
    view.append(jobProgress(dataset.job_id, { title: making ? "Making the images" : "What the job did", onDone: making ? refresh : undefined }));
  }
  if (request.length) view.append(section("Request", definitionList(request.map(([key, value]) => [key.replaceAll("_", " "), String(value)]))));
  if (dataset.collection) view.append(section("Collection", definitionList(flatPairs(dataset.collection))));
  if (!ready) return;
  if (dataset.file_count === 0) {
    const hint = dataset.source === "collected"
      ? "No image was kept: see the collection's figures above for why. Try other search terms, more providers, or wider limits."
      : "This dataset has no images.";
    view.append(section("Gallery", h("p", { class: "empty" }, hint)), renameSection(dataset, refresh));
    return;
  }
  view.append(await gallery(dataset), augmentSection(dataset), renameSection(dataset, refresh));
}

// -- gallery ------------------------------------------------------------------------------

/**
 * A section per label; a label's images are listed when its section nears the screen and each
 * image is fetched (with the bearer token) when it does. The preview's small thumbnails stand
 * in for the first images; the others are the full files, shown scaled down.
 */
async function gallery(dataset) {
  const base = `${BASE}/${dataset.id}`;
  const thumbnails = new Map();
  try {
    for (const thumb of await api.get(`${base}/preview`, { query: { limit: 50 } })) thumbnails.set(thumb.image_id, thumb);
  } catch {
    // No thumbnails: every image is fetched in full.
  }
  const urls = [];
  const waiting = [];
  let loading = 0;
  let stopped = false;
  const pump = () => {
    while (!stopped && loading < PARALLEL_IMAGE_LOADS && waiting.length) {
      const task = waiting.shift();
      loading += 1;
      task().finally(() => {
        loading -= 1;
        pump();
      });
    }
  };
  const imageObserver = new IntersectionObserver(
    (entries) => {
      for (const entry of entries) {
        if (!entry.isIntersecting) continue;
        imageObserver.unobserve(entry.target);
        waiting.push(entry.target.loadImage);
      }
      pump();
    },
    { rootMargin: "300px" },
  );
  const sectionObserver = new IntersectionObserver(
    (entries) => {
      for (const entry of entries) {
        if (!entry.isIntersecting) continue;
        sectionObserver.unobserve(entry.target);
        entry.target.loadFirst();
      }
    },
    { rootMargin: "400px" },
  );
  track({
    stop() {
      stopped = true;
      imageObserver.disconnect();
      sectionObserver.disconnect();
      for (const url of urls) URL.revokeObjectURL(url);
    },
    drop() {},
  });

  const viewer = h("dialog", { class: "viewer", "aria-label": "Image" });
  async function openFull(image) {
    const close = button("Close", () => viewer.close());
    const holder = h("div", { class: "viewer-body" }, h("p", { class: "muted" }, "Loading…"));
    viewer.setAttribute("aria-label", `${image.label}: ${image.file}`);
    replace(viewer, h("div", { class: "page-head" }, h("h2", {}, `${image.label}: ${image.file}`), close), holder, h("p", { class: "muted" }, imageFacts(image)));
    viewer.showModal();
    close.focus();
    try {
      const { blob } = await fetchBlob(`${base}/images/${image.image_id}`);
      const url = URL.createObjectURL(blob);
      urls.push(url);
      replace(holder, h("img", { src: url, alt: `${image.label}: ${image.file}`, width: image.width, height: image.height }));
    } catch (error) {
      replace(holder, problemBox(error));
    }
  }

  function figure(image) {
    const alt = `${image.label}: ${image.file}`;
    const img = h("img", { alt, width: "128", height: "128", decoding: "async" });
    const frame = h("button", { type: "button", class: "thumb", "aria-label": `Open ${alt} full size`, onclick: () => openFull(image) }, img);
    frame.loadImage = async () => {
      const thumb = thumbnails.get(image.image_id);
      if (thumb) {
        img.src = `data:${thumb.media_type};base64,${thumb.data}`;
        return;
      }
      try {
        const { blob } = await fetchBlob(`${base}/images/${image.image_id}`);
        if (stopped) return;
        const url = URL.createObjectURL(blob);
        urls.push(url);
        img.src = url;
      } catch {
        img.classList.add("broken");
        img.alt = `${alt} (could not be loaded)`;
      }
    };
    imageObserver.observe(frame);
    return h("figure", { title: imageFacts(image) }, frame, h("figcaption", {}, image.file, image.license ? ` · ${image.license}` : ""));
  }

  function labelSection(label) {
    const grid = h("div", { class: "gallery" });
    const status = h("p", { class: "muted", "aria-live": "polite" }, "Loading…");
    const more = h("div", { class: "row" });
    const problem = h("div");
    let cursor = null;
    let shown = 0;
    const load = async (limit) => {
      const page = await api.get(`${base}/images`, { query: { label, limit, cursor: cursor ?? undefined } });
      grid.append(...page.items.map(figure));
      shown += page.items.length;
      cursor = page.next_cursor;
      status.textContent = shown ? `${formatNumber(shown)} image${shown === 1 ? "" : "s"} shown${cursor ? "" : " (all)"}` : "No images under this label.";
      replace(
        more,
        cursor
          ? button(`Show more images of ${label}`, (event) => act(event.currentTarget, problem, () => load(PAGE_OF_IMAGES * 2)))
          : null,
      );
    };
    const element = h("section", { class: "label-group", "aria-label": `Images labelled ${label}` }, h("h3", {}, label), status, grid, more, problem);
    element.loadFirst = () => load(PAGE_OF_IMAGES).catch((error) => {
      status.textContent = "";
      replace(problem, problemBox(error));
    });
    sectionObserver.observe(element);
    return element;
  }

  const labels = dataset.labels.length ? dataset.labels : [...new Set([...thumbnails.values()].map((thumb) => thumb.label))];
  return section(
    "Gallery",
    h("p", { class: "muted" }, "Images by label; select one to see it full size."),
    labels.length ? labels.map(labelSection) : h("p", { class: "empty" }, "This dataset has no images."),
    viewer,
  );
}

function imageFacts(image) {
  const facts = [`${image.width}×${image.height}`];
  if (image.seed !== null && image.seed !== undefined) facts.push(`seed ${image.seed}`);
  if (image.noise_sigma) facts.push(`noise ${image.noise_sigma}`);
  if (image.provider) facts.push(`from ${image.provider}`);
  if (image.license) facts.push(`license ${image.license}`);
  if (image.source) facts.push(image.source);
  if (image.augmentation) facts.push(`augmented: ${Object.keys(image.augmentation).join(", ")}`);
  return facts.join(" · ");
}

// -- augment and rename -------------------------------------------------------------------

function augmentSection(dataset) {
  const kit = formKit();
  const variants = numberInput({ name: "variants_per_image", min: "1", max: "100", value: "1" });
  const operations = checkboxes("Operations", OPERATIONS.map((operation) => [operation, operation]), OPERATIONS);
  const seed = numberInput({ name: "seed", min: "0", max: String(2 ** 32 - 1), value: "0" });
  const name = textInput({ name: "name", maxlength: "200" });
  const problem = h("div");
  const submit = h("button", { type: "submit" }, "Augment");
  const form = h(
    "form",
    { novalidate: true },
    h("p", { class: "muted" }, "A new dataset: every image of this one plus variants of each (flips, crops, rotations, colour jitter, noise), labels kept."),
    h(
      "div",
      { class: "grid-2" },
      kit.field("variants_per_image", "Variants per image", variants, "1 to 100", numberCheck({ min: 1, max: 100, optional: false })),
      kit.field("seed", "Seed", seed, "", numberCheck({ min: 0, max: 2 ** 32 - 1, optional: false })),
    ),
    operations.element,
    kit.field("name", "Name of the new dataset (optional)", name, "", textCheck({ max: 200 })),
    problem,
    submit,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!kit.valid()) return;
    if (!operations.values().length) {
      replace(problem, problemBox(new Error("Choose at least one operation.")));
      return;
    }
    await act(submit, problem, async () => {
      const body = { variants_per_image: Number(variants.value), operations: operations.values(), seed: Number(seed.value) };
      if (name.value.trim()) body.name = name.value.trim();
      try {
        const job = await api.post(`${BASE}/${dataset.id}/augment`, body);
        toast("Augmentation started");
        go(`images/${job.target_id}`);
      } catch (error) {
        kit.serverErrors(error);
        throw error;
      }
    });
  });
  return section("Augment", form);
}

function renameSection(dataset, refresh) {
  const kit = formKit();
  const name = textInput({ name: "name", maxlength: "200", value: dataset.name });
  const description = h("textarea", { name: "description", rows: "2", maxlength: "10000" });
  description.classList.add("short");
  description.value = dataset.description || "";
  const problem = h("div");
  const submit = h("button", { type: "submit" }, "Save");
  const form = h(
    "form",
    { novalidate: true },
    kit.field("name", "Name", name, "", textCheck({ min: 1, max: 200, required: true })),
    kit.field("description", "Description", description, "", textCheck({ max: 10000 })),
    problem,
    submit,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!kit.valid()) return;
    await act(submit, problem, async () => {
      try {
        await api.patch(`${BASE}/${dataset.id}`, { name: name.value.trim(), description: description.value });
      } catch (error) {
        kit.serverErrors(error);
        throw error;
      }
      toast("Saved");
      await refresh();
    });
  });
  return section("Name and description", form);
}
