"""Settings: production defaults meet their sources, and bad configuration fails fast."""

from __future__ import annotations

import pytest

from taskflow.settings import Limit, Settings, SettingsError

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
