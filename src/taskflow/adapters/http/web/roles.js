// Project roles, lowest first: each may do all that the ones below it may (decision 0028).

export const ROLES = ["viewer", "doer", "editor", "admin", "owner"];
export const ROLE_NAMES = { viewer: "Viewer", doer: "Doer", editor: "Editor", admin: "Admin", owner: "Owner" };

export const atLeast = (role, needed) => ROLES.indexOf(role) >= ROLES.indexOf(needed);

/** The roles below `role`, as [value, label] options: what an admin or owner may give. */
export const below = (role) => ROLES.slice(0, ROLES.indexOf(role)).map((name) => [name, ROLE_NAMES[name]]);
