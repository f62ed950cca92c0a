"""/metrics: requests counted by route template (never the raw path), open to allowed addresses or a bearer token
and a plain 404 to anyone else, the database pool, queue depths counted at most every few seconds, scheduled jobs by
outcome, and several worker processes added up."""

from __future__ import annotations

import asyncio
import contextlib
import sys
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import event, func, select

from portal import metrics
from portal.app_services import Services
from portal.config import Settings, SettingsError, TrustedProxies
from portal.models import AuditEntry
from portal.services import audit, jobs, service_requests
from tests.conftest import make_id
from tests.staffing import make_case, registered_case, reviewer_and_admin

TOKEN = "scrape-token-0123456789abcdef"
PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _client(app: Any, address: str = "127.0.0.1") -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(address, 50000))
    return httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000")


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(text: str, name: str, **labels: str) -> float:
    return samples(text).get((name, frozenset(labels.items())), 0.0)


async def _bare(scope: Any, receive: Any, send: Any) -> None:
    """What answers behind the middleware in the tests that wrap it alone: the portal's 404 for anything."""
    await send({"type": "http.response.start", "status": 404, "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": b"not found"})


def _allow(raw: str) -> Any:
    env = {"PORTAL_ENV": "test", "METRICS_ALLOW": raw, "PORTAL_DATA_KEY": "11" * 32, "PORTAL_SECRET_KEY": "22" * 32,
           "AUDIT_KEY": "33" * 32}  # fmt: skip
    return Settings.from_env(env).metrics_allow


def _observed(services: Services, **settings: Any) -> Any:
    """The middleware with settings of the test's own (and a queue-depth count of its own, not yet cached)."""
    return metrics.observe(_bare, replace(services, settings=replace(services.settings, **settings)))


async def test_an_allowed_address_reads_requests_counted_by_route_method_and_status_class(client) -> None:
    before = (await client.get("/metrics")).text
    assert (await client.get("/healthz")).status_code == 200
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=")
    assert response.headers["cache-control"] == "no-store"
    labels = {"route": "/healthz", "method": "GET", "status": "2xx"}
    assert value(response.text, "portal_http_requests_total", **labels) == (
        value(before, "portal_http_requests_total", **labels) + 1
    )
    assert value(response.text, "portal_http_request_duration_seconds_count", route="/healthz") >= 1
    assert "set-cookie" not in response.headers  # no session


async def test_a_disallowed_address_gets_the_sites_own_404(app) -> None:
    async with _client(app, "203.0.113.9") as outsider:
        response = await outsider.get("/metrics")
        unknown = await outsider.get("/no-such-page")
    assert response.status_code == 404
    assert "portal_http_requests_total" not in response.text
    # Nothing tells it from any other unknown address (the page's language links name the page asked for).
    assert response.text == unknown.text.replace("%2Fno-such-page", "%2Fmetrics")
    assert response.headers.keys() == unknown.headers.keys()


async def test_a_forged_forwarded_for_from_an_untrusted_peer_is_not_believed(app) -> None:
    async with _client(app, "203.0.113.9") as outsider:
        response = await outsider.get("/metrics", headers={"X-Forwarded-For": "127.0.0.1"})
    assert response.status_code == 404


async def test_the_client_behind_a_trusted_proxy_is_the_one_checked(services) -> None:
    observed = _observed(services, trusted_proxies=TrustedProxies("10.0.0.1"), metrics_allow=_allow("::1"))
    async with _client(observed, "10.0.0.1") as proxy:
        inside = await proxy.get("/metrics", headers={"X-Forwarded-For": "::1"})
        outside = await proxy.get("/metrics", headers={"X-Forwarded-For": "203.0.113.9"})
    assert inside.status_code == 200
    assert outside.status_code == 404


async def test_the_bearer_token_opens_metrics_from_anywhere(services) -> None:
    observed = _observed(services, metrics_token=TOKEN)
    async with _client(observed, "203.0.113.9") as outsider:
        with_token = await outsider.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
        wrong_token = await outsider.get("/metrics", headers={"Authorization": f"Bearer {TOKEN[:-1]}x"})
        no_token = await outsider.get("/metrics")
    assert with_token.status_code == 200
    assert "portal_http_requests_total" in with_token.text
    assert (wrong_token.status_code, no_token.status_code) == (404, 404)


async def test_without_a_token_set_no_bearer_opens_metrics(services) -> None:
    observed = _observed(services, metrics_token="")
    async with _client(observed, "203.0.113.9") as outsider:
        response = await outsider.get("/metrics", headers={"Authorization": "Bearer "})
    assert response.status_code == 404


def test_metrics_settings_are_checked_at_start_up() -> None:
    base = {"PORTAL_ENV": "test", "PORTAL_DATA_KEY": "11" * 32, "PORTAL_SECRET_KEY": "22" * 32, "AUDIT_KEY": "33" * 32}
    defaults = Settings.from_env(base)
    assert [str(network) for network in defaults.metrics_allow.networks] == ["127.0.0.1/32", "::1/128"]
    assert defaults.metrics_token == ""
    assert defaults.metrics_dir is None
    with pytest.raises(SettingsError, match="METRICS_ALLOW"):
        Settings.from_env({**base, "METRICS_ALLOW": "localhost"})
    with pytest.raises(SettingsError, match="METRICS_TOKEN"):
        Settings.from_env({**base, "METRICS_TOKEN": "short"})
    with pytest.raises(SettingsError, match="PROMETHEUS_MULTIPROC_DIR"):
        Settings.from_env({**base, "PROMETHEUS_MULTIPROC_DIR": "/no/such/folder"})
    assert TOKEN not in repr(Settings.from_env({**base, "METRICS_TOKEN": TOKEN}))


async def test_labels_carry_the_route_template_never_the_raw_path(app, client) -> None:
    number = make_id(date(1990, 1, 1), "M")
    await client.get(f"/staff/cases/{number}")  # a matched route (which sends a stranger to sign in)
    await client.get(f"/no/such/page/{number}")  # no route at all
    await client.post("/healthz")  # a route, but not for this method
    await client.request("BREW", "/healthz")  # a method no one uses
    text = (await client.get("/metrics")).text
    assert number not in text
    routes = {dict(labels).get("route") for (name, labels) in samples(text) if name == "portal_http_requests_total"}
    assert "/staff/cases/{number}" in routes
    assert "unmatched" in routes
    assert routes <= {route.path_format for route in app.routes} | {"unmatched", "/metrics"}
    methods = {dict(labels).get("method") for (name, labels) in samples(text) if name == "portal_http_requests_total"}
    assert "BREW" not in methods
    assert "other" in methods


async def test_every_response_carries_a_request_id(client) -> None:
    first = await client.get("/healthz")
    second = await client.get("/healthz")
    assert first.headers["x-request-id"] != second.headers["x-request-id"]
    kept = await client.get("/healthz", headers={"X-Request-ID": "lb-7f3a.01_x"})
    assert kept.headers["x-request-id"] == "lb-7f3a.01_x"


async def test_the_database_pool_is_reported(client, services) -> None:
    text = (await client.get("/metrics")).text
    pool = services.engine.pool
    assert value(text, "portal_db_pool_size") == pool.size()
    assert value(text, "portal_db_pool_checked_out") >= 0
    assert ("portal_db_pool_overflow", frozenset()) in samples(text)


async def test_queue_depths_show_what_waits(services, db) -> None:
    scopes = await reviewer_and_admin(db)
    registered = await registered_case(db, services, scopes["reviewer"])
    await service_requests.file(
        db, services.limiter, per_day=10, answer_days=1, account_id=registered.account_id, kind="training",
        text="下月有哪些培训？",
    )  # fmt: skip
    await db.commit()
    await make_case(db, services, phone="13300000002", id_number=make_id(date(1985, 5, 5)))
    entries = await db.scalar(select(func.count()).select_from(AuditEntry))
    assert entries  # staff accounts and the decision were audited, and no sealer runs here

    async with _client(_observed(services)) as scraper:
        text = (await scraper.get("/metrics")).text
    assert value(text, "portal_queue_depth", queue="registrations_awaiting") == 1
    assert value(text, "portal_queue_depth", queue="service_requests_waiting") == 1
    assert value(text, "portal_queue_depth", queue="policy_applications_awaiting") == 0
    assert value(text, "portal_queue_depth", queue="objections_open") == 0
    assert value(text, "portal_queue_depth", queue="audit_unsealed") == entries

    await audit.seal_and_checkpoint(services.sessionmaker, services.settings.audit_checkpoint_file)
    async with _client(_observed(services)) as scraper:
        text = (await scraper.get("/metrics")).text
    assert value(text, "portal_queue_depth", queue="audit_unsealed") == 0


async def test_a_storm_of_scrapes_counts_the_queues_once(services, db) -> None:
    counted: list[str] = []

    def count_queries(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if "audit_seals" in statement and "count(" in statement.lower():
            counted.append(statement)

    observed = _observed(services)
    event.listen(services.engine.sync_engine, "before_cursor_execute", count_queries)
    try:
        async with _client(observed) as scraper:
            first = await asyncio.gather(*(scraper.get("/metrics") for _ in range(20)))
            await make_case(db, services)
            again = await scraper.get("/metrics")
    finally:
        event.remove(services.engine.sync_engine, "before_cursor_execute", count_queries)
    assert all(response.status_code == 200 for response in first)
    assert len(counted) == 1
    # Within the interval the count is the one already taken.
    assert value(again.text, "portal_queue_depth", queue="registrations_awaiting") == 0


async def test_a_job_run_is_counted_by_outcome_and_timed(client, services) -> None:
    before = (await client.get("/metrics")).text
    async with services.sessionmaker() as session, session.begin():
        await jobs.run_due(session, services.cipher)
    with pytest.raises(RuntimeError), metrics.job_run("test.failing"):
        raise RuntimeError("the job broke")
    text = (await client.get("/metrics")).text
    for step in ("proposals", "overdue", "notices", "credit_listings", "placements", "assessment", "statistics"):
        job = f"run_due.{step}"
        runs = value(text, "portal_job_runs_total", job=job, outcome="ok")
        assert runs == value(before, "portal_job_runs_total", job=job, outcome="ok") + 1, job
        assert value(text, "portal_job_duration_seconds_count", job=job) >= 1
    assert value(text, "portal_job_runs_total", job="test.failing", outcome="failed") >= 1


async def test_the_in_app_schedule_counts_its_runs(client, services, settings) -> None:
    from portal.app import run_jobs_every

    def runs(text: str) -> float:
        return value(text, "portal_job_runs_total", job="run_due", outcome="ok")

    before = runs((await client.get("/metrics")).text)
    task = asyncio.create_task(run_jobs_every(replace(services, settings=settings), 3600))
    try:
        for _ in range(200):
            await asyncio.sleep(0.05)
            if runs((await client.get("/metrics")).text) > before:
                break
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    assert runs((await client.get("/metrics")).text) == before + 1


_WORKER = """
import os, sys
from portal import metrics
metrics._record("/healthz", "GET", 200, 0.004)
metrics._record("/staff/cases/{number}", "GET", 303, 0.02)
metrics._pool_gauges_for_files()[1].set(int(sys.argv[1]))
print(os.getpid(), flush=True)
sys.stdin.readline()  # alive until told
"""


async def test_several_worker_processes_are_added_up(services, tmp_path: Path) -> None:
    """Each worker writes its own files (PROMETHEUS_MULTIPROC_DIR set before it imports the portal); /metrics adds
    them up, its pool figures for live workers only: a worker gone without stopping is taken out at the next
    scrape (one that stops does it itself, in `worker_lifespan`)."""
    env = {"PROMETHEUS_MULTIPROC_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}
    workers = [
        await asyncio.create_subprocess_exec(
            sys.executable, "-c", _WORKER, str(checked_out), env=env, cwd=PROJECT_ROOT,
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        )
        for checked_out in (2, 3)
    ]  # fmt: skip

    async def scrape() -> str:
        async with _client(_observed(services, metrics_dir=tmp_path)) as scraper:
            return (await scraper.get("/metrics")).text

    try:
        for worker in workers:
            assert worker.stdout is not None
            assert int(await worker.stdout.readline())  # its pid: its metrics are written
        text = await scrape()
        assert value(text, "portal_http_requests_total", route="/healthz", method="GET", status="2xx") == 2
        assert value(text, "portal_http_requests_total", route="/staff/cases/{number}", method="GET", status="3xx") == 2
        assert value(text, "portal_http_request_duration_seconds_bucket", route="/healthz", le="0.005") == 2
        assert value(text, "portal_db_pool_checked_out") == 5
        assert value(text, "portal_queue_depth", queue="registrations_awaiting") == 0  # by the scraped process

        workers[0].kill()
        await workers[0].wait()
        text = await scrape()
        assert value(text, "portal_db_pool_checked_out") == 3
        assert value(text, "portal_http_requests_total", route="/healthz", method="GET", status="2xx") == 2
    finally:
        for worker in workers:
            if worker.returncode is None:
                worker.kill()
                await worker.wait()


def test_the_serve_command_can_empty_the_multiprocess_folder_of_an_earlier_run(tmp_path: Path) -> None:
    for name in ("counter_101.db", "histogram_101.db", "gauge_livesum_101.db"):
        (tmp_path / name).write_bytes(b"")
    metrics.empty_multiprocess_dir(tmp_path)
    assert not list(tmp_path.iterdir())
