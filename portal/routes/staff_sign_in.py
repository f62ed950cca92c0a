"""Staff sign-in: user name and password, then a code from an authenticator app (required for city
administrators; anyone can turn it on from their account page), and signing out."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import Request, Response, get, post
from litestar.response import Redirect, Template
from markupsafe import Markup

from portal.i18n import _
from portal.models import StaffUser
from portal.routes._common import Db, Deps, Staff, client_ip, page, read_form, see_other, sign_in_staff
from portal.routes.errors import FormFailure, shows_form_again
from portal.services import receipts, staff_sign_in
from portal.services import staff as staff_members
from portal.services.errors import SignInRequired
from portal.services.staff import Scope

PENDING = "pending_staff_id"
ENROL_SECRET = "enrol_secret"  # noqa: S105 - a session key name, not a secret


@dataclass(frozen=True)
class LoginForm:
    username: str = ""
    password: str = ""


@dataclass(frozen=True)
class CodeForm:
    code: str = ""


async def _pending(request: Request[Any, Any, Any], db: Db) -> StaffUser:
    """The account whose password was right, waiting for its second factor."""
    pending = request.session.get(PENDING) if request.scope.get("session") is not None else None
    user = await staff_members.get_active(db, int(pending)) if pending else None
    if user is None:
        raise SignInRequired(staff=True)
    return user


async def _signed_in(request: Request[Any, Any, Any], db: Db, user: StaffUser, *, totp: bool = False) -> Redirect:
    await staff_sign_in.mark_signed_in(db, user, totp=totp)
    await sign_in_staff(request, user)
    return see_other("/staff")


# ---- user name and password -----------------------------------------------------------------------------


async def _login_again(failure: FormFailure, **_: Any) -> Template:
    return page(
        "staff/login.html", failure.status_code, values={"username": failure.values.get("username", "")},
        errors=failure.errors,
    )  # fmt: skip


@get("/login", name="staff_login")
async def login_form() -> Template:
    return page("staff/login.html", values={}, errors={})


@post("/login")
@shows_form_again(_login_again)
async def login(request: Request[Any, Any, Any], db: Db, services: Deps) -> Response[Any]:
    form = await read_form(request, LoginForm)
    user = await staff_sign_in.log_in(
        db, services.limiter, services.settings.login_attempts_per_15min, username=form.username,
        password=form.password, address=client_ip(request),
    )  # fmt: skip
    if staff_sign_in.totp_required(user):
        request.set_session({PENDING: user.id})
        return see_other("/staff/login/code" if user.totp_enabled else "/staff/login/enrol")
    return await _signed_in(request, db, user)


# ---- the second factor ------------------------------------------------------------------------------------


async def _code_again(failure: FormFailure, **_: Any) -> Template:
    return page("staff/login_code.html", failure.status_code, errors=failure.errors)


@get("/login/code", name="staff_login_code")
async def code_form(request: Request[Any, Any, Any], db: Db) -> Template:
    await _pending(request, db)
    return page("staff/login_code.html", errors={})


@post("/login/code")
@shows_form_again(_code_again)
async def code(request: Request[Any, Any, Any], db: Db, services: Deps) -> Response[Any]:
    user = await _pending(request, db)
    form = await read_form(request, CodeForm)
    await staff_sign_in.check_totp(db, services.cipher, services.limiter, user, form.code)
    return await _signed_in(request, db, user, totp=True)


def _enrol_page(
    request: Request[Any, Any, Any], username: str, errors: dict[str, object], *, status_code: int = 200,
    action: str = "/staff/login/enrol", scope: Scope | None = None, required: bool = True,
) -> Template:  # fmt: skip
    secret = request.session.get(ENROL_SECRET) or staff_sign_in.new_totp_secret()
    request.session[ENROL_SECRET] = secret
    uri = staff_sign_in.totp_uri(secret, username)
    qr = Markup(receipts.qr_svg(uri, _("QR code to add this account to an authenticator app")))  # noqa: S704
    return page(
        "staff/enrol.html", status_code, secret=secret, qr=qr, errors=errors, action=action, scope=scope,
        required=required,
    )  # fmt: skip


async def _enrol_again(failure: FormFailure, request: Request[Any, Any, Any], db: Db, **_: Any) -> Template:
    user = await _pending(request, db)
    return _enrol_page(request, user.username, failure.errors, status_code=failure.status_code)


@get("/login/enrol", name="staff_enrol")
async def enrol_form(request: Request[Any, Any, Any], db: Db) -> Template:
    user = await _pending(request, db)
    return _enrol_page(request, user.username, {})


@post("/login/enrol")
@shows_form_again(_enrol_again)
async def enrol(request: Request[Any, Any, Any], db: Db, services: Deps) -> Response[Any]:
    user = await _pending(request, db)
    form = await read_form(request, CodeForm)
    await staff_sign_in.enrol_totp(db, services.cipher, user, request.session.get(ENROL_SECRET), form.code)
    return await _signed_in(request, db, user, totp=True)


# ---- the signed-in staff member's own account -------------------------------------------------------------


@get("/account", name="staff_account")
async def account_page(request: Request[Any, Any, Any], db: Db, staff: Staff) -> Template:
    user = await staff_members.require(db, staff.staff_id)
    if user.totp_enabled:
        return page("staff/account.html", scope=staff, user=user)
    return _enrol_page(request, user.username, {}, action="/staff/account/totp", scope=staff, required=False)


async def _account_totp_again(
    failure: FormFailure, request: Request[Any, Any, Any], staff: Staff, **_: Any
) -> Template:
    return _enrol_page(
        request, staff.username, failure.errors, status_code=failure.status_code, action="/staff/account/totp",
        scope=staff, required=False,
    )  # fmt: skip


@post("/account/totp")
@shows_form_again(_account_totp_again)
async def account_totp(request: Request[Any, Any, Any], db: Db, services: Deps, staff: Staff) -> Response[Any]:
    user = await staff_members.require(db, staff.staff_id)
    form = await read_form(request, CodeForm)
    await staff_sign_in.enrol_totp(db, services.cipher, user, request.session.get(ENROL_SECRET), form.code)
    request.session.pop(ENROL_SECRET, None)
    return see_other("/staff/account")


@post("/logout", name="staff_logout")
async def logout(request: Request[Any, Any, Any]) -> Redirect:
    request.clear_session()
    return see_other("/staff/login")


HANDLERS = [login_form, login, code_form, code, enrol_form, enrol, account_page, account_totp, logout]
