// A list of tasks (one's own, a project's, or those assigned to one), kept current by the
// live stream, with its filters, statistics and new-task form; editing is task_editor.js's,
// import and export task_transfer.js's.
import { api } from "./api.js";
import { fromLocalInput, h, replace, uid, when } from "./dom.js";
import { busy, confirmDialog, field, formMessage, select, showProblem } from "./forms.js";
import { atLeast } from "./roles.js";
import { TaskEditor } from "./task_editor.js";
import { PRIORITIES, STATUSES, labelOf, tagsOf, whereQuery } from "./task_fields.js";
import { transferTools } from "./task_transfer.js";

const SORTS = [
  ["-created_at", "Newest first"],
  ["created_at", "Oldest first"],
  ["due_at", "Due soonest"],
  ["-due_at", "Due latest"],
  ["-priority", "Most urgent first"],
  ["priority", "Least urgent first"],
  ["-updated_at", "Recently changed"],
];
const PAGE_SIZE = 25;


/**
 * `scope`: {title, projectId?, assignee?: "me", me, roleIn(projectId), nameOf(userId), members?}.
 * `notify(message)` announces an outcome politely.
 */
export class TaskList {
  #shown = new Map(); // id -> {task, element}
  #cursor = null;
  #loading = 0;
  #statsTimer = null;

  constructor(scope, notify) {
    this.scope = scope;
    this.notify = notify;
    this.list = h("ul", { class: "tasks", "aria-label": "Tasks" });
    this.state = h("p", { class: "list-state", role: "status" });
    this.more = h("button", { type: "button", class: "more", hidden: true, onclick: () => this.load(false) }, "Load more");
    this.stats = h("dl", { class: "stats" });
    this.filters = this.#filterForm();
    this.element = h(
      "div",
      { class: "task-view" },
      h("section", { "aria-label": "Statistics", class: "stats-panel" }, this.stats),
      this.#canCreate() ? this.#newTaskForm() : null,
      this.filters,
      this.state,
      this.list,
      this.more,
      this.scope.assignee ? null : transferTools(this),
    );
    this.load(true);
    this.refreshStats();
  }

  #canCreate() {
    if (this.scope.assignee) return false; // what is assigned to one is made in its project
    return !this.scope.projectId || atLeast(this.scope.roleIn(this.scope.projectId), "editor");
  }

  #canEdit(task) {
    return !task.project_id || atLeast(this.scope.roleIn(task.project_id), "editor");
  }

  #canComplete(task) {
    return !task.project_id || atLeast(this.scope.roleIn(task.project_id), "doer");
  }

  #filterForm() {
    const form = h(
      "form",
      { class: "filters", role: "search", "aria-label": "Filter tasks" },
      field("Search", "q", { type: "search", placeholder: "Words in title or description" }),
      field("Status", "status", select([["", "Any"], ...STATUSES], "")),
      field("Priority", "priority", select([["", "Any"], ...PRIORITIES], "")),
      field("Tag", "tag", { type: "text", placeholder: "e.g. home" }),
      field("Sort", "sort", select(SORTS, "-created_at")),
      h("button", { type: "submit" }, "Apply"),
    );
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.load(true);
    });
    for (const name of ["status", "priority", "sort"]) form.elements[name].addEventListener("change", () => this.load(true));
    return form;
  }

  #query() {
    const { q, status, priority, tag, sort } = this.filters.elements;
    return {
      q: q.value.trim(),
      status: status.value,
      priority: priority.value,
      tag: tag.value.trim(),
      sort: sort.value,
      project_id: this.scope.projectId,
      assignee: this.scope.assignee,
      limit: PAGE_SIZE,
    };
  }

  /** The first page afresh (`first`), or the next one through the cursor. */
  async load(first) {
    const ticket = ++this.#loading;
    const query = this.#query();
    if (!first) query.cursor = this.#cursor;
    this.state.textContent = "Loading tasks…";
    this.list.setAttribute("aria-busy", "true");
    this.more.disabled = true;
    let page;
    try {
      page = await api("GET", "tasks", { query });
    } catch (error) {
      if (ticket !== this.#loading) return;
      this.list.removeAttribute("aria-busy");
      this.more.disabled = false;
      replace(
        this.state,
        h("span", { class: "error" }, `The tasks could not be loaded: ${error.message} `),
        h("button", { type: "button", onclick: () => this.load(first) }, "Try again"),
      );
      return;
    }
    if (ticket !== this.#loading) return;
    if (first) {
      this.#shown.clear();
      this.list.replaceChildren();
    }
    for (const task of page.items) this.#place(task, null);
    this.#cursor = page.next_cursor;
    this.more.hidden = !page.next_cursor;
    this.more.disabled = false;
    this.list.removeAttribute("aria-busy");
    this.#describe();
    if (!first) this.list.querySelector(`li:nth-child(${this.#shown.size - page.items.length + 1}) input`)?.focus();
  }

  #filtered() {
    const { q, status, priority, tag } = this.#query();
    return Boolean(q || status || priority || tag);
  }

  #describe() {
    if (this.#shown.size) {
      this.state.textContent = `${this.#shown.size} task${this.#shown.size === 1 ? "" : "s"} shown${this.#cursor ? ", more to load" : ""}.`;
    } else {
      this.state.textContent = this.#filtered() ? "No tasks match these filters." : "No tasks here yet.";
    }
  }

  /** Does a task belong in this list, as far as the page can tell without the server? */
  #belongs(task) {
    const { status, priority, tag } = this.#query();
    const inScope = this.scope.projectId
      ? task.project_id === this.scope.projectId
      : this.scope.assignee
        ? task.assignee_id === this.scope.me.id
        : task.project_id === null;
    return inScope && (!status || task.status === status) && (!priority || task.priority === priority) && (!tag || task.tags.includes(tag));
  }

  /** A change from the live stream, or from this page's own write. */
  apply(event) {
    if (event.type === "reset") {
      this.load(true);
      this.refreshStats();
      return;
    }
    const task = event.data;
    const shown = this.#shown.get(task.id);
    const deleted = event.type === "task.deleted"; // carries the id and the last version only
    if (!deleted && shown && shown.task.version >= task.version) return; // this page made it, or a newer one is shown
    const belongs = !deleted && this.#belongs(task);
    if (!belongs && !shown) return; // another list's change
    if (!belongs) this.#remove(task.id);
    else if (shown) this.#place(task, shown.element);
    else this.#arrive(task);
    this.#describe();
    this.#statsSoon();
  }

  /** A task new to this list: in place under the default order, else the list is reloaded. */
  #arrive(task) {
    const { sort, q } = this.#query();
    if (q || sort !== "-created_at") {
      this.load(true);
      return;
    }
    const later = [...this.#shown.values()].find((other) => other.task.created_at < task.created_at);
    if (!later && this.#cursor) return; // it sorts after what is loaded: "load more" brings it
    this.#place(task, null, later?.element ?? null);
  }

  #remove(id) {
    const shown = this.#shown.get(id);
    if (!shown) return;
    const next = shown.element.nextElementSibling ?? shown.element.previousElementSibling;
    const hadFocus = shown.element.contains(document.activeElement);
    shown.element.remove();
    this.#shown.delete(id);
    if (hadFocus) (next?.querySelector("input, button") ?? this.state).focus?.();
  }

  #place(task, existing, before = null) {
    const element = this.#item(task);
    if (existing) {
      // A redrawn task keeps the keyboard where it was: on the same control.
      const controls = [...existing.querySelectorAll("input, button")];
      const focused = controls.indexOf(document.activeElement);
      existing.replaceWith(element);
      if (focused >= 0) element.querySelectorAll("input, button")[focused]?.focus();
    } else if (before) this.list.insertBefore(element, before);
    else this.list.append(element);
    this.#shown.set(task.id, { task, element });
    return element;
  }

  #item(task) {
    const titleId = uid("task-title");
    const done = h("input", {
      type: "checkbox",
      checked: task.status === "done",
      disabled: !this.#canComplete(task),
      "aria-labelledby": titleId,
      title: task.status === "done" ? "Reopen" : "Mark done",
    });
    done.addEventListener("change", () => this.#toggle(task, done));
    const due = task.due_at ? h("span", { class: `due${this.#overdue(task) ? " overdue" : ""}` }, `Due ${when(task.due_at)}`) : null;
    const assignee = task.assignee_id ? h("span", { class: "assignee" }, `Assigned to ${this.scope.nameOf(task.assignee_id)}`) : null;
    const meta = h(
      "p",
      { class: "meta" },
      h("span", { class: `badge priority-${task.priority}` }, labelOf(PRIORITIES, task.priority)),
      h("span", { class: `badge status-${task.status}` }, labelOf(STATUSES, task.status)),
      due,
      assignee,
      task.project_id && !this.scope.projectId ? h("span", { class: "project" }, this.scope.projectName(task.project_id)) : null,
      task.tags.map((tag) => h("span", { class: "tag" }, `#${tag}`)),
    );
    const actions = this.#canEdit(task)
      ? h(
          "div",
          { class: "actions" },
          h("button", { type: "button", onclick: () => this.edit(task.id), "aria-describedby": titleId }, "Edit"),
          h("button", { type: "button", class: "danger", onclick: () => this.#delete(task.id), "aria-describedby": titleId }, "Delete"),
        )
      : null;
    return h(
      "li",
      { class: `task${task.status === "done" ? " is-done" : ""}`, "data-id": task.id },
      done,
      h("div", { class: "task-body" }, h("p", { class: "title", id: titleId }, task.title), task.description ? h("p", { class: "description" }, task.description) : null, meta),
      actions,
    );
  }

  #overdue(task) {
    return task.status !== "done" && task.due_at && new Date(task.due_at) < new Date();
  }

  async #toggle(task, box) {
    const current = this.#shown.get(task.id)?.task ?? task;
    const status = box.checked ? "done" : "todo";
    try {
      const saved = await api("PATCH", `tasks/${task.id}`, {
        json: { status },
        headers: { "If-Match": `"${current.version}"` },
        query: whereQuery(task),
      });
      this.apply({ type: "task.updated", data: saved });
      this.notify(`“${saved.title}” is ${labelOf(STATUSES, saved.status).toLowerCase()}.`);
    } catch (error) {
      box.checked = !box.checked;
      if (error.status === 412) {
        this.edit(task.id, { status });
        return;
      }
      this.notify(`Not changed: ${error.message}`);
    }
  }

  async #delete(id) {
    const { task } = this.#shown.get(id);
    if (!(await confirmDialog(`Delete “${task.title}”?`, "Delete"))) return;
    try {
      await api("DELETE", `tasks/${id}`, { headers: { "If-Match": `"${task.version}"` }, query: whereQuery(task) });
    } catch (error) {
      if (error.status !== 404) {
        this.notify(error.status === 412 ? "Not deleted: it changed elsewhere meanwhile. Look again." : `Not deleted: ${error.message}`);
        if (error.status === 412) this.load(true);
        return;
      }
    }
    this.#remove(id);
    this.#describe();
    this.#statsSoon();
    this.notify(`Deleted “${task.title}”.`);
  }

  /** The editor for one task; `mine` (changes not yet saved) opens it straight on a conflict. */
  edit(id, mine) {
    const { task } = this.#shown.get(id);
    new TaskEditor(task, this, mine).open();
  }

  /** The editor for a task that may not be on this page (a notification's link); a gone one is announced. */
  async open(id) {
    try {
      const task = await api("GET", `tasks/${id}`, { query: this.scope.projectId ? { project_id: this.scope.projectId } : undefined });
      new TaskEditor(task, this).open();
    } catch (error) {
      this.notify(error.status === 404 ? "That task is gone, or no longer yours to see." : `The task could not be opened: ${error.message}`);
    }
  }

  saved(task) {
    this.apply({ type: "task.updated", data: task });
  }

  #newTaskForm() {
    const members = this.scope.members;
    const form = h(
      "form",
      { class: "new-task", "aria-labelledby": "new-task-heading", novalidate: true },
      h("h2", { id: "new-task-heading" }, "New task"),
      h(
        "div",
        { class: "row" },
        field("Title", "title", { required: true, maxlength: "200", autocomplete: "off" }),
        field("Priority", "priority", select(PRIORITIES, "medium")),
        field("Due", "due_at", { type: "datetime-local" }),
        field("Tags", "tags", { placeholder: "comma, separated" }),
        members ? field("Assignee", "assignee_id", select([["", "Nobody"], ...members.map((m) => [m.user_id, m.name])], "")) : null,
      ),
      formMessage(),
      h("button", { type: "submit", class: "primary" }, "Add task"),
    );
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const values = form.elements;
      const draft = {
        title: values.title.value.trim(),
        priority: values.priority.value,
        due_at: fromLocalInput(values.due_at.value),
        tags: tagsOf(values.tags.value),
        project_id: this.scope.projectId ?? null,
      };
      if (values.assignee_id?.value) draft.assignee_id = values.assignee_id.value;
      let task;
      try {
        task = await busy(form, () => api("POST", "tasks", { json: draft }));
      } catch (error) {
        showProblem(form, error);
        return;
      }
      form.reset();
      this.apply({ type: "task.created", data: task });
      this.notify(`Added “${task.title}”.`);
      values.title.focus();
    });
    return form;
  }

  refreshStats() {
    api("GET", "tasks/stats", { query: { project_id: this.scope.projectId } }).then(
      (stats) => {
        const figures = [
          ["Total", stats.total],
          ["To do", stats.by_status.todo],
          ["In progress", stats.by_status.in_progress],
          ["Done", stats.by_status.done],
          ["Overdue", stats.overdue],
          ["Done in the last 7 days", stats.done_last_7_days],
        ];
        replace(this.stats, figures.map(([name, value]) => h("div", {}, h("dt", {}, name), h("dd", {}, String(value)))));
      },
      (error) => replace(this.stats, h("div", {}, h("dt", {}, "Statistics"), h("dd", { class: "error" }, error.message))),
    );
  }

  #statsSoon() {
    clearTimeout(this.#statsTimer);
    this.#statsTimer = setTimeout(() => this.refreshStats(), 400);
  }
}
