// Forms rendered from a JSON Schema (a model's parameters), validated as one types with the
// same bounds the server checks. Only what the user set is sent: the rest keeps its default.

import { ApiError } from "./api.js";
import { field, h, select } from "./dom.js";

function nonNull(schema) {
  if (!schema.anyOf) return { schema, nullable: false };
  const options = schema.anyOf.filter((option) => option.type !== "null");
  return { schema: { ...options[0], ...pick(schema) }, nullable: options.length < schema.anyOf.length };
}

function pick(schema) {
  const { title, description, default: fallback } = schema;
  return { title, description, default: fallback };
}

function checkNumber(text, schema, integer) {
  const value = Number(text);
  if (text.trim() === "" || Number.isNaN(value)) return [null, "enter a number"];
  if (integer && !Number.isInteger(value)) return [null, "enter a whole number"];
  if (schema.minimum !== undefined && value < schema.minimum) return [null, `at least ${schema.minimum}`];
  if (schema.maximum !== undefined && value > schema.maximum) return [null, `at most ${schema.maximum}`];
  if (schema.exclusiveMinimum !== undefined && value <= schema.exclusiveMinimum) {
    return [null, `more than ${schema.exclusiveMinimum}`];
  }
  if (schema.exclusiveMaximum !== undefined && value >= schema.exclusiveMaximum) {
    return [null, `less than ${schema.exclusiveMaximum}`];
  }
  return [value, ""];
}

function control(name, rawSchema) {
  const { schema, nullable } = nonNull(rawSchema);
  const label = schema.title || name;
  const hintParts = [schema.description, schema.default !== undefined && schema.default !== null ? `default ${JSON.stringify(schema.default)}` : nullable ? "default: automatic" : ""];
  const hint = hintParts.filter(Boolean).join("; ");
  let input;
  let read;
  if (schema.enum) {
    input = select([["", "(default)"], ...schema.enum.map((item) => [String(item), String(item)])], "");
    read = () => (input.value === "" ? [undefined, ""] : [schema.enum.find((item) => String(item) === input.value), ""]);
  } else if (schema.type === "boolean") {
    input = select([["", "(default)"], ["true", "yes"], ["false", "no"]], "");
    read = () => (input.value === "" ? [undefined, ""] : [input.value === "true", ""]);
  } else if (schema.type === "integer" || schema.type === "number") {
    input = h("input", { type: "text", inputmode: schema.type === "integer" ? "numeric" : "decimal", name, placeholder: schema.default ?? "" });
    read = () => (input.value.trim() === "" ? [undefined, ""] : checkNumber(input.value, schema, schema.type === "integer"));
  } else if (schema.type === "array") {
    input = h("input", { type: "text", name, placeholder: (schema.default || []).join(", ") });
    read = () => {
      if (input.value.trim() === "") return [undefined, ""];
      const items = input.value.split(",").map((item) => item.trim()).filter(Boolean);
      const itemType = (schema.items || {}).type;
      const values = [];
      for (const item of items) {
        if (itemType === "integer" || itemType === "number") {
          const [value, problem] = checkNumber(item, schema.items, itemType === "integer");
          if (problem) return [null, `${item}: ${problem}`];
          values.push(value);
        } else values.push(item);
      }
      if (schema.minItems !== undefined && values.length < schema.minItems) return [null, `at least ${schema.minItems} items`];
      if (schema.maxItems !== undefined && values.length > schema.maxItems) return [null, `at most ${schema.maxItems} items`];
      return [values, ""];
    };
  } else {
    input = h("input", { type: "text", name, placeholder: schema.default ?? "" });
    read = () => {
      const value = input.value;
      if (value === "") return [undefined, ""];
      if (schema.maxLength !== undefined && value.length > schema.maxLength) return [null, `at most ${schema.maxLength} characters`];
      if (schema.minLength !== undefined && value.length < schema.minLength) return [null, `at least ${schema.minLength} characters`];
      return [value, ""];
    };
  }
  input.name = name;
  const wrapper = field(label, input, hint);
  const validate = () => {
    const [value, problem] = read();
    wrapper.setError(problem);
    return [value, problem];
  };
  input.addEventListener("input", validate);
  input.addEventListener("change", validate);
  return { name, wrapper, validate, input };
}

/** A form for an object schema: `{element, values(), valid(), showServerErrors(errors)}`. */
export function schemaForm(schema, legend = "Parameters") {
  const controls = Object.entries(schema.properties || {}).map(([name, property]) => control(name, property));
  const element = h("fieldset", { class: "schema-form" }, h("legend", {}, legend), controls.map((item) => item.wrapper));
  return {
    element,
    values() {
      const out = {};
      for (const item of controls) {
        const [value, problem] = item.validate();
        if (!problem && value !== undefined) out[item.name] = value;
      }
      return out;
    },
    valid() {
      return controls.map((item) => item.validate()[1]).every((problem) => !problem);
    },
    /** Field errors of a 422 (loc ending in the parameter's name) shown on their fields. */
    showServerErrors(errors) {
      let shown = false;
      for (const error of errors || []) {
        const path = Array.isArray(error.loc) ? error.loc : String(error.field || error.path || "").split(/[./]/);
        const target = controls.find((item) => path.includes(item.name));
        if (target) {
          target.wrapper.setError(error.msg || error.message);
          shown = true;
        }
      }
      return shown;
    },
  };
}

// -- small form kit: fields checked as one types, and the API's 422 shown on its fields --------

/** A check for a number input: "" when fine, else the problem in words. */
export function numberCheck({ min, max, integer = true, optional = true, multipleOf } = {}) {
  return (input) => {
    const text = input.value.trim();
    if (text === "") return optional ? "" : "enter a number";
    const value = Number(text);
    if (Number.isNaN(value)) return "enter a number";
    if (integer && !Number.isInteger(value)) return "enter a whole number";
    if (min !== undefined && value < min) return `at least ${min}`;
    if (max !== undefined && value > max) return `at most ${max}`;
    if (multipleOf && value % multipleOf) return `a multiple of ${multipleOf}`;
    return "";
  };
}

export function textCheck({ min = 0, max, required = false } = {}) {
  return (input) => {
    const value = input.value.trim();
    if (!value) return required ? "required" : "";
    if (value.length < min) return `at least ${min} characters`;
    if (max !== undefined && value.length > max) return `at most ${max} characters`;
    return "";
  };
}

/**
 * Labelled fields, each with its check run as one types; `valid()` checks them all, and
 * `serverErrors(error)` puts a 422's field errors ("body.labels.0") on the fields they name.
 */
export function formKit() {
  const entries = new Map();
  const kit = {
    field(name, label, control, hint = "", check = null) {
      const wrapper = field(label, control, hint);
      const run = () => {
        const problem = check ? check(control) : "";
        wrapper.setError(problem);
        return problem;
      };
      control.addEventListener("input", run);
      control.addEventListener("change", run);
      entries.set(name, { wrapper, run, control });
      return wrapper;
    },
    valid() {
      let first = null;
      for (const entry of entries.values()) {
        if (entry.run() && !first) first = entry.control;
      }
      if (first) {
        const folded = first.closest("details");
        if (folded) folded.open = true;
        first.focus();
      }
      return !first;
    },
    serverErrors(error) {
      if (!(error instanceof ApiError)) return false;
      let shown = false;
      for (const item of error.errors || []) {
        const path = String(item.field || (Array.isArray(item.loc) ? item.loc.join(".") : "")).split(/[./]/);
        const name = path.find((part) => entries.has(part));
        if (name) {
          entries.get(name).wrapper.setError(item.message || item.msg);
          shown = true;
        }
      }
      return shown;
    },
  };
  return kit;
}

/** Checkboxes in a fieldset: `{element, values()}`. */
export function checkboxes(legend, options, checked = [], hint = "") {
  const boxes = options.map(([value, text, disabled, note]) => {
    const box = h("input", { type: "checkbox", value, checked: checked.includes(value) && !disabled, disabled });
    return [box, h("label", { class: "check" }, box, h("span", {}, text, note ? h("span", { class: "muted" }, ` (${note})`) : null))];
  });
  const element = h(
    "fieldset",
    { class: "checks" },
    h("legend", {}, legend),
    hint ? h("p", { class: "hint" }, hint) : null,
    h("div", { class: "check-grid" }, boxes.map(([, label]) => label)),
  );
  return { element, values: () => boxes.filter(([box]) => box.checked).map(([box]) => box.value), boxes: boxes.map(([box]) => box) };
}
