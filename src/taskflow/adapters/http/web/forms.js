// Labelled fields with a place for their error, and problem+json shown where it belongs.
import { h, uid } from "./dom.js";

/** A labelled control; `control` is an element or the attributes of an <input>. */
export function field(label, name, control = {}, hint) {
  const id = uid(name);
  const input = control instanceof Element ? control : h("input", { type: "text", ...control });
  input.id = id;
  input.name = name;
  const error = h("p", { class: "field-error", id: `${id}-error`, hidden: true });
  const described = [error.id];
  const hintElement = hint ? h("p", { class: "hint", id: `${id}-hint` }, hint) : null;
  if (hintElement) described.unshift(hintElement.id);
  input.setAttribute("aria-describedby", described.join(" "));
  return h("div", { class: "field" }, h("label", { for: id }, label), input, hintElement, error);
}

export function select(options, selected, attributes = {}) {
  return h(
    "select",
    attributes,
    options.map(([value, label]) => h("option", { value, selected: value === selected }, label)),
  );
}

/** The form-level message: an alert, so it is read out when it appears. */
export function formMessage() {
  return h("p", { class: "form-error", role: "alert", hidden: true });
}

function clearErrors(form) {
  for (const error of form.querySelectorAll(".field-error, .form-error")) {
    error.hidden = true;
    error.textContent = "";
  }
  for (const invalid of form.querySelectorAll("[aria-invalid]")) invalid.removeAttribute("aria-invalid");
}

/** The field a problem's error names: `title`, `tags[1]` or `$.title` -> `title`. */
function fieldName(path) {
  return String(path).replace(/^\$\.?/, "").split(/[.[]/)[0];
}

/**
 * An API error shown in `form`: each field error next to its field (the first one focused),
 * the rest, or the problem's detail, in the form's message.
 */
export function showProblem(form, error) {
  clearErrors(form);
  const message = form.querySelector(".form-error");
  const leftover = [];
  let first = null;
  for (const item of error.problem?.errors ?? []) {
    const control = form.elements.namedItem(fieldName(item.field));
    const place = control instanceof Element ? document.getElementById(`${control.id}-error`) : null;
    if (!place) {
      leftover.push(`${item.field}: ${item.message}`);
      continue;
    }
    control.setAttribute("aria-invalid", "true");
    place.textContent = place.hidden ? item.message : `${place.textContent} ${item.message}`;
    place.hidden = false;
    first ??= control;
  }
  if (message && (leftover.length || !first)) {
    message.textContent = leftover.length ? leftover.join("; ") : error.message;
    message.hidden = false;
  }
  first?.focus();
}

/** Disables a form's controls while `work` runs, so a double click sends once. */
export async function busy(form, work) {
  const controls = [...form.elements].filter((control) => !control.disabled);
  form.setAttribute("aria-busy", "true");
  for (const control of controls) control.disabled = true;
  try {
    return await work();
  } finally {
    for (const control of controls) control.disabled = false;
    form.removeAttribute("aria-busy");
  }
}

/** A modal question with a safe default: resolves true only for the confirming button. */
export function confirmDialog(question, yes) {
  return new Promise((resolve) => {
    const dialog = h(
      "dialog",
      { class: "confirm", "aria-label": question },
      h("form", { method: "dialog" }, h("p", {}, question), h("div", { class: "buttons" }, h("button", { value: "no", autofocus: true }, "Cancel"), h("button", { value: "yes", class: "danger" }, yes))),
    );
    dialog.addEventListener("close", () => {
      resolve(dialog.returnValue === "yes");
      dialog.remove();
    });
    document.body.append(dialog);
    dialog.showModal();
  });
}
