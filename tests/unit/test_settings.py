"""Settings: production defaults meet their sources, and bad configuration fails fast."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from taskflow.settings import Argon2Settings, Limit, RateLimits, Settings, SettingsError

BASE = {
    "TASKFLOW_MONGODB_URI": "mongodb://127.0.0.1:27017/?replicaSet=rs0",
    "TASKFLOW_REDIS_URL": "redis://127.0.0.1:6379/0",
    "TASKFLOW_JWT_SECRET": "s" * 32,
}


def test_production_argon2_cost_meets_the_owasp_floor() -> None:
    argon2 = Settings.from_env(BASE).argon2
    # OWASP Password Storage Cheat Sheet: argon2id, m >= 19 MiB, t >= 2, p = 1.
    assert argon2.memory_kib >= 19 * 1024
    assert argon2.time_cost >= 2
    assert argon2.parallelism == 1


def test_access_tokens_live_fifteen_minutes_by_default() -> None:
    assert Settings.from_env(BASE).access_token_ttl_seconds == 900


def test_a_short_signing_key_is_refused() -> None:
    with pytest.raises(SettingsError, match="at least 32 bytes"):
        Settings.from_env({**BASE, "TASKFLOW_JWT_SECRET": "s" * 31})


def test_missing_connection_strings_are_named() -> None:
    with pytest.raises(SettingsError, match="TASKFLOW_MONGODB_URI, TASKFLOW_REDIS_URL"):
        Settings.from_env({"TASKFLOW_JWT_SECRET": "s" * 32})


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("TASKFLOW_PORT", "eighty"),
        ("TASKFLOW_PORT", "0"),
        ("TASKFLOW_REQUEST_TIMEOUT_SECONDS", "-1"),
        ("TASKFLOW_TRACE_SAMPLE_RATIO", "1.5"),
        ("TASKFLOW_PASSWORD_MIN_LENGTH", "7"),
        ("TASKFLOW_LIMIT_LOGIN_PER_ACCOUNT", "10"),
        ("TASKFLOW_LIMIT_LOGIN_PER_ADDRESS", "0/60"),
        ("TASKFLOW_LIMIT_AUTH_PER_ADDRESS", "many/minute"),
        ("TASKFLOW_LIMIT_PER_USER", "-5/60"),
        ("TASKFLOW_TRUSTED_PROXIES", "10.0.0.1, haproxy"),
    ],
)
def test_malformed_numbers_are_named(name: str, value: str) -> None:
    with pytest.raises(SettingsError, match=name):
        Settings.from_env({**BASE, name: value})


def test_the_secret_never_appears_in_the_repr() -> None:
    assert "s" * 32 not in repr(Settings.from_env(BASE))


def test_cors_origins_are_a_comma_separated_list() -> None:
    settings = Settings.from_env({**BASE, "TASKFLOW_CORS_ORIGINS": "https://a.example, https://b.example"})
    assert settings.cors_origins == ("https://a.example", "https://b.example")


def test_auth_defaults_follow_the_design_and_nist() -> None:
    settings = Settings.from_env(BASE)
    assert settings.password_min_length == 15  # NIST SP 800-63B-4, single-factor
    assert settings.rate_limits.login_failures_per_account == Limit(10, 900)
    assert settings.rate_limits.auth_requests_per_address == Limit(120, 60)
    assert settings.rate_limits.requests_per_user == Limit(1000, 3600)
    assert settings.trusted_proxies == ()


def test_limits_and_trusted_proxies_are_read_from_the_environment() -> None:
    settings = Settings.from_env(
        {
            **BASE,
            "TASKFLOW_LIMIT_LOGIN_PER_ACCOUNT": "5/300",
            "TASKFLOW_LIMIT_PER_USER": "50/60",
            "TASKFLOW_TRUSTED_PROXIES": "10.0.0.0/8, ::1",
        }
    )
    assert settings.rate_limits.login_failures_per_account == Limit(5, 300)
    assert settings.rate_limits.requests_per_user == Limit(50, 60)
    assert settings.trusted_proxies == ("10.0.0.0/8", "::1")


class _Recording(dict[str, str]):
    """An environment that remembers every name it was asked for."""

    def __init__(self, values: Mapping[str, str]) -> None:
        super().__init__(values)
        self.asked: set[str] = set()

    def get(self, key: str, default: Any = None) -> Any:
        self.asked.add(key)
        return super().get(key, default)

    def __getitem__(self, key: str) -> str:
        self.asked.add(key)
        return super().__getitem__(key)


def test_settings_go_to_the_environment_and_come_back_the_same() -> None:
    settings = Settings(
        mongodb_uri="mongodb://db:27017/?replicaSet=rs0",
        mongodb_database="elsewhere",
        redis_url="redis://cache:6379/3",
        jwt_secret="k" * 40,
        access_token_ttl_seconds=60,
        password_min_length=20,
        rate_limits=RateLimits(requests_per_user=Limit(7, 70), login_failures_per_address=Limit(3, 30)),
        trusted_proxies=("10.0.0.0/8", "::1"),
        argon2=Argon2Settings(memory_kib=64, time_cost=1, parallelism=2, max_concurrent=8),
        home="/var/lib/taskflow",
        port=9000,
        cors_origins=("https://a.example", "https://b.example"),
        request_timeout_seconds=2.5,
        drain_seconds=0.0,
        log_level="debug",
        log_json=False,
        otlp_endpoint="http://collector:4318/v1/traces",
        trace_sample_ratio=1.0,
    )
    env = _Recording(settings.to_env())
    assert Settings.from_env(env) == settings
    assert set(env) == env.asked  # each variable read is written, and no other


def test_the_defaults_go_to_the_environment_and_come_back_the_same() -> None:
    defaults = Settings.from_env(BASE)
    assert Settings.from_env(defaults.to_env()) == defaults


def test_settings_built_directly_are_held_to_the_same_bounds() -> None:
    with pytest.raises(SettingsError, match="TASKFLOW_PORT must be at least 1"):
        dataclasses.replace(Settings.from_env(BASE), port=0)
    with pytest.raises(SettingsError, match="TASKFLOW_ARGON2_TIME_COST must be at least 1"):
        Argon2Settings(time_cost=0)


def test_every_setting_is_in_the_readme() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    undocumented = [name for name in Settings.from_env(BASE).to_env() if f"`{name}`" not in readme]
    assert undocumented == []
