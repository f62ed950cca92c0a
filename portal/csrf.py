"""CSRF protection bound to the session where there is one.

A visitor without a session (browsing, or on a sign-in or sign-up form) gets the double-submit check: a
signed random token in a cookie, the same token in the form. A session has its own token, stored in it and
renewed whenever the session is (at sign-in): a form posted with a session must carry that one, so a token
from another visitor's page, or a cookie planted beforehand, is refused. The middleware must run inside the
session middleware that loads the session the route uses.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable, Mapping
from typing import Any

from litestar.datastructures import Cookie, MutableScopeHeaders
from litestar.enums import RequestEncodingType, ScopeType
from litestar.exceptions import PermissionDeniedException
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from portal import sessions

COOKIE = "csrftoken"
FIELD = "_csrf_token"
HEADER = "x-csrftoken"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# This request's cookie token (for pages without a session), and a fresh one for a session that has none.
_COOKIE_TOKEN = "portal_csrf_cookie_token"  # noqa: S105 - a scope key, not a secret
_FRESH_TOKEN = "portal_csrf_fresh_token"  # noqa: S105 - a scope key, not a secret
_RANDOM_CHARS = 64


def token_for(scope: Scope) -> str:
    """The token a form on this page must carry: the session's, or the cookie's when there is no session."""
    state = scope.get("state", {})
    session = scope.get("session")
    token: str
    if not sessions.has_data(session):
        token = state.get(_COOKIE_TOKEN, "")
    elif _FRESH_TOKEN in state:
        token = session.setdefault(sessions.CSRF_KEY, state[_FRESH_TOKEN])
    else:
        token = session.get(sessions.CSRF_KEY, "")
    return token


def _same(a: str, b: str) -> bool:
    # Bytes, so that a token with characters outside ASCII is refused instead of raising TypeError.
    return hmac.compare_digest(a.encode(), b.encode())


class CookieTokens:
    """Random tokens with an HMAC, so that only tokens this portal made are accepted as cookies."""

    def __init__(self, secret: bytes) -> None:
        self._key = hmac.new(secret, b"portal/csrf-cookie", hashlib.sha256).digest()

    def _mac(self, random_part: str) -> str:
        return hmac.new(self._key, random_part.encode(), hashlib.sha256).hexdigest()

    def new(self) -> str:
        random_part = secrets.token_hex(_RANDOM_CHARS // 2)
        return random_part + self._mac(random_part)

    def valid(self, token: str | None) -> bool:
        if not token or len(token) != _RANDOM_CHARS * 2:
            return False
        return _same(token[_RANDOM_CHARS:], self._mac(token[:_RANDOM_CHARS]))


def csrf_middleware(secret: bytes, *, secure: bool, exclude_prefix: str | None = None) -> Callable[[ASGIApp], ASGIApp]:
    tokens = CookieTokens(secret)

    def wrap(app: ASGIApp) -> ASGIApp:
        async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != ScopeType.HTTP or (exclude_prefix and scope["path"].startswith(exclude_prefix)):
                await app(scope, receive, send)
                return
            request = scope["litestar_app"].request_class(scope=scope, receive=receive)
            cookie_token = request.cookies.get(COOKIE)
            if not tokens.valid(cookie_token):
                cookie_token = None
            state = scope.setdefault("state", {})
            state[_COOKIE_TOKEN] = cookie_token or tokens.new()
            state[_FRESH_TOKEN] = tokens.new()
            if scope["method"] not in SAFE_METHODS:
                await _check(request, cookie_token)

            async def send_with_token(message: Message) -> None:
                if message["type"] == "http.response.start":
                    new_cookie = _settle(scope.get("session"), cookie_token, state)
                    if new_cookie:
                        cookie = Cookie(key=COOKIE, value=new_cookie, secure=secure, httponly=True, samesite="lax")
                        MutableScopeHeaders.from_message(message).add("set-cookie", cookie.to_header(header=""))
                await send(message)

            await app(scope, receive, send_with_token)

        return middleware

    return wrap


def _settle(session: Any, cookie_token: str | None, state: dict[str, Any]) -> str | None:
    """Give a session filled by this request (a sign-in) a token of its own before it is stored; say which
    cookie token to set, if any."""
    if sessions.has_data(session):
        session.setdefault(sessions.CSRF_KEY, state[_FRESH_TOKEN])
    elif isinstance(session, dict) and session.get(sessions.CSRF_KEY, cookie_token) != cookie_token:
        # The session ended as this page was drawn with its token (nothing left to keep): the cookie
        # takes the token over, so the page's form still works without a session.
        session_token: str = session[sessions.CSRF_KEY]
        return session_token
    fresh_cookie: str | None = None if cookie_token else state[_COOKIE_TOKEN]
    return fresh_cookie


async def _check(request: Any, cookie_token: str | None) -> None:
    submitted = request.headers.get(HEADER)
    content_type, _ = request.content_type
    if not submitted and content_type in (RequestEncodingType.URL_ENCODED, RequestEncodingType.MULTI_PART):
        value = (await request.form()).get(FIELD)
        submitted = value if isinstance(value, str) else None
    session = request.scope.get("session")
    expected = session.get(sessions.CSRF_KEY) if sessions.has_data(session) else cookie_token
    if not (submitted and expected and _same(submitted, expected)):
        # routes.errors shows the 403 page: the usual cause is a form left open past its session.
        raise PermissionDeniedException("CSRF token verification failed")


def template_token(context: Mapping[str, Any], /) -> str:
    """`csrf_token()` in templates (replacing Litestar's, which knows only the cookie)."""
    return token_for(context["request"].scope)
