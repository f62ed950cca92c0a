"""Objections: the public objects to a notice entry and tracks the objection; the person objected to reads the
ground and gives their side; the entry's county investigates and decides."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from litestar import Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.params import FromPath, FromQuery
from litestar.response import Template

from portal.input_guard import BadInput
from portal.routes._common import Account, Db, Deps, Staff, client_ip, page, read_form, see_other, signed_in
from portal.routes.errors import FormFailure, shows_form_again
from portal.services import areas, fields, keyset, notices, objections, policies
from portal.services.fields import options

GROUNDS = options(objections.GROUND_LABELS)
WHO = options(objections.WHO_LABELS)
OUTCOMES = options(objections.OUTCOME_LABELS)
WORDS: dict[str, Any] = {
    "ground_words": objections.GROUND_LABELS,
    "status_words": objections.STATUS_LABELS,
    "outcome_words": objections.OUTCOME_LABELS,
    "step_words": objections.STEP_LABELS,
}


async def _objection_form(request: Request[Any, Any, Any]) -> tuple[objections.ObjectionForm,
                                                                     objections.Attachment | None]:  # fmt: skip
    """The multipart form: its text fields (NUL bytes refused, as the guard does for other forms) and the file."""
    form = await request.form()
    values: dict[str, str] = {}
    for field in dataclasses.fields(objections.ObjectionForm):
        raw = form.get(field.name)
        text = raw if isinstance(raw, str) else ""
        if "\x00" in text:
            raise BadInput()
        values[field.name] = text
    upload = form.get("attachment")
    attachment = None
    if isinstance(upload, UploadFile) and upload.filename:
        data = await upload.read(objections.ATTACHMENT_MAX_BYTES + 1)
        attachment = objections.Attachment(data, upload.content_type or "")
    return objections.ObjectionForm(**values), attachment


# ---- the public ---------------------------------------------------------------------------------------------------


async def _form_page(
    request: Request[Any, Any, Any], db: Db, number: str, position: int, *, status_code: int = 200,
    values: dict[str, Any] | None = None, errors: dict[str, object] | None = None, code_sent: bool = False,
) -> Template:  # fmt: skip
    notice, entry = await objections.open_entry(db, number, position)
    return page(
        "objections/form.html", status_code, account=await signed_in(request, db), notice=notice, entry=entry,
        grounds=GROUNDS, who_choices=WHO, values=values or {}, errors=errors or {}, code_sent=code_sent,
        area_names=await areas.names(db), titles=await policies.titles(db),
    )  # fmt: skip


async def _closed_page(request: Request[Any, Any, Any], db: Db, number: str, position: int,
                       failure: FormFailure) -> Template:  # fmt: skip
    notice, _entry = await notices.public_entry(db, number, position)
    return page("objections/closed.html", failure.status_code, account=await signed_in(request, db), notice=notice,
                reason=next(iter(failure.errors.values()), ""))  # fmt: skip


async def _form_again(failure: FormFailure, request: Request[Any, Any, Any], db: Db, number: str, position: int,
                      **_: Any) -> Template:  # fmt: skip
    if "notice" in failure.errors:  # the period closed, or the entry came down
        return await _closed_page(request, db, number, position, failure)
    return await _form_page(request, db, number, position, status_code=failure.status_code, values=failure.values,
                            errors=failure.errors)  # fmt: skip


@get("/notices/{number:str}/{position:int}/objection", name="objection_form")
@shows_form_again(_form_again)
async def objection_form(
    request: Request[Any, Any, Any], db: Db, number: FromPath[str], position: FromPath[int]
) -> Response[Any]:
    response = await _form_page(request, db, number, position)
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@post("/notices/{number:str}/{position:int}/objection/code")
@shows_form_again(_form_again)
async def send_code(
    request: Request[Any, Any, Any], db: Db, services: Deps, number: FromPath[str], position: FromPath[int]
) -> Response[Any]:
    """Text a code to a real-name objector's phone, and show the form again with everything typed."""
    form, _attachment = await _objection_form(request)
    await objections.open_entry(db, number, position)
    await objections.send_code(db, services.sms, services.cipher, services.limiter, services.settings.sms_per_hour,
                               phone=form.phone, address=client_ip(request))  # fmt: skip
    values = {f.name: getattr(form, f.name) for f in dataclasses.fields(form) if f.name != "code"}
    return await _form_page(request, db, number, position, values=values, code_sent=True)


@post("/notices/{number:str}/{position:int}/objection")
@shows_form_again(_form_again)
async def file_objection(
    request: Request[Any, Any, Any], db: Db, services: Deps, number: FromPath[str], position: FromPath[int]
) -> Response[Any]:
    form, attachment = await _objection_form(request)
    settings = services.settings
    filed = await objections.file(
        db, services.sms, services.cipher, services.limiter, number=number, position=position, form=form,
        attachment=attachment, address=client_ip(request), per_hour=settings.objections_per_hour,
        answer_days=settings.objection_answer_days, attachment_dir=settings.attachment_dir,
    )  # fmt: skip
    # Shown here, once, not after a redirect: the secret code must not travel in a URL.
    return page("objections/filed.html", account=await signed_in(request, db), filed=filed)


@dataclass(frozen=True)
class TrackForm:
    number: str = ""
    secret: str = ""


@get("/objections/track", name="objection_track")
async def track_page(request: Request[Any, Any, Any], db: Db) -> Template:
    return page("objections/track.html", account=await signed_in(request, db), values={}, errors={}, tracked=None,
                **WORDS)  # fmt: skip


async def _track_again(failure: FormFailure, request: Request[Any, Any, Any], db: Db, **_: Any) -> Template:
    return page("objections/track.html", failure.status_code, account=await signed_in(request, db),
                values=failure.values, errors=failure.errors, tracked=None, **WORDS)  # fmt: skip


@post("/objections/track")
@shows_form_again(_track_again)
async def track(request: Request[Any, Any, Any], db: Db, services: Deps) -> Response[Any]:
    form = await read_form(request, TrackForm)
    tracked = await objections.track(db, services.cipher, services.limiter, number=form.number, secret=form.secret,
                                     address=client_ip(request))  # fmt: skip
    return page("objections/track.html", account=await signed_in(request, db), values={}, errors={},
                tracked=tracked, **WORDS)  # fmt: skip


# ---- the person objected to ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SideForm:
    number: str = ""
    text: str = ""


async def _mine_page(db: Db, account: Account, *, status_code: int = 200, values: dict[str, Any] | None = None,
                     errors: dict[str, object] | None = None, done: str = "") -> Template:  # fmt: skip
    return page("objections/mine.html", status_code, account=account,
                mine=await objections.of_account(db, account.id), values=values or {}, errors=errors or {},
                done=done, **WORDS)  # fmt: skip


@get("/account/objections", name="my_objections")
async def mine(db: Db, account: Account, done: FromQuery[str] = "") -> Template:
    return await _mine_page(db, account, done=done)


async def _side_again(failure: FormFailure, db: Db, account: Account, **_: Any) -> Template:
    return await _mine_page(db, account, status_code=failure.status_code, values=failure.values,
                            errors=failure.errors)  # fmt: skip


@post("/account/objections")
@shows_form_again(_side_again)
async def give_side(request: Request[Any, Any, Any], db: Db, account: Account) -> Response[Any]:
    form = await read_form(request, SideForm)
    await objections.give_side(db, account.id, form.number, form.text)
    return see_other("/account/objections", done="sent")


# ---- the county's staff -------------------------------------------------------------------------------------------


@get("/objections", name="staff_objections")
async def staff_queue(
    db: Db, staff: Staff, show: FromQuery[str] = "open", after: FromQuery[str] = "", before: FromQuery[str] = "",
    last: FromQuery[str] = "",
) -> Template:  # fmt: skip
    result = await objections.queue(db, staff, show=show, at=keyset.At(after, before, last))
    return page("objections/staff_queue.html", scope=staff, result=result, show=show, area_names=await areas.names(db),
                **WORDS)  # fmt: skip


async def _case_page(
    db: Db, services: Deps, staff: Staff, number: str, *, status_code: int = 200,
    values: dict[str, Any] | None = None, errors: dict[str, object] | None = None, done: str = "",
    conflict: bool = False,
) -> Template:  # fmt: skip
    shown = await objections.staff_view(db, services.cipher, staff, number)
    return page(
        "objections/staff_objection.html", status_code, scope=staff, shown=shown, objection=shown.objection,
        outcomes=OUTCOMES, assignees=options({str(i): n for i, n in shown.assignees}),
        area_names=await areas.names(db), titles=await policies.titles(db), values=values or {},
        errors=errors or {}, done=done, conflict=conflict, **WORDS,
    )  # fmt: skip


@get("/objections/{number:str}", name="staff_objection")
async def staff_objection(db: Db, services: Deps, staff: Staff, number: FromPath[str],
                          done: FromQuery[str] = "") -> Template:  # fmt: skip
    return await _case_page(db, services, staff, number, done=done)


async def _act_again(failure: FormFailure, db: Db, services: Deps, staff: Staff, number: str, **_: Any) -> Template:
    return await _case_page(db, services, staff, number, status_code=failure.status_code, values=failure.values,
                            errors=failure.errors, conflict=failure.conflict is not None)  # fmt: skip


@dataclass(frozen=True)
class AssignForm:
    version: str = ""
    assignee: str = ""


@dataclass(frozen=True)
class InvestigateForm:
    note: str = ""
    compare: str = ""


@dataclass(frozen=True)
class DecideForm:
    version: str = ""
    outcome: str = ""
    reply: str = ""


@post("/objections/{number:str}/assign")
@shows_form_again(_act_again)
async def assign(request: Request[Any, Any, Any], db: Db, services: Deps, staff: Staff,
                 number: FromPath[str]) -> Response[Any]:  # fmt: skip
    form = await read_form(request, AssignForm)
    await objections.assign(db, staff, number, fields.db_int(form.version) or 0, form.assignee)
    return see_other(f"/staff/objections/{number}", done="assigned")


@post("/objections/{number:str}/investigate")
@shows_form_again(_act_again)
async def investigate(request: Request[Any, Any, Any], db: Db, services: Deps, staff: Staff,
                      number: FromPath[str]) -> Response[Any]:  # fmt: skip
    form = await read_form(request, InvestigateForm)
    await objections.investigate(db, services.cipher, services.social_insurance, staff, number, note=form.note,
                                 compare=form.compare == "yes")  # fmt: skip
    return see_other(f"/staff/objections/{number}", done="recorded")


@post("/objections/{number:str}/decide")
@shows_form_again(_act_again)
async def decide(request: Request[Any, Any, Any], db: Db, services: Deps, staff: Staff,
                 number: FromPath[str]) -> Response[Any]:  # fmt: skip
    form = await read_form(request, DecideForm)
    await objections.decide(db, services.sms, staff, number, fields.db_int(form.version) or 0, outcome=form.outcome,
                            reply=form.reply, statement_days=services.settings.credit_statement_days)  # fmt: skip
    return see_other(f"/staff/objections/{number}", done="decided")


@get("/objections/{number:str}/attachment", name="staff_objection_attachment")
async def attachment(db: Db, services: Deps, staff: Staff, number: FromPath[str]) -> Response[bytes]:
    data, media_type = await objections.attachment_of(db, staff, number, services.settings.attachment_dir)
    return Response(data, media_type=media_type, headers={
        "Content-Disposition": f'attachment; filename="{number}-attachment"', "Cache-Control": "no-store",
    })  # fmt: skip


PUBLIC_HANDLERS = [objection_form, send_code, file_objection, track_page, track]
RESIDENT_HANDLERS = [mine, give_side]
STAFF_HANDLERS = [staff_queue, staff_objection, assign, investigate, decide, attachment]
