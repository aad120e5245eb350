// The screens before signing in: sign in, sign up, a forgotten password, and the pages a
// mailed link opens (confirm an address, choose a new password).
import { api, signIn } from "./api.js";
import { h } from "./dom.js";
import { busy, field, formMessage, showProblem } from "./forms.js";

let rules = null;

/** What a new password must be, as the server checks it (asked once): the form says the same. */
function passwordRules() {
  rules ??= api("GET", "auth/password-rules").catch(() => {
    rules = null; // asked again next time; the server still checks
    return null;
  });
  return rules;
}

/** A password being chosen, its hint stating the server's rule once it is known. */
function newPasswordField(label, name) {
  const wrapper = field(label, name, { type: "password", autocomplete: "new-password", required: true }, "Not a common password.");
  passwordRules().then((known) => {
    if (!known) return;
    wrapper.querySelector("input").minLength = known.min_length;
    wrapper.querySelector(".hint").textContent = `At least ${known.min_length} characters, and not a common password.`;
  });
  return wrapper;
}

/** The server's length rule, checked before sending: a password too short is said so at its field. */
async function tooShort(form, name) {
  const known = await passwordRules();
  const length = [...form.elements[name].value].length; // characters, as the server counts them
  if (!known || length >= known.min_length) return false;
  const message = `At least ${known.min_length} characters, please: this one has ${length}.`;
  showProblem(form, { message, problem: { errors: [{ field: name, message }] } });
  return true;
}

function screen(title, ...content) {
  return h(
    "main",
    { id: "main", class: "auth", tabindex: "-1" },
    h("div", { class: "auth-card" }, h("p", { class: "brand" }, "taskflow"), h("h1", {}, title), content),
  );
}

function submitButton(label) {
  return h("button", { type: "submit", class: "primary" }, label);
}

export function signInScreen({ onSignedIn }) {
  const form = h(
    "form",
    { novalidate: true },
    field("E-mail", "email", { type: "email", autocomplete: "username", required: true }),
    field("Password", "password", { type: "password", autocomplete: "current-password", required: true }),
    formMessage(),
    submitButton("Sign in"),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const { email, password } = form.elements;
    try {
      await busy(form, () => signIn(email.value.trim(), password.value));
    } catch (error) {
      if (error.status === 401) error.message = "That e-mail and password do not match an account.";
      showProblem(form, error);
      return;
    }
    onSignedIn();
  });
  return screen(
    "Sign in",
    form,
    h(
      "p",
      { class: "switch" },
      "New here? ",
      h("a", { href: "#/signup" }, "Create an account"),
      " · ",
      h("a", { href: "#/reset" }, "Forgot your password?"),
    ),
  );
}

export function signUpScreen({ onSignedIn }) {
  const form = h(
    "form",
    { novalidate: true },
    field("Name", "name", { autocomplete: "name", required: true, maxlength: "100" }),
    field("E-mail", "email", { type: "email", autocomplete: "email", required: true }),
    newPasswordField("Password", "password"),
    formMessage(),
    submitButton("Create account"),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (await tooShort(form, "password")) return;
    const { name, email, password } = form.elements;
    const account = { name: name.value.trim(), email: email.value.trim(), password: password.value };
    try {
      await busy(form, async () => {
        await api("POST", "auth/register", { json: account });
        await signIn(account.email, account.password);
      });
    } catch (error) {
      showProblem(form, error);
      return;
    }
    onSignedIn();
  });
  return screen(
    "Create your account",
    form,
    h("p", { class: "switch" }, "Have an account? ", h("a", { href: "#/" }, "Sign in")),
  );
}

/** A forgotten password: ask for a mail; its link (`#/reset/<token>`) opens this screen with the token. */
export function resetScreen({ token = "", onDone }) {
  const done = h("p", { class: "notice", role: "status" });
  const request = h(
    "form",
    { novalidate: true },
    field("E-mail", "email", { type: "email", autocomplete: "email", required: true }),
    formMessage(),
    submitButton("Mail me a link"),
  );
  const confirm = h(
    "form",
    { novalidate: true },
    token ? null : field("Token from the mail", "token", { required: true, autocomplete: "one-time-code" }),
    newPasswordField("New password", "new_password"),
    formMessage(),
    submitButton("Set the new password"),
  );
  request.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await busy(request, () => api("POST", "auth/password-reset", { json: { email: request.elements.email.value.trim() } }));
    } catch (error) {
      showProblem(request, error);
      return;
    }
    done.textContent = "If that address has an account, a mail with a link is on its way: it works for 30 minutes.";
  });
  confirm.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (await tooShort(confirm, "new_password")) return;
    const given = token || confirm.elements.token.value.trim();
    try {
      await busy(confirm, () =>
        api("POST", "auth/password-reset/confirm", { json: { token: given, new_password: confirm.elements.new_password.value } }),
      );
    } catch (error) {
      if (error.problem?.type?.endsWith("/invalid-reset-token")) {
        error.message = "This link no longer works: it was used, or it is more than 30 minutes old. Ask for a new one.";
      }
      showProblem(confirm, error);
      return;
    }
    onDone("Your password is changed. Sign in with it.");
  });
  const back = h("p", { class: "switch" }, h("a", { href: "#/" }, "Back to sign in"));
  if (token) return screen("Choose a new password", confirm, h("p", { class: "switch" }, h("a", { href: "#/reset" }, "Ask for a new link")), back);
  return screen("Reset your password", request, done, h("h2", {}, "Have a token from another client?"), confirm, back);
}

/** The mailed link `#/verify/<token>`: the address is confirmed on opening it, signed in or not. */
export function verifyScreen(token) {
  const message = h("p", { class: "notice", role: "status" }, "Confirming your address…");
  api("POST", "auth/verify-email", { json: { token } }).then(
    () => {
      message.textContent = "Your address is confirmed. Thank you.";
    },
    (error) => {
      message.className = "form-error";
      message.setAttribute("role", "alert");
      message.textContent = error.problem?.type?.endsWith("/invalid-verification-token")
        ? "This link no longer works: it is more than 7 days old, or for an address the account no longer has."
        : `Your address could not be confirmed: ${error.message}`;
    },
  );
  return screen("Confirm your address", message, h("p", { class: "switch" }, h("a", { href: "#/" }, "Continue to taskflow")));
}
