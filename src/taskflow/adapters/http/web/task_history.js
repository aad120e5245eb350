// A task's history in its editor: who changed what, newest first, loaded when opened.
import { api } from "./api.js";
import { h, replace, when } from "./dom.js";
import { PRIORITIES, STATUSES, labelOf, whereQuery } from "./task_fields.js";

const PAGE_SIZE = 20;
const DONE = {
  created: "created it",
  updated: "changed it",
  completed: "completed it",
  reopened: "reopened it",
  assigned: "assigned it",
  unassigned: "unassigned it",
  moved: "moved it",
};
const LABELS = { title: "Title", description: "Description", status: "Status", priority: "Priority", due_at: "Due", tags: "Tags", assignee_id: "Assignee", project_id: "Place" };

/** `scope` names people and projects as the list shows them (`nameOf`, `projectName`). */
export function historyOf(task, scope) {
  const list = h("ol", { class: "history-entries" });
  const state = h("p", { class: "list-state", role: "status" });
  const more = h("button", { type: "button", hidden: true }, "Older");
  const section = h("details", { class: "history" }, h("summary", {}, "History"), state, list, more);
  let cursor = null;
  let loaded = false;

  const shown = (name, value) => {
    if (value === null || value === undefined || value === "") return name === "assignee_id" ? "nobody" : name === "project_id" ? "your own tasks" : "none";
    if (name === "status") return labelOf(STATUSES, value);
    if (name === "priority") return labelOf(PRIORITIES, value);
    if (name === "due_at") return when(value);
    if (name === "tags") return value.length ? value.join(", ") : "none";
    if (name === "assignee_id") return scope.nameOf(value);
    if (name === "project_id") return scope.projectName(value);
    return `“${value}”`;
  };

  const entry = (item) =>
    h(
      "li",
      {},
      h("p", {}, h("strong", {}, item.actor?.name ?? "taskflow"), ` ${DONE[item.kind] ?? "changed it"} · `, h("time", { datetime: item.at }, when(item.at))),
      item.changes.length
        ? h(
            "ul",
            { class: "history-changes" },
            item.changes.map((change) =>
              h("li", {}, `${LABELS[change.field] ?? change.field}: ${shown(change.field, change.from)} → ${shown(change.field, change.to)}`, change.truncated ? " (cut short)" : ""),
            ),
          )
        : null,
    );

  const load = async () => {
    state.textContent = "Loading…";
    more.disabled = true;
    try {
      const page = await api("GET", `tasks/${task.id}/activity`, { query: { ...whereQuery(task), limit: PAGE_SIZE, cursor } });
      list.append(...page.items.map(entry));
      cursor = page.next_cursor;
      more.hidden = !cursor;
      state.textContent = list.children.length ? "" : "No history yet: it is written a moment after each change.";
    } catch (error) {
      state.textContent = `The history could not be loaded: ${error.message}`;
    } finally {
      more.disabled = false;
    }
  };
  more.addEventListener("click", load);
  section.addEventListener("toggle", () => {
    if (section.open && !loaded) {
      loaded = true;
      replace(list);
      load();
    }
  });
  return section;
}
