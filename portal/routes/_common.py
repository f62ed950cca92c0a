"""What route handlers share: the signed-in resident, form parsing, redirects and rendering."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlencode

from litestar import Request
from litestar.di import NamedDependency
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from portal import sessions
from portal.app_services import Services
from portal.config import TrustedProxies
from portal.models import ResidentAccount
from portal.services import accounts

SESSION_ACCOUNT = "account_id"

# What handlers ask for by name: the request's database session and the app's services.
Db = NamedDependency[AsyncSession]
Deps = NamedDependency[Services]


class LoginRequired(Exception):
    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


async def signed_in(request: Request[Any, Any, Any], db: AsyncSession) -> ResidentAccount | None:
    account_id = request.session.get(SESSION_ACCOUNT) if request.scope.get("session") is not None else None
    if not account_id:
        return None
    return await accounts.get_account(db, int(account_id))


async def require_account(request: Request[Any, Any, Any], db: AsyncSession) -> ResidentAccount:
    account = await signed_in(request, db)
    if account is None:
        raise LoginRequired(request.url.path)
    return account


async def sign_in(request: Request[Any, Any, Any], account: ResidentAccount) -> None:
    # A fresh session, under a new ID, on every sign-in: an ID planted before it is worth nothing.
    await sessions.rotate(request, request.app.state.session_config)
    request.set_session({SESSION_ACCOUNT: account.id})


async def form_dict(request: Request[Any, Any, Any], multi: Iterable[str] = ()) -> dict[str, Any]:
    """The posted form as a dict; fields in `multi` (checkboxes) become lists."""
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
