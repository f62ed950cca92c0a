"""The application factory: settings, database, stores, security headers, languages and routes."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from http.cookies import CookieError, SimpleCookie
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from litestar import Litestar
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import State
from litestar.di import Provide
from litestar.logging import LoggingConfig
from litestar.plugins.htmx import HTMXPlugin
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.stores.base import Store
from litestar.stores.memory import MemoryStore
from litestar.template.config import TemplateConfig
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from sqlalchemy.ext.asyncio import AsyncSession

from portal import i18n, logging_filters
from portal.adapters.sms import make_gateway
from portal.adapters.social_insurance import make_social_insurance
from portal.adapters.verification import make_sources
from portal.app_services import Services
from portal.config import Settings
from portal.crypto import Cipher, TokenSigner
from portal.db import make_engine, make_sessionmaker, session_scope
from portal.routes import ROUTES
from portal.routes import staff as staff_routes
from portal.routes.errors import EXCEPTION_HANDLERS
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
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    # Status links carry a token: never send it on to another site.
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
]


def locale_and_headers(app: ASGIApp) -> ASGIApp:
    """Pick the reader's language from the cookie for this request, and add security headers."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        locale = i18n.DEFAULT_LOCALE
        for name, value in scope.get("headers", []):
            if name == b"cookie":
                cookie: SimpleCookie = SimpleCookie()
                with contextlib.suppress(CookieError):  # a broken cookie only means the default language
                    cookie.load(value.decode("latin-1"))
                if i18n.LANG_COOKIE in cookie:
                    locale = i18n.pick_locale(cookie[i18n.LANG_COOKIE].value)
        token = i18n.current_locale.set(locale)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.extend(SECURITY_HEADERS)
                message = {**message, "headers": headers}
            await send(message)

        try:
            await app(scope, receive, send_with_headers)
        finally:
            i18n.current_locale.reset(token)

    return middleware


async def run_jobs_every(services: Services, seconds: float) -> None:
    """The in-app schedule for `portal jobs run-due`; safe beside other processes doing the same."""
    from portal.services import jobs

    log = logging.getLogger("portal.jobs")
    while True:
        try:
            async with services.sessionmaker() as session, session.begin():
                report = await jobs.run_due(session, services.cipher, services.sources.big_data)
            log.info("run-due: %s", report.as_dict())
        except Exception:
            log.exception("run-due failed; trying again at the next interval")
        await asyncio.sleep(seconds)


def _stores(settings: Settings) -> dict[str, Store]:
    if settings.redis_url:
        from litestar.stores.redis import RedisStore

        root = RedisStore.with_client(url=settings.redis_url, namespace=settings.redis_prefix)
        return {name: root.with_namespace(name) for name in ("sessions", "staff_sessions", "limits")}
    return {"sessions": MemoryStore(), "staff_sessions": MemoryStore(), "limits": MemoryStore()}


def _jinja() -> Environment:
    env = Environment(
        loader=FileSystemLoader(PACKAGE_DIR / "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)  # type: ignore[attr-defined]
    return env


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or Settings.from_env()
    logging_filters.install()
    stores = _stores(settings)
    engine = make_engine(settings.database_url)
    services = Services(
        settings=settings,
        engine=engine,
        sessionmaker=make_sessionmaker(engine),
        cipher=Cipher(settings.data_key),
        status_signer=TokenSigner(settings.secret_key, "status-link"),
        sms=make_gateway(settings.sms_gateway),
        social_insurance=make_social_insurance(settings.social_insurance),
        sources=make_sources(settings.social_insurance),
        limits=stores["limits"],
    )

    async def db_session(state: State) -> AsyncIterator[AsyncSession]:
        async for session in session_scope(state.services.sessionmaker):
            yield session

    def provide_services(state: State) -> Services:
        return state.services

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        task = None
        if settings.jobs_every_minutes:
            task = asyncio.create_task(run_jobs_every(services, settings.jobs_every_minutes * 60))
        try:
            yield
        finally:
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            await engine.dispose()

    session_config = RotatingSessionConfig(
        store="sessions",
        secure=settings.secure_cookies,
        samesite="lax",
        max_age=SESSION_SECONDS,
        renew_on_access=True,
        exclude="^/staff",
    )
    # Staff have their own cookie and store, and are signed out after 30 idle minutes.
    staff_session_config = RotatingSessionConfig(
        store="staff_sessions",
        key="staff_session",
        secure=settings.secure_cookies,
        samesite="strict",
        max_age=STAFF_IDLE_SECONDS,
        renew_on_access=True,
    )
    template_engine = JinjaTemplateEngine.from_environment(_jinja())
    register_helpers(template_engine, settings)

    return Litestar(
        route_handlers=[
            *ROUTES,
            staff_routes.make_router(staff_session_config.middleware),
            create_static_files_router(path="/static", directories=[PACKAGE_DIR / "static"], name="static"),
        ],
        state=State(
            {"services": services, "session_config": session_config, "staff_session_config": staff_session_config}
        ),
        dependencies={"db": Provide(db_session), "services": Provide(provide_services, sync_to_thread=False)},
        plugins=[HTMXPlugin()],
        template_config=TemplateConfig(instance=template_engine),
        csrf_config=CSRFConfig(
            secret=settings.secret_key.hex(),
            cookie_secure=settings.secure_cookies,
            cookie_httponly=True,
            cookie_samesite="lax",
        ),
        middleware=[
            locale_and_headers,
            session_config.middleware,
        ],
        stores=stores,
        exception_handlers=EXCEPTION_HANDLERS,
        lifespan=[lifespan],
        logging_config=LoggingConfig(
            root={"level": settings.log_level, "handlers": ["queue_listener"]},
            formatters={"standard": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
            log_exceptions="never",  # routes.errors.server_error logs them once
        ),
        debug=False,
    )
