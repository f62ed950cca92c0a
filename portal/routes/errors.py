"""Exception handlers: friendly pages for not found, forbidden, too many requests and failures."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

from litestar import Request, Response
from litestar.background_tasks import BackgroundTask
from litestar.exceptions import HTTPException, NotAuthorizedException, NotFoundException, PermissionDeniedException
from litestar.response import Redirect, Template
from sqlalchemy.exc import DataError

from portal.routes._common import LoginRequired
from portal.routes.staff import Forbidden, StaffLoginRequired
from portal.services import audit
from portal.services.errors import NotFound, OutOfScope, RateLimited

log = logging.getLogger(__name__)


def _error_page(kind: str, status_code: int) -> Template:
    return Template(template_name="errors/error.html", context={"kind": kind}, status_code=status_code)


def login_required(request: Request[Any, Any, Any], exc: LoginRequired) -> Response[Any]:
    # Quoted: a path may hold any character, and a header only Latin-1.
    return Redirect(f"/account/login?next={quote(exc.next_path)}", status_code=303)


def staff_login_required(request: Request[Any, Any, Any], exc: StaffLoginRequired) -> Response[Any]:
    return Redirect("/staff/login", status_code=303)


def not_allowed(request: Request[Any, Any, Any], exc: Forbidden) -> Response[Any]:
    return _error_page("not_allowed", 403)


def not_found(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    return _error_page("not_found", 404)


def out_of_scope(request: Request[Any, Any, Any], exc: OutOfScope) -> Response[Any]:
    """Another county's case looks like no case at all; the attempt goes into the audit log once the
    page is sent (the request's own transaction has been rolled back)."""
    services = request.app.state.services

    async def record() -> None:
        await audit.record_apart(
            services.sessionmaker, exc.actor, "case.out_of_scope", exc.target_type, exc.target_id,
            {"path": request.url.path},
        )  # fmt: skip
        services.sealer.wake()

    page = _error_page("not_found", 404)
    page.background = BackgroundTask(record)
    return page


def forbidden(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    # The usual cause is a form posted after its CSRF cookie expired (a long pause on a phone).
    return _error_page("forbidden", 403)


def too_many(request: Request[Any, Any, Any], exc: RateLimited) -> Response[Any]:
    return _error_page("rate_limited", 429)


def http_error(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    if exc.status_code == 404:
        return not_found(request, exc)
    if exc.status_code in (401, 403):
        return forbidden(request, exc)
    if exc.status_code == 429:
        return _error_page("rate_limited", 429)
    if exc.status_code < 500:
        return _error_page("bad_request", exc.status_code)
    return server_error(request, exc)


def bad_data(request: Request[Any, Any, Any], exc: DataError | OverflowError) -> Response[Any]:
    # A safety net: forms check lengths and numbers first, so this means a check is missing somewhere
    # (PostgreSQL refuses a value with DataError; SQLite's driver a number too big with OverflowError).
    # Only the error's class is logged: its message would quote the value, which may be personal.
    kind = type(getattr(exc, "orig", exc)).__name__
    log.warning("a value was refused on %s %s: %s", request.method, request.url.path, kind)
    return _error_page("bad_request", 400)


def server_error(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return _error_page("server_error", 500)


EXCEPTION_HANDLERS: dict[Any, Any] = {
    LoginRequired: login_required,
    StaffLoginRequired: staff_login_required,
    Forbidden: not_allowed,
    OutOfScope: out_of_scope,
    NotFound: not_found,
    NotFoundException: not_found,
    NotAuthorizedException: forbidden,
    PermissionDeniedException: forbidden,
    RateLimited: too_many,
    HTTPException: http_error,
    DataError: bad_data,
    OverflowError: bad_data,
    Exception: server_error,
}
