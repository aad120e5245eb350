// The REST API, as the page uses it. The access token lives in this module only: never in
// storage. A reload trades the HttpOnly session cookie for a new one (decision 0035).

const WEB = { "X-Taskflow-Web": "1" };
let accessToken = null;
let trading = null;
const signedOutListeners = new Set();

/** A problem+json answer (or a network failure, status 0), with its field errors. */
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || (status ? `The server answered ${status}` : "The server could not be reached"));
    this.status = status;
    this.problem = problem;
  }
}

export function onSignedOut(listener) {
  signedOutListeners.add(listener);
}

export function token() {
  return accessToken;
}

async function problemOf(response) {
  const type = response.headers.get("content-type") || "";
  if (type.includes("json")) {
    try {
      return await response.json();
    } catch {
      return null;
    }
  }
  return null;
}

async function send(url, init) {
  try {
    return await fetch(url, { credentials: "same-origin", cache: "no-store", ...init });
  } catch (error) {
    if (error.name === "AbortError") throw error;
    throw new ApiError(0, null);
  }
}

/** Signs in (or trades the cookie); false when the server says there is no session (204). */
async function tokenCall(path, body) {
  const init = { method: "POST", headers: { ...WEB } };
  if (body) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const response = await send(`/api/v1/auth/web/${path}`, init);
  if (!response.ok) throw new ApiError(response.status, await problemOf(response));
  accessToken = response.status === 204 ? null : (await response.json()).access_token;
  return accessToken !== null;
}

/**
 * The session cookie for a fresh access token; false when there is none (no failing request:
 * a signed-out first visit logs no error). Tabs of one
 * browser share the cookie and it rotates on each trade, so a Web Lock lets one trade at a time.
 */
export function trade() {
  trading ??= (async () => {
    const attempt = () => tokenCall("token");
    try {
      return navigator.locks ? await navigator.locks.request("taskflow-session", attempt) : await attempt();
    } finally {
      trading = null;
    }
  })();
  return trading;
}

export async function signIn(email, password) {
  await tokenCall("login", { email, password });
}

export async function signOut() {
  accessToken = null;
  try {
    await send("/api/v1/auth/web/logout", { method: "POST", headers: { ...WEB } });
  } finally {
    lost();
  }
}

/** The session is over (signed out here, or refused): the token goes, and the page is told. */
function lost() {
  accessToken = null;
  for (const listener of signedOutListeners) listener();
}

/**
 * One API call: JSON in and out, the bearer token added, one retry after trading the cookie
 * when the access token has expired. Throws ApiError with the problem on any error status.
 */
export async function api(method, path, { query, json, body, headers = {}, raw = false, signal } = {}) {
  let url = path.startsWith("/") ? path : `/api/v1/${path}`;
  if (query) {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) {
      if (value !== undefined && value !== null && value !== "") params.append(key, value);
    }
    const text = params.toString();
    if (text) url += `?${text}`;
  }
  const init = { method, headers: { Accept: "application/json, application/problem+json", ...headers }, signal };
  if (json !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(json);
  } else if (body !== undefined) {
    init.body = body;
  }
  for (let attempt = 0; ; attempt += 1) {
    if (accessToken) init.headers.Authorization = `Bearer ${accessToken}`;
    const response = await send(url, init);
    if (response.status === 401 && attempt === 0 && (await trade())) continue;
    if (response.status === 401) {
      lost();
      throw new ApiError(401, await problemOf(response));
    }
    if (!response.ok) throw new ApiError(response.status, await problemOf(response));
    if (raw) return response;
    if (response.status === 204) return null;
    return response.json();
  }
}
