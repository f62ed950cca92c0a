"""Domain exceptions that the routes map to responses."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from portal.services.audit import Actor


class DomainError(Exception):
    """A rule said no; `message` is shown to the user (a lazy, translatable string)."""

    def __init__(self, message: object = "", field: str | None = None) -> None:
        super().__init__(str(message) if message else self.__class__.__name__)
        self.message = message
        self.field = field


class NotFound(DomainError):
    pass


class RateLimited(DomainError):
    pass


class OutOfScope(NotFound):
    """Staff asked for something outside their county: answered as not found, and audited all the same
    (the request's own transaction is rolled back, so the entry is written apart from it)."""

    def __init__(self, actor: Actor, target_type: str, target_id: str) -> None:
        super().__init__("out of scope")
        self.actor = actor
        self.target_type = target_type
        self.target_id = target_id
