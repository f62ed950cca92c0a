"""Exception handlers: friendly pages for not found, forbidden, too many requests and failures."""

from __future__ import annotations

import logging
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException, NotAuthorizedException, NotFoundException, PermissionDeniedException
from litestar.response import Redirect, Template

from portal.routes._common import LoginRequired
from portal.routes.staff import Forbidden, StaffLoginRequired
from portal.services.errors import NotFound, RateLimited

log = logging.getLogger(__name__)


def _error_page(kind: str, status_code: int) -> Template:
    return Template(template_name="errors/error.html", context={"kind": kind}, status_code=status_code)


def login_required(request: Request[Any, Any, Any], exc: LoginRequired) -> Response[Any]:
    return Redirect(f"/account/login?next={exc.next_path}", status_code=303)


def staff_login_required(request: Request[Any, Any, Any], exc: StaffLoginRequired) -> Response[Any]:
    return Redirect("/staff/login", status_code=303)


def not_allowed(request: Request[Any, Any, Any], exc: Forbidden) -> Response[Any]:
    return _error_page("not_allowed", 403)


def not_found(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    return _error_page("not_found", 404)


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


def server_error(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return _error_page("server_error", 500)


EXCEPTION_HANDLERS: dict[Any, Any] = {
    LoginRequired: login_required,
    StaffLoginRequired: staff_login_required,
    Forbidden: not_allowed,
    NotFound: not_found,
    NotFoundException: not_found,
    NotAuthorizedException: forbidden,
    PermissionDeniedException: forbidden,
    RateLimited: too_many,
    HTTPException: http_error,
    Exception: server_error,
}
