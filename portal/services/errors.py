"""Domain exceptions that the routes map to responses."""

from __future__ import annotations


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
