"""Public notices: the public list and each notice's page (cached, rate-limited per address, never an export),
and the county's staff composing, publishing, withdrawing and taking entries down."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from litestar import Request, Response, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Template
from litestar.types import ASGIApp, Receive, Scope, Send
from markupsafe import Markup

from portal.app_services import Services
from portal.i18n import _
from portal.routes._common import Db, Deps, Staff, forwarded_client, page, read_form, see_other, signed_in
from portal.routes.errors import FormFailure, shows_form_again
from portal.services import areas, fields, notices, policies, receipts
from portal.services.errors import RateLimited
from portal.services.fields import options
from portal.services.ratelimit import Rule

NOTICE_CACHE_SECONDS = 300
WORDS: dict[str, Any] = {
    "status_words": notices.STATUS_LABELS,
    "category_words": notices.WITHDRAWAL_CATEGORIES,
    "payment_words": notices.PAYMENT_LABELS,
}
CATEGORIES = options(notices.WITHDRAWAL_CATEGORIES)


# ---- the public ---------------------------------------------------------------------------------------------------


_COUNTED = "portal_notice_page_allowed"


async def count_notice_page(services: Services, scope: Scope) -> bool:
    """Count a read of the notice list or a notice's page against its address (NOTICE_PAGES_PER_MINUTE), once per
    request, whether the page is answered whole from memory (portal.page_cache) or drawn; False when over the
    limit. Reading is for people, not for harvesting. Other pages under /notices/ are not counted."""
    if scope["path"].strip("/").count("/") > 1:
        return True
    state = scope.setdefault("state", {})
    if _COUNTED not in state:
        client = scope.get("client")
        peer = client[0] if client else "unknown"
        forwarded = [value.decode("latin-1") for name, value in scope["headers"] if name == b"x-forwarded-for"]
        address = forwarded_client(peer, forwarded, services.settings.trusted_proxies)
        rule = Rule("notice-pages", services.settings.notice_pages_per_minute, 60)
        state[_COUNTED] = await services.limiter.hit(rule, address)
    allowed: bool = state[_COUNTED]
    return allowed


def per_address_limit(app: ASGIApp) -> ASGIApp:
    """Before Litestar's page cache is asked, so that a cached page counts too."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if not await count_notice_page(scope["app"].state.services, scope):
            raise RateLimited()
        await app(scope, receive, send)

    return middleware


@get("/notices", name="notices", cache=NOTICE_CACHE_SECONDS, middleware=[per_address_limit])
async def public_list(
    request: Request[Any, Any, Any], db: Db, county: FromQuery[str] = "", policy: FromQuery[str] = "",
    page_number: FromQuery[int] = 1,
) -> Template:  # fmt: skip
    found = await notices.public_list(db, county=county, policy=policy, page=page_number)
    names = await areas.names(db)
    titles = await policies.titles(db)
    return page(
        "notices/list.html", account=await signed_in(request, db), found=found, county=county, policy=policy,
        county_choices=options(names), policy_choices=options({c: f"{c} {t}" for c, t in titles.items()}),
        titles=titles, area_names=names, base_query=urlencode({"county": county, "policy": policy}), **WORDS,
    )  # fmt: skip


@get("/notices/{number:str}", name="notice", cache=NOTICE_CACHE_SECONDS, middleware=[per_address_limit])
async def public_notice(
    request: Request[Any, Any, Any], db: Db, services: Deps, number: FromPath[str], page_number: FromQuery[int] = 1
) -> Response[Any]:
    shown = await notices.public_notice(db, number, page=page_number,
                                        retention_days=services.settings.notice_retention_days)  # fmt: skip
    url = f"{services.settings.base_url}/notices/{shown.notice.number}"
    response = page(
        "notices/notice.html", account=await signed_in(request, db), shown=shown, notice=shown.notice,
        area_names=await areas.names(db), titles=await policies.titles(db), url=url,
        # Drawn by the qrcode package from our own URL, once per notice (a stable link); the label is escaped.
        qr=Markup(receipts.status_qr_svg(url, _("QR code that opens this notice"))),  # noqa: S704
        **WORDS,
    )  # fmt: skip
    response.headers["X-Robots-Tag"] = "noindex"
    return response


# ---- the county's staff -------------------------------------------------------------------------------------------


@get("/notices", name="staff_notices")
async def staff_list(db: Db, staff: Staff, page_number: FromQuery[int] = 1, done: FromQuery[str] = "") -> Template:
    return page(
        "notices/staff_list.html", scope=staff, found=await notices.staff_list(db, staff, page=page_number),
        area_names=await areas.names(db), titles=await policies.titles(db), done=done, **WORDS,
    )  # fmt: skip


@dataclass(frozen=True)
class ComposeForm:
    policy: str = ""
    granted_from: str = ""
    granted_to: str = ""
    working_days: str = ""


async def _compose_page(
    db: Db, services: Deps, staff: Staff, *, values: dict[str, Any], errors: dict[str, object] | None = None,
    status_code: int = 200, lines: list[notices.PreviewLine] | None = None,
) -> Template:  # fmt: skip
    titles = await policies.titles(db)
    return page(
        "notices/compose.html", status_code, scope=staff, values=values, errors=errors or {}, lines=lines,
        policy_choices=options(titles), titles=titles, area_names=await areas.names(db),
        default_days=services.settings.notice_working_days,
    )  # fmt: skip


async def _preview_again(failure: FormFailure, db: Db, services: Deps, staff: Staff, **_: Any) -> Template:
    return await _compose_page(db, services, staff, values=failure.values, errors=failure.errors,
                               status_code=failure.status_code)  # fmt: skip


@get("/notices/new", name="staff_notice_new")
@shows_form_again(_preview_again)
async def compose_page(
    request: Request[Any, Any, Any], db: Db, services: Deps, staff: Staff, policy: FromQuery[str] = "",
    granted_from: FromQuery[str] = "", granted_to: FromQuery[str] = "", working_days: FromQuery[str] = "",
) -> Response[Any]:  # fmt: skip
    """The form, and (once it is filled in) the entries exactly as they will appear."""
    days = working_days or str(services.settings.notice_working_days)
    values = {"policy": policy, "granted_from": granted_from, "granted_to": granted_to, "working_days": days}
    lines = None
    if policy:
        draft = notices.check_draft(policy, granted_from, granted_to, days, list(await policies.titles(db)))
        lines = await notices.preview(db, services.cipher, staff, draft)
    return await _compose_page(db, services, staff, values=values, lines=lines)


@post("/notices")
@shows_form_again(_preview_again)
async def compose(request: Request[Any, Any, Any], db: Db, services: Deps, staff: Staff) -> Response[Any]:
    form = await read_form(request, ComposeForm)
    draft = notices.check_draft(form.policy, form.granted_from, form.granted_to, form.working_days,
                                list(await policies.titles(db)))  # fmt: skip
    notice = await notices.compose(db, services.cipher, staff, draft)
    return see_other(f"/staff/notices/{notice.number}", done="composed")


async def _notice_page(
    db: Db, staff: Staff, number: str, page_number: int = 1, *, status_code: int = 200,
    values: dict[str, Any] | None = None, errors: dict[str, object] | None = None, done: str = "",
    conflict: bool = False,
) -> Template:  # fmt: skip
    shown = await notices.staff_notice(db, staff, number, page=page_number)
    return page(
        "notices/staff_notice.html", status_code, scope=staff, shown=shown, notice=shown.notice,
        area_names=await areas.names(db), titles=await policies.titles(db), categories=CATEGORIES,
        values=values or {}, errors=errors or {}, done=done, conflict=conflict, **WORDS,
    )  # fmt: skip


@get("/notices/{number:str}", name="staff_notice")
async def staff_notice(
    db: Db, staff: Staff, number: FromPath[str], page_number: FromQuery[int] = 1, done: FromQuery[str] = ""
) -> Template:
    return await _notice_page(db, staff, number, page_number, done=done)


async def _act_again(failure: FormFailure, db: Db, staff: Staff, number: str, **_: Any) -> Template:
    # A take-down's errors are shown beside its entry: on the page that holds it.
    page_number = notices.page_of(fields.db_int(str(failure.values.get("position", ""))) or 0)
    return await _notice_page(db, staff, number, page_number, status_code=failure.status_code,
                              values=failure.values, errors=failure.errors,
                              conflict=failure.conflict is not None)  # fmt: skip


@dataclass(frozen=True)
class VersionForm:
    version: str = ""


@dataclass(frozen=True)
class WithdrawForm:
    version: str = ""
    category: str = ""
    reason: str = ""


@dataclass(frozen=True)
class TakeDownForm:
    position: str = ""
    category: str = ""
    reason: str = ""


@post("/notices/{number:str}/publish")
@shows_form_again(_act_again)
async def publish(request: Request[Any, Any, Any], db: Db, staff: Staff, number: FromPath[str]) -> Response[Any]:
    form = await read_form(request, VersionForm)
    await notices.publish(db, staff, number, fields.db_int(form.version) or 0)
    return see_other(f"/staff/notices/{number}", done="published")


@post("/notices/{number:str}/withdraw")
@shows_form_again(_act_again)
async def withdraw(request: Request[Any, Any, Any], db: Db, staff: Staff, number: FromPath[str]) -> Response[Any]:
    form = await read_form(request, WithdrawForm)
    await notices.withdraw(db, staff, number, fields.db_int(form.version) or 0, form.category, form.reason)
    return see_other(f"/staff/notices/{number}", done="withdrawn")


@post("/notices/{number:str}/take-down")
@shows_form_again(_act_again)
async def take_down(request: Request[Any, Any, Any], db: Db, staff: Staff, number: FromPath[str]) -> Response[Any]:
    form = await read_form(request, TakeDownForm)
    await notices.take_down(db, staff, number, fields.db_int(form.position) or 0, form.category, form.reason)
    return see_other(f"/staff/notices/{number}", done="taken_down")


PUBLIC_HANDLERS = [public_list, public_notice]
STAFF_HANDLERS = [staff_list, compose_page, compose, staff_notice, publish, withdraw, take_down]
