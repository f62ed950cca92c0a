"""Prometheus metrics at /metrics (requests by route, the database pool, scheduled jobs, queue depths), and the
outermost middleware that counts each request, gives it its id and writes its access line.

Several worker processes (PROMETHEUS_MULTIPROC_DIR set before this module is first imported): each writes its
counters and histograms to files there, and /metrics adds them all up with `MultiProcessCollector`."""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
import os
import re
import time
from collections.abc import AsyncIterator, Iterable, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import prometheus_client
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.metrics_core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead
from sqlalchemy import exists, func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.pool import QueuePool

from portal import json_logs
from portal.models import (
    AWAITING_APPLICATION,
    AWAITING_STATUSES,
    OPEN_OBJECTION,
    AuditEntry,
    AuditSeal,
    Objection,
    PolicyApplication,
    Registration,
    RequestStatus,
    ServiceArea,
    ServiceRequest,
)
from portal.services.audit import LOOKBACK_IDS

if TYPE_CHECKING:
    from litestar import Litestar
    from litestar.types import (
        ASGIApp,
        HTTPResponseBodyEvent,
        HTTPResponseStartEvent,
        Message,
        Receive,
        Scope,
        Send,
    )

    from portal.app_services import Services
    from portal.config import Settings

log = logging.getLogger(__name__)
access_log = logging.getLogger(json_logs.ACCESS_LOGGER)

METRICS_PATH = "/metrics"
# The label of a request no route matched (unknown paths, wrong methods): never the raw path, which may carry
# a record number and would make a label set without end.
UNMATCHED = "unmatched"
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# Queue depths are counted at most this often, however often /metrics is asked.
QUEUE_DEPTH_SECONDS = 5.0
# How often each worker writes its pool's figures for the others to add up (multiprocess mode only).
POOL_SAMPLE_SECONDS = 5.0

# `_created` series double the output and nobody here charts them.
prometheus_client.disable_created_metrics()  # type: ignore[no-untyped-call]

REQUESTS = Counter(
    "portal_http_requests",
    "Requests answered, by route template, method and status class",
    ["route", "method", "status"],
)
LATENCY = Histogram(
    "portal_http_request_duration_seconds",
    "Time to answer a request, by route template",
    ["route"],
    # 0.2: the pages' p95 target (bench/README.md).
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1.0, 2.5, 5.0, 10.0),
)
JOB_RUNS = Counter(
    "portal_job_runs", "Scheduled job runs, by job and outcome (ok, failed, cancelled)", ["job", "outcome"]
)
JOB_SECONDS = Histogram(
    "portal_job_duration_seconds",
    "Time a scheduled job took, by job",
    ["job"],
    buckets=(0.05, 0.25, 1.0, 5.0, 15.0, 60.0, 300.0, 900.0, 3600.0),
)

# The counter's and histogram's children by (route, method, status // 100): `labels()` takes a lock and
# builds tuples, which the request path need not pay again once a combination has been seen.
_children: dict[tuple[str, str, int], tuple[Any, Any]] = {}


def _record(route: str, method: str, status: int, seconds: float) -> None:
    key = (route, method, status // 100)
    children = _children.get(key)
    if children is None:
        status_class = f"{status // 100}xx" if 100 <= status < 600 else "other"
        children = _children[key] = (REQUESTS.labels(route, method, status_class), LATENCY.labels(route))
    children[0].inc()
    children[1].observe(seconds)


@contextmanager
def job_run(job: str) -> Iterator[None]:
    """Count one run of `job` by its outcome and time it."""
    start = time.perf_counter()
    outcome = "cancelled"  # the process stopping mid-run is no failure of the job
    try:
        yield
        outcome = "ok"
    except Exception:
        outcome = "failed"
        raise
    finally:
        JOB_RUNS.labels(job, outcome).inc()
        JOB_SECONDS.labels(job).observe(time.perf_counter() - start)


# ---- queue depths and the pool, read when /metrics is asked --------------------------------------------------


def _queue_counts() -> Any:
    """One statement, one round trip, each count along an index. The staff queues are indexed by county first:
    naming the counties lets both databases read only the waiting part of each county's range."""
    counties = select(ServiceArea.code)
    # The sealer's own window (services.audit.seal): an entry is unsealed for a few seconds after its commit.
    head = select(AuditSeal.entry_id).order_by(AuditSeal.seq.desc()).limit(1).scalar_subquery()
    counts = {
        "registrations_awaiting": select(func.count())
        .select_from(Registration)
        .where(Registration.status.in_(AWAITING_STATUSES)),
        "policy_applications_awaiting": select(func.count())
        .select_from(PolicyApplication)
        .where(PolicyApplication.county_code.in_(counties), PolicyApplication.status.in_(AWAITING_APPLICATION)),
        "service_requests_waiting": select(func.count())
        .select_from(ServiceRequest)
        .where(ServiceRequest.county_code.in_(counties), ServiceRequest.status == RequestStatus.WAITING),
        "objections_open": select(func.count())
        .select_from(Objection)
        .where(Objection.county_code.in_(counties), Objection.status.in_(OPEN_OBJECTION)),
        "audit_unsealed": select(func.count())
        .select_from(AuditEntry)
        .where(
            AuditEntry.id > func.coalesce(head, 0) - LOOKBACK_IDS,
            ~exists().where(AuditSeal.entry_id == AuditEntry.id),
        ),
    }
    return select(*(query.scalar_subquery().label(name) for name, query in counts.items()))


async def queue_depths(session: AsyncSession) -> dict[str, int]:
    """What waits: applications for a decision, policy applications, service requests for an answer, open
    objections, and audit entries for the sealer."""
    row = (await session.execute(_queue_counts())).one()
    return {name: int(value or 0) for name, value in row._mapping.items()}


class QueueDepths:
    """The queue depths as gauges, counted at most every QUEUE_DEPTH_SECONDS: a storm of scrapes, from any
    number of scrapers, costs the database one statement per interval per process."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], seconds: float = QUEUE_DEPTH_SECONDS) -> None:
        self.sessionmaker = sessionmaker
        self.seconds = seconds
        self._values: dict[str, int] = {}
        self._counted_at = float("-inf")
        self._lock = asyncio.Lock()

    async def refresh(self) -> None:
        if time.monotonic() - self._counted_at < self.seconds:
            return
        async with self._lock:
            if time.monotonic() - self._counted_at < self.seconds:
                return  # counted by the scrape this one waited for
            try:
                async with self.sessionmaker() as session:
                    self._values = await queue_depths(session)
            except Exception as exc:  # noqa: BLE001 - the rest of /metrics still answers; the gauges go missing
                log.warning("queue depths not counted: %s", type(exc).__name__)
                self._values = {}
            self._counted_at = time.monotonic()

    def collect(self) -> Iterable[Metric]:
        family = GaugeMetricFamily("portal_queue_depth", "Items waiting, by queue", labels=["queue"])
        for name, value in self._values.items():
            family.add_metric([name], value)
        yield family


def _pool_figures(engine: AsyncEngine) -> tuple[int, int, int] | None:
    """The pool's size, connections checked out, and connections beyond its size; None for a pool that keeps
    no count (NullPool, StaticPool)."""
    pool = engine.pool
    if not isinstance(pool, QueuePool):
        return None
    # `overflow()` starts at minus the pool's size and counts every connection opened.
    return pool.size(), pool.checkedout(), max(0, pool.overflow())


_POOL_HELP = {
    "portal_db_pool_size": "Connections the database pool keeps open",
    "portal_db_pool_checked_out": "Database connections in use",
    "portal_db_pool_overflow": "Database connections open beyond the pool's size",
}


class PoolFigures:
    """The engine's pool, read as /metrics is asked (one process)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    def collect(self) -> Iterable[Metric]:
        figures = _pool_figures(self.engine)
        if figures is not None:
            for (name, documentation), value in zip(_POOL_HELP.items(), figures, strict=True):
                yield GaugeMetricFamily(name, documentation, value=value)


class _Everything:
    """The process's default registry (these metrics, and the process's own CPU, memory and open files)."""

    def collect(self) -> Iterable[Metric]:
        return REGISTRY.collect()


# Multiprocess mode: each worker writes its pool figures to its own file; /metrics adds up live workers'.
_pool_gauges: list[Gauge] = []
_LIVE_GAUGE_FILE = re.compile(r"gauge_live[a-z]+_(\d+)\.db")


def empty_multiprocess_dir(path: Path) -> None:
    """For the process that starts the workers, before it starts them: the files of an earlier run would be
    added to this one's (a counter would never start again from zero)."""
    for stale in path.glob("*.db"):
        stale.unlink(missing_ok=True)


def _forget_dead_workers(path: Path) -> None:
    """Take out the live gauges of workers that died without stopping (killed, crashed; a worker that stops does
    it itself in `worker_lifespan`): their pool would be added to the live ones' for ever."""
    pids = {int(match.group(1)) for f in path.iterdir() if (match := _LIVE_GAUGE_FILE.fullmatch(f.name))}
    for pid in pids:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            mark_process_dead(pid, str(path))  # type: ignore[no-untyped-call]
        except PermissionError:  # alive, as another user
            continue


def _pool_gauges_for_files() -> list[Gauge]:
    if not _pool_gauges:
        # registry=None: only MultiProcessCollector reads them, from the files.
        _pool_gauges.extend(
            Gauge(name, documentation, multiprocess_mode="livesum", registry=None)
            for name, documentation in _POOL_HELP.items()
        )
    return _pool_gauges


async def _sample_pool(engine: AsyncEngine, seconds: float) -> None:
    gauges = _pool_gauges_for_files()
    while True:
        figures = _pool_figures(engine)
        if figures is not None:
            for gauge, value in zip(gauges, figures, strict=True):
                gauge.set(value)
        await asyncio.sleep(seconds)


@asynccontextmanager
async def worker_lifespan(app: Litestar) -> AsyncIterator[None]:
    """Multiprocess mode only: write this worker's pool figures every few seconds, and take its live gauges out
    of the sums when it stops."""
    settings: Settings = app.state.services.settings
    if settings.metrics_dir is None:
        yield
        return
    task = asyncio.create_task(_sample_pool(app.state.services.engine, POOL_SAMPLE_SECONDS))
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        mark_process_dead(os.getpid(), str(settings.metrics_dir))  # type: ignore[no-untyped-call]


# ---- /metrics ------------------------------------------------------------------------------------------------


class Exporter:
    """Who may read /metrics, and what it answers."""

    def __init__(self, services: Services) -> None:
        settings = services.settings
        self.allow = settings.metrics_allow
        self.token = settings.metrics_token.encode()
        self.trusted = settings.trusted_proxies
        self.metrics_dir = settings.metrics_dir
        from portal.routes._common import forwarded_client  # routes import services, which import this module

        self.forwarded_client = forwarded_client
        self.queue_depths = QueueDepths(services.sessionmaker)
        self.registry = CollectorRegistry()
        if settings.metrics_dir is not None:
            MultiProcessCollector(self.registry, path=str(settings.metrics_dir))  # type: ignore[no-untyped-call]
        else:
            self.registry.register(_Everything())
            self.registry.register(PoolFigures(services.engine))
        self.registry.register(self.queue_depths)

    def allowed(self, scope: Scope) -> bool:
        """A bearer token equal to METRICS_TOKEN, or a client address in METRICS_ALLOW (the client found as
        rate limits find it: through trusted proxies only)."""
        forwarded: list[str] = []
        for name, value in scope["headers"]:
            if name == b"authorization" and self.token:
                scheme, _, credential = value.partition(b" ")
                if scheme.lower() == b"bearer" and hmac.compare_digest(credential.strip(), self.token):
                    return True
            elif name == b"x-forwarded-for":
                forwarded.append(value.decode("latin-1"))
        client = scope.get("client")
        return self.forwarded_client(client[0] if client else "", forwarded, self.trusted) in self.allow

    async def answer(self, send: Send) -> None:
        await self.queue_depths.refresh()
        if self.metrics_dir is not None:
            _forget_dead_workers(self.metrics_dir)
        body = prometheus_client.generate_latest(self.registry)
        headers = [
            (b"content-type", CONTENT_TYPE_LATEST.encode()),
            (b"content-length", str(len(body)).encode()),
            (b"cache-control", b"no-store"),
            (b"x-content-type-options", b"nosniff"),
        ]
        start: HTTPResponseStartEvent = {"type": "http.response.start", "status": 200, "headers": headers}
        await send(start)
        whole: HTTPResponseBodyEvent = {"type": "http.response.body", "body": body, "more_body": False}
        await send(whole)


def observe(app: ASGIApp, services: Services) -> ASGIApp:
    """The outermost middleware: the request's id (in the log records made while it runs, and in the response's
    X-Request-ID), its count and time by route template, its access line (JSON mode), and /metrics itself,
    answered here without session or CSRF. Anyone not allowed to read /metrics gets the site's own 404."""
    exporter = Exporter(services)
    request_id_var = json_logs.REQUEST_ID
    info = logging.INFO

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        start = time.perf_counter()
        request_id = json_logs.request_id_from(scope["headers"])
        id_header = (json_logs.REQUEST_ID_HEADER, request_id.encode())
        context = request_id_var.set(request_id)
        status = 500  # unless a response starts: the server answers 500 to an app that raised first

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message = {**message, "headers": [*message.get("headers", ()), id_header]}
            await send(message)

        route = None
        try:
            if scope["path"] == METRICS_PATH and scope.get("method") == "GET" and exporter.allowed(scope):
                route = METRICS_PATH
                await exporter.answer(send_with_id)
            else:
                await app(scope, receive, send_with_id)
        finally:
            seconds = time.perf_counter() - start
            # Set by Litestar's router once a route matched: the template, e.g. /staff/cases/{number}.
            route = route or scope.get("path_template") or UNMATCHED
            method = scope.get("method", "")
            method = method if method in _METHODS else "other"
            _record(route, method, status, seconds)
            if access_log.isEnabledFor(info):
                access_log.handle(json_logs.access_record(method, route, status, round(seconds * 1000, 1), request_id))
            request_id_var.reset(context)

    return middleware
