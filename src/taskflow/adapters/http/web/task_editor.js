// Editing one task: saved with If-Match, and a 412 shown as theirs against mine, with a choice.
import { ApiError, api } from "./api.js";
import { fromLocalInput, h, localInput, replace, uid, when } from "./dom.js";
import { busy, field, formMessage, select, showProblem } from "./forms.js";
import { PRIORITIES, STATUSES, labelOf, tagsOf, whereQuery } from "./task_fields.js";
import { historyOf } from "./task_history.js";

const FIELDS = ["title", "description", "status", "priority", "due_at", "tags", "assignee_id"];

/** Editing one task: saved with If-Match, and a 412 shown as theirs against mine, with a choice. */
export class TaskEditor {
  constructor(task, list, mine) {
    this.task = task;
    this.list = list;
    this.opener = document.activeElement;
    this.conflict = h("div", { class: "conflict", hidden: true });
    this.form = this.#form();
    this.dialog = h("dialog", { class: "editor", "aria-labelledby": "editor-heading" }, this.form, historyOf(task, list.scope));
    this.dialog.addEventListener("close", () => {
      this.dialog.remove();
      // Back to where the person was; a redrawn task's own Edit button if the opener was replaced.
      const back = this.opener?.isConnected ? this.opener : list.list.querySelector(`li[data-id="${task.id}"] button`);
      back?.focus();
    });
    if (mine) {
      this.#fill({ ...task, ...mine });
      queueMicrotask(() => this.#conflict(mine));
    }
  }

  open() {
    document.body.append(this.dialog);
    this.dialog.showModal();
  }

  #form() {
    const task = this.task;
    const members = this.list.scope.members ?? (task.project_id ? null : undefined);
    const form = h(
      "form",
      { novalidate: true },
      h("h2", { id: "editor-heading" }, "Edit task"),
      this.conflict,
      field("Title", "title", { required: true, maxlength: "200", value: task.title }),
      field("Description", "description", h("textarea", { rows: "4", maxlength: "10000" }, task.description)),
      h(
        "div",
        { class: "row" },
        field("Status", "status", select(STATUSES, task.status)),
        field("Priority", "priority", select(PRIORITIES, task.priority)),
        field("Due", "due_at", { type: "datetime-local", value: localInput(task.due_at) }),
      ),
      field("Tags", "tags", { value: task.tags.join(", "), placeholder: "comma, separated" }),
      members ? field("Assignee", "assignee_id", select([["", "Nobody"], ...members.map((m) => [m.user_id, m.name])], task.assignee_id ?? "")) : null,
      formMessage(),
      h(
        "div",
        { class: "buttons" },
        h("button", { type: "button", onclick: () => this.dialog.close() }, "Cancel"),
        h("button", { type: "submit", class: "primary" }, "Save"),
      ),
    );
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.#save(this.#changes());
    });
    return form;
  }

  #values() {
    const values = this.form.elements;
    const entered = {
      title: values.title.value.trim(),
      description: values.description.value,
      status: values.status.value,
      priority: values.priority.value,
      due_at: fromLocalInput(values.due_at.value),
      tags: tagsOf(values.tags.value),
    };
    if (values.assignee_id) entered.assignee_id = values.assignee_id.value || null;
    return entered;
  }

  /** Only what the person changed: a field they left alone never overwrites someone else's. */
  #changes() {
    const entered = this.#values();
    const base = { ...this.task, due_at: fromLocalInput(localInput(this.task.due_at)) };
    return Object.fromEntries(Object.entries(entered).filter(([name, value]) => JSON.stringify(value) !== JSON.stringify(base[name])));
  }

  #fill(task) {
    const values = this.form.elements;
    values.title.value = task.title;
    values.description.value = task.description;
    values.status.value = task.status;
    values.priority.value = task.priority;
    values.due_at.value = localInput(task.due_at);
    values.tags.value = task.tags.join(", ");
    if (values.assignee_id) values.assignee_id.value = task.assignee_id ?? "";
  }

  async #save(changes) {
    if (!Object.keys(changes).length) {
      this.dialog.close();
      return;
    }
    let saved;
    try {
      saved = await busy(this.form, () =>
        api("PATCH", `tasks/${this.task.id}`, {
          json: changes,
          headers: { "If-Match": `"${this.task.version}"` },
          query: whereQuery(this.task),
        }),
      );
    } catch (error) {
      if (error.status === 412) {
        await this.#conflict(changes);
        return;
      }
      showProblem(this.form, error);
      return;
    }
    this.list.saved(saved);
    this.list.notify(`Saved “${saved.title}”.`);
    this.dialog.close();
  }

  /** Someone else saved first: show their version beside mine and let the person choose. */
  async #conflict(mine) {
    let theirs;
    try {
      theirs = await api("GET", `tasks/${this.task.id}`, { query: whereQuery(this.task) });
    } catch (error) {
      if (!(error instanceof ApiError) || error.status !== 404) throw error;
      replace(this.conflict, h("p", { role: "alert" }, "This task was deleted elsewhere while you edited it; your changes cannot be saved."));
      this.conflict.hidden = false;
      return;
    }
    const show = (name, task) => {
      const value = task[name];
      if (name === "due_at") return value ? when(value) : "none";
      if (name === "tags") return value.length ? value.join(", ") : "none";
      if (name === "assignee_id") return value ? this.list.scope.nameOf(value) : "nobody";
      if (name === "status") return labelOf(STATUSES, value);
      if (name === "priority") return labelOf(PRIORITIES, value);
      return value === "" ? "empty" : String(value);
    };
    const differing = FIELDS.filter((name) => name in mine || JSON.stringify(theirs[name]) !== JSON.stringify(this.task[name]));
    const heading = uid("conflict");
    replace(
      this.conflict,
      h("h3", { id: heading }, "Changed elsewhere while you edited"),
      h("p", { role: "alert" }, `Someone saved a newer version (${theirs.version}) of this task. Choose which to keep.`),
      h(
        "table",
        { "aria-labelledby": heading },
        h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Field"), h("th", { scope: "col" }, "Newer version"), h("th", { scope: "col" }, "Yours"))),
        h(
          "tbody",
          {},
          differing.map((name) =>
            h("tr", {}, h("th", { scope: "row" }, name.replace("_id", "").replace("_at", "")), h("td", {}, show(name, theirs)), h("td", {}, show(name, { ...theirs, ...mine }))),
          ),
        ),
      ),
      h(
        "div",
        { class: "buttons" },
        h("button", { type: "button", onclick: () => this.#takeTheirs(theirs) }, "Use the newer version"),
        h("button", { type: "button", class: "primary", onclick: () => this.#keepMine(theirs, mine) }, "Save mine over it"),
      ),
    );
    this.conflict.hidden = false;
    this.conflict.querySelector("button").focus();
  }

  #takeTheirs(theirs) {
    this.task = theirs;
    this.#fill(theirs);
    this.conflict.hidden = true;
    this.list.saved(theirs);
    this.form.elements.title.focus();
  }

  #keepMine(theirs, mine) {
    this.task = theirs;
    this.conflict.hidden = true;
    this.#save(mine);
  }
}
