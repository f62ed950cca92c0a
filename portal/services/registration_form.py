"""The registration form (Attachment 2): its steps, fields, choices and the checks on each answer."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from portal.i18n import _l
from portal.models import JOB_LOSS_CATEGORIES, Difficulty, Education, InsuredBefore, ServiceWanted, UnemploymentCategory
from portal.rules.idnumber import IdError, InvalidId, parse_id
from portal.services import fields
from portal.services.fields import Choice, options

OUTSIDE = "outside"
NONE_MISSING = "none"

# A draft application: the answers typed so far, by field name.
Draft = dict[str, Any]
Errors = dict[str, object]


@dataclass(frozen=True)
class Field:
    name: str
    kind: str  # text, textarea, radio, checkboxes, date, tel
    label: object
    hint: object | None = None
    required: bool = True
    max_length: int = 200
    choices: Sequence[Choice] = ()
    autocomplete: str = "off"
    input_mode: str | None = None
    width: str | None = None  # a CSS width class for short answers


@dataclass(frozen=True)
class Step:
    key: str
    title: object
    fields: Sequence[Field]
    intro: object | None = None
    applies: Callable[[Mapping[str, Any]], bool] = field(default=lambda answers: True)


# ---- messages -------------------------------------------------------------------------------

REQUIRED = {
    "name": _l("Enter your full name as on your ID card"),
    "id_number": _l("Enter your ID number"),
    "ethnicity": _l("Enter your ethnic group"),
    "pension_category": _l("Select which original pension age applies to you"),
    "phone": _l("Enter your mobile number"),
    "education": _l("Select your highest education"),
    "hukou_area": _l("Select where your hukou is registered"),
    "hukou_province": _l("Enter the province or city of your hukou"),
    "hukou_address": _l("Enter your hukou address"),
    "residence_area": _l("Select where you usually live"),
    "residence_address": _l("Enter the address where you usually live"),
    "residence_type": _l("Select whether you live in a town or in the countryside"),
    "county": _l("Select where you want to register"),
    "unemployment_category": _l("Select why you are not in work"),
    "last_employer": _l("Enter the name of your last employer or business"),
    "employment_ended_on": _l("Enter the date your last job or business ended"),
    "training_intention": _l("Select whether you want training"),
    "entrepreneurship_intention": _l("Select whether you want to start a business"),
    "had_unemployment_insurance": _l("Select whether you paid unemployment insurance"),
    "missing_papers": _l("Select the papers you cannot show, or that you have them all"),
    "signed_name": _l("Type your full name to sign the commitment"),
    "agree": _l("Tick the box to make the commitment"),
}

ID_MESSAGES = {
    IdError.LENGTH: _l("An ID number has 18 characters"),
    IdError.CHARACTERS: _l("An ID number has 17 digits followed by a digit or the letter X"),
    IdError.BIRTH_DATE: _l("The birth date in this ID number is not possible: check the digits 7 to 14"),
    IdError.CHECK_DIGIT: _l("This ID number is not valid: check that every character is right"),
}
NAME_INVALID = _l("Enter your name in Chinese characters or letters, as on your ID card")
CHOICE_INVALID = _l("Select one of the options")
PHONE_INVALID = _l("Enter a mainland mobile number of 11 digits, like 13812345678")
DATE_INVALID = _l("Enter a real date, like 2026-10-31")
DATE_IN_FUTURE = _l("The date must be today or in the past")
DATE_BEFORE_BIRTH = _l("The date must be after you were born")
NONE_WITH_OTHERS = _l("Select either the missing papers or that you have them all, not both")
SIGNED_NAME_DIFFERS = _l("Type your name exactly as you gave it: %(name)s")
NO_ZHANJIANG_LINK = _l(
    "Your hukou or your usual residence must be in Zhanjiang to register here. "
    "Register where you live or where your hukou is."
)

# ---- choices --------------------------------------------------------------------------------

EDUCATION_LABELS: dict[str, object] = {
    Education.JUNIOR_OR_BELOW: _l("Junior secondary school or below"),
    Education.SENIOR: _l("Senior secondary, vocational or technical school"),
    Education.COLLEGE: _l("College (大专)"),
    Education.BACHELOR: _l("Bachelor's degree"),
    Education.POSTGRADUATE: _l("Postgraduate degree"),
}
PENSION_CATEGORIES = (
    Choice("F50", _l("Worker (original pension age 50)"), _l("Most women in production, service or manual jobs")),
    Choice(
        "F55",
        _l("Managerial or technical post (original pension age 55)"),
        _l("Women in management, professional or technical posts. If you are not sure, choose this one."),
    ),
)
RESIDENCE_TYPE_LABELS: dict[str, object] = {"urban": _l("Town or city (城镇)"), "rural": _l("Countryside (农村)")}
UNEMPLOYMENT_LABELS: dict[str, object] = {
    UnemploymentCategory.SCHOOL_LEAVER: _l("Left school and not yet in work"),
    UnemploymentCategory.CONTRACT_ENDED: _l("My employment contract ended"),
    UnemploymentCategory.DISMISSED: _l("I was dismissed by my employer"),
    UnemploymentCategory.RESIGNED: _l("I resigned"),
    UnemploymentCategory.EMPLOYER_CLOSED: _l("My employer closed down or went bankrupt"),
    UnemploymentCategory.BUSINESS_CLOSED: _l("My own business or self-employment closed"),
    UnemploymentCategory.LAND_EXPROPRIATED: _l("My contracted farm land was expropriated"),
    UnemploymentCategory.VETERAN: _l("Veteran not placed in a job by the state"),
    UnemploymentCategory.RELEASED: _l("Released from prison, on parole or in community correction"),
    UnemploymentCategory.OTHER: _l("Other reason"),
}
YES_NO_LABELS: dict[str, object] = {"yes": _l("Yes"), "no": _l("No")}
INSURED_LABELS: dict[str, object] = {
    InsuredBefore.YES: _l("Yes"),
    InsuredBefore.NO: _l("No"),
    InsuredBefore.UNSURE: _l("I am not sure"),
}
DIFFICULTY_LABELS: dict[str, object] = {
    Difficulty.DISABLED: _l("I have a disability certificate"),
    Difficulty.DIBAO: _l("My household receives the minimum living guarantee (低保)"),
    Difficulty.ZERO_EMPLOYMENT: _l("Nobody in my urban household is in work"),
    Difficulty.RURAL_POOR: _l("Rural household formerly registered as poor, nobody working away"),
    Difficulty.LANDLESS: _l("I lost my farm land to expropriation"),
    Difficulty.REHAB_DRUGS: _l("I am in rehabilitation from drug use"),
    Difficulty.RELEASED: _l("I was released from prison"),
    Difficulty.MENTAL_RECOVERY: _l("I am recovering from a mental disorder"),
    Difficulty.VETERAN: _l("I am a veteran"),
}
SERVICE_LABELS: dict[str, object] = {
    ServiceWanted.JOB_MATCHING: _l("Job vacancies that fit me"),
    ServiceWanted.CAREER_GUIDANCE: _l("Career guidance"),
    ServiceWanted.SKILLS_TRAINING: _l("Free skills training"),
    ServiceWanted.ENTREPRENEURSHIP: _l("Help to start a business"),
    ServiceWanted.UNEMPLOYMENT_BENEFIT: _l("Unemployment insurance benefit"),
    ServiceWanted.DIFFICULTY_CERTIFICATION: _l("Certification as a person with employment difficulties"),
    ServiceWanted.POLICY_ADVICE: _l("Advice on support policies"),
}
PAPER_LABELS: dict[str, object] = {
    "id_card": _l("My ID card"),
    "hukou_or_residence_permit": _l("Hukou booklet or residence permit"),
    "termination_proof": _l("Proof that my job ended (contract termination certificate)"),
    "graduation_certificate": _l("Graduation certificate"),
    "discharge_certificate": _l("Veteran's discharge certificate"),
    "release_certificate": _l("Release or correction certificate"),
    "other": _l("Another paper"),
}
# The words of a registration's answers wherever they are shown (the staff case page, the person's own copy).
ANSWER_LABELS: dict[str, Mapping[str, object]] = {
    "unemployment": UNEMPLOYMENT_LABELS,
    "education": EDUCATION_LABELS,
    "services": SERVICE_LABELS,
    "difficulties": DIFFICULTY_LABELS,
    "papers": PAPER_LABELS,
    "insured": INSURED_LABELS,
}
PAPER_CHOICES = (*options(PAPER_LABELS), Choice(NONE_MISSING, _l("None: I can show all the papers that apply to me")))


def area_choices(areas: Sequence[tuple[str, object]], *, outside: bool) -> tuple[Choice, ...]:
    choices = tuple(Choice(code, label) for code, label in areas)
    if outside:
        choices += (Choice(OUTSIDE, _l("Outside Zhanjiang")),)
    return choices


def county_options(answers: Mapping[str, Any]) -> list[str]:
    """The areas this person may register in: their hukou area and their residence area (§1.2)."""
    options = []
    for key in ("residence_area", "hukou_area"):
        value = answers.get(key)
        if value and value != OUTSIDE and value not in options:
            options.append(value)
    return options


def tailor(step: Step, answers: Mapping[str, Any]) -> Step:
    """The step as this applicant sees it: the place step offers only their own two areas."""
    if step.key != "place":
        return step
    allowed = county_options(answers)
    county = step.fields[0]
    return replace(step, fields=(replace(county, choices=tuple(c for c in county.choices if c.value in allowed)),))


def is_female(answers: Mapping[str, Any]) -> bool:
    return answers.get("sex") == "F"


def has_missing_papers(answers: Mapping[str, Any]) -> bool:
    missing = answers.get("missing_papers") or []
    return bool(missing) and NONE_MISSING not in missing


# ---- steps ----------------------------------------------------------------------------------


def build_steps(areas: Sequence[tuple[str, object]]) -> tuple[Step, ...]:
    """The steps in order; `areas` are (code, localised name) of the ten service areas."""
    return (
        Step(
            "identity",
            _l("About you"),
            (
                Field("name", "text", _l("Full name"), _l("As on your ID card"), max_length=30, autocomplete="name"),
                Field(
                    "id_number",
                    "text",
                    _l("ID number"),
                    _l("18 characters. Your sex and date of birth are read from it."),
                    max_length=24,
                    width="w-id",
                ),
                Field(
                    "ethnicity",
                    "text",
                    _l("Ethnic group"),
                    _l("For example 汉族 (Han)"),
                    max_length=20,
                    width="w-short",
                ),
            ),
        ),
        Step(
            "pension",
            _l("Your pension age"),
            (
                Field(
                    "pension_category",
                    "radio",
                    _l("Which original pension age applies to you?"),
                    choices=PENSION_CATEGORIES,
                ),
            ),
            intro=_l(
                "The statutory pension age of women depends on the kind of post. We use it to check that "
                "you are of working age. Your agency confirms it later."
            ),
            applies=is_female,
        ),
        Step(
            "contact",
            _l("Contact and education"),
            (
                Field(
                    "phone",
                    "tel",
                    _l("Mobile number"),
                    _l("We send news about your application here"),
                    max_length=16,
                    autocomplete="tel",
                    input_mode="numeric",
                    width="w-id",
                ),
                Field("education", "radio", _l("Highest education"), choices=options(EDUCATION_LABELS)),
            ),
        ),
        Step(
            "hukou",
            _l("Your hukou"),
            (
                Field(
                    "hukou_area",
                    "radio",
                    _l("Where is your hukou registered?"),
                    choices=area_choices(areas, outside=True),
                ),
                Field(
                    "hukou_province",
                    "text",
                    _l("Province and city of your hukou"),
                    _l("Only if your hukou is outside Zhanjiang, for example 广西南宁市"),
                    required=False,
                    max_length=60,
                ),
                Field("hukou_address", "text", _l("Hukou address"), max_length=200),
            ),
            intro=_l("People with a hukou from anywhere in China can register. You do not need any extra paper."),
        ),
        Step(
            "residence",
            _l("Where you live"),
            (
                Field(
                    "residence_area",
                    "radio",
                    _l("Where do you usually live?"),
                    choices=area_choices(areas, outside=True),
                ),
                Field(
                    "residence_address",
                    "text",
                    _l("Address where you usually live"),
                    max_length=200,
                    autocomplete="street-address",
                ),
                Field(
                    "residence_type",
                    "radio",
                    _l("Is it in a town or in the countryside?"),
                    choices=options(RESIDENCE_TYPE_LABELS),
                ),
            ),
        ),
        Step(
            "place",
            _l("Where to register"),
            (
                Field(
                    "county",
                    "radio",
                    _l("Which agency do you want to register with?"),
                    choices=area_choices(areas, outside=False),
                ),
            ),
            intro=_l(
                "You can register where your hukou is or where you usually live. Choose the agency that is "
                "easier for you to reach: it will serve you from now on."
            ),
        ),
        Step(
            "employment",
            _l("Your last work"),
            (
                Field(
                    "unemployment_category",
                    "radio",
                    _l("Why are you not in work?"),
                    choices=options(UNEMPLOYMENT_LABELS),
                ),
                Field(
                    "last_employer",
                    "text",
                    _l("Last employer or business"),
                    _l("Leave empty if you have never worked"),
                    required=False,
                    max_length=100,
                ),
                Field(
                    "employment_ended_on",
                    "date",
                    _l("Date your last job or business ended"),
                    _l("For example 2026-10-31. Leave empty if you have never worked."),
                    required=False,
                    width="w-short",
                ),
            ),
            intro=_l("We check with the social insurance system that you are not in work."),
        ),
        Step(
            "skills",
            _l("Skills and plans"),
            (
                Field(
                    "skills",
                    "textarea",
                    _l("Skills and work experience"),
                    _l("Optional"),
                    required=False,
                    max_length=500,
                ),
                Field(
                    "certificates",
                    "text",
                    _l("Certificates"),
                    _l("Optional, for example 电工证"),
                    required=False,
                    max_length=200,
                ),
                Field(
                    "occupation_intention",
                    "text",
                    _l("What work are you looking for?"),
                    _l("Optional"),
                    required=False,
                    max_length=100,
                ),
                Field(
                    "training_intention",
                    "radio",
                    _l("Would you like free skills training?"),
                    choices=options(YES_NO_LABELS),
                ),
                Field(
                    "entrepreneurship_intention",
                    "radio",
                    _l("Would you like to start a business?"),
                    choices=options(YES_NO_LABELS),
                ),
                Field(
                    "had_unemployment_insurance",
                    "radio",
                    _l("Did you or your employer pay unemployment insurance?"),
                    choices=options(INSURED_LABELS),
                ),
            ),
        ),
        Step(
            "needs",
            _l("Circumstances and services"),
            (
                Field(
                    "difficulties",
                    "checkboxes",
                    _l("Do any of these apply to you?"),
                    _l("Optional. They can make you eligible for extra help. Select all that apply."),
                    required=False,
                    choices=options(DIFFICULTY_LABELS),
                ),
                Field(
                    "services_wanted",
                    "checkboxes",
                    _l("Which services would you like?"),
                    _l("Select all that apply"),
                    required=False,
                    choices=options(SERVICE_LABELS),
                ),
            ),
        ),
        Step(
            "papers",
            _l("Your papers"),
            (
                Field(
                    "missing_papers",
                    "checkboxes",
                    _l("Are any papers missing?"),
                    _l(
                        "Select the papers you cannot show now. You can still apply: you sign a commitment and bring "
                        "or send them later."
                    ),
                    choices=PAPER_CHOICES,
                ),
            ),
        ),
        Step(
            "commitment",
            _l("Credit commitment"),
            (
                Field("signed_name", "text", _l("Type your full name to sign"), max_length=30, autocomplete="name"),
                Field("agree", "checkboxes", _l("Commitment"), choices=(Choice("yes", _l("I make this commitment")),)),
            ),
            applies=has_missing_papers,
        ),
    )


# ---- check your answers ----------------------------------------------------------------------

_NOT_SHOWN = {"agree"}


def display(f: Field, answers: Mapping[str, Any]) -> list[str]:
    """An answer as the applicant should read it back: choice labels rather than codes."""
    value = answers.get(f.name)
    if f.choices:
        chosen = value if isinstance(value, list) else [value]
        return [str(c.label) for c in f.choices if c.value in chosen]
    return [str(value)] if value else []


def summarise(steps: Sequence[Step], answers: Mapping[str, Any]) -> list[tuple[Step, list[tuple[Field, list[str]]]]]:
    sections = []
    for step in steps:
        rows = [(f, display(f, answers)) for f in step.fields if f.name not in _NOT_SHOWN]
        if answers.get("hukou_area") != OUTSIDE:
            rows = [(f, shown) for f, shown in rows if f.name != "hukou_province"]
        sections.append((step, rows))
    return sections


# ---- checks ---------------------------------------------------------------------------------

_NAME = re.compile(r"^[\u3400-\u9fffA-Za-z·• .\-]+$")


def _clean_name(raw: str) -> str:
    return re.sub(r"\s+", " ", raw).strip()


def validate_step(
    step: Step, form: Mapping[str, Any], answers: Mapping[str, Any], *, today: date
) -> tuple[Draft, Errors]:
    """Check one step's form; return the cleaned values to store and the errors by field."""
    values: Draft = {}
    errors: Errors = {}
    for f in step.fields:
        raw = form.get(f.name)
        if f.kind == "checkboxes":
            items = [raw] if isinstance(raw, str) else list(raw or [])
            items = [i for i in items if i]
            allowed = {c.value for c in f.choices}
            if any(i not in allowed for i in items):
                errors[f.name] = CHOICE_INVALID
            elif f.required and not items:
                errors[f.name] = REQUIRED[f.name]
            values[f.name] = [c.value for c in f.choices if c.value in items]
            continue
        text = raw.strip() if isinstance(raw, str) else ""
        values[f.name] = text
        if not text:
            if f.required:
                errors[f.name] = REQUIRED[f.name]
            continue
        if (too_long := fields.too_long(text, f.max_length)) is not None:
            errors[f.name] = too_long
        elif f.kind == "radio" and text not in {c.value for c in f.choices}:
            errors[f.name] = CHOICE_INVALID

    check = _STEP_CHECKS.get(step.key)
    if check is not None:
        check(values, errors, answers, today)
    # The error summary lists problems in the order the fields appear on the page.
    order = [f.name for f in step.fields]
    return values, dict(sorted(errors.items(), key=lambda item: order.index(item[0])))


def _check_identity(values: Draft, errors: Errors, answers: Mapping[str, Any], today: date) -> None:
    if values.get("name") and "name" not in errors:
        values["name"] = _clean_name(values["name"])
        if not _NAME.match(values["name"]):
            errors["name"] = NAME_INVALID
    if values.get("id_number") and "id_number" not in errors:
        try:
            info = parse_id(values["id_number"], today=today)
        except InvalidId as exc:
            errors["id_number"] = ID_MESSAGES[exc.error]
        else:
            values.update(id_number=info.id, sex=info.sex, birth_date=info.birth_date.isoformat())
    if "id_number" in errors:
        # Nothing is known about a number that is not valid: the page must not go on showing the
        # sex and birth date of the number saved before.
        values.update(sex="", birth_date="")


def _check_contact(values: Draft, errors: Errors, answers: Mapping[str, Any], today: date) -> None:
    from portal.services.accounts import normalise_phone

    if values.get("phone") and "phone" not in errors:
        phone = normalise_phone(values["phone"])
        if phone is None:
            errors["phone"] = PHONE_INVALID
        else:
            values["phone"] = phone


def _check_hukou(values: Draft, errors: Errors, answers: Mapping[str, Any], today: date) -> None:
    if values.get("hukou_area") == OUTSIDE and not values.get("hukou_province") and "hukou_province" not in errors:
        errors["hukou_province"] = REQUIRED["hukou_province"]
    if values.get("hukou_area") not in (None, "", OUTSIDE):
        values["hukou_province"] = ""


def _check_place(values: Draft, errors: Errors, answers: Mapping[str, Any], today: date) -> None:
    if values.get("county") and "county" not in errors and values["county"] not in county_options(answers):
        errors["county"] = CHOICE_INVALID


def _check_employment(values: Draft, errors: Errors, answers: Mapping[str, Any], today: date) -> None:
    lost_a_job = values.get("unemployment_category") in JOB_LOSS_CATEGORIES
    if lost_a_job and not values.get("last_employer") and "last_employer" not in errors:
        errors["last_employer"] = REQUIRED["last_employer"]
    raw = values.get("employment_ended_on")
    if raw:
        ended = fields.parse_date(raw)
        birth = fields.parse_date(answers.get("birth_date"))
        if ended is None:
            errors["employment_ended_on"] = DATE_INVALID
        elif ended > today:
            errors["employment_ended_on"] = DATE_IN_FUTURE
        elif birth is not None and ended <= birth:
            errors["employment_ended_on"] = DATE_BEFORE_BIRTH
    elif lost_a_job and "employment_ended_on" not in errors:
        errors["employment_ended_on"] = REQUIRED["employment_ended_on"]


def _check_papers(values: Draft, errors: Errors, answers: Mapping[str, Any], today: date) -> None:
    missing = values.get("missing_papers") or []
    if NONE_MISSING in missing and len(missing) > 1:
        errors["missing_papers"] = NONE_WITH_OTHERS


def _check_commitment(values: Draft, errors: Errors, answers: Mapping[str, Any], today: date) -> None:
    signed = _clean_name(values.get("signed_name") or "")
    name = answers.get("name") or ""
    if signed and "signed_name" not in errors and signed.replace(" ", "") != name.replace(" ", ""):
        errors["signed_name"] = _l("Type your name exactly as you gave it: %(name)s", name=name)
    values["signed_name"] = signed


_STEP_CHECKS: dict[str, Callable[[Draft, Errors, Mapping[str, Any], date], None]] = {
    "identity": _check_identity,
    "contact": _check_contact,
    "hukou": _check_hukou,
    "place": _check_place,
    "employment": _check_employment,
    "papers": _check_papers,
    "commitment": _check_commitment,
}
