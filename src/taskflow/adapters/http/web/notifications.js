// Notifications in the page: the bell with the unread count, the inbox, and how each kind
// reaches the person (their settings). New ones come on the live stream as `notification.created`.
import { api } from "./api.js";
import { h, replace, when } from "./dom.js";
import { busy, formMessage, showProblem } from "./forms.js";

const PAGE_SIZE = 20;
const KINDS = [
  ["assigned", "A task is assigned to you"],
  ["task_changed", "A task assigned to you changes (title, status, due date)"],
  ["role_changed", "Your role in a project changes"],
  ["removed_from_project", "You are removed from a project"],
  ["due_soon", "A task of yours is coming due"],
];
const FIELD_NAMES = { title: "the title", status: "the status", due_at: "the due date" };

/** One line of what happened, as the person reads it. */
export function describe(notification) {
  const who = notification.actor?.name ?? "Someone";
  const task = notification.task ? `“${notification.task.title}”` : "a task";
  const project = notification.project?.name ?? "a project";
  switch (notification.kind) {
    case "assigned":
      return `${who} assigned ${task} to you in ${project}`;
    case "task_changed":
      return `${who} changed ${notification.fields.map((name) => FIELD_NAMES[name] ?? name).join(", ")} of ${task}`;
    case "role_changed":
      return `${who} made you ${notification.role ?? "a member"} in ${project}`;
    case "removed_from_project":
      return `${who} removed you from ${project}`;
    case "due_soon":
      return `${task} is due ${when(notification.due_at)}`;
    default:
      return "Something happened";
  }
}

/** Where a notification's task is shown: its project's list (or one's own), with its editor open. */
function taskLink(notification) {
  const task = notification.task;
  if (!task) return null;
  const href = task.project_id ? `#/projects/${task.project_id}/${task.id}` : `#/task/${task.id}`;
  return h("a", { href }, "Open the task");
}

/** The header's bell: a link to the inbox, with how many are unread. */
export class Bell {
  #count = 0;

  constructor() {
    this.badge = h("span", { class: "count", hidden: true });
    this.element = h("a", { class: "bell", href: "#/notifications", "data-href": "#/notifications" }, "Notifications", this.badge);
    this.#show();
  }

  async refresh() {
    try {
      this.set((await api("GET", "notifications/unread-count")).unread);
    } catch {
      // the count waits for the next event or screen
    }
  }

  set(count) {
    this.#count = count;
    this.#show();
  }

  bump() {
    this.set(this.#count + 1);
  }

  #show() {
    this.badge.textContent = String(this.#count);
    this.badge.hidden = this.#count === 0;
    this.element.setAttribute("aria-label", this.#count ? `Notifications, ${this.#count} unread` : "Notifications, none unread");
  }
}

/** The inbox screen: newest first, unread ones marked, each with its task; `apply` takes live ones. */
export class Inbox {
  #cursor = null;
  #newest = null;

  constructor({ bell, notify }) {
    this.bell = bell;
    this.notify = notify;
    this.unreadOnly = h("input", { type: "checkbox", id: "unread-only", onchange: () => this.load(true) });
    this.list = h("ul", { class: "notifications", "aria-label": "Notifications" });
    this.state = h("p", { class: "list-state", role: "status" });
    this.more = h("button", { type: "button", class: "more", hidden: true, onclick: () => this.load(false) }, "Load more");
    this.allRead = h("button", { type: "button", disabled: true, onclick: () => this.#markAllRead() }, "Mark all read");
    this.element = h(
      "div",
      { class: "inbox" },
      h("div", { class: "inbox-tools" }, h("label", { class: "check" }, this.unreadOnly, " Unread only"), this.allRead),
      this.state,
      this.list,
      this.more,
    );
    this.load(true);
  }

  async load(fresh) {
    if (fresh) {
      this.#cursor = null;
      replace(this.list);
    }
    this.state.textContent = "Loading…";
    try {
      const page = await api("GET", "notifications", {
        query: { limit: PAGE_SIZE, cursor: this.#cursor, unread: this.unreadOnly.checked ? "true" : undefined },
      });
      if (fresh) this.#newest = page.items[0]?.id ?? null;
      this.allRead.disabled = !this.#newest; // nothing shown yet: nothing to mark
      for (const item of page.items) this.list.append(this.#item(item));
      this.#cursor = page.next_cursor;
      this.more.hidden = !page.next_cursor;
      this.state.textContent = this.list.children.length ? "" : "Nothing here yet.";
    } catch (error) {
      this.state.textContent = `The notifications could not be loaded: ${error.message}`;
    }
  }

  /** A live one: at the top, unless only the unread are shown and… it is unread, so always. */
  apply(notification) {
    if (this.list.querySelector(`li[data-id="${notification.id}"]`)) return;
    this.list.prepend(this.#item(notification));
    this.#newest = notification.id;
    this.allRead.disabled = false;
    this.state.textContent = "";
  }

  #item(notification) {
    const text = h("p", { class: "what" }, describe(notification));
    const element = h(
      "li",
      { class: notification.read ? "notification" : "notification unread", "data-id": notification.id },
      h("div", { class: "notification-body" }, text, h("p", { class: "meta" }, h("time", { datetime: notification.at }, when(notification.at)), taskLink(notification))),
    );
    if (!notification.read) {
      const mark = h("button", { type: "button", "aria-label": `Mark read: ${text.textContent}` }, "Mark read");
      mark.addEventListener("click", async () => {
        mark.disabled = true;
        try {
          const { unread } = await api("POST", "notifications/read", { json: { ids: [notification.id] } });
          this.bell.set(unread);
          element.classList.remove("unread");
          mark.remove();
        } catch (error) {
          mark.disabled = false;
          this.notify(`Not marked: ${error.message}`);
        }
      });
      element.append(h("div", { class: "actions" }, mark));
    }
    return element;
  }

  async #markAllRead() {
    if (!this.#newest) return;
    this.allRead.disabled = true;
    try {
      const { unread } = await api("POST", "notifications/read", { json: { up_to: this.#newest } });
      this.bell.set(unread);
      this.notify("All marked read.");
      this.load(true);
    } catch (error) {
      this.notify(`Not marked: ${error.message}`);
    } finally {
      this.allRead.disabled = !this.#newest;
    }
  }
}

/** The account screen's notification settings: per kind, to the inbox and by mail. */
export async function settingsForm({ notify }) {
  const current = await api("GET", "users/me/notification-settings");
  const box = (kind, channel, label) =>
    h("input", { type: "checkbox", name: `${kind}.${channel}`, checked: current[kind][channel], "aria-label": `${label}: ${channel === "inbox" ? "in the inbox" : "by mail"}` });
  const form = h(
    "form",
    { class: "notification-settings", "aria-labelledby": "notification-settings-heading" },
    h("h2", { id: "notification-settings-heading" }, "Notifications"),
    h("p", { class: "hint" }, "The first mail goes at once; what follows within five minutes comes together in one mail."),
    h(
      "table",
      {},
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "When"), h("th", { scope: "col" }, "Inbox"), h("th", { scope: "col" }, "Mail"))),
      h("tbody", {}, KINDS.map(([kind, label]) => h("tr", {}, h("th", { scope: "row" }, label), h("td", {}, box(kind, "inbox", label)), h("td", {}, box(kind, "mail", label))))),
    ),
    formMessage(),
    h("button", { type: "submit", class: "primary" }, "Save"),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const chosen = Object.fromEntries(
      KINDS.map(([kind]) => [kind, { inbox: form.elements[`${kind}.inbox`].checked, mail: form.elements[`${kind}.mail`].checked }]),
    );
    try {
      await busy(form, () => api("PATCH", "users/me/notification-settings", { json: chosen }));
    } catch (error) {
      showProblem(form, error);
      return;
    }
    notify("Notification settings saved.");
  });
  return form;
}
