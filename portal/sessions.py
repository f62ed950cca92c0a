"""Server-side sessions whose ID changes at sign-in, so an ID planted beforehand is worth nothing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar.connection import ASGIConnection
from litestar.middleware.session.server_side import ServerSideSessionBackend, ServerSideSessionConfig

_ROTATE = "portal_rotate_session"
_NEW_ID = "portal_new_session_id"


class RotatingSessionBackend(ServerSideSessionBackend):
    def get_session_id(self, connection: ASGIConnection[Any, Any, Any, Any]) -> str:
        state = connection.scope.setdefault("state", {})  # type: ignore[typeddict-item]
        if state.get(_ROTATE):
            if _NEW_ID not in state:
                state[_NEW_ID] = self.generate_session_id()
            return state[_NEW_ID]
        return super().get_session_id(connection)


@dataclass
class RotatingSessionConfig(ServerSideSessionConfig):
    _backend_class = RotatingSessionBackend  # type: ignore[assignment]


async def rotate(connection: ASGIConnection[Any, Any, Any, Any], config: ServerSideSessionConfig) -> None:
    """Drop the stored session under the old ID; the response carries a new ID for the new data."""
    old_id = connection.cookies.get(config.key)
    if old_id and old_id != "null":
        await config.get_store_from_app(connection.app).delete(old_id)
    connection.scope.setdefault("state", {})[_ROTATE] = True  # type: ignore[typeddict-item]
