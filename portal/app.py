"""The application factory: settings, database, stores, security headers, languages and routes."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from http.cookies import CookieError, SimpleCookie
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from litestar import Litestar, Request
from litestar.config.response_cache import ResponseCacheConfig
from litestar.datastructures import State
from litestar.di import Provide
from litestar.enums import ScopeType
from litestar.logging import LoggingConfig
from litestar.plugins.htmx import HTMXPlugin
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.stores.base import Store
from litestar.stores.memory import MemoryStore
from litestar.template.config import TemplateConfig
from litestar.types import ASGIApp, Empty, HTTPScope, Message, Receive, Scope, Send
from sqlalchemy.ext.asyncio import AsyncSession

from portal import csrf, i18n, json_logs, logging_filters, metrics, sessions
from portal.adapters.sms import make_gateway
from portal.adapters.social_insurance import make_social_insurance
from portal.adapters.verification import make_sources
from portal.app_services import Services
from portal.clock import local_today
from portal.config import Settings
from portal.crypto import SealedTokens
from portal.db import make_engine, make_sessionmaker, session_scope
from portal.input_guard import input_guard
from portal.page_cache import PublicPages
from portal.routes import DEPENDENCIES, ROUTES, staff_router
from portal.routes.errors import EXCEPTION_HANDLERS
from portal.services import audit, notices
from portal.services.audit import Sealer
from portal.services.passwords import passwords
from portal.services.ratelimit import make_limiter
from portal.sessions import RotatingSessionConfig
from portal.template_helpers import register_helpers

PACKAGE_DIR = Path(__file__).parent

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)
# A resident's session lasts 12 hours from the last request.
SESSION_SECONDS = 12 * 60 * 60
STAFF_IDLE_SECONDS = 30 * 60
SESSION_COOKIE = "session"
STAFF_SESSION_COOKIE = "staff_session"
# The account page polls this for the count of new messages: it must not keep a session alive by itself.
INBOX_COUNT_PATH = "/account/inbox/count"
NOTICE_CACHE_STORE = "notice_pages"
# Pages the same for every visitor without a session (per language), answered whole from memory. A status page
# (opened from a receipt's QR code) shows a status and nothing personal, the same to whoever holds the link.
PUBLIC_PATHS = ("/", "/policies", "/notices", "/agencies", "/services", "/privacy")
PUBLIC_PREFIXES = ("/policies/", "/notices/", "/services/", "/status/")
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    # Status links carry a token: never send it on to another site.
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
]


# Only when the site is served over HTTPS (SECURE_COOKIES): a year, for this host only.
HSTS = (b"strict-transport-security", b"max-age=31536000")
NO_STORE = (b"cache-control", b"no-store")
# Pages differ by language, which comes from the cookie or, on a first visit, from Accept-Language.
VARY = (b"vary", b"Accept-Language, Cookie")


def _request_cookies(scope: Scope) -> SimpleCookie:
    cookies: SimpleCookie = SimpleCookie()
    for name, value in scope.get("headers", []):
        if name == b"cookie":
            with contextlib.suppress(CookieError):  # a broken cookie is as good as none
                cookies.load(value.decode("latin-1"))
    return cookies


def _reader_locale(scope: Scope, cookies: SimpleCookie) -> str:
    """The language cookie's choice; on a first visit (no cookie), the browser's preference."""
    chosen = cookies.get(i18n.LANG_COOKIE)
    if chosen is not None and chosen.value in i18n.LOCALES:
        return chosen.value
    accept_language = next((v.decode("latin-1") for n, v in scope.get("headers", []) if n == b"accept-language"), "")
    return i18n.negotiate(accept_language)


def _private(scope: Scope, cookies: SimpleCookie) -> bool:
    """Whether a response is for someone with a session (signed in, or signing out), or is a status page:
    the browser must not keep it, or Back after signing out shows it again. A session cookie is enough to
    tell, unrouted pages included, since a session exists only when it holds something."""
    path = scope["path"]
    if path.startswith("/static/"):
        return False
    if path.startswith("/status/") or _has_session_cookie(cookies):
        return True
    session = scope.get("session")
    return session is Empty or sessions.has_data(session)


def _has_session_cookie(cookies: SimpleCookie) -> bool:
    return any(name in cookies and cookies[name].value != "null" for name in (SESSION_COOKIE, STAFF_SESSION_COOKIE))


def locale_and_headers(app: ASGIApp, *, secure: bool, pages: PublicPages | None = None) -> ASGIApp:
    """Pick the reader's language for this request, and add the security and caching headers. A public page for a
    visitor without a session is answered by `pages` (kept whole for a few seconds) when given."""
    always = [*SECURITY_HEADERS, HSTS] if secure else SECURITY_HEADERS

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await app(scope, receive, send)
            return
        cookies = _request_cookies(scope)
        locale = _reader_locale(scope, cookies)
        token = i18n.current_locale.set(locale)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.extend(always)
                if not scope["path"].startswith("/static/"):
                    headers.append(VARY)
                if _private(scope, cookies):
                    headers = [h for h in headers if h[0].lower() != b"cache-control"]
                    headers.append(NO_STORE)
                message = {**message, "headers": headers}
            await send(message)

        try:
            if pages is not None and pages.cacheable(scope) and not _has_session_cookie(cookies):
                await pages(scope, receive, send_with_headers, locale=locale)
            else:
                await app(scope, receive, send_with_headers)
                if pages is not None and scope["method"] not in csrf.SAFE_METHODS:
                    pages.clear()  # whatever the form changed is seen at once in this process
        finally:
            i18n.current_locale.reset(token)

    return middleware


class PortalApp(Litestar):
    """Litestar with `locale_and_headers` around everything it answers. Route middleware runs only for
    matched routes; unrouted 404 and 405 pages need the reader's language and the headers too."""

    def __init__(self, *args: Any, secure_cookies: bool, public_page_seconds: float, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.public_pages = PublicPages(
            super().__call__, paths=PUBLIC_PATHS, prefixes=PUBLIC_PREFIXES, gates={"/notices": self._notice_gate},
            ttl_seconds=public_page_seconds,
        )  # fmt: skip
        self.state.public_pages = self.public_pages
        # Outermost, metrics and the request id: they time and count everything, unrouted pages included.
        self._outer = metrics.observe(
            locale_and_headers(super().__call__, secure=secure_cookies, pages=self.public_pages), self.state.services
        )

    async def _notice_gate(self, scope: Scope) -> bool:
        """Notice pages count against the reader's per-address limit, kept or not (routes.notices)."""
        from portal.routes import notices

        return await notices.count_notice_page(self.state.services, scope)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            await self._outer(scope, receive, send)
        else:
            await super().__call__(scope, receive, send)


async def run_jobs_every(services: Services, seconds: float) -> None:
    """The in-app schedule for `portal jobs run-due`: every process and instance may run it, and one run at a time
    happens city-wide (`job_lock`); a process that finds another one running skips its turn."""
    from portal.services import job_lock, jobs

    log = logging.getLogger("portal.jobs")
    settings = services.settings
    while True:
        try:
            async with job_lock.one_run(
                services.sessionmaker, "run_due", redis_url=settings.redis_url, redis_prefix=settings.redis_prefix
            ) as session:
                if session is None:
                    log.debug("run-due skipped: another process is running it")
                else:
                    # Which process ran it, from when to when (epoch seconds, comparable across hosts): a run
                    # never overlaps another, wherever it ran.
                    with metrics.job_run("run_due"):
                        log.info("run-due started in process %d at %.6f", os.getpid(), time.time())
                        report = await jobs.run_due(session, services.cipher, services.sources.big_data)
                        await session.commit()
                    log.info("run-due done in process %d at %.6f: %s", os.getpid(), time.time(), report.as_dict())
        except Exception:
            log.exception("run-due failed; trying again at the next interval")
        await asyncio.sleep(seconds)


STORES = ("sessions", "staff_sessions", NOTICE_CACHE_STORE)


def _stores(settings: Settings) -> dict[str, Store]:
    if settings.redis_url:
        from litestar.stores.redis import RedisStore

        root = RedisStore.with_client(url=settings.redis_url, namespace=settings.redis_prefix)
        return {name: root.with_namespace(name) for name in STORES}
    return {name: MemoryStore() for name in STORES}


def notice_cache_key(request: Request[Any, Any, Any]) -> str:
    """Public notice pages are cached per language and day for visitors without a session; a page for someone
    with a session gets a key of its own, never asked again (and `_cache_anonymous_only` keeps it out)."""
    cookies = request.cookies
    if any(cookies.get(name) not in (None, "null") for name in (SESSION_COOKIE, STAFF_SESSION_COOKIE)):
        return f"private:{secrets.token_hex(8)}"
    query = "&".join(f"{k}={v}" for k, v in sorted(request.query_params.items()))
    return f"{i18n.current_locale.get()}:{local_today().isoformat()}:{request.url.path}?{query}"


def _cache_anonymous_only(scope: HTTPScope, status_code: int) -> bool:
    return 200 <= status_code < 300 and not sessions.has_data(scope.get("session"))


def _jinja() -> Environment:
    env = Environment(
        loader=FileSystemLoader(PACKAGE_DIR / "templates"),
        # Templates change with the code, which needs a restart anyway: no stat of every template per page.
        auto_reload=False,
        autoescape=True,
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    # The i18n extension adds this method to the environment at run time; Jinja's types do not declare it.
    env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)  # type: ignore[attr-defined]
    return env


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or Settings.from_env()
    logging_filters.install()
    json_logs.install()
    passwords.use(settings.password_hash_profile)
    stores = _stores(settings)
    engine = make_engine(settings.database_url)
    sessionmaker = make_sessionmaker(engine, settings.audit_key)
    services = Services(
        settings=settings,
        engine=engine,
        sessionmaker=sessionmaker,
        cipher=settings.cipher(),  # the data key ring
        status_tokens=SealedTokens(settings.secret_key, "status-link"),
        sms=make_gateway(settings.sms_gateway),
        social_insurance=make_social_insurance(settings.social_insurance),
        sources=make_sources(settings.social_insurance),
        limiter=make_limiter(settings.redis_url, settings.redis_prefix),
        sealer=Sealer(sessionmaker, settings.audit_checkpoint_file, settings.audit_seal_seconds or 60),
    )
    if settings.statistics_database_url:
        services.reader_engine = make_engine(settings.statistics_database_url)
        services.reader = make_sessionmaker(services.reader_engine, settings.audit_key)

    async def db_session(state: State) -> AsyncIterator[AsyncSession]:
        async for session in session_scope(state.services.sessionmaker):
            yield session
        # Committed: seal what this request wrote to the audit log now rather than at the next tick.
        if session.info.get(audit.PENDING_INFO):
            state.services.sealer.wake()
        if session.info.get(notices.CHANGED_INFO):  # after the commit, so no reader caches the page as it was
            await stores[NOTICE_CACHE_STORE].delete_all()
            state.public_pages.clear()

    async def reader_session(state: State) -> AsyncIterator[AsyncSession]:
        """A session on the read replica (the primary when none is configured), for reads only: it is rolled back,
        never committed, so a write made by mistake fails on a replica and is dropped on the primary."""
        async with state.services.statistics_reader() as session:
            try:
                yield session
            finally:
                await session.rollback()

    def provide_services(state: State) -> Services:
        services_in_state: Services = state.services
        return services_in_state

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        tasks = []
        if settings.jobs_every_minutes:
            tasks.append(asyncio.create_task(run_jobs_every(services, settings.jobs_every_minutes * 60)))
        if settings.audit_seal_seconds:
            tasks.append(asyncio.create_task(services.sealer.run()))
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            await services.limiter.close()
            await engine.dispose()
            if services.reader_engine is not None:
                await services.reader_engine.dispose()

    session_config = RotatingSessionConfig(
        store="sessions",
        key=SESSION_COOKIE,
        secure=settings.secure_cookies,
        samesite="lax",
        max_age=SESSION_SECONDS,
        renew_on_access=True,
        exclude="^/staff",
        quiet_paths=(INBOX_COUNT_PATH,),
    )
    # Staff have their own cookie and store, and are signed out after 30 idle minutes.
    staff_session_config = RotatingSessionConfig(
        store="staff_sessions",
        key=STAFF_SESSION_COOKIE,
        secure=settings.secure_cookies,
        samesite="strict",
        max_age=STAFF_IDLE_SECONDS,
        renew_on_access=True,
        path="/staff",
    )
    # Inside each session middleware, so that a form's token is checked against the session it posts to.
    csrf_check = csrf.csrf_middleware(settings.secret_key, secure=settings.secure_cookies)
    resident_csrf_check = csrf.csrf_middleware(
        settings.secret_key, secure=settings.secure_cookies, exclude_prefix="/staff"
    )
    template_engine = JinjaTemplateEngine.from_environment(_jinja())
    register_helpers(template_engine, settings)

    return PortalApp(
        route_handlers=[
            *ROUTES,
            staff_router(staff_session_config.middleware, csrf_check),
            create_static_files_router(path="/static", directories=[PACKAGE_DIR / "static"], name="static"),
        ],
        state=State(
            {"services": services, "session_config": session_config, "staff_session_config": staff_session_config}
        ),
        dependencies={
            "db": Provide(db_session),
            "reader": Provide(reader_session),
            "services": Provide(provide_services, sync_to_thread=False),
            **DEPENDENCIES,
        },
        plugins=[HTMXPlugin()],
        response_cache_config=ResponseCacheConfig(
            store=NOTICE_CACHE_STORE, key_builder=notice_cache_key, cache_response_filter=_cache_anonymous_only
        ),
        template_config=TemplateConfig(instance=template_engine),
        # The input guard first: the CSRF checks read the form, and must not meet bytes its parser fails on.
        middleware=[input_guard, session_config.middleware, resident_csrf_check],
        stores=stores,
        exception_handlers=EXCEPTION_HANDLERS,
        lifespan=[lifespan, metrics.worker_lifespan],
        logging_config=LoggingConfig(
            root={"level": settings.log_level, "handlers": ["queue_listener"]},
            formatters={"standard": json_logs.formatter(settings.log_json)},
            loggers=json_logs.loggers(settings.log_json),
            log_exceptions="never",  # routes.errors.server_error logs them once
        ),
        debug=False,
        # Server-rendered pages: no API schema to publish (Litestar would serve one at /schema).
        openapi_config=None,
        secure_cookies=settings.secure_cookies,
        public_page_seconds=settings.public_page_seconds,
    )
