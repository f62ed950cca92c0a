"""Server-side sessions that exist only once there is something to keep, and whose ID changes at sign-in,
so an ID planted beforehand is worth nothing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeGuard

from litestar.connection import ASGIConnection
from litestar.middleware.session.server_side import ServerSideSessionBackend, ServerSideSessionConfig
from litestar.types import Empty, Message, ScopeSession

_ROTATE = "portal_rotate_session"
_NEW_ID = "portal_new_session_id"
# The session's own CSRF token (portal.csrf): kept with the data, but not data worth a session by itself.
CSRF_KEY = "_csrf"


def has_data(session: ScopeSession | None) -> TypeGuard[dict[str, Any]]:
    """Whether a session holds anything besides its CSRF token: only then is it stored."""
    return isinstance(session, dict) and any(key != CSRF_KEY for key in session)


class RotatingSessionBackend(ServerSideSessionBackend):
    config: RotatingSessionConfig

    def _quiet(self, connection: ASGIConnection[Any, Any, Any, Any]) -> bool:
        return connection.scope["path"] in self.config.quiet_paths

    async def load_from_connection(self, connection: ASGIConnection[Any, Any, Any, Any]) -> dict[str, Any]:
        if not self._quiet(connection):
            return await super().load_from_connection(connection)
        # Read without renewing: a page polling by itself must not keep a session alive for ever.
        session_id = connection.cookies.get(self.config.key)
        if session_id and session_id != "null":
            data = await self.config.get_store_from_app(connection.scope["app"]).get(session_id)
            if data is not None:
                loaded: dict[str, Any] = self.deserialize_data(data)
                return loaded
        return {}

    def get_session_id(self, connection: ASGIConnection[Any, Any, Any, Any]) -> str:
        state = connection.scope.setdefault("state", {})
        if state.get(_ROTATE):
            if _NEW_ID not in state:
                state[_NEW_ID] = self.generate_session_id()
            new_id: str = state[_NEW_ID]
            return new_id
        return super().get_session_id(connection)

    async def store_in_message(
        self, scope_session: ScopeSession, message: Message, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> None:
        # Litestar stores an empty session and sets its cookie on every response: each anonymous visit
        # would cost an entry in the store (a cheap way to fill Redis). Store only what has data; end a
        # session that came in with a cookie and has nothing left. A quiet path changes nothing.
        if self._quiet(connection):
            return
        if has_data(scope_session):
            await super().store_in_message(scope_session, message, connection)
        elif connection.cookies.get(self.config.key, "null") != "null":
            await super().store_in_message(Empty, message, connection)


@dataclass
class RotatingSessionConfig(ServerSideSessionConfig):
    _backend_class = RotatingSessionBackend
    # Paths a page asks for by itself (htmx polling): they read the session but neither renew nor change it.
    quiet_paths: tuple[str, ...] = ()


async def rotate(connection: ASGIConnection[Any, Any, Any, Any], config: ServerSideSessionConfig) -> None:
    """Drop the stored session under the old ID; the response carries a new ID for the new data."""
    old_id = connection.cookies.get(config.key)
    if old_id and old_id != "null":
        await config.get_store_from_app(connection.app).delete(old_id)
    connection.scope.setdefault("state", {})[_ROTATE] = True
