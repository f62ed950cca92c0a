"""What route handlers share: who is signed in (a resident's account, a staff member's scope) as dependencies,
typed forms, redirects and rendering."""

from __future__ import annotations

import dataclasses
import ipaddress
import typing
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlencode

from litestar import Request
from litestar.di import NamedDependency
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from portal import sessions
from portal.app_services import Services
from portal.config import TrustedProxies
from portal.models import ResidentAccount, StaffUser
from portal.services import accounts, staff
from portal.services.errors import NotAllowed, SignInRequired
from portal.services.staff import Scope

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

SESSION_ACCOUNT = "account_id"
SESSION_CREDENTIALS = "credentials_version"
SESSION_STAFF = "staff_id"

# What handlers ask for by name: the request's database session and the app's services.
Db = NamedDependency[AsyncSession]
# A read-only session on the statistics' read replica (the primary's when none is configured).
Reader = NamedDependency[AsyncSession]
Deps = NamedDependency[Services]
# The signed-in resident (resident pages) and the signed-in staff member's scope (the staff workspace).
Account = NamedDependency[ResidentAccount]
Staff = NamedDependency[Scope]
Form = TypeVar("Form", bound="DataclassInstance")


def _session_value(request: Request[Any, Any, Any], key: str) -> Any:
    return request.session.get(key) if request.scope.get("session") is not None else None


# ---- residents ------------------------------------------------------------------------------------


async def signed_in(request: Request[Any, Any, Any], db: AsyncSession) -> ResidentAccount | None:
    """The signed-in resident; none once the account's password or number changed after this session signed in
    (a session from before the credentials version was kept counts as the first)."""
    account_id = _session_value(request, SESSION_ACCOUNT)
    account = await accounts.get_account(db, int(account_id)) if account_id else None
    signed_in_under = _session_value(request, SESSION_CREDENTIALS) or 1
    return account if account is not None and account.credentials_version == signed_in_under else None


async def require_account(request: Request[Any, Any, Any], db: Db) -> ResidentAccount:
    """The `account` dependency: the signed-in resident, or off to the sign-in page and back."""
    account = await signed_in(request, db)
    if account is None:
        raise SignInRequired(request.url.path)
    return account


async def sign_in(request: Request[Any, Any, Any], account: ResidentAccount) -> None:
    # A fresh session, under a new ID, on every sign-in: an ID planted before it is worth nothing.
    await sessions.rotate(request, request.app.state.session_config)
    request.set_session({SESSION_ACCOUNT: account.id, SESSION_CREDENTIALS: account.credentials_version})


# ---- staff --------------------------------------------------------------------------------------------


async def staff_scope(request: Request[Any, Any, Any], db: Db) -> Scope:
    """The `staff` dependency of the staff workspace: who is acting, and where. A deactivated account's
    session stops at its next request."""
    staff_id = _session_value(request, SESSION_STAFF)
    user = await staff.get_active(db, int(staff_id)) if staff_id else None
    if user is None:
        raise SignInRequired(staff=True)
    return staff.scope_of(user)


async def admin_scope(request: Request[Any, Any, Any], db: Db) -> Scope:
    """The `staff` dependency of the city administrators' pages."""
    scope = await staff_scope(request, db)
    if not scope.is_admin:
        raise NotAllowed()
    return scope


async def sign_in_staff(request: Request[Any, Any, Any], user: StaffUser) -> None:
    await sessions.rotate(request, request.app.state.staff_session_config)
    request.set_session({SESSION_STAFF: user.id})


# ---- forms and pages ----------------------------------------------------------------------------------


async def read_form(request: Request[Any, Any, Any], form_type: type[Form]) -> Form:
    """The posted form as a typed dataclass: a `list[str]` field takes every value sent (checkboxes), a
    `str` field the first; a field not sent is empty, and anything else sent is ignored."""
    form = await request.form()
    hints = typing.get_type_hints(form_type)
    values: dict[str, Any] = {}
    for field in dataclasses.fields(form_type):
        sent = [v for v in form.getall(field.name, []) if isinstance(v, str)]
        values[field.name] = sent if hints[field.name] == list[str] else (sent[0] if sent else "")
    return form_type(**values)


async def form_dict(request: Request[Any, Any, Any], multi: Iterable[str] = ()) -> dict[str, Any]:
    """The posted form as a dict, for forms whose fields are data (the registration steps); fields in
    `multi` (checkboxes) become lists."""
    form = await request.form()
    data: dict[str, Any] = {k: v for k, v in form.items() if isinstance(v, str)}
    for name in multi:
        data[name] = [v for v in form.getall(name, []) if isinstance(v, str)]
    return data


def see_other(path: str, **query: str) -> Redirect:
    """The redirect after a successful POST (303), so a reload does not post again."""
    return Redirect(path + (f"?{urlencode(query)}" if query else ""), status_code=303)


def page(template: str, status_code: int = 200, **context: Any) -> Template:
    return Template(template_name=template, context=context, status_code=status_code)


def client_ip(request: Request[Any, Any, Any]) -> str:
    """The address rate limits count by: the peer, unless the peer is a trusted reverse proxy, in which
    case the nearest address in X-Forwarded-For that is not itself a trusted proxy."""
    peer = request.client.host if request.client else "unknown"
    trusted = request.app.state.services.settings.trusted_proxies
    return forwarded_client(peer, request.headers.getall("x-forwarded-for", []), trusted)


def forwarded_client(peer: str, forwarded_for: list[str], trusted: TrustedProxies) -> str:
    if peer not in trusted:
        return peer
    # Each proxy appends the address it received from; anything further left may be forged by the client.
    hops = [hop.strip() for header in forwarded_for for hop in header.split(",") if hop.strip()]
    for hop in reversed(hops):
        if hop not in trusted:
            try:
                return str(ipaddress.ip_address(hop))
            except ValueError:
                return peer  # garbage from behind the proxy: count it against the proxy itself
    return peer
