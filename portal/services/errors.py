"""The domain's refusals, one vocabulary for every service; `portal.routes.errors` maps each to a response."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from portal.services.audit import Actor


class DomainError(Exception):
    """A rule said no."""


class InputError(DomainError):
    """What was sent cannot be used. `errors` holds a message (a lazy, translatable string) per field, shown
    beside each field and in the summary at the top; the page comes back with what was typed."""

    def __init__(self, errors: Mapping[str, object], *, status_code: int = 200) -> None:
        super().__init__(", ".join(errors))  # the field names only: a message may quote what was typed
        self.errors = dict(errors)
        self.status_code = status_code


class NotAllowed(DomainError):
    """The signed-in person's role may not do this (403)."""


class NotFound(DomainError):
    """There is no such thing, or not for this person (404)."""


class OutOfScope(NotFound):
    """Staff asked for something outside their county: answered as not found, and audited all the same
    (the request's own transaction is rolled back, so the entry is written apart from it)."""

    def __init__(self, actor: Actor, target_type: str, target_id: str) -> None:
        super().__init__(target_type)
        self.actor = actor
        self.target_type = target_type
        self.target_id = target_id


class Conflict(DomainError):
    """Someone else changed the thing since the form was shown (409): nothing of this action is kept, and
    `changes` (the timeline events since) say what happened instead."""

    def __init__(self, changes: Sequence[Any] = ()) -> None:
        super().__init__("changed")
        self.changes = list(changes)


class RateLimited(DomainError):
    """Too many attempts in the window (429)."""


class SignInRequired(DomainError):
    """A page for signed-in residents (`staff` False) or staff: the visitor is sent to sign in first."""

    def __init__(self, next_path: str = "", *, staff: bool = False) -> None:
        super().__init__(next_path)
        self.next_path = next_path
        self.staff = staff
