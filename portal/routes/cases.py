"""A case in the staff workspace: its page, and one handler for each thing staff do to it. Without JavaScript
each form posts and comes back to the page (303); with htmx it updates its own section of the page, and the
other sections that the action changed, from the same partials the page includes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath, FromQuery
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Template

from portal.routes._common import Db, Deps, Staff, page, read_form, see_other
from portal.routes.errors import FormFailure, shows_form_again
from portal.services import (
    case_view,
    decisions,
    endings,
    policy_applications,
    proposals,
    registration_form,
    service_minimum,
    service_records,
    service_requests,
    transfers,
    verifications,
)
from portal.services.cases import Lock
from portal.services.fields import options

# The sections of the case page (each a partial, cases/_<name>.html, whose root has the same id), and the
# other sections an action in each one changes.
SECTIONS = ("status", "verifications", "decision", "ending", "transfer", "service_records", "proposals", "history")
CHANGES = {
    "verifications": ("decision", "history"),
    "decision": ("status", "verifications", "ending", "transfer", "service_records", "history"),
    "ending": ("status", "verifications", "transfer", "service_records", "proposals", "history"),
    "service_records": (),
}


@dataclass(frozen=True)
class LockedForm:
    """A form that changes the case: it carries what it was drawn from (optimistic locking)."""

    version: str = ""
    seen_event: str = ""

    @property
    def lock(self) -> Lock:
        return Lock.from_form(self.version, self.seen_event)


@dataclass(frozen=True)
class InvestigationForm:
    investigation_outcome: str = ""
    investigation_note: str = ""


@dataclass(frozen=True)
class DecisionForm(LockedForm):
    outcome: str = ""
    reason: str = ""
    note: str = ""
    commitment: str = ""


@dataclass(frozen=True)
class EndingForm(LockedForm):
    end_reason: str = ""
    end_date: str = ""
    end_note: str = ""
    end_reference: str = ""


@dataclass(frozen=True)
class ReversalForm(LockedForm):
    why: str = ""


@dataclass(frozen=True)
class TransferForm(LockedForm):
    to_area: str = ""
    transfer_note: str = ""


@dataclass(frozen=True)
class ServiceRecordForm:
    service_day: str = ""
    service_kind: str = ""
    service_channel: str = ""
    service_result: str = ""
    service_note: str = ""


# What the case page shows stored codes with, and the options of its forms: built once, worded when shown.
_WORDS: dict[str, Any] = {
    "labels": {
        "sources": verifications.SOURCE_LABELS,
        "outcomes": verifications.OUTCOME_LABELS,
        "end_reasons": endings.REASON_LABELS,
        "service_kinds": service_records.KIND_LABELS,
        "channels": service_records.CHANNEL_LABELS,
        "results": service_records.RESULT_LABELS,
        "commitment": decisions.COMMITMENT_OUTCOMES,
        "request_kinds": service_requests.KIND_LABELS,
        "request_statuses": service_requests.STATUS_LABELS,
        "application_statuses": policy_applications.STATUS_LABELS,
    },
    "minimum_words": service_minimum.words,
    "form_labels": registration_form.ANSWER_LABELS,
    "proposal_labels": {"sources": proposals.SOURCE_LABELS, "states": proposals.STATE_LABELS},
    "investigation_outcomes": options(verifications.INVESTIGATION_OUTCOMES),
    "commitment_outcomes": options(decisions.COMMITMENT_OUTCOMES),
    "end_reasons": options(endings.REASON_LABELS),
    "service_kinds": options(service_records.KIND_LABELS),
    "channels": options(service_records.CHANNEL_LABELS),
    "results": options(service_records.RESULT_LABELS),
    "describe": verifications.describe,
}


async def _case_page(
    request: HTMXRequest, db: Db, services: Deps, staff: Staff, number: str, *, section: str | None = None,
    done: str = "", status_code: int = 200, errors: dict[str, object] | None = None,
    values: dict[str, Any] | None = None, conflict: list[Any] | None = None,
) -> Template:  # fmt: skip
    """The case page; for an htmx request from one of its forms, that form's section and the sections its
    action changed (out of band)."""
    view = await case_view.view(db, services.cipher, staff, number)
    context: dict[str, Any] = {
        "case": view, "reg": view.registration, "scope": staff, "section": section, "done": done,
        "errors": errors or {}, "values": values or {}, "conflict": conflict, **_WORDS,
    }  # fmt: skip
    if request.htmx and section is not None:
        # Input errors changed nothing; a conflict, anything: every section is drawn again.
        changed = () if errors else SECTIONS if conflict is not None else CHANGES.get(section, SECTIONS)
        also = [name for name in SECTIONS if name in changed and name != section]
        return page("cases/_update.html", status_code, also=also, **context)
    return page("cases/case.html", status_code, **context)


def _again(section: str) -> Any:
    """The form of `section`, shown again with its errors or with what changed."""

    async def render(
        failure: FormFailure, request: HTMXRequest, db: Db, services: Deps, staff: Staff, number: str, **_: Any
    ) -> Template:
        return await _case_page(request, db, services, staff, number, section=section, **failure.context)

    return render


async def _done(request: HTMXRequest, db: Db, services: Deps, staff: Staff, number: str, section: str) -> Response[Any]:
    if request.htmx:
        return await _case_page(request, db, services, staff, number, section=section, done=section)
    return see_other(f"/staff/cases/{number}", done=section)


@get("/cases/{number:str}", name="staff_case")
async def case_page(
    request: HTMXRequest, db: Db, services: Deps, staff: Staff, number: FromPath[str], done: FromQuery[str] = ""
) -> Template:
    return await _case_page(request, db, services, staff, number, done=done if done in SECTIONS else "")


@post("/cases/{number:str}/compare")
@shows_form_again(_again("verifications"))
async def compare(request: HTMXRequest, db: Db, services: Deps, staff: Staff, number: FromPath[str]) -> Response[Any]:
    await verifications.compare(db, services.cipher, staff, services.sources, services.social_insurance, number)
    return await _done(request, db, services, staff, number, "verifications")


@post("/cases/{number:str}/investigate")
@shows_form_again(_again("verifications"))
async def investigate(
    request: HTMXRequest, db: Db, services: Deps, staff: Staff, number: FromPath[str]
) -> Response[Any]:
    form = await read_form(request, InvestigationForm)
    await verifications.investigate(db, staff, number, outcome=form.investigation_outcome, note=form.investigation_note)
    return await _done(request, db, services, staff, number, "verifications")


@post("/cases/{number:str}/decide")
@shows_form_again(_again("decision"))
async def decide(request: HTMXRequest, db: Db, services: Deps, staff: Staff, number: FromPath[str]) -> Response[Any]:
    form = await read_form(request, DecisionForm)
    await decisions.decide(
        db, services.sms, staff, number, form.lock, outcome=form.outcome, reason=form.reason, note=form.note,
        commitment=form.commitment,
    )  # fmt: skip
    return await _done(request, db, services, staff, number, "decision")


@post("/cases/{number:str}/end")
@shows_form_again(_again("ending"))
async def end(request: HTMXRequest, db: Db, services: Deps, staff: Staff, number: FromPath[str]) -> Response[Any]:
    form = await read_form(request, EndingForm)
    await endings.end(
        db, services.sms, staff, number, form.lock, reason=form.end_reason, end_date=form.end_date,
        note=form.end_note, reference=form.end_reference,
    )  # fmt: skip
    return await _done(request, db, services, staff, number, "ending")


@post("/cases/{number:str}/reverse")
@shows_form_again(_again("ending"))
async def reverse(request: HTMXRequest, db: Db, services: Deps, staff: Staff, number: FromPath[str]) -> Response[Any]:
    form = await read_form(request, ReversalForm)
    await endings.reverse(db, services.sms, staff, number, form.lock, why=form.why)
    return await _done(request, db, services, staff, number, "ending")


@post("/cases/{number:str}/transfer")
@shows_form_again(_again("transfer"))
async def transfer(
    request: Request[Any, Any, Any], db: Db, services: Deps, staff: Staff, number: FromPath[str]
) -> Response[Any]:
    # A plain form, also with JavaScript: after a transfer the case may have left this staff member's area.
    form = await read_form(request, TransferForm)
    await transfers.transfer(db, services.sms, staff, number, form.lock, to_area=form.to_area, note=form.transfer_note)
    return see_other(f"/staff/cases/{number}", done="transfer")


@post("/cases/{number:str}/service-records")
@shows_form_again(_again("service_records"))
async def record_service(
    request: HTMXRequest, db: Db, services: Deps, staff: Staff, number: FromPath[str]
) -> Response[Any]:
    form = await read_form(request, ServiceRecordForm)
    await service_records.record(
        db, staff, number, day=form.service_day, kind=form.service_kind, channel=form.service_channel,
        result=form.service_result, note=form.service_note,
    )  # fmt: skip
    return await _done(request, db, services, staff, number, "service_records")


HANDLERS = [case_page, compare, investigate, decide, end, reverse, transfer, record_service]
