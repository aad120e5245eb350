// The screens before signing in: sign in, sign up, and a forgotten password.
import { api, signIn } from "./api.js";
import { h } from "./dom.js";
import { busy, field, formMessage, showProblem } from "./forms.js";

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
    field(
      "Password",
      "password",
      { type: "password", autocomplete: "new-password", required: true, minlength: "8" },
      "At least 8 characters, and not a common password.",
    ),
    formMessage(),
    submitButton("Create account"),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
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

export function resetScreen() {
  const done = h("p", { class: "notice", role: "status" });
  const request = h(
    "form",
    { novalidate: true },
    field("E-mail", "email", { type: "email", autocomplete: "email", required: true }),
    formMessage(),
    submitButton("Mail me a reset token"),
  );
  const confirm = h(
    "form",
    { novalidate: true },
    field("Token from the mail", "token", { required: true, autocomplete: "one-time-code" }),
    field("New password", "new_password", { type: "password", autocomplete: "new-password", required: true }),
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
    done.textContent = "If that address has an account, a mail with a token is on its way.";
    confirm.elements.token.focus();
  });
  confirm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const { token, new_password: password } = confirm.elements;
    try {
      await busy(confirm, () =>
        api("POST", "auth/password-reset/confirm", { json: { token: token.value.trim(), new_password: password.value } }),
      );
    } catch (error) {
      showProblem(confirm, error);
      return;
    }
    done.textContent = "Your password is changed. Sign in with it.";
    location.hash = "#/";
  });
  return screen(
    "Reset your password",
    request,
    done,
    h("h2", {}, "Have a token?"),
    confirm,
    h("p", { class: "switch" }, h("a", { href: "#/" }, "Back to sign in")),
  );
}
