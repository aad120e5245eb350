// The page: which screen the address asks for, the signed-in shell around it, and the live
// stream that keeps whatever is shown current. It talks to the REST API and nothing else.
import { resetScreen, signInScreen, signUpScreen, verifyScreen } from "./account.js";
import { api, onSignedOut, signOut, token, trade } from "./api.js";
import { announce, h, replace } from "./dom.js";
import { LiveTasks } from "./live.js";
import { Bell, Inbox, settingsForm } from "./notifications.js";
import { membersPanel, newProjectForm } from "./projects.js";
import { TaskList } from "./tasks.js";

const root = document.getElementById("app");
const session = { me: null, projects: [], live: null, view: null, shell: null, bell: null };
let sessionless = false; // the cookie was tried and named no session: moving between the signed-out screens needs no new try
let pendingInvitation = null; // an invitation link opened while signed out: shown once signed in or up

function notifier() {
  return h("p", { class: "visually-hidden", role: "status", "aria-live": "polite" });
}

const status = notifier();
const notify = (message) => announce(status, message);

/** What the address asks for: `#/`, `#/assigned`, `#/projects/<id>[/<task>]`, `#/task/<id>`, `#/notifications`, … */
function where() {
  const [, first = "", second = "", third = ""] = location.hash.replace(/^#/, "").split("/");
  return { page: first, id: decodeURIComponent(second), task: decodeURIComponent(third) };
}

async function route() {
  const { page, id, task } = where();
  if ((page === "verify" || page === "reset") && id) {
    // A mailed link: it works the same signed in or out, and names its account itself.
    showMailedLink(page, id);
    return;
  }
  if (!token() && (sessionless || !(await trade()))) {
    sessionless = true;
    if (page === "invitations") pendingInvitation = id;
    showSignedOut(page);
    return;
  }
  sessionless = false;
  if (!session.me) await enter();
  else if (!root.contains(session.shell)) replace(root, session.shell, status); // back from a mailed link's page
  const waiting = pendingInvitation;
  pendingInvitation = null;
  if (waiting && page !== "invitations") location.hash = `#/invitations/${encodeURIComponent(waiting)}`; // routes again
  else if (page === "invitations") showInvitation(id);
  else if (page === "notifications") showInbox();
  else if (page === "account") await showAccount();
  else if (page === "task") await showList("", "", id);
  else await showList(page, id, task);
}

function showSignedOut(page) {
  const done = () => route();
  const screen = page === "signup" ? signUpScreen({ onSignedIn: done }) : page === "reset" ? resetScreen({ onDone: reset }) : signInScreen({ onSignedIn: done });
  show(screen, "taskflow: sign in");
}

function showMailedLink(page, token) {
  const screen = page === "verify" ? verifyScreen(token) : resetScreen({ token, onDone: reset });
  show(screen, page === "verify" ? "taskflow: confirm your address" : "taskflow: choose a new password");
}

/** A password was reset: every session of the account ended, this page's too, so sign in again. */
async function reset(message) {
  await signOut().catch(() => {}); // the sign-in screen follows (onSignedOut)
  sessionless = true;
  history.replaceState(null, "", "#/");
  notify(message);
}

function show(screen, title) {
  replace(root, screen, status);
  document.title = title;
  (screen.querySelector("input") ?? screen).focus();
}

/** Signed in: who this is, the shell and the live stream (each screen then loads the projects). */
async function enter() {
  session.me = await api("GET", "users/me");
  session.bell = new Bell();
  session.shell = shell();
  session.bell.refresh();
  session.live = new LiveTasks({
    onEvent: (event) => {
      if (event.type === "notification.created") {
        session.bell.bump();
        if (session.view instanceof Inbox) session.view.apply(event.data);
        return;
      }
      if (event.type === "reset") session.bell.refresh();
      session.view?.apply?.(event);
    },
    onState: (state) => {
      const live = session.shell?.querySelector(".live");
      if (!live) return;
      live.textContent = { live: "Live", reconnecting: "Reconnecting…", off: "Offline" }[state];
      live.dataset.state = state;
    },
  }).start();
  replace(root, session.shell, status);
}

function leave() {
  session.live?.stop();
  Object.assign(session, { me: null, projects: [], live: null, view: null, shell: null, bell: null });
}

onSignedOut(() => {
  leave();
  // Nothing of the account stays in the page: not in the DOM, not in memory.
  showSignedOut("");
});

function shell() {
  const main = h("main", { id: "main", tabindex: "-1" });
  const signOutButton = h("button", { type: "button", class: "sign-out" }, "Sign out");
  signOutButton.addEventListener("click", async () => {
    signOutButton.disabled = true;
    await signOut().catch(() => {});
    history.replaceState(null, "", "#/");
  });
  return h(
    "div",
    { class: "shell" },
    h("a", { class: "skip", href: "#main", onclick: (event) => { event.preventDefault(); main.focus(); } }, "Skip to the tasks"),
    h(
      "header",
      { class: "topbar" },
      h("a", { class: "brand", href: "#/" }, "taskflow"),
      h("span", { class: "live", "data-state": "reconnecting" }, "Connecting…"),
      session.bell.element,
      h("a", { class: "who", href: "#/account", "data-href": "#/account" }, session.me.name),
      signOutButton,
    ),
    h("div", { class: "layout" }, h("nav", { class: "sidebar", "aria-label": "Lists and projects" }, sidebar()), main),
  );
}

function sidebar() {
  const link = (href, text, extra) => h("li", {}, h("a", { href, "data-href": href }, text, extra ? h("span", { class: "role" }, extra) : null));
  return [
    h("ul", { class: "lists" }, link("#/", "My tasks"), link("#/assigned", "Assigned to me")),
    h("h2", {}, "Projects"),
    session.projects.length
      ? h("ul", { class: "projects" }, session.projects.map((p) => link(`#/projects/${p.id}`, p.name, p.role)))
      : h("p", { class: "hint" }, "No projects yet."),
    newProjectForm((project) => {
      session.projects.push(project);
      refreshSidebar();
      location.hash = `#/projects/${project.id}`;
      notify(`Created ${project.name}.`);
    }),
  ];
}

function refreshSidebar() {
  const nav = session.shell.querySelector(".sidebar");
  replace(nav, sidebar());
  markCurrent();
}

async function reloadProjects() {
  session.projects = (await api("GET", "projects")).items;
  refreshSidebar();
}

function markCurrent() {
  const here = location.hash || "#/";
  for (const anchor of session.shell.querySelectorAll("a[data-href]")) {
    if (anchor.dataset.href === here) anchor.setAttribute("aria-current", "page");
    else anchor.removeAttribute("aria-current");
  }
}

/** A list; with `taskId`, that task's editor open over it (a notification's link). */
async function showList(page, id, taskId) {
  const main = session.shell.querySelector("main");
  // Roles and memberships change elsewhere too: each list starts from the current ones.
  await reloadProjects();
  const project = page === "projects" ? session.projects.find((p) => p.id === id) : null;
  if (page === "projects" && !project) {
    replace(main, h("h1", { tabindex: "-1" }, "Project not found"), h("p", {}, "It does not exist, or you are not a member of it. ", h("a", { href: "#/" }, "Back to my tasks")));
    return focusHeading(main);
  }
  let members = null;
  if (project) {
    try {
      members = (await api("GET", `projects/${project.id}/members`)).items;
    } catch (error) {
      replace(main, h("h1", { tabindex: "-1" }, project.name), h("p", { class: "error", role: "alert" }, `The project could not be loaded: ${error.message}`));
      return focusHeading(main);
    }
  }
  const title = project ? project.name : page === "assigned" ? "Assigned to me" : "My tasks";
  const list = new TaskList(
    {
      title,
      projectId: project?.id,
      assignee: page === "assigned" ? "me" : undefined,
      me: session.me,
      members,
      roleIn: (projectId) => session.projects.find((p) => p.id === projectId)?.role ?? "viewer",
      projectName: (projectId) => session.projects.find((p) => p.id === projectId)?.name ?? "a project",
      nameOf(userId) {
        if (userId === session.me.id) return "you";
        return this.members?.find((m) => m.user_id === userId)?.name ?? "another member";
      },
    },
    notify,
  );
  session.view = list;
  const heading = h("h1", { tabindex: "-1" }, title, project ? h("span", { class: "role" }, project.role) : null);
  const people = (roster) =>
    membersPanel({
      project,
      members: roster,
      me: session.me,
      notify,
      onChanged: async () => {
        // Only the panel is redrawn: whatever the person is typing into the task list stays.
        const fresh = (await api("GET", `projects/${project.id}/members`)).items;
        list.scope.members = fresh;
        const next = people(fresh);
        panel.replaceWith(next);
        panel = next;
      },
      onLeft: async () => {
        await reloadProjects();
        location.hash = "#/";
      },
    });
  let panel = project ? people(members) : null;
  replace(main, heading, h("div", { class: project ? "with-panel" : "" }, list.element, panel));
  document.title = `${title} · taskflow`;
  markCurrent();
  focusHeading(main);
  if (taskId) await list.open(taskId);
}

function showInbox() {
  const main = session.shell.querySelector("main");
  reloadProjects().catch(() => {}); // the sidebar only
  const inbox = new Inbox({ bell: session.bell, notify });
  session.view = inbox;
  replace(main, h("h1", { tabindex: "-1" }, "Notifications"), inbox.element);
  document.title = "Notifications · taskflow";
  markCurrent();
  focusHeading(main);
}

async function showAccount() {
  const main = session.shell.querySelector("main");
  reloadProjects().catch(() => {}); // the sidebar only
  session.view = null;
  replace(main, h("h1", { tabindex: "-1" }, "Your account"), h("p", {}, `${session.me.name} · ${session.me.email}`), await settingsForm({ notify }));
  document.title = "Your account · taskflow";
  markCurrent();
  focusHeading(main);
}

function focusHeading(main) {
  main.querySelector("h1")?.focus();
}

function showInvitation(invitation) {
  const main = session.shell.querySelector("main");
  reloadProjects().catch(() => {}); // the sidebar only
  const message = h("p", { role: "status" });
  const accept = h("button", { type: "button", class: "primary" }, "Accept the invitation");
  accept.addEventListener("click", async () => {
    accept.disabled = true;
    try {
      const project = await api("POST", `invitations/${encodeURIComponent(invitation)}/accept`);
      await reloadProjects();
      location.hash = `#/projects/${project.id}`;
      notify(`You joined ${project.name}.`);
    } catch (error) {
      accept.disabled = false;
      message.textContent = `Not accepted: ${error.message}`;
    }
  });
  replace(main, h("h1", { tabindex: "-1" }, "An invitation"), h("p", {}, `Signed in as ${session.me.email}. The invitation must be for this address.`), accept, message);
  session.view = null;
  focusHeading(main);
}

// A page restored from the back-forward cache may be from before a sign-out: start again.
window.addEventListener("pageshow", (event) => {
  if (event.persisted) location.reload();
});
window.addEventListener("hashchange", () => route().catch(fail));

function fail(error) {
  replace(root, h("main", { id: "main", class: "auth" }, h("h1", {}, "Something went wrong"), h("p", { role: "alert" }, error.message), h("button", { type: "button", onclick: () => location.reload() }, "Reload")));
}

route().catch(fail);
