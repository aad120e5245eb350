"""Settings from `TASKFLOW_*` environment variables, read once and validated at start-up."""

from __future__ import annotations

import ipaddress
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Final, TypeVar

from taskflow.domain.values import PASSWORD_MIN_LENGTH_FLOOR

PREFIX: Final = "TASKFLOW_"
ENV_FILE: Final = "env"
"""In `TASKFLOW_HOME`: the `TASKFLOW_*` values of the stack `taskflow dev` runs, for other commands to use."""
HS256_MIN_KEY_BYTES: Final = 32  # RFC 7518 §3.2: a key at least as long as the hash output


_N = TypeVar("_N", int, float)


class SettingsError(ValueError):
    """A setting is missing or malformed; the message names the variable."""


def _number(env: Mapping[str, str], name: str, default: _N, parse: Callable[[str], _N], minimum: _N) -> _N:
    raw = env.get(PREFIX + name)
    if raw is None or raw == "":
        return default
    try:
        value = parse(raw)
    except ValueError:
        kind = "a whole number" if parse is int else "a number"
        msg = f"{PREFIX}{name} must be {kind}, not {raw!r}"
        raise SettingsError(msg) from None
    if value < minimum:
        msg = f"{PREFIX}{name} must be at least {minimum}"
        raise SettingsError(msg)
    return value


def _int(env: Mapping[str, str], name: str, default: int, *, minimum: int = 0) -> int:
    return _number(env, name, default, int, minimum)


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    return _number(env, name, default, float, 0.001)


def _list(env: Mapping[str, str], name: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in env.get(PREFIX + name, "").split(",") if item.strip())


def _networks(env: Mapping[str, str], name: str) -> tuple[str, ...]:
    entries = _list(env, name)
    for entry in entries:
        try:
            ipaddress.ip_network(entry, strict=False)
        except ValueError:
            msg = f"{PREFIX}{name} must list IP addresses or CIDR networks, not {entry!r}"
            raise SettingsError(msg) from None
    return entries


@dataclass(frozen=True, slots=True)
class Limit:
    """`count` per `window_seconds`; written `count/seconds` in the environment."""

    count: int
    window_seconds: int

    @classmethod
    def parse(cls, env: Mapping[str, str], name: str, default: Limit) -> Limit:
        raw = env.get(PREFIX + name)
        if not raw:
            return default
        count, _, seconds = raw.partition("/")
        try:
            limit = cls(int(count), int(seconds))
        except ValueError:
            limit = cls(0, 0)
        if limit.count < 1 or limit.window_seconds < 1:
            msg = f"{PREFIX}{name} must be `count/seconds` with both at least 1, such as 10/900, not {raw!r}"
            raise SettingsError(msg)
        return limit


@dataclass(frozen=True, slots=True, kw_only=True)
class RateLimits:
    """Defaults: DESIGN.md §5; per-address failures allow a shared NAT some slack."""

    login_failures_per_account: Limit = Limit(10, 900)
    login_failures_per_address: Limit = Limit(100, 900)
    auth_requests_per_address: Limit = Limit(120, 60)
    """Register, login, token and refresh requests, whatever their outcome."""
    requests_per_user: Limit = Limit(1000, 3600)
    """Every signed-in request."""


_LIMITS: Final = RateLimits()


@dataclass(frozen=True, slots=True, kw_only=True)
class Argon2Settings:
    """argon2id cost.

    The defaults are the OWASP Password Storage Cheat Sheet's first recommended
    configuration (m=19 MiB, t=2, p=1); tests may pass cheaper ones.
    """

    memory_kib: int = 19_456
    time_cost: int = 2
    parallelism: int = 1
    max_concurrent: int = 4
    """How many hashes may run at once per process, so logins cannot starve it."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Settings:
    """Everything configurable. Build it with `from_env`, or directly in tests."""

    mongodb_uri: str
    """MongoDB connection string, with the replica-set name and read preference."""
    mongodb_database: str = "taskflow"
    """Database name inside the cluster."""
    redis_url: str
    """Redis URL for cache, rate limits, revocations and the arq queue."""
    smtp_url: str = "smtp://127.0.0.1:25"
    """Where mail goes: smtp://host:port."""
    jwt_secret: str = field(repr=False)
    """HS256 signing key, at least 32 bytes."""
    jwt_issuer: str = "taskflow"
    jwt_audience: str = "taskflow-api"
    access_token_ttl_seconds: int = 900
    """Access-token lifetime: 15 minutes keeps a stolen token short-lived."""
    refresh_token_idle_days: int = 14
    """A refresh token unused this long expires."""
    session_max_days: int = 30
    """A session ends this long after sign-in, however often it refreshes."""
    idempotency_hours: int = 24
    """How long the answer to a request with an Idempotency-Key is kept for its retries."""
    outbox_sweep_seconds: int = 30
    """How often the worker re-enqueues outbox entries that are still pending, and how old they must be."""
    import_max_bytes: int = 8_388_608
    """The largest import upload (8 MiB); stored in one MongoDB document, so under 16 MiB."""
    import_max_rows: int = 50_000
    job_timeout_seconds: int = 300
    """How long one run of a job may take before arq gives it to another worker."""
    stats_debounce_seconds: int = 5
    """Writes within this window share one background recompute of their owner's statistics."""
    reminder_lead_minutes: int = 60
    """A task not done is mailed about when its `due_at` is at most this far ahead."""
    reminder_interval_seconds: int = 60
    """How often the worker looks for tasks coming due."""
    cache_ttl_seconds: int = 300
    """How long a cached task or list page lives; a write by its owner drops it sooner."""
    stats_cache_seconds: int = 10
    """How long cached stats live: `overdue` changes as time passes, not only on writes."""
    password_min_length: int = 15
    """Minimum password length in characters (decision 0007: NIST's floor without MFA)."""
    rate_limits: RateLimits = field(default_factory=RateLimits)
    trusted_proxies: tuple[str, ...] = ()
    """Peers (IPs or CIDRs) whose X-Forwarded-For is believed: its last entry is the client."""
    argon2: Argon2Settings = field(default_factory=Argon2Settings)
    host: str = "127.0.0.1"
    port: int = 8000
    cors_origins: tuple[str, ...] = ()
    """Origins allowed by CORS; empty means CORS stays closed."""
    max_body_bytes: int = 1_048_576
    """Largest request body accepted, in bytes (413 beyond)."""
    request_timeout_seconds: float = 10.0
    """Deadline for all the database calls of one request, shorter than the proxy's server timeout."""
    redis_timeout_seconds: float = 0.5
    """Socket timeout for Redis: a stalled Redis must not stall requests."""
    api_processes: int = 2
    """How many API processes `taskflow dev` runs behind HAProxy (one, on the port itself, without haproxy)."""
    drain_seconds: float = 6.0
    """After SIGTERM, how long `serve` goes on answering (readiness 503) before it stops: longer
    than a load balancer needs to notice (HAProxy here: checks every 2 s, out after 2 failures)."""
    log_level: str = "info"
    log_json: bool = True
    otlp_endpoint: str = ""
    """OTLP/HTTP traces endpoint (e.g. http://collector:4318/v1/traces); empty records no new traces."""
    trace_sample_ratio: float = 0.1
    """Share of new traces recorded when an endpoint is set; a caller's sampled traceparent always is."""

    def __post_init__(self) -> None:
        if len(self.jwt_secret.encode()) < HS256_MIN_KEY_BYTES:
            msg = f"{PREFIX}JWT_SECRET must be at least {HS256_MIN_KEY_BYTES} bytes for HS256"
            raise SettingsError(msg)
        if self.password_min_length < PASSWORD_MIN_LENGTH_FLOOR:
            msg = f"{PREFIX}PASSWORD_MIN_LENGTH must be at least {PASSWORD_MIN_LENGTH_FLOOR}"
            raise SettingsError(msg)
        if not 0.0 <= self.trace_sample_ratio <= 1.0:
            msg = f"{PREFIX}TRACE_SAMPLE_RATIO must be between 0 and 1"
            raise SettingsError(msg)
        if not self.mongodb_uri.startswith(("mongodb://", "mongodb+srv://")):
            msg = f"{PREFIX}MONGODB_URI must be a mongodb:// or mongodb+srv:// URI"
            raise SettingsError(msg)
        if not self.redis_url.startswith(("redis://", "rediss://", "unix://")):
            msg = f"{PREFIX}REDIS_URL must be a redis:// URL"
            raise SettingsError(msg)

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Settings:
        """The only reader of the environment; fails with one message naming the variable."""
        missing = [name for name in ("MONGODB_URI", "REDIS_URL") if not env.get(PREFIX + name)]
        if missing:
            msg = f"set {', '.join(PREFIX + m for m in missing)} (or run `taskflow dev`, which starts them)"
            raise SettingsError(msg)
        secret = env.get(PREFIX + "JWT_SECRET") or ""
        if not secret:
            msg = f"set {PREFIX}JWT_SECRET to a random string of at least {HS256_MIN_KEY_BYTES} bytes"
            raise SettingsError(msg)
        return cls(
            mongodb_uri=env[PREFIX + "MONGODB_URI"],
            mongodb_database=env.get(PREFIX + "MONGODB_DATABASE") or "taskflow",
            redis_url=env[PREFIX + "REDIS_URL"],
            smtp_url=env.get(PREFIX + "SMTP_URL") or "smtp://127.0.0.1:25",
            jwt_secret=secret,
            jwt_issuer=env.get(PREFIX + "JWT_ISSUER") or "taskflow",
            jwt_audience=env.get(PREFIX + "JWT_AUDIENCE") or "taskflow-api",
            access_token_ttl_seconds=_int(env, "ACCESS_TOKEN_TTL_SECONDS", 900, minimum=1),
            refresh_token_idle_days=_int(env, "REFRESH_TOKEN_IDLE_DAYS", 14, minimum=1),
            session_max_days=_int(env, "SESSION_MAX_DAYS", 30, minimum=1),
            idempotency_hours=_int(env, "IDEMPOTENCY_HOURS", 24, minimum=1),
            outbox_sweep_seconds=_int(env, "OUTBOX_SWEEP_SECONDS", 30, minimum=1),
            import_max_bytes=_int(env, "IMPORT_MAX_BYTES", 8_388_608, minimum=1024),
            import_max_rows=_int(env, "IMPORT_MAX_ROWS", 50_000, minimum=1),
            job_timeout_seconds=_int(env, "JOB_TIMEOUT_SECONDS", 300, minimum=1),
            stats_debounce_seconds=_int(env, "STATS_DEBOUNCE_SECONDS", 5, minimum=1),
            reminder_lead_minutes=_int(env, "REMINDER_LEAD_MINUTES", 60, minimum=1),
            reminder_interval_seconds=_int(env, "REMINDER_INTERVAL_SECONDS", 60, minimum=1),
            cache_ttl_seconds=_int(env, "CACHE_TTL_SECONDS", 300, minimum=1),
            stats_cache_seconds=_int(env, "STATS_CACHE_SECONDS", 10, minimum=1),
            password_min_length=_int(env, "PASSWORD_MIN_LENGTH", 15, minimum=PASSWORD_MIN_LENGTH_FLOOR),
            rate_limits=RateLimits(
                login_failures_per_account=Limit.parse(
                    env, "LIMIT_LOGIN_PER_ACCOUNT", _LIMITS.login_failures_per_account
                ),
                login_failures_per_address=Limit.parse(
                    env, "LIMIT_LOGIN_PER_ADDRESS", _LIMITS.login_failures_per_address
                ),
                auth_requests_per_address=Limit.parse(env, "LIMIT_AUTH_PER_ADDRESS", _LIMITS.auth_requests_per_address),
                requests_per_user=Limit.parse(env, "LIMIT_PER_USER", _LIMITS.requests_per_user),
            ),
            trusted_proxies=_networks(env, "TRUSTED_PROXIES"),
            argon2=Argon2Settings(
                memory_kib=_int(env, "ARGON2_MEMORY_KIB", 19_456, minimum=8),
                time_cost=_int(env, "ARGON2_TIME_COST", 2, minimum=1),
                parallelism=_int(env, "ARGON2_PARALLELISM", 1, minimum=1),
                max_concurrent=_int(env, "ARGON2_MAX_CONCURRENT", 4, minimum=1),
            ),
            host=env.get(PREFIX + "HOST") or "127.0.0.1",
            port=_int(env, "PORT", 8000, minimum=1),
            cors_origins=_list(env, "CORS_ORIGINS"),
            max_body_bytes=_int(env, "MAX_BODY_BYTES", 1_048_576, minimum=1024),
            request_timeout_seconds=_float(env, "REQUEST_TIMEOUT_SECONDS", 10.0),
            redis_timeout_seconds=_float(env, "REDIS_TIMEOUT_SECONDS", 0.5),
            api_processes=_int(env, "API_PROCESSES", 2, minimum=1),
            drain_seconds=_number(env, "DRAIN_SECONDS", 6.0, float, 0.0),
            log_level=(env.get(PREFIX + "LOG_LEVEL") or "info").lower(),
            log_json=(env.get(PREFIX + "LOG_FORMAT") or "json").lower() == "json",
            otlp_endpoint=env.get(PREFIX + "OTLP_ENDPOINT") or "",
            trace_sample_ratio=_number(env, "TRACE_SAMPLE_RATIO", 0.1, float, 0.0),
        )


def random_secret() -> str:
    """A fresh signing key for a development stack."""
    return secrets.token_urlsafe(48)
