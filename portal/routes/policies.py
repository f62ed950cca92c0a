"""The support policy checklist: public pages (the list by situation, each policy, the anonymous "what might I
get?" check), the signed-in resident's own checklist with its reasons, and the city administrators' editing,
where every change is a new version."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Template

from portal.clock import local_today
from portal.i18n import _l
from portal.routes._common import Account, Db, Deps, Staff, page, read_form, see_other, signed_in
from portal.routes.errors import FormFailure, shows_form_again
from portal.services import fields, policies, policy_applications
from portal.services.fields import options
from portal.services.registration_form import DIFFICULTY_LABELS

SITUATIONS = options(policies.SITUATION_LABELS)


@dataclass(frozen=True)
class QuickForm:
    age: str = ""
    sex: str = ""
    registered: str = ""
    insured: str = ""
    job_lost_involuntarily: str = ""
    founded_business: str = ""
    intentions: list[str] = field(default_factory=list)
    circumstances: list[str] = field(default_factory=list)


# ---- public -------------------------------------------------------------------------------------------


@get("/policies", name="policies")
async def policies_page(request: Request[Any, Any, Any], db: Db, situation: FromQuery[str] = "") -> Template:
    shown = await policies.in_force(db, situation=situation)
    return page(
        "policies/policies.html", account=await signed_in(request, db), policies=shown, situations=SITUATIONS,
        situation=situation if situation in policies.SITUATION_LABELS else "",
    )  # fmt: skip


def _check_context(answers: policies.QuickAnswers) -> dict[str, Any]:
    return {
        "situations": SITUATIONS,
        "sex_choices": options(policies.SEX_LABELS),
        "registered_choices": options(policies.REGISTERED_CHOICES),
        "insured_choices": options(policies.INSURED_CHOICES),
        "yes_no": options(policies.YES_NO),
        "intention_choices": options(policies.INTENTION_LABELS),
        "circumstance_choices": options(DIFFICULTY_LABELS),
        "values": {
            "age": answers.age, "sex": answers.sex, "registered": answers.registered, "insured": answers.insured,
            "job_lost_involuntarily": answers.job_lost_involuntarily, "founded_business": answers.founded_business,
            "intentions": list(answers.intentions), "circumstances": list(answers.circumstances),
        },
    }  # fmt: skip


async def _check_again(failure: FormFailure, request: Request[Any, Any, Any], db: Db, **_: Any) -> Template:
    values = failure.values
    answers = policies.QuickAnswers(
        age=str(values.get("age", "")), sex=str(values.get("sex", "")),
        intentions=_many(values.get("intentions")), circumstances=_many(values.get("circumstances")),
    )  # fmt: skip
    return page(
        "policies/check.html", failure.status_code, account=await signed_in(request, db), errors=failure.errors,
        fits=None, **_check_context(answers),
    )  # fmt: skip


def _many(value: Any) -> list[str]:
    return value if isinstance(value, list) else [value] if value else []


@get("/policies/check", name="policy_check")
@shows_form_again(_check_again)
async def check(request: Request[Any, Any, Any], db: Db) -> Response[Any]:
    """A few questions, asked with GET so that nothing is stored, and the policies that may fit, each with why."""
    query = request.query_params
    answers = policies.QuickAnswers(
        age=query.get("age", ""), sex=query.get("sex", ""), registered=query.get("registered", ""),
        insured=query.get("insured", ""), job_lost_involuntarily=query.get("job_lost_involuntarily", ""),
        founded_business=query.get("founded_business", ""), intentions=query.getall("intentions", []),
        circumstances=query.getall("circumstances", []),
    )  # fmt: skip
    fits = None
    if "age" in query:  # the form was sent
        on = local_today()
        fits = policies.checklist(await policies.in_force(db, on=on), policies.quick_profile(answers, on), on)
    return page(
        "policies/check.html", account=await signed_in(request, db), errors={}, fits=fits, **_check_context(answers)
    )


@get("/policies/{code:str}", name="policy")
async def policy_page(request: Request[Any, Any, Any], db: Db, services: Deps, code: FromPath[str]) -> Template:
    policy = await policies.get(db, code)
    account = await signed_in(request, db)
    fit, applied = None, {}
    if account is not None:
        mine = await policies.resident_checklist(db, services.cipher, services.social_insurance, account.id)
        fit = next((f for f in mine.fits if f.policy.code == code), None)
        applied = policy_applications.latest_by_policy(await policy_applications.of_account(db, account.id))
    return page(
        "policies/policy.html", account=account, policy=policy, fit=fit, situations=policies.SITUATION_LABELS,
        applied=applied, status_labels=policy_applications.STATUS_LABELS,
    )  # fmt: skip


# ---- the signed-in resident ---------------------------------------------------------------------------


@get("/account/policies", name="my_policies")
async def my_policies(db: Db, services: Deps, account: Account) -> Template:
    mine = await policies.resident_checklist(db, services.cipher, services.social_insurance, account.id)
    applications = await policy_applications.of_account(db, account.id)
    return page(
        "policies/mine.html", account=account, checklist=mine, applications=applications,
        applied=policy_applications.latest_by_policy(applications), status_labels=policy_applications.STATUS_LABELS,
    )  # fmt: skip


# ---- city administrators ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PolicyForm:
    based_on: str = ""
    title_zh: str = ""
    title_en: str = ""
    who_zh: str = ""
    who_en: str = ""
    gives_zh: str = ""
    gives_en: str = ""
    how_zh: str = ""
    how_en: str = ""
    where_zh: str = ""
    where_en: str = ""
    legal_basis: str = ""
    valid_from: str = ""
    valid_to: str = ""
    is_sample: str = ""
    conditions: str = ""
    change_note: str = ""


FIELD_LABELS: dict[str, object] = {
    "title_zh": _l("Title (Chinese)"),
    "title_en": _l("Title (English)"),
    "who_zh": _l("Who qualifies (Chinese)"),
    "who_en": _l("Who qualifies (English)"),
    "gives_zh": _l("What it gives (Chinese)"),
    "gives_en": _l("What it gives (English)"),
    "how_zh": _l("How to apply (Chinese)"),
    "how_en": _l("How to apply (English)"),
    "where_zh": _l("Where (Chinese)"),
    "where_en": _l("Where (English)"),
    "legal_basis": _l("Legal basis"),
}
SAMPLE_CHOICES = options(fields.SAMPLE_LABELS)


@get("/policies", name="staff_policies")
async def staff_policies(db: Db, staff: Staff) -> Template:
    return page("policies/staff_list.html", scope=staff, policies=await policies.current_versions(db))


async def _edit_page(
    db: Db, staff: Staff, code: str, *, status_code: int = 200, values: dict[str, Any] | None = None,
    errors: dict[str, object] | None = None, conflict: bool = False, done: str = "",
) -> Template:  # fmt: skip
    every = await policies.versions(db, code)
    return page(
        "policies/edit.html", status_code, scope=staff, current=every[0], versions=every, values=values or {},
        errors=errors or {}, conflict=conflict, done=done, text_fields=policies.TEXT_FIELDS,
        field_labels=FIELD_LABELS, sample_choices=SAMPLE_CHOICES,
    )  # fmt: skip


@get("/policies/{code:str}", name="staff_policy")
async def edit_form(db: Db, staff: Staff, code: FromPath[str], done: FromQuery[str] = "") -> Template:
    return await _edit_page(db, staff, code, done=done)


async def _edit_again(failure: FormFailure, db: Db, staff: Staff, code: str, **_: Any) -> Template:
    return await _edit_page(
        db, staff, code, status_code=failure.status_code, values=failure.values, errors=failure.errors,
        conflict=failure.conflict is not None,
    )  # fmt: skip


@post("/policies/{code:str}")
@shows_form_again(_edit_again)
async def save_policy(request: Request[Any, Any, Any], db: Db, staff: Staff, code: FromPath[str]) -> Response[Any]:
    form = await read_form(request, PolicyForm)
    change = policies.PolicyEdit(
        texts={name: getattr(form, name) for name in policies.TEXT_FIELDS}, valid_from=form.valid_from,
        valid_to=form.valid_to, is_sample=form.is_sample == "yes", conditions=form.conditions,
        change_note=form.change_note,
    )  # fmt: skip
    based_on = int(form.based_on) if form.based_on.isdigit() and len(form.based_on) < 10 else -1
    await policies.edit(db, staff, code, based_on, change)
    return see_other(f"/staff/policies/{code}", done="saved")


PUBLIC_HANDLERS = [policies_page, check, policy_page, my_policies]
ADMIN_HANDLERS = [staff_policies, edit_form, save_policy]
