"""Settings from `TASKFLOW_*` environment variables, read once and validated at start-up.

Each setting is declared once, with `setting()`: its default, its bounds, and how it is
written in the environment (`TASKFLOW_`, the group's prefix, then its name in capitals,
unless it names its variable). Bounds are checked however settings are built, from the
environment or directly; this module is the only reader of the environment.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Final, Generic, TypeVar

from taskflow.domain.values import PASSWORD_MIN_LENGTH_FLOOR

PREFIX: Final = "TASKFLOW_"
ENV_FILE: Final = "env"
"""In `TASKFLOW_HOME`: the `TASKFLOW_*` values of the stack `taskflow dev` runs, for other commands to use."""
HS256_MIN_KEY_BYTES: Final = 32  # RFC 7518 §3.2: a key at least as long as the hash output

_T = TypeVar("_T")


class SettingsError(ValueError):
    """A setting is missing or malformed; the message names the variable."""


@dataclass(frozen=True, slots=True)
class Codec(Generic[_T]):
    """How a value is written in an environment variable; `parse` raises ValueError."""

    parse: Callable[[str], _T]
    format: Callable[[_T], str]
    expects: str


@dataclass(frozen=True, slots=True)
class Declared:
    codec: Codec[Any]
    env: str
    minimum: float | None
    maximum: float | None


def setting(
    default: Any = dataclasses.MISSING,  # noqa: ANN401 - of the field's own type, as in dataclasses.field
    *,
    codec: Codec[Any],
    env: str = "",
    minimum: float | None = None,
    maximum: float | None = None,
    secret: bool = False,
) -> Any:  # noqa: ANN401 - as above
    """A field of a settings class; `env` names its variable when its name in capitals does not."""
    return field(default=default, repr=not secret, metadata={"setting": Declared(codec, env, minimum, maximum)})


def _items(raw: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in raw.split(",") if item.strip())


def _networks(raw: str) -> tuple[str, ...]:
    entries = _items(raw)
    for entry in entries:
        ipaddress.ip_network(entry, strict=False)
    return entries


TEXT: Final[Codec[str]] = Codec(str, str, "text")
WHOLE: Final[Codec[int]] = Codec(int, str, "a whole number")
NUMBER: Final[Codec[float]] = Codec(float, str, "a number")
LOWER_CASE: Final[Codec[str]] = Codec(str.lower, str, "text")
ITEMS: Final[Codec[tuple[str, ...]]] = Codec(_items, ",".join, "a comma-separated list")
NETWORKS: Final[Codec[tuple[str, ...]]] = Codec(_networks, ",".join, "a list of IP addresses or CIDR networks")
LOG_FORMAT: Final[Codec[bool]] = Codec(
    lambda raw: raw.lower() == "json", lambda json: "json" if json else "console", "json or console"
)


@dataclass(frozen=True, slots=True)
class Limit:
    """`count` per `window_seconds`; written `count/seconds` in the environment."""

    count: int
    window_seconds: int

    def __post_init__(self) -> None:
        if self.count < 1 or self.window_seconds < 1:
            msg = "a limit's count and window are both at least 1"
            raise ValueError(msg)

    @classmethod
    def parse(cls, raw: str) -> Limit:
        count, _, seconds = raw.partition("/")
        return cls(int(count), int(seconds))

    def __str__(self) -> str:
        return f"{self.count}/{self.window_seconds}"


LIMIT: Final[Codec[Limit]] = Codec(Limit.parse, str, "`count/seconds` with both at least 1, such as 10/900")


def _env_name(declared: Declared, name: str, prefix: str) -> str:
    return PREFIX + prefix + (declared.env or name.upper())


def _groups_and_settings(cls: type) -> list[tuple[dataclasses.Field[Any], Declared | None]]:
    return [(item, item.metadata.get("setting")) for item in dataclasses.fields(cls)]


def _parse(cls: type, env: Mapping[str, str]) -> dict[str, Any]:
    """The settings of `cls` that `env` sets (an empty variable is unset); groups always."""
    prefix: str = getattr(cls, "ENV_PREFIX", "")
    values: dict[str, Any] = {}
    for item, declared in _groups_and_settings(cls):
        if declared is None:  # a group of settings
            group: type = type(item.default)
            values[item.name] = group(**_parse(group, env))
            continue
        name = _env_name(declared, item.name, prefix)
        raw = env.get(name, "")
        if raw == "":
            continue
        try:
            values[item.name] = declared.codec.parse(raw)
        except ValueError:
            msg = f"{name} must be {declared.codec.expects}, not {raw!r}"
            raise SettingsError(msg) from None
    return values


def _environment(instance: object) -> dict[str, str]:
    prefix: str = getattr(instance, "ENV_PREFIX", "")
    env: dict[str, str] = {}
    for item, declared in _groups_and_settings(type(instance)):
        value = getattr(instance, item.name)
        if declared is None:
            env.update(_environment(value))
        else:
            env[_env_name(declared, item.name, prefix)] = declared.codec.format(value)
    return env


def _check_bounds(instance: object) -> None:
    prefix: str = getattr(instance, "ENV_PREFIX", "")
    for item, declared in _groups_and_settings(type(instance)):
        if declared is None:
            continue
        value = getattr(instance, item.name)
        name = _env_name(declared, item.name, prefix)
        if declared.minimum is not None and value < declared.minimum:
            msg = f"{name} must be at least {declared.minimum:g}"
            raise SettingsError(msg)
        if declared.maximum is not None and value > declared.maximum:
            msg = f"{name} must be at most {declared.maximum:g}"
            raise SettingsError(msg)


@dataclass(frozen=True, slots=True, kw_only=True)
class RateLimits:
    """Defaults: DESIGN.md §5; per-address failures allow a shared NAT some slack."""

    ENV_PREFIX: ClassVar = "LIMIT_"

    login_failures_per_account: Limit = setting(Limit(10, 900), codec=LIMIT, env="LOGIN_PER_ACCOUNT")
    login_failures_per_address: Limit = setting(Limit(100, 900), codec=LIMIT, env="LOGIN_PER_ADDRESS")
    auth_requests_per_address: Limit = setting(Limit(120, 60), codec=LIMIT, env="AUTH_PER_ADDRESS")
    """Register, login, token and refresh requests, whatever their outcome."""
    requests_per_user: Limit = setting(Limit(1000, 3600), codec=LIMIT, env="PER_USER")
    """Every signed-in request."""
    invitations_per_user: Limit = setting(Limit(50, 86400), codec=LIMIT, env="INVITATIONS_PER_USER")
    """Invitation mails one account has sent, across its projects."""
    resets_per_account: Limit = setting(Limit(5, 3600), codec=LIMIT, env="RESET_PER_ACCOUNT")
    """Password resets asked for one e-mail address, whether or not it has an account."""
    resets_per_address: Limit = setting(Limit(20, 3600), codec=LIMIT, env="RESET_PER_ADDRESS")
    """Password resets asked for and confirmed from one client address."""
    verifications_per_user: Limit = setting(Limit(5, 3600), codec=LIMIT, env="VERIFY_PER_USER")
    """Verification mails one account asks for."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Argon2Settings:
    """argon2id cost.

    The defaults are the OWASP Password Storage Cheat Sheet's first recommended
    configuration (m=19 MiB, t=2, p=1); tests may pass cheaper ones.
    """

    ENV_PREFIX: ClassVar = "ARGON2_"

    memory_kib: int = setting(19_456, codec=WHOLE, minimum=8)
    time_cost: int = setting(2, codec=WHOLE, minimum=1)
    parallelism: int = setting(1, codec=WHOLE, minimum=1)
    max_concurrent: int = setting(4, codec=WHOLE, minimum=1)
    """How many hashes may run at once per process, so logins cannot starve it."""

    def __post_init__(self) -> None:
        _check_bounds(self)


@dataclass(frozen=True, slots=True, kw_only=True)
class Settings:
    """Everything configurable. Build it with `from_env`, or directly in tests."""

    mongodb_uri: str = setting(codec=TEXT)
    """MongoDB connection string, with the replica-set name and read preference."""
    mongodb_database: str = setting("taskflow", codec=TEXT)
    """Database name inside the cluster."""
    redis_url: str = setting(codec=TEXT)
    """Redis URL for cache, rate limits, revocations and the arq queue."""
    smtp_url: str = setting("smtp://127.0.0.1:25", codec=TEXT)
    """Where mail goes: smtp://host:port."""
    jwt_secret: str = setting(codec=TEXT, secret=True)
    """HS256 signing key, at least 32 bytes."""
    jwt_issuer: str = setting("taskflow", codec=TEXT)
    jwt_audience: str = setting("taskflow-api", codec=TEXT)
    access_token_ttl_seconds: int = setting(900, codec=WHOLE, minimum=1)
    """Access-token lifetime: 15 minutes keeps a stolen token short-lived."""
    refresh_token_idle_days: int = setting(14, codec=WHOLE, minimum=1)
    """A refresh token unused this long expires."""
    session_max_days: int = setting(30, codec=WHOLE, minimum=1)
    """A session ends this long after sign-in, however often it refreshes."""
    idempotency_hours: int = setting(24, codec=WHOLE, minimum=1)
    """How long the answer to a request with an Idempotency-Key is kept for its retries."""
    outbox_sweep_seconds: int = setting(30, codec=WHOLE, minimum=1)
    """How often the worker re-enqueues outbox entries that are still pending, and how old they must be."""
    import_max_bytes: int = setting(8_388_608, codec=WHOLE, minimum=1024)
    """The largest import upload (8 MiB); stored in one MongoDB document, so under 16 MiB."""
    import_max_rows: int = setting(50_000, codec=WHOLE, minimum=1)
    job_timeout_seconds: int = setting(300, codec=WHOLE, minimum=1)
    """How long one run of a job may take before arq gives it to another worker."""
    change_consumer_lease_seconds: float = setting(6.0, codec=NUMBER, minimum=0.1)
    """How long the worker holding the durable change consumer's lease keeps it unrenewed: another takes over after."""
    job_takeover_margin_seconds: float = setting(10.0, codec=NUMBER, minimum=0)
    """How much longer than its timeout a job a worker died with is held before another takes it (arq's 10 s)."""
    audit_retention_days: int = setting(400, codec=WHOLE, minimum=1)
    """How long audit entries are kept (a TTL index removes older ones)."""
    stats_debounce_seconds: int = setting(5, codec=WHOLE, minimum=1)
    """Writes within this window share one background recompute of their owner's statistics."""
    reminder_lead_minutes: int = setting(60, codec=WHOLE, minimum=1)
    """A task not done is mailed about when its `due_at` is at most this far ahead."""
    reminder_interval_seconds: int = setting(60, codec=WHOLE, minimum=1)
    """How often the worker looks for tasks coming due."""
    notification_digest_seconds: float = setting(300.0, codec=NUMBER, minimum=0.1)
    """A person's first notification mail goes at once; what follows within this long goes as one digest."""
    cache_ttl_seconds: int = setting(300, codec=WHOLE, minimum=1)
    """How long a cached task or list page lives; a write by its owner drops it sooner."""
    stats_cache_seconds: int = setting(10, codec=WHOLE, minimum=1)
    """How long cached stats live: `overdue` changes as time passes, not only on writes."""
    event_streams_per_user: int = setting(5, codec=WHOLE, minimum=1)
    """Live streams (`GET /tasks/events`) one user may hold open across every API process; 429 beyond."""
    event_buffer: int = setting(1000, codec=WHOLE, minimum=1)
    """Changes a live stream may fall behind before it closes with a retry hint (its client resumes)."""
    event_heartbeat_seconds: float = setting(15.0, codec=NUMBER, minimum=0.1)
    """A quiet live stream gets a comment this often (proxies keep it open) and its token is checked again."""
    password_min_length: int = setting(15, codec=WHOLE, minimum=PASSWORD_MIN_LENGTH_FLOOR)
    """Minimum password length in characters (decision 0007: NIST's floor without MFA)."""
    rate_limits: RateLimits = RateLimits()
    trusted_proxies: tuple[str, ...] = setting((), codec=NETWORKS)
    """Peers (IPs or CIDRs) whose X-Forwarded-For is believed: its last entry is the client."""
    metrics_allowed: tuple[str, ...] = setting(("127.0.0.0/8", "::1"), codec=NETWORKS)
    """Client addresses (IPs or CIDRs, as judged through the trusted proxies) that may read `/metrics`."""
    metrics_token: str = setting("", codec=TEXT, secret=True)
    """A bearer token that lets any address read `/metrics` (Prometheus' `authorization`); empty: none does."""
    argon2: Argon2Settings = Argon2Settings()
    home: str = setting(".taskflow", codec=TEXT)
    """Where `taskflow dev` keeps its data, logs and `env` file; other commands read that file."""
    host: str = setting("127.0.0.1", codec=TEXT)
    port: int = setting(8000, codec=WHOLE, minimum=1, maximum=65_535)
    tls_port: int = setting(8443, codec=WHOLE, minimum=1, maximum=65_535)
    """Where `taskflow dev --tls` serves HTTPS (through HAProxy, with a certificate it makes)."""
    public_url: str = setting("http://127.0.0.1:8000", codec=TEXT)
    """Where people reach the web app; the links in mails point there."""
    cors_origins: tuple[str, ...] = setting((), codec=ITEMS)
    """Origins allowed by CORS; empty means CORS stays closed."""
    max_body_bytes: int = setting(1_048_576, codec=WHOLE, minimum=1024)
    """Largest request body accepted, in bytes (413 beyond)."""
    request_timeout_seconds: float = setting(10.0, codec=NUMBER, minimum=0.001)
    """Deadline for all the database calls of one request, shorter than the proxy's server timeout."""
    redis_timeout_seconds: float = setting(0.5, codec=NUMBER, minimum=0.001)
    """Socket timeout for Redis: a stalled Redis must not stall requests."""
    api_processes: int = setting(2, codec=WHOLE, minimum=1)
    """How many API processes `taskflow dev` runs behind HAProxy (one, on the port itself, without haproxy)."""
    proxy_check_ms: int = setting(0, codec=WHOLE, minimum=0)
    """How often `taskflow dev`'s HAProxy checks each API process; 0 keeps infra/haproxy/haproxy.cfg's (2 s)."""
    drain_seconds: float = setting(6.0, codec=NUMBER, minimum=0)
    """After SIGTERM, how long `serve` goes on answering (readiness 503) before it stops: longer
    than a load balancer needs to notice (HAProxy here: checks every 2 s, out after 2 failures)."""
    log_level: str = setting("info", codec=LOWER_CASE)
    log_json: bool = setting(True, codec=LOG_FORMAT, env="LOG_FORMAT")  # noqa: FBT003 - a default
    """`TASKFLOW_LOG_FORMAT`: `json`, or anything else for the console's coloured lines."""
    otlp_endpoint: str = setting("", codec=TEXT)
    """OTLP/HTTP traces endpoint (e.g. http://collector:4318/v1/traces); empty records no new traces."""
    trace_sample_ratio: float = setting(0.1, codec=NUMBER, minimum=0, maximum=1)
    """Share of new traces recorded when an endpoint is set; a caller's sampled traceparent always is."""

    def __post_init__(self) -> None:
        _check_bounds(self)
        if len(self.jwt_secret.encode()) < HS256_MIN_KEY_BYTES:
            msg = f"{PREFIX}JWT_SECRET must be at least {HS256_MIN_KEY_BYTES} bytes for HS256"
            raise SettingsError(msg)
        if not self.mongodb_uri.startswith(("mongodb://", "mongodb+srv://")):
            msg = f"{PREFIX}MONGODB_URI must be a mongodb:// or mongodb+srv:// URI"
            raise SettingsError(msg)
        if not self.redis_url.startswith(("redis://", "rediss://", "unix://")):
            msg = f"{PREFIX}REDIS_URL must be a redis:// URL"
            raise SettingsError(msg)

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Settings:
        """Fails with one message naming the variable."""
        values = _parse(cls, env)
        missing = [PREFIX + name.upper() for name in ("mongodb_uri", "redis_url") if name not in values]
        if missing:
            msg = f"set {', '.join(missing)} (or run `taskflow dev`, which starts them)"
            raise SettingsError(msg)
        if "jwt_secret" not in values:
            msg = f"set {PREFIX}JWT_SECRET to a random string of at least {HS256_MIN_KEY_BYTES} bytes"
            raise SettingsError(msg)
        return cls(**values)

    def to_env(self) -> dict[str, str]:
        """Every setting as the `TASKFLOW_*` variables `from_env` reads back to these settings."""
        return _environment(self)

    @classmethod
    def value_from_env(cls, env: Mapping[str, str], name: str) -> Any:  # noqa: ANN401 - the setting's own type
        """One setting, for a launcher that needs it before the others can be known."""
        values = _parse(cls, env)
        if name in values:
            return values[name]
        default = next(item.default for item in dataclasses.fields(cls) if item.name == name)
        if default is dataclasses.MISSING:
            msg = f"{name} has no default"
            raise KeyError(msg)
        return default


def random_secret() -> str:
    """A fresh signing key for a development stack."""
    return secrets.token_urlsafe(48)
