"""Domain errors to responses, in one place: friendly pages for not found, not allowed, too many requests and
failures, the sign-in redirects, and a form shown again with its errors (`shows_form_again`)."""

from __future__ import annotations

import dataclasses
import functools
import logging
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote

from litestar import Request, Response
from litestar.background_tasks import BackgroundTask
from litestar.exceptions import HTTPException, NotAuthorizedException, NotFoundException, PermissionDeniedException
from litestar.response import Redirect, Template
from sqlalchemy.exc import DataError

from portal.i18n import _l
from portal.services import audit
from portal.services.errors import (
    Conflict,
    InputError,
    NotAllowed,
    NotFound,
    OutOfScope,
    RateLimited,
    SignInRequired,
)

log = logging.getLogger(__name__)

# Never shown again on a page: passwords, and the CSRF token, which is the page's own.
_NEVER_SHOWN_AGAIN = ("password", "_csrf_token")


@dataclasses.dataclass(frozen=True)
class FormFailure:
    """Why a form is shown again: the messages by field (an input error), or what changed meanwhile (a
    conflict); with what was typed, and the status to answer with."""

    status_code: int
    values: dict[str, Any]
    errors: dict[str, object] = dataclasses.field(default_factory=dict)
    conflict: list[Any] | None = None

    @property
    def context(self) -> dict[str, Any]:
        """What a form page's template takes."""
        context: dict[str, Any] = {"errors": self.errors, "values": self.values, "status_code": self.status_code}
        if self.conflict is not None:
            context["conflict"] = self.conflict
        return context


FormPage = Callable[..., Awaitable[Response[Any]]]


def shows_form_again(render: FormPage) -> Callable[[FormPage], FormPage]:
    """For a handler whose service may answer with an InputError or a Conflict: `render(failure, **the handler's
    arguments)` draws the page again, with the messages beside the fields
    and what was typed (or, for a conflict, what changed). The handler itself converts no error."""

    def decorate(handler: FormPage) -> FormPage:
        @functools.wraps(handler)
        async def handle(**kwargs: Any) -> Response[Any]:
            try:
                return await handler(**kwargs)
            except (InputError, Conflict) as exc:
                # Nothing to roll back here: a service checks before it writes, and rolls back itself where it
                # cannot (a conflict found at the write). What it did write stays, on purpose: a wrong code
                # still counts as a try.
                request: Request[Any, Any, Any] | None = kwargs.get("request")
                values = await _typed_values(request) if request is not None else {}
                if isinstance(exc, InputError):
                    failure = FormFailure(exc.status_code, values, errors=exc.errors)
                else:
                    failure = FormFailure(409, values, conflict=exc.changes)
                return await render(failure, **kwargs)

        return handle

    return decorate


async def _typed_values(request: Request[Any, Any, Any]) -> dict[str, Any]:
    # A form sent with GET (a search, the anonymous policy check) has its values in the query.
    form = request.query_params if request.method == "GET" else await request.form()  # Litestar keeps the form
    values: dict[str, Any] = {}
    for name in form:
        if any(word in name for word in _NEVER_SHOWN_AGAIN):
            continue
        items = [v for v in form.getall(name) if isinstance(v, str)]
        values[name] = items if len(items) > 1 else (items[0] if items else "")
    return values


# Each kind of error page: its heading and what to do.
ERROR_PAGES: dict[str, tuple[object, object]] = {
    "not_found": (
        _l("Page not found"),
        _l("If you typed the web address, check it is correct. If you followed a link, it may have expired."),
    ),
    "forbidden": (
        _l("Your session has expired"),
        _l(
            "For your security, we could not accept that form. Your saved answers are kept. Go back, reload the "
            "page and try again."
        ),
    ),
    "rate_limited": (
        _l("Too many attempts"),
        _l("To protect your account, please wait before trying again. You can try again in an hour, or call 12333."),
    ),
    "not_allowed": (
        _l("Your role cannot do this"),
        _l("Ask a colleague with the right role, or a city administrator."),
    ),
    "conflict": (
        _l("This changed while you were working on it"),
        _l("Nothing you sent was saved. Go back, reload the page and check before you act again."),
    ),
    "bad_request": (_l("Something was wrong with the request"), _l("Go back and try again.")),
    "server_error": (
        _l("Sorry, there is a problem with the service"),
        _l("Try again later. Your saved answers are kept."),
    ),
}


def _error_page(kind: str, status_code: int) -> Template:
    title, text = ERROR_PAGES[kind]
    return Template(template_name="errors/error.html", context={"title": title, "text": text}, status_code=status_code)


def sign_in_required(request: Request[Any, Any, Any], exc: SignInRequired) -> Response[Any]:
    if exc.staff:
        return Redirect("/staff/login", status_code=303)
    # Quoted: a path may hold any character, and a header only Latin-1.
    return Redirect(f"/account/login?next={quote(exc.next_path)}", status_code=303)


def not_allowed(request: Request[Any, Any, Any], exc: NotAllowed) -> Response[Any]:
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


def conflict(request: Request[Any, Any, Any], exc: Conflict) -> Response[Any]:
    # Forms that can meet a conflict show themselves again (shows_form_again); this is the net under them.
    return _error_page("conflict", 409)


def unhandled_input(request: Request[Any, Any, Any], exc: InputError) -> Response[Any]:
    # Likewise: every form whose service checks input shows itself again.
    return _error_page("bad_request", 400)


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
    SignInRequired: sign_in_required,
    NotAllowed: not_allowed,
    OutOfScope: out_of_scope,
    NotFound: not_found,
    Conflict: conflict,
    InputError: unhandled_input,
    NotFoundException: not_found,
    NotAuthorizedException: forbidden,
    PermissionDeniedException: forbidden,
    RateLimited: too_many,
    HTTPException: http_error,
    DataError: bad_data,
    OverflowError: bad_data,
    Exception: server_error,
}
