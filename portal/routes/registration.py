"""The registration flow: start, one page per step, check your answers, submit; then the receipt and the
application page. With htmx, a field is checked as soon as it loses focus, from the same partial the step
page includes."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.params import FromPath, FromQuery
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Redirect, Template

from portal import i18n
from portal.clock import local_today
from portal.routes._common import Account, Db, Deps, form_dict, page, see_other, signed_in
from portal.services import areas, commitments, receipts, registration_form, ui_benefit
from portal.services import registration as reg
from portal.services.errors import NotFound
from portal.services.fields import labels_of
from portal.services.registration_form import (
    PAPER_LABELS,
    Step,
    build_steps,
    has_missing_papers,
    summarise,
    tailor,
    validate_step,
)


async def _steps(db: Db) -> tuple[Step, ...]:
    return build_steps([(a.code, a.name) for a in await areas.list_areas(db)])


def _step(steps: tuple[Step, ...], key: str) -> Step:
    for step in steps:
        if step.key == key:
            return step
    raise NotFound()


def _multi(step: Step) -> list[str]:
    return [f.name for f in step.fields if f.kind == "checkboxes"]


def _step_page(
    steps: tuple[Step, ...], step: Step, answers: dict[str, Any], values: dict[str, Any], errors: dict[str, object],
    returning: bool,
) -> Template:  # fmt: skip
    back = reg.previous_step(steps, answers, step.key)
    context: dict[str, Any] = {}
    step = tailor(step, answers)
    if step.key == "commitment":
        context["commitment_text"] = commitments.text("registration", i18n.current_locale.get())
        context["missing_labels"] = labels_of(PAPER_LABELS, answers.get("missing_papers") or [])
    return page(
        "registration/step.html",
        step=step,
        answers=answers,
        values=values,
        errors=errors,
        returning=returning,
        back_url="/register/check" if returning else f"/register/step/{back.key}" if back else "/register",
        **context,
    )


@get("/register", name="register_start")
async def start_page(request: Request[Any, Any, Any], db: Db, services: Deps) -> Template:
    account = await signed_in(request, db)
    context: dict[str, Any] = {"account": account, "open_number": None, "has_draft": False}
    if account is not None:
        context["open_number"] = await reg.existing_open_number(db, account.id)
        context["has_draft"] = await reg.get_answers(db, services.cipher, account.id) is not None
    return page("registration/start.html", **context)


@post("/register/start")
async def start(db: Db, services: Deps, account: Account) -> Redirect:
    number = await reg.existing_open_number(db, account.id)
    if number:
        return see_other(f"/account/applications/{number}")
    answers = await reg.start(db, services.cipher, account.id, account.phone)
    upcoming = reg.next_step(await _steps(db), answers)
    return see_other(f"/register/step/{upcoming.key}" if upcoming else "/register/check")


@get("/register/step/{key:str}", name="register_step")
async def step_form(
    db: Db, services: Deps, account: Account, key: FromPath[str], returning: FromQuery[bool] = False
) -> Template | Redirect:
    answers = await reg.get_answers(db, services.cipher, account.id)
    if answers is None:
        return see_other("/register")
    steps = await _steps(db)
    step = _step(steps, key)
    if not reg.can_open(steps, answers, key):
        upcoming = reg.next_step(steps, answers)
        return see_other(f"/register/step/{upcoming.key}" if upcoming else "/register/check")
    return _step_page(steps, step, answers, answers, {}, returning)


@post("/register/step/{key:str}")
async def step_submit(
    request: Request[Any, Any, Any], db: Db, services: Deps, account: Account, key: FromPath[str]
) -> Template | Redirect:
    steps = await _steps(db)
    step = _step(steps, key)
    form = await form_dict(request, _multi(step))
    answers = await reg.get_answers(db, services.cipher, account.id)
    if answers is None:
        return see_other("/register")
    outcome = await reg.save_step(
        db, services.cipher, services.social_insurance, account.id, steps, step, form, local_today()
    )
    returning = form.get("returning") == "1"
    if outcome.errors:
        return _step_page(steps, step, answers, {**answers, **outcome.values}, outcome.errors, returning)
    if outcome.refusal is not None:
        return await _refusal_page(db, outcome.refusal, account)
    if outcome.next_step is None or (returning and outcome.next_step == "check"):
        return see_other("/register/check")
    return see_other(f"/register/step/{outcome.next_step}")


@post("/register/step/{key:str}/field", name="register_field")
async def check_field(request: HTMXRequest, db: Db, services: Deps, account: Account, key: FromPath[str]) -> Template:
    """htmx: the field that just lost focus, checked with the rest of its step as typed, drawn again with its
    message (or without one). Nothing is saved. A required field left empty is not yet an error: the person
    may come back to it before they continue."""
    answers = await reg.get_answers(db, services.cipher, account.id) or {}
    step = tailor(_step(await _steps(db), key), answers)
    form = await form_dict(request, _multi(step))
    name = request.htmx.trigger_name if request.htmx else None
    field = next((f for f in step.fields if f.name == name), None)
    if field is None:
        raise NotFound()
    _values, errors = validate_step(step, form, answers, today=local_today())
    error = errors.get(field.name) if form.get(field.name) else None
    return page(
        "registration/_field.html", f=field, step_key=key, values=form, errors={field.name: error} if error else {}
    )


async def _refusal_page(db: Db, refusal: reg.Refusal, account: Account) -> Template:
    county = refusal.detail.get("county")
    agency = await areas.get_area(db, county) if county else None
    return page(
        "registration/refused.html",
        refusal=refusal,
        agency=agency,
        account=account,
        agencies_url="/agencies",
        back_url=f"/register/step/{refusal.step}",
    )


@post("/register/id-preview", name="register_id_preview")
async def id_preview(request: HTMXRequest, db: Db, account: Account) -> Template:
    """htmx: what the ID number says (sex, birth date) as soon as it is typed, before 'Continue'."""
    form = await form_dict(request)
    steps = await _steps(db)
    values, errors = validate_step(_step(steps, "identity"), form, {}, today=local_today())
    return page(
        "partials/id_preview.html",
        values=values,
        error=errors.get("id_number"),
        typed=bool(form.get("id_number", "").strip()),
    )


@get("/register/check", name="register_check")
async def check_page(db: Db, services: Deps, account: Account) -> Template | Redirect:
    return await _check(db, services, account)


async def _check(
    db: Db, services: Deps, account: Account, errors: dict[str, object] | None = None, status_code: int = 200
) -> Template | Redirect:
    answers = await reg.get_answers(db, services.cipher, account.id)
    if answers is None:
        return see_other("/register")
    steps = await _steps(db)
    upcoming = reg.next_step(steps, answers)
    if upcoming is not None:
        return see_other(f"/register/step/{upcoming.key}")
    return page(
        "registration/check.html",
        status_code,
        sections=summarise(reg.applicable(steps, answers), answers),
        answers=answers,
        deferred=has_missing_papers(answers),
        benefit=await ui_benefit.offer_page(db, services.social_insurance, answers, local_today()),
        errors=errors or {},
    )


@post("/register/submit", name="register_submit")
async def submit(request: Request[Any, Any, Any], db: Db, services: Deps, account: Account) -> Template | Redirect:
    steps = await _steps(db)
    form = await form_dict(request)
    # The check page offers the benefit with "claim" chosen: only an explicit "no" declines it.
    choice = form.get("ui_benefit", "")
    if choice not in ("", *ui_benefit.CHOICES):
        return await _check(db, services, account, {"ui_benefit": ui_benefit.CHOICE_REQUIRED}, 400)
    outcome = await reg.submit(
        db, services.cipher, services.social_insurance, account.id, steps, i18n.current_locale.get(),
        claim_ui_benefit=choice != ui_benefit.DECLINE,
    )  # fmt: skip
    match outcome:
        case reg.Submitted(registration):
            return see_other(f"/register/done/{registration.number}")
        case reg.AlreadySubmitted(number):
            return see_other(f"/account/applications/{number}" if number else "/account")
        case reg.Incomplete(step):
            return see_other(f"/register/step/{step}")
        case reg.Refused(refusal):
            return await _refusal_page(db, refusal, account)


async def _receipt(db: Db, services: Deps, account: Account, number: str) -> receipts.Receipt:
    settings = services.settings
    return await receipts.receipt(
        db, services.status_tokens, base_url=settings.base_url, link_days=settings.status_link_days,
        account_id=account.id, number=number,
    )  # fmt: skip


@get("/register/done/{number:str}", name="register_done")
async def done(db: Db, services: Deps, account: Account, number: FromPath[str]) -> Template:
    receipt = await _receipt(db, services, account, number)
    return page(
        "registration/done.html", account=account, **receipt.context(),
        ui_benefit=await ui_benefit.view_of(db, receipt.registration.id),
    )  # fmt: skip


@get("/account/applications/{number:str}", name="application")
async def application(
    db: Db, services: Deps, account: Account, number: FromPath[str], reported: FromQuery[str] = ""
) -> Template:
    receipt = await _receipt(db, services, account, number)
    return page(
        "registration/application.html", account=account, **receipt.context(), errors={}, values={},
        reported=bool(reported), ui_benefit=await ui_benefit.view_of(db, receipt.registration.id),
    )  # fmt: skip


@get("/account/applications/{number:str}/answers", name="application_answers")
async def application_answers(db: Db, services: Deps, account: Account, number: FromPath[str]) -> Template:
    submitted = await receipts.submitted_answers(db, services.cipher, account.id, number)
    return page(
        "registration/answers.html", account=account, registration=submitted.registration,
        person=submitted.registration.person, answers=submitted.answers, id_number_masked=submitted.id_number_masked,
        area_name=submitted.area_name, accepted_at=submitted.registration.accepted_at,
        form_labels=registration_form.ANSWER_LABELS,
    )  # fmt: skip


HANDLERS = [
    start_page, start, step_form, step_submit, check_field, id_preview, check_page, submit, done, application,
    application_answers,
]  # fmt: skip
