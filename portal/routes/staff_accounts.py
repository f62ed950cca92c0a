"""Staff accounts, for city administrators: the list, creating an account, deactivating and reactivating one,
and setting a new password."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Template

from portal.routes._common import Db, Staff, page, read_form, see_other
from portal.routes.errors import FormFailure, shows_form_again
from portal.services import areas, staff_accounts
from portal.services.fields import Choice, options
from portal.services.staff import ROLE_LABELS

ROLE_OPTIONS = options(ROLE_LABELS)


@dataclass(frozen=True)
class NewAccountForm:
    username: str = ""
    full_name: str = ""
    password: str = ""
    role: str = ""
    area_code: str = ""


@dataclass(frozen=True)
class PasswordForm:
    password: str = ""


async def _users_page(
    db: Db, staff: Staff, *, status_code: int = 200, values: dict[str, Any] | None = None,
    errors: dict[str, object] | None = None,
) -> Template:  # fmt: skip
    names = await areas.names(db)
    return page(
        "staff_accounts/users.html", status_code, scope=staff, users=await staff_accounts.list_staff(db),
        areas=names, area_options=[Choice(code, name) for code, name in names.items()], role_options=ROLE_OPTIONS,
        values=values or {}, errors=errors or {},
    )  # fmt: skip


@get("/users", name="staff_users")
async def users_page(db: Db, staff: Staff) -> Template:
    return await _users_page(db, staff)


async def _create_again(failure: FormFailure, db: Db, staff: Staff, **_: Any) -> Template:
    return await _users_page(db, staff, status_code=failure.status_code, values=failure.values, errors=failure.errors)


@post("/users")
@shows_form_again(_create_again)
async def create_user(request: Request[Any, Any, Any], db: Db, staff: Staff) -> Response[Any]:
    form = await read_form(request, NewAccountForm)
    await staff_accounts.create(
        db, staff.actor, username=form.username, full_name=form.full_name, password=form.password, role=form.role,
        area_code=form.area_code or None,
    )  # fmt: skip
    return see_other("/staff/users", done="created")


async def _change_again(failure: FormFailure, db: Db, staff: Staff, username: str, **_: Any) -> Template:
    # Each account has its own forms on the page: the message goes beside that account's field.
    errors = {f"{username}-{name}": message for name, message in failure.errors.items()}
    return await _users_page(db, staff, status_code=failure.status_code, errors=errors)


@post("/users/{username:str}/deactivate", name="staff_user_deactivate")
@shows_form_again(_change_again)
async def deactivate(db: Db, staff: Staff, username: FromPath[str]) -> Response[Any]:
    await staff_accounts.set_active(db, staff, username, active=False)
    return see_other("/staff/users", done="deactivate")


@post("/users/{username:str}/reactivate", name="staff_user_reactivate")
@shows_form_again(_change_again)
async def reactivate(db: Db, staff: Staff, username: FromPath[str]) -> Response[Any]:
    await staff_accounts.set_active(db, staff, username, active=True)
    return see_other("/staff/users", done="reactivate")


@post("/users/{username:str}/password", name="staff_user_password")
@shows_form_again(_change_again)
async def set_password(request: Request[Any, Any, Any], db: Db, staff: Staff, username: FromPath[str]) -> Response[Any]:
    form = await read_form(request, PasswordForm)
    await staff_accounts.set_password(db, staff, username, form.password)
    return see_other("/staff/users", done="password")


HANDLERS = [users_page, create_user, deactivate, reactivate, set_password]
