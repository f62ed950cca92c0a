"""The registration flow: start, one page per step, check your answers, submit, the receipt."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.params import FromPath, FromQuery
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Redirect, Template
from markupsafe import Markup

from portal import i18n
from portal.clock import local_today
from portal.i18n import _
from portal.models import ResidentAccount
from portal.routes._common import Db, Deps, form_dict, page, require_account, see_other, signed_in
from portal.services import areas as area_service
from portal.services import casework, notify, proposals, receipts
from portal.services import registration as reg
from portal.services.errors import NotFound
from portal.services.registration_form import (
    Step,
    build_steps,
    has_missing_papers,
    labels_of,
    summarise,
    tailor,
    validate_step,
)


async def _steps(db: Db) -> tuple[Step, ...]:
    return build_steps([(a.code, a.name) for a in await area_service.list_areas(db)])


def _step(steps: tuple[Step, ...], key: FromPath[str]) -> Step:
    for step in steps:
        if step.key == key:
            return step
    raise NotFound()


def _multi(step: Step) -> list[str]:
    return [f.name for f in step.fields if f.kind == "checkboxes"]


def _step_page(
    steps: tuple[Step, ...],
    step: Step,
    answers: dict[str, Any],
    values: dict[str, Any],
    errors: dict[str, object],
    returning: bool,
) -> Template:
    back = reg.previous_step(steps, answers, step.key)
    context: dict[str, Any] = {}
    step = tailor(step, answers)
    if step.key == "commitment":
        context["commitment_text"] = reg.commitment_text(i18n.current_locale.get())
        context["missing_labels"] = labels_of("missing_papers", answers.get("missing_papers") or [])
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
async def start(request: Request[Any, Any, Any], db: Db, services: Deps) -> Redirect:
    account = await require_account(request, db)
    number = await reg.existing_open_number(db, account.id)
    if number:
        return see_other(f"/account/applications/{number}")
    answers = await reg.start(db, services.cipher, account.id, account.phone)
    upcoming = reg.next_step(await _steps(db), answers)
    return see_other(f"/register/step/{upcoming.key}" if upcoming else "/register/check")


@get("/register/step/{key:str}", name="register_step")
async def step_form(
    request: Request[Any, Any, Any], db: Db, services: Deps, key: FromPath[str], returning: FromQuery[bool] = False
) -> Template | Redirect:
    account = await require_account(request, db)
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
    request: Request[Any, Any, Any], db: Db, services: Deps, key: FromPath[str]
) -> Template | Redirect:
    account = await require_account(request, db)
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


async def _refusal_page(db: Db, refusal: reg.Refusal, account: ResidentAccount) -> Template:
    county = refusal.detail.get("county")
    agency = await area_service.get_area(db, county) if county else None
    return page(
        "registration/refused.html",
        refusal=refusal,
        agency=agency,
        account=account,
        agencies_url="/agencies",
        back_url=f"/register/step/{refusal.step}",
    )


@post("/register/id-preview", name="register_id_preview")
async def id_preview(request: HTMXRequest, db: Db) -> Template:
    """htmx: what the ID number says (sex, birth date) as soon as it is typed, before 'Continue'."""
    await require_account(request, db)
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
async def check_page(request: Request[Any, Any, Any], db: Db, services: Deps) -> Template | Redirect:
    account = await require_account(request, db)
    answers = await reg.get_answers(db, services.cipher, account.id)
    if answers is None:
        return see_other("/register")
    steps = await _steps(db)
    upcoming = reg.next_step(steps, answers)
    if upcoming is not None:
        return see_other(f"/register/step/{upcoming.key}")
    return page(
        "registration/check.html",
        sections=summarise(reg.applicable(steps, answers), answers),
        answers=answers,
        deferred=has_missing_papers(answers),
    )


@post("/register/submit", name="register_submit")
async def submit(request: Request[Any, Any, Any], db: Db, services: Deps) -> Template | Redirect:
    account = await require_account(request, db)
    steps = await _steps(db)
    try:
        registration = await reg.submit(
            db, services.cipher, services.social_insurance, account.id, steps, i18n.current_locale.get()
        )
    except reg.AlreadySubmitted as exc:
        return see_other(f"/account/applications/{exc.number}" if exc.number else "/account")
    except reg.Incomplete as exc:
        return see_other(f"/register/step/{exc.step}")
    except reg.Refused as exc:
        return await _refusal_page(db, exc.refusal, account)
    return see_other(f"/register/done/{registration.number}")


async def _receipt_context(
    request: Request[Any, Any, Any], db: Db, services: Deps, number: FromPath[str]
) -> dict[str, Any]:
    account = await require_account(request, db)
    registration = await reg.application_of(db, account.id, number)
    if registration is None:
        raise NotFound()
    token = receipts.status_token(services.status_tokens, registration.id, services.settings.status_link_days)
    # From the configured address, never from the Host header: a forged one must not end up in the QR code.
    status_url = f"{services.settings.base_url}/status/{token}"
    qr = receipts.status_qr_svg(status_url, _("QR code that opens the status page of this application"))
    return {
        "account": account,
        "registration": registration,
        "agency": await area_service.get_area(db, registration.county_code),
        "status_url": status_url,
        # The SVG is built by the qrcode package from our own URL; the label is escaped in status_qr_svg.
        "qr": Markup(qr),  # noqa: S704
        "link_days": services.settings.status_link_days,
        "report_kinds": proposals.RESIDENT_REPORTS,
        "rejection_reasons": casework.REJECTION_REASONS,
        "end_reasons": casework.END_REASONS,
        "missing": labels_of(
            "missing_papers", registration.commitment.missing_items if registration.commitment else []
        ),
    }


@get("/register/done/{number:str}", name="register_done")
async def done(request: Request[Any, Any, Any], db: Db, services: Deps, number: FromPath[str]) -> Template:
    return page("registration/done.html", **await _receipt_context(request, db, services, number))


@post("/account/applications/{number:str}/report-work", name="report_work")
async def report_work(
    request: Request[Any, Any, Any], db: Db, services: Deps, number: FromPath[str]
) -> Template | Redirect:
    account = await require_account(request, db)
    form = await form_dict(request)
    try:
        await proposals.resident_report(
            db, account.id, number, kind=form.get("kind", ""), detail=form.get("detail", ""),
            started=form.get("started", ""),
        )  # fmt: skip
    except casework.CaseInputError as exc:
        return page(
            "registration/application.html",
            **await _receipt_context(request, db, services, number), errors=exc.errors, values=form, reported=False,
        )  # fmt: skip
    return see_other(f"/account/applications/{number}", reported="1")


@get("/account/inbox", name="inbox")
async def inbox(request: Request[Any, Any, Any], db: Db) -> Template:
    account = await require_account(request, db)
    messages = await notify.inbox(db, account.id)
    await notify.mark_read(db, account.id)
    return page("account/inbox.html", messages=messages)


@get("/account/applications/{number:str}", name="application")
async def application(
    request: Request[Any, Any, Any], db: Db, services: Deps, number: FromPath[str], reported: FromQuery[str] = ""
) -> Template:
    return page(
        "registration/application.html", **await _receipt_context(request, db, services, number),
        errors={}, values={}, reported=bool(reported),
    )  # fmt: skip
