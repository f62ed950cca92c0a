"""Public pages: home, agencies, language switch, health check, favicon and the development SMS outbox."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from litestar import Request, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromQuery
from litestar.response import Redirect, Response, Template

from portal import i18n
from portal.app_services import Services
from portal.routes._common import Db, Deps, page, signed_in
from portal.rules.masking import mask_phone
from portal.services import areas, health, outbox, service_items, typed_forms
from portal.template_helpers import safe_next

ONE_YEAR = 365 * 24 * 3600


@get("/", name="home")
async def home(request: Request[Any, Any, Any], db: Db) -> Template:
    return page("pages/home.html", account=await signed_in(request, db))


@get("/agencies", name="agencies")
async def agencies(request: Request[Any, Any, Any], db: Db) -> Template:
    return page(
        "pages/agencies.html", account=await signed_in(request, db), areas=await areas.list_areas(db),
        services=[item.title for item in await service_items.listed(db)],
    )  # fmt: skip


@get("/privacy", name="privacy")
async def privacy(request: Request[Any, Any, Any], db: Db) -> Template:
    return page("pages/privacy.html", account=await signed_in(request, db))


def _language_redirect(services: Services, to: str, next_path: str) -> Redirect:
    response = Redirect(next_path, status_code=303)
    response.set_cookie(
        i18n.LANG_COOKIE, i18n.pick_locale(to), max_age=ONE_YEAR, samesite="lax", httponly=True,
        secure=services.settings.secure_cookies,
    )  # fmt: skip
    return response


@get("/lang", name="switch_language")
async def switch_language(services: Deps, to: FromQuery[str] = "", next: FromQuery[str] = "/") -> Redirect:  # noqa: A002 - the query parameter's name
    return _language_redirect(services, to, safe_next(next))


@post("/lang", name="switch_language_keeping_form")
async def switch_language_keeping_form(
    request: Request[Any, Any, Any],
    services: Deps,
    to: FromQuery[str] = "",
    next: FromQuery[str] = "/",  # noqa: A002
) -> Redirect:
    """The language buttons of a form page post its form here: what was typed comes back with the page."""
    next_path = safe_next(next)
    typed_forms.keep(request.session, services.cipher, urlsplit(next_path).path, (await request.form()).multi_items())
    return _language_redirect(services, to, next_path)


@get("/healthz", name="healthz", skip_session=True)
async def healthz(services: Deps) -> Response[dict[str, str]]:
    if await health.database_ok(services.engine):
        return Response({"status": "ok", "database": "ok"}, status_code=200)
    return Response({"status": "unavailable", "database": "unreachable"}, status_code=503)


@get("/favicon.ico", name="favicon", skip_session=True, include_in_schema=False)
async def favicon() -> Redirect:
    # Browsers ask for /favicon.ico whatever the page links to; one icon, the SVG, answers both.
    return Redirect("/static/favicon.svg", status_code=301)


@get("/dev/sms", name="dev_sms")
async def dev_sms(request: Request[Any, Any, Any], db: Db, services: Deps) -> Template:
    if not services.settings.dev_outbox_visible:
        raise NotFoundException()
    messages = [(mask_phone(m.phone), m.body, m.created_at) for m in await outbox.latest_messages(db)]
    return page("pages/dev_sms.html", account=await signed_in(request, db), messages=messages)


HANDLERS = [home, agencies, privacy, switch_language, switch_language_keeping_form, healthz, favicon, dev_sms]
