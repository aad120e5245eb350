"""compose.yaml and the files it mounts, checked as text: no Docker runs on these machines."""

from __future__ import annotations

import ipaddress
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from taskflow.entrypoints.certificates import dev_certificate
from taskflow.entrypoints.proxy import TlsListener, dev_config, haproxy_binary, notice_seconds, with_check_interval
from taskflow.settings import PREFIX, Settings
from tests.conftest import proxy_server_timeout_seconds

ROOT = Path(__file__).resolve().parents[2]
COMPOSE: dict[str, Any] = yaml.safe_load((ROOT / "compose.yaml").read_text())
SERVICES: dict[str, dict[str, Any]] = COMPOSE["services"]
PINNED = re.compile(r"^[\w./-]+:v?\d+\.\d+\.\d+(-[\w.-]+)?$|@sha256:[0-9a-f]{64}$")
# Made by infra/mongo-rs/make-keyfile.sh and infra/haproxy/make-certificate.sh, never committed.
GENERATED = {"infra/mongo-rs/keyfile", "infra/haproxy/certs"}


REQUIRED_ENV = {
    PREFIX + "MONGODB_URI": "mongodb://x",
    PREFIX + "REDIS_URL": "redis://x",
    PREFIX + "JWT_SECRET": "s" * 40,
}


def _setting_names() -> set[str]:
    """Every variable taskflow reads (tests/unit/test_settings.py: exactly those `to_env` writes)."""
    return set(Settings.from_env(REQUIRED_ENV).to_env())


def _depends_on(service: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found = service.get("depends_on", {})
    return {name: {} for name in found} if isinstance(found, list) else found


def _profiles(service: dict[str, Any]) -> set[str]:
    return set(service.get("profiles", []))


def _environments() -> Iterator[tuple[str, str, str]]:
    for name, service in SERVICES.items():
        for key, value in (service.get("environment") or {}).items():
            yield name, key, str(value)


def test_every_service_it_depends_on_is_defined() -> None:
    for name, service in SERVICES.items():
        for needed in _depends_on(service):
            assert needed in SERVICES, f"{name} depends on undefined {needed}"


@pytest.mark.parametrize("profile", ["replica-set", "sharded"])
def test_each_profile_starts_on_its_own(profile: str) -> None:
    """A required dependency must run in the same profile (or in every profile)."""
    running = {name for name, service in SERVICES.items() if not _profiles(service) or profile in _profiles(service)}
    assert {"redis", "mail", "api1", "api2", "api3", "worker", "haproxy"} <= running
    assert any("migrate" in service.get("command", []) for name, service in SERVICES.items() if name in running)
    for name in running:
        for needed, condition in _depends_on(SERVICES[name]).items():
            if condition.get("required", True):
                assert needed in running, f"{name} needs {needed}, which {profile} does not start"


def test_the_replica_set_profile_is_the_default() -> None:
    assert "COMPOSE_PROFILES=replica-set" in (ROOT / ".env").read_text().splitlines()


def test_every_image_is_pinned_to_a_release() -> None:
    images = {name: service["image"] for name, service in SERVICES.items() if "image" in service}
    assert images
    for name, image in images.items():
        assert PINNED.search(image), f"{name}: {image} is not pinned"
    for line in (ROOT / "Dockerfile").read_text().splitlines():
        if line.startswith(("FROM ", "COPY --from=")):
            image = line.split()[1].removeprefix("--from=")
            assert PINNED.search(image), f"Dockerfile: {image} is not pinned"


def test_every_service_reports_its_health_except_one_shot_jobs() -> None:
    for name, service in SERVICES.items():
        if "migrate" in service.get("command", []):
            continue
        assert "healthcheck" in service, f"{name} has no health check"


def test_every_taskflow_variable_it_sets_is_a_real_setting() -> None:
    known = _setting_names()
    assert PREFIX + "REQUEST_TIMEOUT_SECONDS" in known  # the recorder sees optional names too
    seen = [(name, key) for name, key, _ in _environments() if key.startswith(PREFIX)]
    assert seen
    for name, key in seen:
        assert key in known, f"{name} sets {key}, which taskflow does not read"


def test_the_deadline_is_shorter_than_the_proxys_server_timeout() -> None:
    server_timeout = proxy_server_timeout_seconds()
    deadlines = {value for _, key, value in _environments() if key == PREFIX + "REQUEST_TIMEOUT_SECONDS"}
    assert deadlines
    assert all(float(deadline) < server_timeout for deadline in deadlines)


def test_a_draining_process_is_taken_out_by_haproxy_before_it_stops() -> None:
    haproxy = (ROOT / "infra/haproxy/haproxy.cfg").read_text()
    # Checks every 2 s, out after 2 failures; failing checks start at most one interval after the drain.
    assert notice_seconds(haproxy) == 6.0
    assert Settings.from_env(REQUIRED_ENV).drain_seconds >= notice_seconds(haproxy)
    with pytest.raises(ValueError, match="no check interval"):
        notice_seconds(haproxy.replace("inter 2s", ""))


def test_a_dev_stack_may_check_its_processes_more_often_and_then_drains_for_less() -> None:
    haproxy = (ROOT / "infra/haproxy/haproxy.cfg").read_text()
    faster = with_check_interval(haproxy, 500)
    assert "inter 500ms fall 2 rise 2" in faster
    assert faster.replace("inter 500ms", "inter 2s") == haproxy
    assert notice_seconds(faster) == 1.5
    with pytest.raises(ValueError, match="no check interval"):
        with_check_interval(haproxy.replace("inter 2s", ""), 500)


def test_haproxy_sends_traffic_to_each_api_service_and_only_those() -> None:
    haproxy = (ROOT / "infra/haproxy/haproxy.cfg").read_text()
    backends = set(re.findall(r"^\s*server \S+ ([\w-]+):8000", haproxy, re.MULTILINE))
    apis = {name for name, service in SERVICES.items() if "serve" in service.get("command", [])}
    assert len(apis) == 3
    assert backends == apis


def test_every_mounted_file_is_in_the_repository() -> None:
    for name, service in SERVICES.items():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if not source.startswith("./"):
                continue  # a named volume
            path = source.removeprefix("./")
            assert path in GENERATED or (ROOT / path).exists(), f"{name} mounts missing {path}"


def _haproxy_accepts(config: str) -> None:
    binary = haproxy_binary()
    if binary is None:
        pytest.skip("haproxy is not installed")
    checked = subprocess.run(  # noqa: S603 - Debian's haproxy checking a file we wrote
        [binary, "-c", "-f", "/dev/stdin"], input=config, capture_output=True, text=True, check=False
    )
    assert checked.returncode == 0, checked.stderr


def test_the_dev_proxy_keeps_every_rule_of_the_production_config_and_lists_its_processes() -> None:
    template = (ROOT / "infra/haproxy/haproxy.cfg").read_text()
    generated = dev_config(template, port=8000, backends=[9001, 9002], stats_port=9100)
    rules = [
        line.strip()
        for line in template.splitlines()
        if line.strip() and not line.strip().startswith(("server ", "bind ", "http-request redirect scheme"))
    ]
    assert all(rule in generated for rule in rules)
    binds = [line.strip() for line in generated.splitlines() if line.strip().startswith("bind ")]
    assert binds == ["bind 127.0.0.1:8000", "bind 127.0.0.1:9100"]  # no TLS unless asked; the stats page
    assert "redirect scheme https" not in generated  # the dev stack answers plain HTTP too
    servers = [line.strip() for line in generated.splitlines() if line.strip().startswith("server ")]
    assert servers == ["server api1 127.0.0.1:9001 check", "server api2 127.0.0.1:9002 check"]
    _haproxy_accepts(generated)


def test_the_dev_proxy_serves_tls_from_the_certificate_it_made(tmp_path: Path) -> None:
    certificate, made = dev_certificate(tmp_path / "tls")
    assert made
    assert dev_certificate(tmp_path / "tls") == (certificate, False)  # kept: made once
    template = (ROOT / "infra/haproxy/haproxy.cfg").read_text()
    generated = dev_config(
        template, port=8000, backends=[9001], stats_port=9100, tls=TlsListener(8443, certificate.bundle)
    )
    assert f"    bind 127.0.0.1:8443 ssl crt {certificate.bundle} alpn h2,http/1.1" in generated.splitlines()
    _haproxy_accepts(generated)


def test_the_api_processes_trust_haproxy_alone_and_link_mails_to_the_public_url() -> None:
    """HAProxy's fixed address on the stack's network is the one proxy trusted; the public URL is HTTPS."""
    address = SERVICES["haproxy"]["networks"]["default"]["ipv4_address"]
    subnet = COMPOSE["networks"]["default"]["ipam"]["config"][0]["subnet"]
    assert ipaddress.ip_address(address) in ipaddress.ip_network(subnet)
    for name, service in SERVICES.items():
        if "serve" not in service.get("command", []):
            continue
        environment = service["environment"]
        assert environment[PREFIX + "TRUSTED_PROXIES"] == address, name
        assert environment[PREFIX + "PUBLIC_URL"].startswith("${TASKFLOW_PUBLIC_URL:-https://"), name
        assert service["command"] == ["taskflow", "serve"], name  # one draining process per container
    mounts = SERVICES["haproxy"]["volumes"]
    assert "./infra/haproxy/certs:/usr/local/etc/haproxy/certs:ro" in mounts
    assert "8443:8443" in SERVICES["haproxy"]["ports"]
