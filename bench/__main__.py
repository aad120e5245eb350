"""`make bench`: start the stack, seed, drive load with wrk over loopback, print medians.

Per endpoint: requests/s, p50 and p99 latency, and CPU time per request in the server
process (read from /proc), beside a bare Litestar app measured in the same run. Database
figures on SecantusDB's Python server measure SecantusDB; CPU per request in the API
process is the figure that does not depend on it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import httpx
import redis

from bench.corridor import (
    burst_written,
    consumer_from_now,
    consumer_running,
    consumer_throughput,
    notification_latency,
)
from bench.imports import ROWS as IMPORT_ROWS
from bench.imports import import_rows_per_second
from bench.listing import Project, Seeded, seed
from bench.live_updates import live_update_rows
from taskflow.domain.values import ProjectId, UserId
from taskflow.entrypoints.migration import migrate
from taskflow.entrypoints.processes import (
    Child,
    free_port,
    mongodb_uri,
    spawn,
    start_mail_sink,
    start_redis,
    start_secantus,
    wait_for_http,
    wait_for_port,
)
from taskflow.entrypoints.proxy import TEMPLATE, dev_config, haproxy_binary, start_haproxy
from taskflow.settings import Settings, random_secret

RUST_SERVER_CRATE = ("secantus-mdb", "0.5.3-beta.196")  # a pre-release: pinned
RUST_SERVER = Path(".tools/secantus-rs/bin/secantusd-rs")
WRK = shutil.which("wrk") or "wrk"
LISTING_SIZES = (1_000, 100_000)
# Issue 18: a project of 10 members and 10,000 tasks, its reader in 20 projects, and the
# same reader's own 10,000 tasks, so the three listings compare within one run.
PROJECT_TASKS, PROJECT_MEMBERS, PROJECTS, SMALL_PROJECT_TASKS = 10_000, 10, 20, 50
# One client for listings: on SecantusDB one query over 100,000 tasks takes a long time
# (32 queued clients would finish nothing within a run), and with one request at a time
# every listing pays the same event-loop overhead, so CPU per request compares across them.
LISTING_CLIENTS = 1
BARE = "bare Litestar, the same 20-task page"
GRANIAN_BARE = "granian: bare Litestar, the same page"
POST = "POST /api/v1/tasks"
GET_ONE = "GET /api/v1/tasks/{id}"
VIA_ONE, VIA_TWO = "HAProxy, 1 process: ", "HAProxy, 2 processes: "
READER_TASK = {
    "description": "Gather the figures",
    "priority": "high",
    "tags": ["work"],
    "due_at": "2027-01-04T09:00:00Z",
}
PASSWORD = "bench password, long enough"  # noqa: S105 - a throwaway account on a throwaway stack


@dataclass
class Scenario:
    name: str
    server: Child
    path: str
    lua: str = ""
    connections: int | None = None  # None: --connections
    cold_for: UserId | None = None  # every request finds this user's cache entries gone
    token: str = ""
    bare: str = ""  # the bare row this one is compared with: the same server's; "" = the uvicorn one
    store: Child | None = None  # also measure this process's CPU per request (the database's)
    proxy: Child | None = None  # wrk sends to this HAProxy instead, and its CPU is measured apart
    others: tuple[Child, ...] = ()  # more API processes behind the proxy: their CPU counts as the API's

    @property
    def url(self) -> str:
        return self.proxy.url if self.proxy else self.server.url

    @property
    def apis(self) -> tuple[Child, ...]:
        return (self.server, *self.others)


@dataclass
class Sample:
    rps: float
    p50_ms: float
    p99_ms: float
    cpu_us_per_request: float
    errors: int
    connections: int
    store_cpu_us_per_request: float = 0.0
    proxy_cpu_us_per_request: float = 0.0


def _cpu_seconds(pid: int) -> float:
    """On-CPU time of every thread of the process and its descendants, in nanoseconds from the scheduler.

    `/proc/<pid>/stat` counts 10 ms ticks, too coarse for runs that finish a few dozen
    slow requests. Descendants count because granian serves from a worker process.
    """
    total = 0
    for thread in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(FileNotFoundError):  # a thread that ended meanwhile
            total += int((thread / "schedstat").read_text().split()[0])
            children = (thread / "children").read_text().split()
            total += sum(round(_cpu_seconds(int(child)) * 1e9) for child in children)
    return total / 1e9


def _millis(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()  # type: ignore[union-attr]  # wrk's format
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def idle_cpu_per_second(server: Child, seconds: float = 5.0) -> float:
    """What the process burns with no requests at all (timers, exporters): not a request's cost."""
    before = _cpu_seconds(server.process.pid)
    time.sleep(seconds)
    return (_cpu_seconds(server.process.pid) - before) / seconds


class BusyCpu:
    """The server's on-CPU seconds from here to `stop()`, net of its idle rate.

    Slow scenarios finish few requests, and the idle burn divided by a handful of them
    would read as a per-request cost.
    """

    def __init__(self, server: Child, idle: float) -> None:
        self._pid, self._idle = server.process.pid, idle
        self.started = time.perf_counter()
        self._before = _cpu_seconds(self._pid)

    def stop(self) -> float:
        return _cpu_seconds(self._pid) - self._before - self._idle * (time.perf_counter() - self.started)


def run_wrk(scenario: Scenario, *, seconds: int, connections: int, workdir: Path, idle: dict[str, float]) -> Sample:
    """One wrk run; CPU per request is net of each process's idle rate."""
    script = workdir / "scenario.lua"
    script.write_text(scenario.lua)
    busy = [BusyCpu(api, idle[api.name]) for api in scenario.apis]
    store = BusyCpu(scenario.store, 0.0) if scenario.store else None
    proxy = BusyCpu(scenario.proxy, idle[scenario.proxy.name]) if scenario.proxy else None
    argv = [WRK, "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "30s", "--latency", "-s", str(script)]
    out = subprocess.run(  # noqa: S603 - wrk with our own arguments
        [*argv, scenario.url + scenario.path],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    cpu = sum(api.stop() for api in busy)
    store_cpu = store.stop() if store else 0.0
    proxy_cpu = proxy.stop() if proxy else 0.0
    requests = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    errors = int(m.group(1)) if (m := re.search(r"Non-2xx or 3xx responses: (\d+)", out)) else 0
    return Sample(
        rps=float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),  # type: ignore[union-attr]
        p50_ms=_millis(re.search(r"\s50%\s+(\S+)", out).group(1)),  # type: ignore[union-attr]
        p99_ms=_millis(re.search(r"\s99%\s+(\S+)", out).group(1)),  # type: ignore[union-attr]
        cpu_us_per_request=cpu / max(requests, 1) * 1e6,
        errors=errors,
        connections=connections,
        store_cpu_us_per_request=store_cpu / max(requests, 1) * 1e6,
        proxy_cpu_us_per_request=proxy_cpu / max(requests, 1) * 1e6,
    )


def run_cold(scenario: Scenario, *, seconds: int, redis_url: str, idle: float) -> Sample:
    """One request at a time, each a cache miss; timed per request by this client.

    Before each, the owner's entries are dropped, as a write drops them.
    """
    assert scenario.cold_for is not None  # noqa: S101 - only cold scenarios come here
    entries = f"taskflow:cache:entries:{scenario.cold_for.value}"
    latencies: list[float] = []
    errors = 0
    with redis.Redis.from_url(redis_url) as cache, httpx.Client(base_url=scenario.server.url, timeout=30) as http:
        headers = {"Authorization": f"Bearer {scenario.token}"}
        busy = BusyCpu(scenario.server, idle)
        while time.perf_counter() - busy.started < seconds:
            cache.delete(entries)
            sent = time.perf_counter()
            response = http.get(scenario.path, headers=headers)
            latencies.append((time.perf_counter() - sent) * 1000)
            errors += response.status_code != httpx.codes.OK
        elapsed = time.perf_counter() - busy.started
        cpu = busy.stop()
    cut = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else latencies * 99
    return Sample(
        rps=len(latencies) / elapsed,
        p50_ms=statistics.median(latencies),
        p99_ms=cut[98],
        cpu_us_per_request=cpu / len(latencies) * 1e6,
        errors=errors,
        connections=1,
    )


def _lua(method: str = "GET", body: str = "", token: str = "") -> str:
    lines = [f'wrk.method = "{method}"']
    if body:
        lines += [f"wrk.body = '{body}'", 'wrk.headers["Content-Type"] = "application/json"']
    if token:
        lines.append(f'wrk.headers["Authorization"] = "Bearer {token}"')
    return "\n".join(lines) + "\n"


def rust_server() -> Path | None:
    """The Rust build of SecantusDB, built once with cargo into .tools/ (git-ignored)."""
    if RUST_SERVER.exists():
        return RUST_SERVER
    if not shutil.which("cargo"):
        return None
    crate, version = RUST_SERVER_CRATE
    print(f"bench: building {crate} {version} once into .tools/ (about 20 minutes on 2 cores)", flush=True)  # noqa: T201
    root = RUST_SERVER.parent.parent
    # The crate declares rust-version 1.98; it builds with this machine's older toolchain.
    build = [shutil.which("cargo") or "cargo", "install", crate, "--version", version, "--root", str(root)]
    result = subprocess.run([*build, "--ignore-rust-version"], check=False)  # noqa: S603 - fixed arguments
    return RUST_SERVER if result.returncode == 0 and RUST_SERVER.exists() else None


def start_rust_server(workdir: Path, log: IO[bytes]) -> Child:
    port = free_port()
    binary = str(RUST_SERVER.resolve())
    argv = [binary, "--port", str(port), "--storage-path", str(workdir / "rust-data"), "--log-level", "WARNING"]
    child = spawn("mongodb (SecantusDB, Rust)", argv, port=port, url=mongodb_uri(port), log=log)
    wait_for_port(child)
    return child


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=5, help="per run")
    parser.add_argument("--rounds", type=int, default=3, help="runs per scenario; medians are printed")
    parser.add_argument("--connections", type=int, default=64, help="for every scenario but the 1-client listings")
    parser.add_argument(
        "--hot-path", action="store_true", help="only the hot-path rows: no 100k listing, export or import"
    )
    parser.add_argument(
        "--server", choices=["python", "rust", "both"], default="both", help="which SecantusDB build to measure on"
    )
    parser.add_argument("--mongodb-uri", help="measure on this MongoDB instead of starting SecantusDB")
    parser.add_argument("--live-updates", action="store_true", help="only the rows of the live stream")
    parser.add_argument("--corridor", action="store_true", help="only the rows of the change corridor (issue 30)")
    args = parser.parse_args()
    if WRK == "wrk":
        sys.exit("bench: wrk is not installed (apt-get install wrk)")
    if args.mongodb_uri:
        run_stack(args, database=args.mongodb_uri)
        return
    if args.server in {"python", "both"}:
        run_stack(args, database="SecantusDB (Python)")
    if args.server in {"rust", "both"}:
        if rust_server() is None:
            print("bench: no Rust build of SecantusDB (cargo missing or the build failed); skipped")  # noqa: T201
        else:
            run_stack(args, database="SecantusDB (Rust)")


def run_stack(args: argparse.Namespace, *, database: str) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="taskflow-bench-"))
    log = (workdir / "services.log").open("ab")
    children: list[Child] = []
    try:
        if database == "SecantusDB (Python)":
            children.append(start_secantus(storage=None, log=log))
        elif database == "SecantusDB (Rust)":
            children.append(start_rust_server(workdir, log))
        children.append(start_redis(data_dir=None, log=log))
        children.append(start_mail_sink(directory=workdir / "mail", log=log))
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("TASKFLOW_")},
            "TASKFLOW_MONGODB_URI": args.mongodb_uri or children[0].url,
            "TASKFLOW_MONGODB_DATABASE": "bench",
            "TASKFLOW_REDIS_URL": children[-2].url,
            "TASKFLOW_SMTP_URL": children[-1].url,
            "TASKFLOW_JWT_SECRET": (secret := random_secret()),
            # The budget is counted (one Redis call per request, as in production) but never spent.
            "TASKFLOW_LIMIT_PER_USER": "1000000000/3600",
            "TASKFLOW_LIMIT_AUTH_PER_ADDRESS": "1000000/60",  # the live rows sign in a hundred accounts
            # Warm means warm: cached figures outlive the run (they are dropped by a write, as always).
            "TASKFLOW_STATS_CACHE_SECONDS": "3600",
            "TASKFLOW_DRAIN_SECONDS": "0",  # no load balancer to tell when the bench stops
            "TASKFLOW_TRUSTED_PROXIES": "127.0.0.1",  # as behind HAProxy in `taskflow dev`
        }
        asyncio.run(migrate(Settings.from_env(env)))
        _date_the_epoch(env["TASKFLOW_REDIS_URL"])
        api, bare, granian_api, granian_bare, api2 = _start_servers(env, log)
        children += [api, bare, granian_api, granian_bare, api2]
        proxies = _start_proxies([api, api2], workdir, log)
        children += proxies
        if args.live_updates:
            _report_live_updates(api, env)
            return
        if args.corridor:
            _report_corridor(api, env, log, args=args, workdir=workdir, secret=secret)
            return

        sizes = LISTING_SIZES[:1] if args.hot_path else LISTING_SIZES
        token, task, page_token, listings = _seed(api, env, sizes, secret=secret, database=database)
        shared = _seed_projects(api, env, secret=secret, database=database)
        store = children[0] if not args.mongodb_uri else None  # a database this bench started
        scenarios = [
            Scenario(BARE, bare, "/page", _lua()),
            Scenario("GET /health/live", api, "/health/live", _lua()),
            Scenario(GET_ONE, api, task.headers["location"], _lua(token=token)),
            Scenario("GET /tasks?limit=20, warm", api, "/api/v1/tasks?limit=20", _lua(token=page_token)),
            Scenario("GET /tasks/stats, warm", api, "/api/v1/tasks/stats", _lua(token=page_token)),
            Scenario(POST, api, "/api/v1/tasks", _lua("POST", '{"title":"bench"}', token), store=store),
            # The same under granian, each compared with the bare app under granian.
            Scenario(GRANIAN_BARE, granian_bare, "/page", _lua(), bare=GRANIAN_BARE),
            Scenario("granian: GET /health/live", granian_api, "/health/live", _lua(), bare=GRANIAN_BARE),
            Scenario(
                "granian: GET /api/v1/tasks/{id}",
                granian_api,
                task.headers["location"],
                _lua(token=token),
                bare=GRANIAN_BARE,
            ),
            Scenario(
                "granian: GET /tasks?limit=20, warm",
                granian_api,
                "/api/v1/tasks?limit=20",
                _lua(token=page_token),
                bare=GRANIAN_BARE,
            ),
        ]
        scenarios += _through_haproxy(proxies, [api, api2], task.headers["location"], token)
        for owner_token, seeded in listings:
            size = f"{seeded.count // 1000}k"
            for page, path in (("first", "/api/v1/tasks"), ("deep", f"/api/v1/tasks?cursor={seeded.deep_cursor}")):
                name = f"GET /tasks {page} page, {size}"
                scenarios += [
                    Scenario(f"{name}, cold", api, path, cold_for=seeded.owner, token=owner_token),
                    Scenario(f"{name}, warm", api, path, _lua(token=owner_token), LISTING_CLIENTS),
                ]
        scenarios += _shared_listings(api, shared)
        results = _run_rounds(scenarios, args=args, redis_url=env["TASKFLOW_REDIS_URL"], workdir=workdir)
        _report(results, {s.name: s.bare or BARE for s in scenarios}, database=database, args=args)
        _report_scale_out(results)
        _report_live_updates(api, env)
        _report_corridor(api, env, log, args=args, workdir=workdir, secret=secret)
        for who, attr in (("API", "cpu_us_per_request"), ("database", "store_cpu_us_per_request")):
            trend = ", ".join(f"{getattr(sample, attr):,.0f}" for sample in results[POST])
            print(f"POST /api/v1/tasks {who} CPU us/request by round, as the store fills: {trend}")  # noqa: T201
        if args.hot_path:
            return
        _report_exports(api, listings)
        worker = _worker(env, log)
        children.append(worker)
        _report_imports(api, rounds=args.rounds, creates=statistics.median(sample.rps for sample in results[POST]))
    finally:
        for child in reversed(children):
            child.stop()
        log.close()
        shutil.rmtree(workdir, ignore_errors=True)


def _start_servers(env: dict[str, str], log: IO[bytes]) -> tuple[Child, Child, Child, Child, Child]:
    """The API and the bare app under uvicorn (as `taskflow serve` runs it) and under granian; a second API.

    The second API process is for HAProxy to balance.
    """
    ports = [free_port() for _ in range(5)]
    quiet = ["--log-level", "warning"]
    granian = [sys.executable, "-m", "granian", "--interface", "asgi", "--host", "127.0.0.1", "--no-access-log"]
    servers = [
        ("taskflow", [sys.executable, "-m", "taskflow.entrypoints.cli", "serve", "--port", str(ports[0])], env),
        ("bare Litestar", [sys.executable, "-m", "uvicorn", "bench.bare_app:app", "--port", str(ports[1]),
                           "--no-server-header", "--no-access-log", *quiet], None),
        ("taskflow (granian)", [*granian, "--factory", "--port", str(ports[2]), *quiet,
                                "taskflow.entrypoints.asgi:create_app"], env),
        ("bare Litestar (granian)", [*granian, "--port", str(ports[3]), *quiet, "bench.bare_app:app"], None),
        ("taskflow 2", [sys.executable, "-m", "taskflow.entrypoints.cli", "serve", "--port", str(ports[4])], env),
    ]  # fmt: skip
    children = [
        spawn(name, argv, port=port, url=f"http://127.0.0.1:{port}", env=child_env, log=log)
        for (name, argv, child_env), port in zip(servers, ports, strict=True)
    ]
    for child in children:
        wait_for_http(child, child.url + ("/health/ready" if child.name.startswith("taskflow") else "/page"))
    api, bare, granian_api, granian_bare, api2 = children
    return api, bare, granian_api, granian_bare, api2


def _start_proxies(apis: list[Child], workdir: Path, log: IO[bytes]) -> list[Child]:
    """HAProxy as `taskflow dev` configures it, in front of the first API process and of both."""
    binary = haproxy_binary()
    if binary is None:
        print("bench: haproxy is not installed (apt-get install haproxy): no rows through HAProxy")  # noqa: T201
        return []
    proxies = []
    for count in (1, 2):
        port = free_port()
        backends = [api.port for api in apis[:count]]
        config = dev_config(TEMPLATE.read_text(), port=port, backends=backends, stats_port=free_port())
        url = f"http://127.0.0.1:{port}"
        path = workdir / f"haproxy-{count}.cfg"
        ready = f"{url}/health/ready"
        proxies.append(
            start_haproxy(binary, config, path, name=f"HAProxy {count}", port=port, url=url, ready=ready, log=log)
        )
    return proxies


def _seed(
    api: Child, env: dict[str, str], sizes: tuple[int, ...], *, secret: str, database: str
) -> tuple[str, httpx.Response, str, list[tuple[str, Seeded]]]:
    """A user with one task to read, a reader with 25, and an owner per listing size."""
    with httpx.Client(base_url=api.url, timeout=120) as http:
        token, _ = _account(http, "bench")
        task = http.post("/api/v1/tasks", json={"title": "read me"}, headers=_bearer(token))
        # Warm rows at 64 connections read as a user of their own: the cold rows drop their owners' entries.
        page_token, _ = _account(http, "reader")
        for n in range(25):
            http.post("/api/v1/tasks", json=READER_TASK | {"title": f"Task {n}"}, headers=_bearer(page_token))
        listings = []
        for count in sizes:
            owner_token, owner = _account(http, f"owner-{count}")
            seeded = asyncio.run(seed(env["TASKFLOW_MONGODB_URI"], "bench", owner, count, secret=secret))
            listings.append((owner_token, seeded))
            print(f"bench: {count:,} tasks seeded; deep page plan on {database}: {seeded.plan}", flush=True)  # noqa: T201
    return token, task, page_token, listings


@dataclass(frozen=True)
class Shared:
    """A member of PROJECTS projects, the largest with PROJECT_TASKS tasks, who has as many of their own."""

    token: str
    project: ProjectId
    in_project: Seeded
    own: Seeded


def _seed_projects(api: Child, env: dict[str, str], *, secret: str, database: str) -> Shared:
    """Projects made through the API by their lead; members and tasks written as `seed` writes them."""
    with httpx.Client(base_url=api.url, timeout=120) as http:
        lead_token, lead = _account(http, "lead")
        token, member = _account(http, "member")
        others = [_account(http, f"member-{n}")[1] for n in range(PROJECT_MEMBERS - 2)]
        made = [
            http.post("/api/v1/projects", json={"name": f"Project {n}"}, headers=_bearer(lead_token))
            for n in range(PROJECTS)
        ]
    large, *small = [ProjectId(response.json()["id"]) for response in made]
    uri = env["TASKFLOW_MONGODB_URI"]
    in_project = asyncio.run(
        seed(uri, "bench", member, PROJECT_TASKS, secret=secret, project=Project(large, lead, (lead, member, *others)))
    )
    for project in small:
        asyncio.run(
            seed(
                uri, "bench", member, SMALL_PROJECT_TASKS, secret=secret, project=Project(project, lead, (lead, member))
            )
        )
    own = asyncio.run(seed(uri, "bench", member, PROJECT_TASKS, secret=secret))
    print(f"bench: {PROJECTS} projects seeded; deep project page plan on {database}: {in_project.plan}", flush=True)  # noqa: T201
    return Shared(token=token, project=large, in_project=in_project, own=own)


def _shared_listings(api: Child, shared: Shared) -> list[Scenario]:
    """First and deep pages of the member's own tasks and of the project; their assigned tasks across all."""
    size = f"{PROJECT_TASKS // 1000}k"
    project = f"project_id={shared.project.value}"
    pages = [
        (f"own tasks, {size}", "/api/v1/tasks?", shared.own),
        (f"project, {size}", f"/api/v1/tasks?{project}&", shared.in_project),
    ]
    rows = []
    for what, path, seeded in pages:
        for page, query in (("first", ""), ("deep", f"cursor={seeded.deep_cursor}")):
            rows.append((f"GET /tasks {page} page, {what}", path + query, seeded.owner))
    # Not cached (it spans every project's space): cold drops the large project's entries all the same.
    rows.append((f"GET /tasks?assignee=me, {PROJECTS} projects", "/api/v1/tasks?assignee=me", shared.in_project.owner))
    scenarios = []
    for name, path, owner in rows:
        scenarios += [
            Scenario(f"{name}, cold", api, path, cold_for=owner, token=shared.token),
            Scenario(f"{name}, warm", api, path, _lua(token=shared.token), LISTING_CLIENTS),
        ]
    return scenarios


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _date_the_epoch(redis_url: str) -> None:
    """A Redis that has been up a while, as in production.

    On a Redis that just started (or lost its data), a token issued within seconds of it
    also has its session read from MongoDB on every request (decision 0024): true after a
    restart, but not the steady state the bench measures.
    """
    with redis.Redis.from_url(redis_url) as client:
        client.hset("taskflow:epoch", mapping={"n": 1, "at": 0})


def _run_rounds(
    scenarios: list[Scenario], *, args: argparse.Namespace, redis_url: str, workdir: Path
) -> dict[str, list[Sample]]:
    """Every scenario once per round, interleaved, so drift affects every scenario alike."""
    servers = {
        process.name: process
        for scenario in scenarios
        for process in (*scenario.apis, *([scenario.proxy] if scenario.proxy else []))
    }
    idle = {name: idle_cpu_per_second(server) for name, server in servers.items()}
    print("bench: idle CPU (subtracted): " + ", ".join(f"{n} {i * 1e3:.1f} ms/s" for n, i in idle.items()))  # noqa: T201
    results: dict[str, list[Sample]] = {s.name: [] for s in scenarios}
    for round_ in range(args.rounds):
        # Backwards every other round: the store slows as it fills, and a row run later in
        # every round would pay for it alone.
        for scenario in scenarios if round_ % 2 == 0 else reversed(scenarios):
            results[scenario.name].append(
                run_cold(scenario, seconds=args.seconds, redis_url=redis_url, idle=idle[scenario.server.name])
                if scenario.cold_for
                else run_wrk(
                    scenario,
                    seconds=args.seconds,
                    connections=scenario.connections or args.connections,
                    workdir=workdir,
                    idle=idle,
                )
            )
    return results


def _report_exports(api: Child, listings: list[tuple[str, Seeded]]) -> None:
    for owner_token, seeded in listings:
        for what, path, params in (
            ("CSV export", "/api/v1/tasks/export", {"format": "csv"}),
            ("account export (JSON)", "/api/v1/users/me/export", {}),
        ):
            footprint = _export_footprint(api, owner_token, path, params)
            print(f"{what} of {seeded.count:,} tasks: {footprint}")  # noqa: T201


def _report_live_updates(api: Child, env: dict[str, str]) -> None:
    for row in live_update_rows(api.url, env["TASKFLOW_MONGODB_URI"], "bench", lambda: _rss_kib(api.process.pid)):
        print(f"GET /api/v1/tasks/events {row}")  # noqa: T201


def _worker(env: dict[str, str], log: IO[bytes]) -> Child:
    return spawn(
        "worker", [sys.executable, "-m", "taskflow.entrypoints.cli", "worker"], port=0, url="", env=env, log=log
    )


def _report_corridor(
    api: Child, env: dict[str, str], log: IO[bytes], *, args: argparse.Namespace, workdir: Path, secret: str
) -> None:
    """POST's cost with no worker and beside a consuming one, interleaved; then latency, then a burst's throughput."""
    uri = env["TASKFLOW_MONGODB_URI"]
    asyncio.run(consumer_from_now(uri, "bench"))  # the seeds written straight to MongoDB are not its to handle
    with httpx.Client(base_url=api.url, timeout=30) as http:
        token = _account(http, "corridor-poster")[0]
    post = Scenario(POST, api, "/api/v1/tasks", _lua("POST", '{"title":"corridor"}', token))
    idle = {api.name: idle_cpu_per_second(api)}
    samples: dict[bool, list[Sample]] = {False: [], True: []}
    for round_ in range(args.rounds):
        for consuming in (False, True) if round_ % 2 == 0 else (True, False):
            worker = _worker(env, log) if consuming else None
            if worker:
                asyncio.run(consumer_running(uri, "bench"))
            samples[consuming].append(
                run_wrk(post, seconds=args.seconds, connections=args.connections, workdir=workdir, idle=idle)
            )
            if worker:
                worker.stop()
    alone, beside = (statistics.median(sample.cpu_us_per_request for sample in samples[key]) for key in (False, True))
    rates = [statistics.median(sample.rps for sample in samples[key]) for key in (False, True)]
    print(  # noqa: T201
        f"POST /api/v1/tasks API CPU us/request, no worker -> a worker consuming every change: {alone:,.0f} -> "
        f"{beside:,.0f} ({beside / alone:.2f}x; by round {[round(s.cpu_us_per_request) for s in samples[False]]} -> "
        f"{[round(s.cpu_us_per_request) for s in samples[True]]}); req/s {rates[0]:,.0f} -> {rates[1]:,.0f}"
    )
    worker = _worker(env, log)
    try:
        asyncio.run(consumer_running(uri, "bench", caught_up=True))  # the POST rows' changes handled first
        print(f"notifications: {asyncio.run(notification_latency(api.url, uri, 'bench'))}")  # noqa: T201
    finally:
        worker.stop()
    written = asyncio.run(burst_written(api.url, uri, "bench", secret=secret))
    worker = _worker(env, log)
    try:
        print(f"change consumer: {asyncio.run(consumer_throughput(uri, 'bench', written))}")  # noqa: T201
    finally:
        worker.stop()


def _report_imports(api: Child, *, rounds: int, creates: float) -> None:
    with httpx.Client(base_url=api.url, timeout=120) as http:
        rates = [import_rows_per_second(http, _account(http, f"importer-{n}")[0]) for n in range(rounds)]
    print(  # noqa: T201
        f"import of {IMPORT_ROWS:,} CSV rows (1 worker): {statistics.median(rates):,.0f} rows/s median of "
        f"{rounds} ({', '.join(f'{rate:,.0f}' for rate in rates)}); "
        f"{statistics.median(rates) / creates:.1f}x the tasks/s of POST /api/v1/tasks in this run"
    )


def _account(http: httpx.Client, name: str) -> tuple[str, UserId]:
    email = f"{name}@example.com"
    created = http.post("/api/v1/auth/register", json={"email": email, "password": PASSWORD, "name": name})
    login = http.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD}).json()
    return login["access_token"], UserId(created.json()["id"])


def _rss_kib(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1))  # type: ignore[union-attr]


def _export_footprint(api: Child, token: str, path: str, params: dict[str, str]) -> str:
    """The API process's resident memory while it streams a whole export."""
    pid = api.process.pid
    before = peak = _rss_kib(pid)
    size = 0
    started = time.perf_counter()
    with (
        httpx.Client(base_url=api.url, timeout=600) as http,
        http.stream("GET", path, params=params, headers={"Authorization": f"Bearer {token}"}) as response,
    ):
        if response.status_code != httpx.codes.OK:
            return f"HTTP {response.status_code} after {time.perf_counter() - started:.1f} s"
        for chunk in response.iter_bytes():
            size += len(chunk)
            peak = max(peak, _rss_kib(pid))
    seconds = time.perf_counter() - started
    return f"{size / 1e6:.1f} MB in {seconds:.1f} s; API RSS {before / 1024:.0f} MiB before, peak {peak / 1024:.0f} MiB"


def _through_haproxy(proxies: list[Child], apis: list[Child], task: str, token: str) -> list[Scenario]:
    """The cached read and the create through HAProxy, to one API process and to two."""
    scenarios = []
    for prefix, proxy, others in zip((VIA_ONE, VIA_TWO), proxies, ((), tuple(apis[1:])), strict=False):
        scenarios += [
            Scenario(prefix + GET_ONE, apis[0], task, _lua(token=token), proxy=proxy, others=others),
            Scenario(prefix + POST, apis[0], "/api/v1/tasks", _lua("POST", '{"title":"bench"}', token),
                     proxy=proxy, others=others),
        ]  # fmt: skip
    return scenarios


def _report_scale_out(results: dict[str, list[Sample]]) -> None:
    """What the HAProxy hop costs, and what a second API process adds, from rows of this run."""
    if VIA_ONE + GET_ONE not in results:
        return

    def median(name: str, attr: str) -> float:
        return float(statistics.median(getattr(sample, attr) for sample in results[name]))

    print()  # noqa: T201
    for row in (GET_ONE, POST):
        direct, one, two = row, VIA_ONE + row, VIA_TWO + row
        print(  # noqa: T201
            f"{row}: HAProxy hop {median(one, 'rps') / median(direct, 'rps'):.2f}x the req/s of the process direct, "
            f"p50 {median(one, 'p50_ms') - median(direct, 'p50_ms'):+.2f} ms, "
            f"HAProxy CPU {median(one, 'proxy_cpu_us_per_request'):.0f} us/request; "
            f"2 API processes {median(two, 'rps') / median(one, 'rps'):.2f}x the req/s of 1 behind HAProxy "
            f"(API CPU {median(two, 'cpu_us_per_request'):.0f} vs {median(one, 'cpu_us_per_request'):.0f} us/request)"
        )


def _report(
    results: dict[str, list[Sample]], bare_of: dict[str, str], *, database: str, args: argparse.Namespace
) -> None:
    def median(name: str, attr: str) -> float:
        return float(statistics.median(getattr(sample, attr) for sample in results[name]))

    print(f"\ntaskflow bench: {args.rounds} x {args.seconds}s per scenario, {args.connections} connections, "  # noqa: T201
          f"1 API process per server, database {database}; medians\n")  # fmt: skip
    header = f"{'scenario':<44}{'conns':>6}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'CPU us/req':>12}"
    header += f"{'req/s vs bare':>15}{'CPU vs bare':>13}{'errors':>8}"
    print(header)  # noqa: T201
    for name, samples in results.items():
        print(  # noqa: T201
            f"{name:<44}{samples[0].connections:>6}"
            f"{median(name, 'rps'):>9.0f}{median(name, 'p50_ms'):>9.2f}{median(name, 'p99_ms'):>9.2f}"
            f"{median(name, 'cpu_us_per_request'):>12.0f}"
            f"{median(name, 'rps') / median(bare_of[name], 'rps'):>15.2f}"
            f"{median(name, 'cpu_us_per_request') / median(bare_of[name], 'cpu_us_per_request'):>13.1f}"
            f"{sum(s.errors for s in samples):>8}"
        )


if __name__ == "__main__":
    main()
