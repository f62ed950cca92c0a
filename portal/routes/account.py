"""Resident accounts: sign up with an SMS code, log in and out, reset a forgotten password."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.params import FromQuery
from litestar.response import Redirect, Template

from portal import i18n
from portal.i18n import _l
from portal.models import CodePurpose
from portal.routes._common import Db, Deps, client_ip, form_dict, page, see_other, sign_in, signed_in
from portal.rules.masking import mask_phone
from portal.services import accounts, fields, notify
from portal.services import registration as registration_service
from portal.services.errors import RateLimited
from portal.template_helpers import safe_next

PENDING_PHONE = "pending_phone"
PHONE_REQUIRED = _l("Enter your mobile number")
PASSWORD_REQUIRED = _l("Enter your password")
CODE_REQUIRED = _l("Enter the 6-digit code from the text message")
PHONE_MAX = 20  # 11 digits, with room for "+86" and spaces
TOO_MANY_LOGINS = _l("Too many attempts. Wait 15 minutes, or reset your password.")


async def _limit_sms(services: Deps, request: Request[Any, Any, Any], phone: str) -> None:
    if not await accounts.may_send_code(services.limiter, services.settings.sms_per_hour, phone, client_ip(request)):
        raise RateLimited()


def _phone_form(template: str, **context: Any) -> Template:
    return page(template, values=context.pop("values", {}), errors=context.pop("errors", {}), **context)


# ---- sign up --------------------------------------------------------------------------------


@get("/account/sign-up", name="sign_up")
async def sign_up_form() -> Template:
    return _phone_form("account/sign_up.html")


@post("/account/sign-up")
async def sign_up(request: Request[Any, Any, Any], db: Db, services: Deps) -> Template | Redirect:
    form = await form_dict(request)
    phone = accounts.normalise_phone(form.get("phone", ""))
    if phone is None:
        message = PHONE_REQUIRED if not form.get("phone", "").strip() else accounts.PHONE_INVALID
        return _phone_form("account/sign_up.html", values=form, errors={"phone": message})
    await _limit_sms(services, request, phone)
    await accounts.send_code(db, services.sms, services.cipher, phone, CodePurpose.SIGN_UP)
    request.session[PENDING_PHONE] = phone
    return see_other("/account/sign-up/verify")


def _verify_page(template: str, request: Request[Any, Any, Any], **context: Any) -> Template:
    phone = request.session.get(PENDING_PHONE, "")
    return page(
        template,
        masked_phone=mask_phone(phone),
        values=context.pop("values", {}),
        errors=context.pop("errors", {}),
        **context,
    )


def _password_errors(form: dict[str, Any], phone: str) -> dict[str, object]:
    errors: dict[str, object] = {}
    if not form.get("code", "").strip():
        errors["code"] = CODE_REQUIRED
    password = form.get("password", "")
    if not password:
        errors["password"] = PASSWORD_REQUIRED
    elif problems := accounts.password_problems(password, phone):
        errors["password"] = problems[0]
    elif form.get("password_confirm", "") != password:
        errors["password_confirm"] = accounts.PASSWORDS_DIFFER
    return errors


@get("/account/sign-up/verify", name="sign_up_verify")
async def sign_up_verify_form(request: Request[Any, Any, Any]) -> Template | Redirect:
    if not request.session.get(PENDING_PHONE):
        return see_other("/account/sign-up")
    return _verify_page("account/sign_up_verify.html", request)


@post("/account/sign-up/verify")
async def sign_up_verify(request: Request[Any, Any, Any], db: Db, services: Deps) -> Template | Redirect:
    phone = request.session.get(PENDING_PHONE)
    if not phone:
        return see_other("/account/sign-up")
    form = await form_dict(request)
    # Passwords are never sent back to the page, even when something else was wrong.
    kept = {"code": form.get("code", "")}
    errors = _password_errors(form, phone)
    if errors:
        return _verify_page("account/sign_up_verify.html", request, values=kept, errors=errors)
    if not await accounts.check_code(db, services.cipher, phone, CodePurpose.SIGN_UP, form["code"]):
        return _verify_page("account/sign_up_verify.html", request, values=kept, errors={"code": accounts.CODE_WRONG})
    try:
        account = await accounts.create_account(db, phone, form["password"], i18n.current_locale.get())
    except accounts.AccountExists:
        # Two sign-ups for one number raced and the other finished first: that number can log in now.
        request.session.pop(PENDING_PHONE, None)
        return see_other("/account/login")
    await sign_in(request, account)
    return see_other("/register")


# ---- log in and out -------------------------------------------------------------------------


@get("/account/login", name="login")
async def login_form(next: FromQuery[str] = "/account") -> Template:  # noqa: A002
    return page("account/login.html", next=safe_next(next, "/account"), values={}, errors={})


@post("/account/login")
async def login(request: Request[Any, Any, Any], db: Db, services: Deps) -> Template | Redirect:
    form = await form_dict(request)
    next_path = safe_next(form.get("next"), "/account")
    values = {"phone": form.get("phone", "")}
    errors: dict[str, object] = {}
    if not form.get("phone", "").strip():
        errors["phone"] = PHONE_REQUIRED
    if not form.get("password"):
        errors["password"] = PASSWORD_REQUIRED
    # Bounded before the number becomes a rate-limit key; no password longer than the maximum was ever set.
    fields.check_lengths(
        errors,
        {"phone": (form.get("phone", ""), PHONE_MAX), "password": (form.get("password", ""), accounts.PASSWORD_MAX)},
    )
    if errors:
        return page("account/login.html", next=next_path, values=values, errors=errors)
    phone = accounts.normalise_phone(form["phone"])
    per_15min, address = services.settings.login_attempts_per_15min, client_ip(request)
    if not await accounts.may_try_login(services.limiter, per_15min, phone or form["phone"], address):
        return page("account/login.html", 429, next=next_path, values=values, errors={"phone": TOO_MANY_LOGINS})
    account = await accounts.authenticate(db, phone, form["password"])
    if account is None:
        # One message whether or not the number has an account.
        return page("account/login.html", next=next_path, values=values, errors={"phone": accounts.LOGIN_FAILED})
    await accounts.forget_failed_logins(services.limiter, per_15min, account.phone, address)
    await sign_in(request, account)
    return see_other(next_path)


@post("/account/logout", name="logout")
async def logout(request: Request[Any, Any, Any]) -> Redirect:
    request.clear_session()
    return see_other("/")


# ---- password reset -------------------------------------------------------------------------


@get("/account/reset", name="reset")
async def reset_form() -> Template:
    return _phone_form("account/reset.html")


@post("/account/reset")
async def reset(request: Request[Any, Any, Any], db: Db, services: Deps) -> Template | Redirect:
    form = await form_dict(request)
    phone = accounts.normalise_phone(form.get("phone", ""))
    if phone is None:
        message = PHONE_REQUIRED if not form.get("phone", "").strip() else accounts.PHONE_INVALID
        return _phone_form("account/reset.html", values=form, errors={"phone": message})
    await _limit_sms(services, request, phone)
    await accounts.send_code(db, services.sms, services.cipher, phone, CodePurpose.RESET)
    request.session[PENDING_PHONE] = phone
    return see_other("/account/reset/verify")


@get("/account/reset/verify", name="reset_verify")
async def reset_verify_form(request: Request[Any, Any, Any]) -> Template | Redirect:
    if not request.session.get(PENDING_PHONE):
        return see_other("/account/reset")
    return _verify_page("account/reset_verify.html", request)


@post("/account/reset/verify")
async def reset_verify(request: Request[Any, Any, Any], db: Db, services: Deps) -> Template | Redirect:
    phone = request.session.get(PENDING_PHONE)
    if not phone:
        return see_other("/account/reset")
    form = await form_dict(request)
    kept = {"code": form.get("code", "")}
    errors = _password_errors(form, phone)
    if errors:
        return _verify_page("account/reset_verify.html", request, values=kept, errors=errors)
    if not await accounts.check_code(db, services.cipher, phone, CodePurpose.RESET, form["code"]):
        return _verify_page("account/reset_verify.html", request, values=kept, errors={"code": accounts.CODE_WRONG})
    account = await accounts.set_password(db, phone, form["password"])
    if account is None:
        return _verify_page("account/reset_verify.html", request, values=kept, errors={"code": accounts.CODE_WRONG})
    await accounts.forget_failed_logins(services.limiter, services.settings.login_attempts_per_15min, phone)
    await sign_in(request, account)
    return see_other("/account", done="password")


# ---- the signed-in resident's page ----------------------------------------------------------


@get("/account", name="account")
async def account_home(
    request: Request[Any, Any, Any], db: Db, services: Deps, done: FromQuery[str] = ""
) -> Template | Redirect:
    account = await signed_in(request, db)
    if account is None:
        return Redirect("/account/login?next=/account", status_code=303)
    applications = await registration_service.applications_of(db, account.id)
    draft = await registration_service.get_answers(db, services.cipher, account.id)
    return page(
        "account/home.html",
        account=account,
        masked_phone=mask_phone(account.phone),
        applications=applications,
        has_draft=draft is not None,
        unread=await notify.unread_count(db, account.id),
        done=done,
    )
