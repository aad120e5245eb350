"""`taskflow dev --tls`: HTTPS through HAProxy with the certificate it made, as a person's browser meets it."""

from __future__ import annotations

import signal
import socket
import ssl
import uuid
from pathlib import Path

import httpx

from taskflow.entrypoints.processes import free_port
from tests.system.devstack import PASSWORD, DevStack, mail_to

WEB = {"X-Taskflow-Web": "1"}


def _web_sign_in(client: httpx.Client, email: str) -> httpx.Response:
    signed_in = client.post("/api/v1/auth/web/login", json={"email": email, "password": PASSWORD}, headers=WEB)
    assert signed_in.status_code == 200, signed_in.text
    return signed_in


def test_dev_tls_serves_http2_with_hsts_a_secure_cookie_and_mails_linking_to_https(folder: Path) -> None:
    port, tls_port = free_port(), free_port()
    stack = DevStack(folder, port, "--tls", TASKFLOW_TLS_PORT=str(tls_port))
    certificate = folder / ".taskflow" / "tls" / "taskflow.crt"
    output = stack.log.read_text()
    assert f"made a self-signed certificate for 127.0.0.1 and localhost: {certificate}" in output
    assert f"  https     https://127.0.0.1:{tls_port}/  (self-signed, made on first start: {certificate};" in output
    trusted = ssl.create_default_context(cafile=str(certificate))

    trusted.set_alpn_protocols(["h2", "http/1.1"])
    with (
        socket.create_connection(("127.0.0.1", tls_port), timeout=5) as raw,
        trusted.wrap_socket(raw, server_hostname="127.0.0.1") as tls,
    ):
        assert tls.selected_alpn_protocol() == "h2"

    email = f"ada-{uuid.uuid4().hex[:8]}@example.com"
    over_https = ssl.create_default_context(cafile=str(certificate))
    with httpx.Client(base_url=f"https://127.0.0.1:{tls_port}", verify=over_https, timeout=10) as https:
        registered = https.post("/api/v1/auth/register", json={"email": email, "password": PASSWORD, "name": "Ada"})
        assert registered.status_code == 201, registered.text
        signed_in = _web_sign_in(https, email)
        cookie = {part.strip().lower() for part in signed_in.headers["set-cookie"].split(";")}
        assert {"secure", "httponly", "samesite=strict"} <= cookie
        assert signed_in.headers["strict-transport-security"] == "max-age=63072000"
    with httpx.Client(base_url=stack.url, timeout=10) as plain:  # the same stack over HTTP: no HSTS, no Secure
        signed_in = _web_sign_in(plain, email)
        assert "secure" not in signed_in.headers["set-cookie"].lower()
        assert "strict-transport-security" not in signed_in.headers
    assert f"https://127.0.0.1:{tls_port}/#/verify/".encode() in mail_to(folder, email)  # the welcome mail's link
    stack.stop(signal.SIGTERM)

    again = DevStack(folder, port, "--tls", TASKFLOW_TLS_PORT=str(tls_port))  # the certificate is kept
    assert "made a self-signed certificate" not in again.log.read_text()
    again.stop(signal.SIGTERM)
