// A project's people: members and their roles, invitations by e-mail, leaving, deleting.
import { api } from "./api.js";
import { h } from "./dom.js";
import { busy, confirmDialog, field, formMessage, select, showProblem } from "./forms.js";
import { ROLE_NAMES, ROLES, below } from "./roles.js";


/** `project`: as listed, with the caller's role; `members`: the roster; `me`: the account. */
export function membersPanel({ project, members, me, notify, onChanged, onLeft }) {
  const manages = project.role === "admin" || project.role === "owner";
  const list = h(
    "ul",
    { class: "members" },
    members.map((member) => memberItem(member)),
  );

  function memberItem(member) {
    const mine = member.user_id === me.id;
    const name = h("span", { class: "name" }, member.name || "(account being deleted)", mine ? " (you)" : "");
    const manageable = manages && !mine && ROLES.indexOf(member.role) < ROLES.indexOf(project.role);
    if (!manageable) {
      return h("li", {}, name, h("span", { class: "role" }, ROLE_NAMES[member.role]));
    }
    const role = select(below(project.role), member.role, { "aria-label": `Role of ${member.name}` });
    role.addEventListener("change", async () => {
      try {
        await api("PATCH", `projects/${project.id}/members/${member.user_id}`, { json: { role: role.value } });
        notify(`${member.name} is now ${ROLE_NAMES[role.value]}.`);
        onChanged();
      } catch (error) {
        role.value = member.role;
        notify(`Role not changed: ${error.message}`);
      }
    });
    const remove = h("button", { type: "button", class: "danger", "aria-label": `Remove ${member.name}` }, "Remove");
    remove.addEventListener("click", async () => {
      if (!(await confirmDialog(`Remove ${member.name} from ${project.name}?`, "Remove"))) return;
      try {
        await api("DELETE", `projects/${project.id}/members/${member.user_id}`);
        notify(`${member.name} was removed.`);
        onChanged();
      } catch (error) {
        notify(`Not removed: ${error.message}`);
      }
    });
    return h("li", {}, name, role, remove);
  }

  const invite = manages ? inviteForm(project, notify) : null;
  const leave =
    project.role === "owner"
      ? h("button", { type: "button", class: "danger", onclick: () => deleteProject(project, notify, onLeft) }, "Delete project")
      : h("button", { type: "button", class: "danger", onclick: () => leaveProject(project, notify, onLeft) }, "Leave project");
  return h(
    "section",
    { class: "members-panel", "aria-labelledby": "members-heading" },
    h("h2", { id: "members-heading" }, `Members (${members.length})`),
    list,
    invite,
    h("div", { class: "project-actions" }, leave),
  );
}

function inviteForm(project, notify) {
  const form = h(
    "form",
    { class: "invite", "aria-labelledby": "invite-heading", novalidate: true },
    h("h3", { id: "invite-heading" }, "Invite by e-mail"),
    h("div", { class: "row" }, field("E-mail", "email", { type: "email", required: true, autocomplete: "off" }), field("Role", "role", select(below(project.role), "doer"))),
    formMessage(),
    h("button", { type: "submit" }, "Send invitation"),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const { email, role } = form.elements;
    try {
      await busy(form, () => api("POST", `projects/${project.id}/invitations`, { json: { email: email.value.trim(), role: role.value } }));
    } catch (error) {
      showProblem(form, error);
      return;
    }
    notify(`Invitation to ${email.value.trim()} sent, as ${ROLE_NAMES[role.value]}.`);
    form.reset();
  });
  return form;
}

async function leaveProject(project, notify, onLeft) {
  if (!(await confirmDialog(`Leave ${project.name}? You will lose access to its tasks.`, "Leave"))) return;
  try {
    await api("POST", `projects/${project.id}/leave`);
  } catch (error) {
    notify(`Still a member: ${error.message}`);
    return;
  }
  notify(`You left ${project.name}.`);
  onLeft();
}

async function deleteProject(project, notify, onLeft) {
  if (!(await confirmDialog(`Delete ${project.name} and all of its tasks?`, "Delete project"))) return;
  try {
    await api("DELETE", `projects/${project.id}`, { headers: { "If-Match": `"${project.version}"` } });
  } catch (error) {
    notify(`Not deleted: ${error.message}`);
    return;
  }
  notify(`${project.name} was deleted.`);
  onLeft();
}

export function newProjectForm(onCreated) {
  const form = h(
    "form",
    { class: "new-project", "aria-labelledby": "new-project-heading", novalidate: true },
    h("h3", { id: "new-project-heading", class: "visually-hidden" }, "New project"),
    field("New project", "name", { required: true, maxlength: "100", autocomplete: "off" }),
    formMessage(),
    h("button", { type: "submit" }, "Create"),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    let project;
    try {
      project = await busy(form, () => api("POST", "projects", { json: { name: form.elements.name.value.trim() } }));
    } catch (error) {
      showProblem(form, error);
      return;
    }
    form.reset();
    onCreated(project);
  });
  return form;
}
