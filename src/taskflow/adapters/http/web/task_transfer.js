// Import (with its job's progress and row errors) and export of a task list.
import { api } from "./api.js";
import { h, replace } from "./dom.js";
import { busy, field } from "./forms.js";

export function transferTools(list) {
  const progress = h("progress", { max: "1", value: "0", hidden: true, "aria-label": "Import progress" });
  const status = h("p", { class: "import-status", role: "status" });
  const errors = h("ul", { class: "import-errors" });
  const file = h("input", { type: "file", accept: ".csv,.jsonl,.ndjson,text/csv,application/x-ndjson" });
  const importForm = list.scope.projectId || list.scope.assignee
    ? null
    : h("form", { class: "import", "aria-labelledby": "import-heading" }, h("h3", { id: "import-heading" }, "Import"), field("CSV or JSON lines file", "file", file), h("button", { type: "submit" }, "Import"), progress, status, errors);
  importForm?.addEventListener("submit", async (event) => {
    event.preventDefault();
    const chosen = file.files[0];
    if (!chosen) {
      status.textContent = "Choose a file first.";
      return;
    }
    const type = /\.(jsonl|ndjson)$/i.test(chosen.name) ? "application/x-ndjson" : "text/csv";
    errors.replaceChildren();
    try {
      const job = await busy(importForm, () => api("POST", "tasks/import", { body: chosen, headers: { "Content-Type": type } }));
      await follow(list, job, progress, status, errors);
    } catch (error) {
      status.textContent = `Not imported: ${error.message}`;
    }
  });
  const exportButtons = [
    ["csv", "Export CSV"],
    ["jsonl", "Export JSON lines"],
  ].map(([format, text]) => h("button", { type: "button", onclick: () => exportTasks(list, format) }, text));
  return h(
    "section",
    { class: "tools", "aria-labelledby": "tools-heading" },
    h("h2", { id: "tools-heading" }, "Import and export"),
    importForm,
    h("div", { class: "export" }, h("h3", {}, "Export"), exportButtons),
  );
}

async function follow(list, job, progress, status, errors) {
  progress.hidden = false;
  while (job.state === "queued" || job.state === "running") {
    const { processed, total } = job.progress;
    progress.max = total || 1;
    progress.value = processed;
    status.textContent = total ? `Importing: ${processed} of ${total} rows…` : "Import queued…";
    await new Promise((resolve) => setTimeout(resolve, 500));
    job = await api("GET", `jobs/${job.id}`);
  }
  progress.max = job.progress.total || 1;
  progress.value = job.progress.processed;
  status.textContent =
    job.state === "succeeded"
      ? `Import finished: ${job.created} created, ${job.failed} failed.`
      : `Import failed: ${job.reason ?? "unknown reason"}.`;
  replace(errors, job.errors.map((row) => h("li", {}, `Row ${row.row}${row.field ? ` (${row.field})` : ""}: ${row.message}`)));
  list.load(true);
  list.refreshStats();
}

async function exportTasks(list, format) {
  try {
    const response = await api("GET", "tasks/export", { query: { format, project_id: list.scope.projectId }, raw: true });
    const blob = await response.blob();
    const link = h("a", { href: URL.createObjectURL(blob), download: `tasks.${format}`, hidden: true });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
    list.notify(`Exported as tasks.${format}.`);
  } catch (error) {
    list.notify(`Not exported: ${error.message}`);
  }
}
