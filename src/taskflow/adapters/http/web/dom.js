// Elements are built from data, never from HTML strings: whatever a user typed is text.

let counter = 0;

/** A fresh id for tying a label, a hint or an error to its control. */
export function uid(prefix) {
  counter += 1;
  return `${prefix}-${counter}`;
}

/** h("button", {type: "button", onclick: f}, "Save"): attributes by name, listeners by `on…`. */
export function h(tag, props = {}, ...children) {
  const element = document.createElement(tag);
  let value;
  for (const [key, given] of Object.entries(props)) {
    if (given === undefined || given === null || given === false) continue;
    if (key.startsWith("on") && typeof given === "function") element.addEventListener(key.slice(2), given);
    else if (key === "value") value = given;
    else element.setAttribute(key, given === true ? "" : String(given));
  }
  append(element, children);
  if (value !== undefined) element.value = value;
  return element;
}

export function append(parent, children) {
  for (const child of [children].flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    parent.append(child instanceof Node ? child : String(child));
  }
  return parent;
}

export function replace(parent, ...children) {
  parent.replaceChildren();
  return append(parent, children);
}

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

export function when(iso) {
  return iso ? dateTime.format(new Date(iso)) : "";
}

/** An ISO instant as a `datetime-local` value, in the browser's time zone. */
export function localInput(iso) {
  if (!iso) return "";
  const at = new Date(iso);
  const local = new Date(at.getTime() - at.getTimezoneOffset() * 60_000);
  return local.toISOString().slice(0, 16);
}

/** A `datetime-local` value as an ISO instant with its offset, or null when empty. */
export function fromLocalInput(value) {
  return value ? new Date(value).toISOString() : null;
}

export function sleep(ms, signal) {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** Text for the screen reader and the eye: a polite live region's new message. */
export function announce(region, message) {
  region.textContent = "";
  region.textContent = message;
}
