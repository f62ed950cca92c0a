"""Proposals: a registered resident reports work on their application page; staff list the open proposals
of their area and confirm one (which ends the registration) or dismiss it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Template

from portal.routes._common import Account, Db, Deps, Staff, page, read_form, see_other
from portal.routes.errors import FormFailure, shows_form_again
from portal.services import endings, proposals, receipts

LABELS = {"reasons": endings.REASON_LABELS, "sources": proposals.SOURCE_LABELS}


@dataclass(frozen=True)
class ReportForm:
    kind: str = ""
    detail: str = ""
    started: str = ""


@dataclass(frozen=True)
class ConfirmForm:
    end_date: str = ""
    note: str = ""


@dataclass(frozen=True)
class DismissForm:
    note: str = ""


# ---- the resident reports work -------------------------------------------------------------------------


async def _report_again(
    failure: FormFailure, db: Db, services: Deps, account: Account, number: str, **_: Any
) -> Template:
    receipt = await receipts.receipt(
        db, services.status_tokens, base_url=services.settings.base_url,
        link_days=services.settings.status_link_days, account_id=account.id, number=number,
    )  # fmt: skip
    return page(
        "registration/application.html", failure.status_code, account=account, **receipt.context(),
        errors=failure.errors, values=failure.values, reported=False,
    )  # fmt: skip


@post("/account/applications/{number:str}/report-work", name="report_work")
@shows_form_again(_report_again)
async def report_work(
    request: Request[Any, Any, Any], db: Db, services: Deps, account: Account, number: FromPath[str]
) -> Response[Any]:
    form = await read_form(request, ReportForm)
    await proposals.report_work(db, account.id, number, kind=form.kind, detail=form.detail, started=form.started)
    return see_other(f"/account/applications/{number}", reported="1")


# ---- staff settle them -----------------------------------------------------------------------------------


async def _proposals_page(
    db: Db, staff: Staff, page_number: int = 1, *, status_code: int = 200, errors: dict[str, object] | None = None,
    values: dict[str, Any] | None = None, done: str = "",
) -> Template:  # fmt: skip
    result = await proposals.open_proposals(db, staff, page=page_number)
    return page(
        "proposals/proposals.html", status_code, scope=staff, result=result, labels=LABELS, errors=errors or {},
        values=values or {}, done=done,
    )  # fmt: skip


@get("/proposals", name="staff_proposals")
async def proposals_page(db: Db, staff: Staff, page_number: FromQuery[int] = 1, done: FromQuery[str] = "") -> Template:
    return await _proposals_page(db, staff, page_number, done=done)


def _again(form_fields: dict[str, str]) -> Any:
    """The list again, the errors beside the fields of the proposal's own form (its fields are named by the
    proposal's id, the form's field names mapped to those on the page)."""

    async def render(failure: FormFailure, db: Db, staff: Staff, proposal_id: int, **_: Any) -> Response[Any]:
        if failure.conflict is not None:
            # Someone else ended or changed the case at the same moment: the list shows where it stands now.
            return see_other("/staff/proposals", done="changed")
        return await _proposals_page(
            db, staff, status_code=failure.status_code,
            errors={f"{proposal_id}-{form_fields.get(k, k)}": v for k, v in failure.errors.items()},
            values={f"{proposal_id}-{form_fields.get(k, k)}": v for k, v in failure.values.items()},
        )  # fmt: skip

    return render


# The confirm form's note is the ending's evidence: its errors come back as the ending's (end_note).
@post("/proposals/{proposal_id:int}/confirm", name="staff_proposal_confirm")
@shows_form_again(_again({"end_note": "end_note", "note": "end_note"}))
async def confirm(
    request: Request[Any, Any, Any], db: Db, services: Deps, staff: Staff, proposal_id: FromPath[int]
) -> Response[Any]:
    form = await read_form(request, ConfirmForm)
    await proposals.confirm(db, services.sms, staff, proposal_id, end_date=form.end_date, note=form.note)
    return see_other("/staff/proposals", done="confirm")


@post("/proposals/{proposal_id:int}/dismiss", name="staff_proposal_dismiss")
@shows_form_again(_again({}))
async def dismiss(request: Request[Any, Any, Any], db: Db, staff: Staff, proposal_id: FromPath[int]) -> Response[Any]:
    form = await read_form(request, DismissForm)
    await proposals.dismiss(db, staff, proposal_id, note=form.note)
    return see_other("/staff/proposals", done="dismiss")


RESIDENT_HANDLERS = [report_work]
STAFF_HANDLERS = [proposals_page, confirm, dismiss]
