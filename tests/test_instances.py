"""Several portal instances behind one load balancer (issue 12, point 5): real servers on their own ports share one
database (a SQLite file here, PostgreSQL with TEST_DATABASE_URL) and one Redis, and a person cannot tell which one
answered: sessions, rate limits, the cached notice pages and the job schedule's one-run-at-a-time work across them.

Redis is part of that shape: these tests need it (CI has it) and fail, never skip, when it cannot be reached."""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import httpx
import pytest
import redis
from sqlalchemy import make_url

from portal.app import NOTICE_CACHE_STORE, create_app
from portal.db import empty_postgres_schema
from portal.services import job_lock
from tests.conftest import _create_database

REDIS_URL = os.environ.get("TEST_REDIS_URL") or "redis://127.0.0.1:6379/15"
PORTAL = Path(sys.executable).parent / "portal"
LOGIN_LIMIT = 4
# A few seconds on an idle machine; far more while other test suites share its two cores.
STARTUP_SECONDS = 90
# The schedule every 1.2 s on each instance, so that a test sees several runs, and turns that meet, in seconds.
JOBS_EVERY_MINUTES = "0.02"
_CSRF = re.compile(r'name="_csrf_token" value="([^"]+)"')
_STARTED = re.compile(r"run-due started in process (\d+) at ([\d.]+)")
_DONE = re.compile(r"run-due done in process (\d+) at ([\d.]+)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _redis() -> redis.Redis:
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except (redis.RedisError, OSError) as exc:
        pytest.fail(f"Redis at {REDIS_URL} cannot be reached ({exc}): the instance tests need it; start redis-server "
                    "or set TEST_REDIS_URL")  # fmt: skip
    return client


def _database(tmp: Path) -> str:
    """A database of this module's own: a SQLite file, or a PostgreSQL database beside TEST_DATABASE_URL's."""
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        return f"sqlite+aiosqlite:///{tmp / 'shared.db'}"
    name = f"{make_url(url).database}_instances_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
    asyncio.run(_create_database(url, name))
    own = make_url(url).set(database=name).render_as_string(hide_password=False)
    asyncio.run(empty_postgres_schema(own))
    return own


@pytest.fixture(scope="module")
def shared() -> Iterator[dict[str, str]]:
    """The environment every instance gets: one database, migrated once, one Redis with a prefix of this run's."""
    client = _redis()
    prefix = f"test-instances-{uuid.uuid4().hex}"
    with tempfile.TemporaryDirectory(prefix="portal-instances-") as tmp:
        leftovers = ("PROMETHEUS_MULTIPROC_DIR", "WEB_CONCURRENCY", "TEST_DATABASE_URL", "TEST_REDIS_URL")
        env = {k: v for k, v in os.environ.items() if k not in leftovers} | {
            "PORTAL_ENV": "development",  # the SMS outbox at /dev/sms
            "PORTAL_INSTANCE_DIR": tmp,
            "DATABASE_URL": _database(Path(tmp)),
            "REDIS_URL": REDIS_URL,
            "REDIS_PREFIX": prefix,
            # The same keys on every instance, as production sets them.
            "PORTAL_DATA_KEY": "44" * 32,
            "PORTAL_SECRET_KEY": "55" * 32,
            "AUDIT_KEY": "66" * 32,
            "PASSWORD_HASH_PROFILE": "fast",
            "LOGIN_ATTEMPTS_PER_15MIN": str(LOGIN_LIMIT),
            "JOBS_EVERY_MINUTES": JOBS_EVERY_MINUTES,
            "LOG_LEVEL": "INFO",
            "LOG_FORMAT": "text",
        }
        subprocess.run([PORTAL, "migrate"], env=env, check=True, capture_output=True)  # noqa: S603
        try:
            yield env
        finally:
            keys = list(client.scan_iter(f"{prefix}*"))
            if keys:
                client.delete(*keys)
            client.close()


class Server:
    """One `portal serve` process, its output kept in a file."""

    def __init__(self, env: dict[str, str], *args: str) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = Path(env["PORTAL_INSTANCE_DIR"]) / f"server-{self.port}.log"
        with self.log.open("w") as out:
            self.process = subprocess.Popen(  # noqa: S603 - our own command
                [PORTAL, "serve", "--port", str(self.port), *args], env=env, stdout=out, stderr=subprocess.STDOUT
            )

    def wait_until_up(self) -> None:
        deadline = time.monotonic() + STARTUP_SECONDS
        while self.process.poll() is None and time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        what = "stopped" if self.process.poll() is not None else f"did not answer within {STARTUP_SECONDS} s"
        pytest.fail(f"the portal on {self.port} {what}:\n{self.log.read_text()}")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@pytest.fixture(scope="module")
def servers(shared: dict[str, str]) -> Iterator[tuple[Server, Server, Server]]:
    """Two instances of one worker each, and a third of two workers: started together (starting is most of the
    time these tests take), all three on the same database and Redis."""
    started = (Server(shared), Server(shared), Server(shared, "--workers", "2"))
    try:
        for server in started:
            server.wait_until_up()
        yield started
    finally:
        for server in started:
            server.stop()


@pytest.fixture(scope="module")
def instances(servers: tuple[Server, Server, Server]) -> tuple[Server, Server]:
    return servers[0], servers[1]


def _post(client: httpx.Client, url: str, data: dict[str, str], *, page: str | None = None) -> httpx.Response:
    """Post as a browser would: the form's page first, its CSRF token sent back."""
    shown = client.get(page or url)
    match = _CSRF.search(shown.text)
    assert match, f"no CSRF token on {page or url}: {shown.status_code}"
    return client.post(url, data={**data, "_csrf_token": match.group(1)})


def test_a_session_made_on_one_instance_works_on_the_other(instances: tuple[Server, Server]) -> None:
    a, b = instances
    phone = "13500000001"
    # One browser (one cookie jar), its requests landing on one instance or the other.
    with httpx.Client(timeout=10) as browser:
        started = _post(browser, f"{a.url}/account/sign-up", {"phone": phone})
        assert started.status_code == 303, started.text[:2000]
        assert browser.cookies.get("session")  # the number waiting for its code: kept in the session, made on A
        outbox = browser.get(f"{b.url}/dev/sms").text
        code = re.findall(r"(?<!\d)\d{6}(?!\d)", outbox)[0]
        password = "a long pass phrase"
        finished = _post(
            browser,
            f"{b.url}/account/sign-up/verify",
            {"code": code, "password": password, "password_confirm": password},
        )
        assert finished.status_code == 303, finished.text[:2000]
        assert finished.headers["location"] == "/register"  # B found the number A kept, and signed the person in
        on_a = browser.get(f"{a.url}/account")
        on_b = browser.get(f"{b.url}/account")
    assert on_a.status_code == on_b.status_code == 200
    assert "135****0001" in on_a.text  # the account page, with the number masked
    assert phone not in on_a.text
    with httpx.Client(timeout=10) as stranger:
        assert stranger.get(f"{a.url}/account").status_code in (302, 303)  # without the cookie: to the sign-in page


def test_a_rate_limit_counts_attempts_on_every_instance(instances: tuple[Server, Server]) -> None:
    a, b = instances
    login = {"phone": "13500000002", "password": "not the password"}
    with httpx.Client(timeout=10) as browser:
        statuses = [_post(browser, f"{server.url}/account/login", login).status_code for server in (a, b, a, b)]
        assert 429 not in statuses  # LOGIN_LIMIT wrong passwords, half on each instance: each told it was wrong
        assert _post(browser, f"{a.url}/account/login", login).status_code == 429
        assert _post(browser, f"{b.url}/account/login", login).status_code == 429


def _runs(servers: tuple[Server, ...]) -> list[tuple[float, float]]:
    """Every run of the schedule the servers logged, (start, end); a run still going ends at infinity."""
    runs = []
    for server in servers:
        text = server.log.read_text()
        assert "run-due failed" not in text, text
        open_runs: dict[str, float] = {}
        for line in text.splitlines():
            if started := _STARTED.search(line):
                open_runs[started.group(1)] = float(started.group(2))
            elif done := _DONE.search(line):
                runs.append((open_runs.pop(done.group(1)), float(done.group(2))))
        runs += [(start, float("inf")) for start in open_runs.values()]
    return sorted(runs)


def _wait_for(condition: str, check: Callable[[], object], servers: tuple[Server, ...], seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            logs = "\n".join(f"-- {server.port}:\n{server.log.read_text()[-3000:]}" for server in servers)
            pytest.fail(f"waited {seconds} s for {condition}\n{logs}")
        time.sleep(0.1)


def test_the_job_schedule_runs_one_run_at_a_time_across_instances(
    servers: tuple[Server, Server, Server], shared: dict[str, str]
) -> None:
    # Four processes run the schedule: the two instances and the two workers of the third.
    _wait_for("two runs", lambda: len([r for r in _runs(servers) if r[1] < float("inf")]) >= 2, servers)
    # Hold the schedule's lock as another process would: no instance may start a run meanwhile.
    client = _redis()
    key, token = job_lock.redis_key(shared["REDIS_PREFIX"], "run_due"), uuid.uuid4().hex
    _wait_for("the lock to be free", lambda: client.set(key, token, nx=True, px=30_000), servers)
    held_from = time.time()
    time.sleep(3)  # the schedule comes round two or three times on each instance
    held_until = time.time()
    assert client.eval("if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end", 1,
                       key, token) == 1  # fmt: skip
    client.close()
    _wait_for("a run after the lock was given back", lambda: _runs(servers)[-1][0] > held_until, servers)

    runs = _runs(servers)
    assert len(runs) >= 3
    for (_, end), (next_start, _) in itertools.pairwise(runs):
        assert end <= next_start, f"runs overlap: {runs}"
    assert not [start for start, _ in runs if held_from <= start <= held_until], runs


def test_a_run_from_the_command_line_skips_while_another_run_holds_the_lock(shared: dict[str, str]) -> None:
    client = _redis()
    key, token = job_lock.redis_key(shared["REDIS_PREFIX"], "run_due"), uuid.uuid4().hex
    _wait_for("the lock to be free", lambda: client.set(key, token, nx=True, px=60_000), ())
    try:
        run = subprocess.run([PORTAL, "jobs", "run-due"], env=shared, capture_output=True, text=True, timeout=120)  # noqa: S603
    finally:
        client.eval(
            "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end", 1, key, token
        )
        client.close()
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout) == {"skipped": "another run-due is under way"}


def _established_by_pid(port: int, pids: set[int]) -> dict[int, int]:
    """How many established connections to `port` each of `pids` holds, read from /proc."""
    inodes: dict[str, int] = {}
    for pid in pids:
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                target = os.readlink(fd)
            except OSError:
                continue
            if target.startswith("socket:["):
                inodes[target[8:-1]] = pid
    held = dict.fromkeys(pids, 0)
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local_port, state, inode = int(fields[1].split(":")[1], 16), fields[3], fields[9]
        if local_port == port and state == "01" and inode in inodes:
            held[inodes[inode]] += 1
    return held


def _children(pid: int) -> set[int]:
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError):
            continue
        if parent == pid:
            found.add(int(stat.parent.name))
    return found


def test_serve_with_two_workers_answers_from_two_processes(servers: tuple[Server, Server, Server]) -> None:
    server = servers[2]
    # The supervisor's children: the two workers (and multiprocessing's helper, which answers nothing).
    workers = _children(server.process.pid)
    answered: set[int] = set()
    for _ in range(10):  # the kernel hands each new connection to whichever worker accepts first
        connections = [socket.create_connection(("127.0.0.1", server.port)) for _ in range(16)]
        try:
            for connection in connections:  # kept open (HTTP/1.1 keep-alive) while they are counted
                connection.sendall(b"GET /healthz HTTP/1.1\r\nHost: portal\r\n\r\n")
                assert connection.recv(4096).startswith(b"HTTP/1.1 200")
            answered |= {pid for pid, n in _established_by_pid(server.port, workers).items() if n}
        finally:
            for connection in connections:
                connection.close()
        if len(answered) >= 2:
            break
    assert len(answered) == 2, (answered, workers)


def test_more_than_one_worker_without_redis_is_refused(shared: dict[str, str]) -> None:
    env = {k: v for k, v in shared.items() if k != "REDIS_URL"}
    refused = subprocess.run(  # noqa: S603
        [PORTAL, "serve", "--port", str(_free_port()), "--workers", "2"], env=env, capture_output=True, text=True,
        timeout=30,
    )  # fmt: skip
    assert refused.returncode == 2
    assert "REDIS_URL" in refused.stderr


async def test_emptying_the_notice_cache_on_one_instance_empties_it_on_every_instance(settings) -> None:
    prefix = f"test-instances-{uuid.uuid4().hex}"
    a, b = (create_app(replace(settings, redis_url=REDIS_URL, redis_prefix=prefix)) for _ in range(2))
    client = _redis()
    try:
        transport = httpx.ASGITransport(app=b, client=("127.0.0.1", 50002))
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000") as visitor:
            assert (await visitor.get("/notices")).status_code == 200  # a visitor's page, cached by B
        cached = f"{prefix}_{NOTICE_CACHE_STORE}:*"
        assert list(client.scan_iter(cached))
        await a.stores.get(NOTICE_CACHE_STORE).delete_all()  # what A does after publishing or withdrawing
        assert not list(client.scan_iter(cached))
    finally:
        for app in (a, b):
            await app.state.services.limiter.close()
            await app.state.services.engine.dispose()
            # The stores share one Redis client: closed as the store's own context would close it.
            await app.stores.get(NOTICE_CACHE_STORE).__aexit__(None, None, None)
        keys = list(client.scan_iter(f"{prefix}*"))
        if keys:
            client.delete(*keys)
        client.close()
