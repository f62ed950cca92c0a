"""Public pages: home, agencies, language switch, health check and the development SMS outbox."""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.exceptions import NotFoundException
from litestar.params import FromQuery
from litestar.response import Redirect, Response, Template

from portal import i18n
from portal.routes._common import Db, Deps, page, signed_in
from portal.rules.masking import mask_phone
from portal.services import areas, health, outbox
from portal.template_helpers import safe_next

ONE_YEAR = 365 * 24 * 3600


@get("/", name="home")
async def home(request: Request[Any, Any, Any], db: Db) -> Template:
    return page("pages/home.html", account=await signed_in(request, db))


@get("/agencies", name="agencies")
async def agencies(request: Request[Any, Any, Any], db: Db) -> Template:
    return page("pages/agencies.html", account=await signed_in(request, db), areas=await areas.list_areas(db))


@get("/lang", name="switch_language")
async def switch_language(to: FromQuery[str] = "", next: FromQuery[str] = "/") -> Redirect:  # noqa: A002 - the query parameter's name
    response = Redirect(safe_next(next), status_code=303)
    response.set_cookie(i18n.LANG_COOKIE, i18n.pick_locale(to), max_age=ONE_YEAR, samesite="lax", httponly=True)
    return response


@get("/healthz", name="healthz", skip_session=True)
async def healthz(services: Deps) -> Response[dict[str, str]]:
    if await health.database_ok(services.engine):
        return Response({"status": "ok", "database": "ok"}, status_code=200)
    return Response({"status": "unavailable", "database": "unreachable"}, status_code=503)


@get("/dev/sms", name="dev_sms")
async def dev_sms(request: Request[Any, Any, Any], db: Db, services: Deps) -> Template:
    if not services.settings.dev_outbox_visible:
        raise NotFoundException()
    messages = [(mask_phone(m.phone), m.body, m.created_at) for m in await outbox.latest_messages(db)]
    return page("pages/dev_sms.html", account=await signed_in(request, db), messages=messages)
