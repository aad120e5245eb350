// A task's fields as people read them: the choices, their labels, tags typed as text,
// and where a task is (the query a request about it carries).
export const STATUSES = [
  ["todo", "To do"],
  ["in_progress", "In progress"],
  ["done", "Done"],
];
export const PRIORITIES = [
  ["low", "Low"],
  ["medium", "Medium"],
  ["high", "High"],
  ["urgent", "Urgent"],
];

export const labelOf = (pairs, value) => pairs.find(([key]) => key === value)?.[1] ?? value;
export const tagsOf = (text) => [...new Set(text.split(",").map((tag) => tag.trim()).filter(Boolean))];
export const whereQuery = (task) => (task.project_id ? { project_id: task.project_id } : undefined);
