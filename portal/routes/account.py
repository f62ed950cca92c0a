"""Resident accounts: sign up with an SMS code, log in and out, reset a forgotten password, the account page.
Signing up and resetting a password are the same two steps (a number, then the code and a new password): one
set of handlers serves both flows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromQuery
from litestar.response import Redirect, Template

from portal import i18n
from portal.models import CodePurpose
from portal.routes._common import Account, Db, Deps, client_ip, page, read_form, see_other, sign_in
from portal.routes.errors import FormFailure, shows_form_again
from portal.rules.masking import mask_phone
from portal.services import accounts, inbox
from portal.services import registration as registrations
from portal.template_helpers import safe_next

PENDING_PHONE = "pending_phone"
PENDING_NEW_PHONE = "pending_new_phone"


@dataclass(frozen=True)
class PhoneForm:
    phone: str = ""


@dataclass(frozen=True)
class CodeAndPasswordForm:
    code: str = ""
    password: str = ""
    password_confirm: str = ""


@dataclass(frozen=True)
class PasswordChangeForm:
    current_password: str = ""
    password: str = ""
    password_confirm: str = ""


@dataclass(frozen=True)
class PhoneChangeForm:
    phone: str = ""
    password: str = ""


@dataclass(frozen=True)
class CodeForm:
    code: str = ""


@dataclass(frozen=True)
class LoginForm:
    phone: str = ""
    password: str = ""
    next: str = ""


@dataclass(frozen=True)
class CodeFlow:
    """Signing up or resetting a password: where each step lives, and what the code is for."""

    name: str  # the route name of the first step's page
    purpose: CodePurpose
    path: str  # the first step; the second is path + "/verify"
    template: str  # the first step's template; the second's ends in "_verify"

    @property
    def verify_template(self) -> str:
        return self.template.replace(".html", "_verify.html")


SIGN_UP = CodeFlow("sign_up", CodePurpose.SIGN_UP, "/account/sign-up", "account/sign_up.html")
RESET = CodeFlow("reset", CodePurpose.RESET, "/account/reset", "account/reset.html")


def _phone_page(flow: CodeFlow, status_code: int = 200, **context: Any) -> Template:
    return page(flow.template, status_code, values=context.pop("values", {}), errors=context.pop("errors", {}))


async def _send_code(request: Request[Any, Any, Any], db: Db, services: Deps, flow: CodeFlow) -> Redirect:
    form = await read_form(request, PhoneForm)
    phone = await accounts.send_code(
        db, services.sms, services.cipher, services.limiter, services.settings.sms_per_hour, phone=form.phone,
        address=client_ip(request), purpose=flow.purpose,
    )  # fmt: skip
    request.session[PENDING_PHONE] = phone
    return see_other(f"{flow.path}/verify")


def _verify_page(flow: CodeFlow, request: Request[Any, Any, Any], status_code: int = 200, **context: Any) -> Template:
    return page(
        flow.verify_template, status_code, masked_phone=mask_phone(request.session.get(PENDING_PHONE, "")),
        values=context.pop("values", {}), errors=context.pop("errors", {}),
    )  # fmt: skip


def _verify_form(flow: CodeFlow, request: Request[Any, Any, Any]) -> Template | Redirect:
    if not request.session.get(PENDING_PHONE):
        return see_other(flow.path)
    return _verify_page(flow, request)


async def _verify(request: Request[Any, Any, Any], db: Db, services: Deps, flow: CodeFlow) -> Redirect:
    phone = request.session.get(PENDING_PHONE)
    if not phone:
        return see_other(flow.path)
    form = await read_form(request, CodeAndPasswordForm)
    account = await accounts.finish_with_code(
        db, services.cipher, services.limiter, services.settings.login_attempts_per_15min, phone=phone,
        purpose=flow.purpose, code=form.code, password=form.password, password_confirm=form.password_confirm,
        locale=i18n.current_locale.get(),
    )  # fmt: skip
    if account is None:
        # Two sign-ups for one number raced and the other finished first: that number can log in now.
        request.session.pop(PENDING_PHONE, None)
        return see_other("/account/login")
    await sign_in(request, account)
    return see_other("/register") if flow is SIGN_UP else see_other("/account", done="password")


def _phone_again(flow: CodeFlow) -> Any:
    async def render(failure: FormFailure, **_: Any) -> Template:
        return _phone_page(flow, failure.status_code, values=failure.values, errors=failure.errors)

    return render


def _verify_again(flow: CodeFlow) -> Any:
    # Passwords are never sent back to the page, even when something else was wrong.
    async def render(failure: FormFailure, request: Request[Any, Any, Any], **_: Any) -> Template:
        values = {"code": failure.values.get("code", "")}
        return _verify_page(flow, request, failure.status_code, values=values, errors=failure.errors)

    return render


# ---- sign up, and password reset ---------------------------------------------------------------


def _code_flow_routes(flow: CodeFlow) -> list[Any]:
    """The four handlers of a flow: the number's page and its post, then the page for the code and the new
    password and its post."""

    @get(flow.path, name=flow.name)
    async def phone_form() -> Template:
        return _phone_page(flow)

    @post(flow.path)
    @shows_form_again(_phone_again(flow))
    async def send_code(request: Request[Any, Any, Any], db: Db, services: Deps) -> Response[Any]:
        return await _send_code(request, db, services, flow)

    @get(f"{flow.path}/verify", name=f"{flow.name}_verify")
    async def verify_form(request: Request[Any, Any, Any]) -> Template | Redirect:
        return _verify_form(flow, request)

    @post(f"{flow.path}/verify")
    @shows_form_again(_verify_again(flow))
    async def verify(request: Request[Any, Any, Any], db: Db, services: Deps) -> Response[Any]:
        return await _verify(request, db, services, flow)

    return [phone_form, send_code, verify_form, verify]


# ---- log in and out -------------------------------------------------------------------------


async def _login_again(failure: FormFailure, **_: Any) -> Template:
    return page(
        "account/login.html", failure.status_code, next=safe_next(failure.values.get("next"), "/account"),
        values={"phone": failure.values.get("phone", "")}, errors=failure.errors,
    )  # fmt: skip


@get("/account/login", name="login")
async def login_form(next: FromQuery[str] = "/account") -> Template:  # noqa: A002
    return page("account/login.html", next=safe_next(next, "/account"), values={}, errors={})


@post("/account/login")
@shows_form_again(_login_again)
async def login(request: Request[Any, Any, Any], db: Db, services: Deps) -> Response[Any]:
    form = await read_form(request, LoginForm)
    account = await accounts.log_in(
        db, services.limiter, services.settings.login_attempts_per_15min, phone=form.phone, password=form.password,
        address=client_ip(request),
    )  # fmt: skip
    await sign_in(request, account)
    return see_other(safe_next(form.next, "/account"))


@post("/account/logout", name="logout")
async def logout(request: Request[Any, Any, Any]) -> Redirect:
    request.clear_session()
    return see_other("/")


# ---- the signed-in resident's page ----------------------------------------------------------


@get("/account", name="account")
async def account_home(db: Db, services: Deps, account: Account, done: FromQuery[str] = "") -> Template:
    applications = await registrations.applications_of(db, account.id)
    draft = await registrations.get_answers(db, services.cipher, account.id)
    return page(
        "account/home.html",
        account=account,
        masked_phone=mask_phone(account.phone),
        applications=applications,
        open_application=any(a.is_open for a in applications),
        has_draft=draft is not None,
        unread=await inbox.unread_count(db, account.id),
        done=done,
    )


# ---- a new password, a new number ------------------------------------------------------------------


async def _password_again(failure: FormFailure, account: Account, **_: Any) -> Template:
    # Passwords are never sent back to the page.
    return page("account/password.html", failure.status_code, account=account, values={}, errors=failure.errors)


@get("/account/password", name="change_password")
async def password_form(account: Account) -> Template:
    return page("account/password.html", account=account, values={}, errors={})


@post("/account/password")
@shows_form_again(_password_again)
async def change_password(request: Request[Any, Any, Any], db: Db, services: Deps, account: Account) -> Response[Any]:
    form = await read_form(request, PasswordChangeForm)
    await accounts.change_password(
        db, services.sms, services.limiter, services.settings.login_attempts_per_15min, account,
        address=client_ip(request), current=form.current_password, password=form.password,
        password_confirm=form.password_confirm,
    )  # fmt: skip
    await sign_in(request, account)  # this session goes on; every other one has ended
    return see_other("/account", done="password")


async def _phone_change_again(failure: FormFailure, account: Account, **_: Any) -> Template:
    values = {"phone": failure.values.get("phone", "")}
    return page("account/phone.html", failure.status_code, account=account, values=values, errors=failure.errors)


@get("/account/phone", name="change_phone")
async def phone_change_form(account: Account) -> Template:
    return page("account/phone.html", account=account, values={}, errors={})


@post("/account/phone")
@shows_form_again(_phone_change_again)
async def start_phone_change(
    request: Request[Any, Any, Any], db: Db, services: Deps, account: Account
) -> Response[Any]:
    form = await read_form(request, PhoneChangeForm)
    settings = services.settings
    number = await accounts.start_phone_change(
        db, services.sms, services.cipher, services.limiter, per_hour=settings.sms_per_hour,
        per_15min=settings.login_attempts_per_15min, account=account, address=client_ip(request), phone=form.phone,
        password=form.password,
    )  # fmt: skip
    request.session[PENDING_NEW_PHONE] = number
    return see_other("/account/phone/verify")


def _phone_code_page(
    request: Request[Any, Any, Any], account: Account, status_code: int = 200, **context: Any
) -> Template:
    return page(
        "account/phone_verify.html", status_code, account=account,
        masked_phone=mask_phone(request.session.get(PENDING_NEW_PHONE, "")), values=context.get("values", {}),
        errors=context.get("errors", {}),
    )  # fmt: skip


@get("/account/phone/verify", name="change_phone_verify")
async def phone_code_form(request: Request[Any, Any, Any], account: Account) -> Template | Redirect:
    if not request.session.get(PENDING_NEW_PHONE):
        return see_other("/account/phone")
    return _phone_code_page(request, account)


async def _phone_code_again(
    failure: FormFailure, request: Request[Any, Any, Any], account: Account, **_: Any
) -> Template:
    return _phone_code_page(request, account, failure.status_code, values=failure.values, errors=failure.errors)


@post("/account/phone/verify")
@shows_form_again(_phone_code_again)
async def finish_phone_change(
    request: Request[Any, Any, Any], db: Db, services: Deps, account: Account
) -> Response[Any]:
    number = request.session.get(PENDING_NEW_PHONE)
    if not number:
        return see_other("/account/phone")
    form = await read_form(request, CodeForm)
    await accounts.finish_phone_change(db, services.sms, services.cipher, account, phone=number, code=form.code)
    await sign_in(request, account)
    return see_other("/account", done="phone")


HANDLERS = [
    *_code_flow_routes(SIGN_UP), *_code_flow_routes(RESET), login_form, login, logout, account_home, password_form,
    change_password, phone_change_form, start_phone_change, phone_code_form, finish_phone_change,
]  # fmt: skip
