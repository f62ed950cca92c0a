"""The support policies' rules (Attachment 4): who qualifies, as conditions over a person's profile, each
evaluated with its own words, so that the reason a policy fits, or what is still missing, is the trace of
the same evaluation that decides it.

Conditions are data (a policy version's `conditions`): a list that must all hold, each a dict naming a check
and its parameters, or {"any": [...]} for one of several. Two exclusions are the engine's own and apply to
every policy: nobody on the credit-sharing list gets new support while listed (§5.3), and a check
`not_taken` lets a policy refuse people who took another one (a founder who took P01 or P02 gets no
employment subsidy but P09)."""

from __future__ import annotations

import calendar
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from portal.i18n import _, format_date, join_words, ngettext

# The benefit's own rule moved to portal.rules.ui_benefit; importable from here as before.
from portal.rules.ui_benefit import UiBenefit as UiBenefit
from portal.rules.ui_benefit import ui_benefit as ui_benefit

# Difficulty categories (reference/guangdong-difficulty.md); `older` and `long_unemployed` are also worked
# out from the profile itself.
DIFFICULTY_CATEGORIES = (
    "older", "disabled", "dibao", "zero_employment", "rural_poor", "landless", "long_unemployed", "rehab_drugs",
    "released", "mental_recovery", "veteran", "other",
)  # fmt: skip
REGISTRATION_STATES = ("none", "submitted", "deferred", "registered", "employed", "exited")
INTENTIONS = ("job", "training", "business")
OLDER_WOMEN, OLDER_MEN = 40, 50  # 女40周岁以上, 男50周岁以上: "以上" includes the birthday itself
VETERAN_MONTHS = 6


def category_words(code: str) -> str:
    return str(
        {
            "older": _("older unemployed person (women 40, men 50 and over)"),
            "disabled": _("holds a disability certificate"),
            "dibao": _("household on the minimum living guarantee"),
            "zero_employment": _("urban household with nobody in work"),
            "rural_poor": _("rural household formerly registered as poor"),
            "landless": _("lost farm land to expropriation"),
            "long_unemployed": _("unemployed for a year or more since registering"),
            "rehab_drugs": _("in rehabilitation from drug use"),
            "released": _("released from prison"),
            "mental_recovery": _("recovering from a mental disorder"),
            "veteran": _("veteran registered unemployed for 6 months or more"),
            "other": _("another category set by the province"),
        }.get(code, code)
    )


# ---- the person --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Profile:
    """What the policy rules read about a person. Built from a registration and its records by the policies
    service, or from a JSON file by `portal rules policies` (see PROFILE_KEYS)."""

    birth_date: date | None = None
    sex: str | None = None  # "M" or "F"
    registration_state: str = "none"
    registered_on: date | None = None  # the day the registration was decided
    intentions: frozenset[str] = frozenset()
    months_insured: int = 0  # unemployment-insurance contributions, in months
    receiving_ui_benefit: bool = False
    involuntary_job_loss: bool = False
    difficulty_certified: bool = False
    difficulty_categories: frozenset[str] = frozenset()  # reported or on record; older/long_unemployed derived
    business_founded_on: date | None = None
    employees_insured_months: int = 0
    rented_premises: bool = False
    hires: int = 0
    flexible_employment: bool = False
    skill_certificate: bool = False
    graduating_student: bool = False
    low_income_family: bool = False
    policies_taken: frozenset[str] = frozenset()
    credit_listed: bool = False
    # The listing's last day; None while listed means until a decision ends it.
    credit_listed_until: date | None = None

    @property
    def registered(self) -> bool:
        return self.registration_state == "registered"


def age_on(birth_date: date, on: date) -> int:
    """Whole years of age on a day: the birthday itself counts (a 29 February birthday on 28 February)."""
    years = on.year - birth_date.year
    return years if (on.month, on.day) >= _anniversary_in(on.year, birth_date)[1:] else years - 1


def _anniversary_in(year: int, day: date) -> tuple[int, int, int]:
    last = calendar.monthrange(year, day.month)[1]
    return year, day.month, min(day.day, last)


def months_between(start: date, end: date) -> int:
    """Whole months from `start` to `end` (民法典 第二百零二条: a month ends on the same day number, or on the
    month's last day when it has no such day)."""
    months = (end.year - start.year) * 12 + end.month - start.month
    last = calendar.monthrange(end.year, end.month)[1]
    if end.day < min(start.day, last):
        months -= 1
    return max(months, 0)


def months_before(day: date, months: int) -> date:
    """The latest start from which `months` whole months have passed by `day` (months_between's inverse: a
    month ending on a month's last day began on any later day of the shorter month before)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    at_month_end = day.day == calendar.monthrange(day.year, day.month)[1]
    return date(year, month + 1, last if at_month_end else min(day.day, last))


def categories_on(profile: Profile, on: date) -> list[str]:
    """The difficulty categories the person meets on a day, in the reference's order."""
    met = set(profile.difficulty_categories) - {"older", "long_unemployed", "veteran"}
    if profile.birth_date is not None and profile.sex in ("M", "F"):
        threshold = OLDER_WOMEN if profile.sex == "F" else OLDER_MEN
        if age_on(profile.birth_date, on) >= threshold:
            met.add("older")
    registered_months = months_between(profile.registered_on, on) if profile.registered and profile.registered_on else 0
    if registered_months >= 12:
        met.add("long_unemployed")
    if "veteran" in profile.difficulty_categories and registered_months >= VETERAN_MONTHS:
        met.add("veteran")
    return [c for c in DIFFICULTY_CATEGORIES if c in met]


# ---- checks: each condition's test, and its words either way -----------------------------------------------


@dataclass(frozen=True)
class Check:
    """One condition evaluated: whether it holds, why (when it does), what is missing (when it does not), and
    where to go about it (`action`: a policy code to apply for, like P11 for the certification)."""

    name: str
    met: bool
    reason: str
    missing: str
    action: str | None = None

    @property
    def words(self) -> str:
        return self.reason if self.met else self.missing


CheckFunction = Callable[[Profile, date, Mapping[str, Any]], Check]
CHECKS: dict[str, CheckFunction] = {}


def _check(name: str) -> Callable[[CheckFunction], CheckFunction]:
    def register(function: CheckFunction) -> CheckFunction:
        CHECKS[name] = function
        return function

    return register


def _date_words(day: date) -> str:
    from portal.i18n import format_date

    return format_date(day)


@_check("registered")
def _registered(profile: Profile, on: date, params: Mapping[str, Any]) -> Check:
    """Registered as unemployed; with `or_employed`, also someone whose registration ended in work (a founder
    whose own business ended it)."""
    if params.get("or_employed") and profile.registration_state == "employed":
        return Check("registered", True, _("You were registered as unemployed before you found work."), "")
    if profile.registered and profile.registered_on:
        reason = _("You are registered as unemployed since %(date)s.", date=_date_words(profile.registered_on))
    else:
        reason = _("You are registered as unemployed.")
    if profile.registration_state in ("submitted", "deferred"):
        missing = _("Your application is waiting for the agency's decision.")
    else:
        missing = _("You need to be registered as unemployed.")
    return Check("registered", profile.registered, reason, missing)


@_check("difficulty_certified")
def _certified(profile: Profile, on: date, params: Mapping[str, Any]) -> Check:
    return Check(
        "difficulty_certified", profile.difficulty_certified,
        _("You are certified as a person with employment difficulty."),
        _("You need to be certified as a person with employment difficulty: apply for it."), action="P11",
    )  # fmt: skip


@_check("difficulty_category")
def _category(profile: Profile, on: date, params: Mapping[str, Any]) -> Check:
    met = categories_on(profile, on)
    if profile.difficulty_certified:
        return Check("difficulty_category", False, "", _("You are already certified."))
    return Check(
        "difficulty_category", bool(met),
        _("You meet a category of employment difficulty: %(categories)s.",
          categories=join_words(category_words(c) for c in met)),
        _("None of the categories of employment difficulty applies to you on your registration."),
    )  # fmt: skip


@_check("intention")
def _intention(profile: Profile, on: date, params: Mapping[str, Any]) -> Check:
    what = params["what"]
    met = what in profile.intentions
    words = {
        "job": (_("You are looking for a job."), _("This is for people looking for a job.")),
        "training": (
            _("You said you want skills training."),
            _("This is for people who want skills training: tell your agency if you do."),
        ),
        "business": (
            _("You said you want to start a business."),
            _("This is for people who want to start a business: tell your agency if you do."),
        ),
    }[what]
    return Check("intention", met, words[0], words[1])


@_check("insured_months")
def _insured(profile: Profile, on: date, params: Mapping[str, Any]) -> Check:
    needed = int(params["at_least"])
    return Check(
        "insured_months", profile.months_insured >= needed,
        _("You have %(have)s months of unemployment insurance (%(needed)s needed).", have=profile.months_insured,
          needed=needed),
        _("You need %(needed)s months of unemployment insurance; you have %(have)s.", needed=needed,
          have=profile.months_insured),
    )  # fmt: skip


@_check("receiving_ui_benefit")
def _receiving(profile: Profile, on: date, params: Mapping[str, Any]) -> Check:
    return Check(
        "receiving_ui_benefit",
        profile.receiving_ui_benefit,
        _("You receive unemployment insurance benefit."),
        _("This is for people who receive unemployment insurance benefit."),
    )


@_check("involuntary_job_loss")
def _involuntary(profile: Profile, on: date, params: Mapping[str, Any]) -> Check:
    return Check(
        "involuntary_job_loss",
        profile.involuntary_job_loss,
        _("Your last job ended without your choosing it."),
        _("Your last job must have ended without your choosing it (not by resigning)."),
    )


@_check("business_months")
def _business_months(profile: Profile, on: date, params: Mapping[str, Any]) -> Check:
    needed = int(params["at_least"])
    if profile.business_founded_on is None:
        return Check("business_months", False, "", _("This is for people who have founded a business."))
    months = months_between(profile.business_founded_on, on)
    return Check(
        "business_months", months >= needed,
        _("Your business was registered %(months)s months ago (%(needed)s needed).", months=months, needed=needed),
        _("Your business must have been registered for %(needed)s months; it has been %(months)s.", needed=needed,
          months=months),
    )  # fmt: skip


@_check("business_years_at_most")
def _business_young(profile: Profile, on: date, params: Mapping[str, Any]) -> Check:
    limit = int(params["years"])
    if profile.business_founded_on is None:
        return Check("business_years_at_most", False, "", _("This is for people who have founded a business."))
    months = months_between(profile.business_founded_on, on)
    return Check(
        "business_years_at_most",
        months < limit * 12,
        _("Your business is less than %(years)s years old.", years=limit),
        _("This is for businesses less than %(years)s years old.", years=limit),
    )


@_check("employees_insured_months")
def _employees(profile: Profile, on: date, params: Mapping[str, Any]) -> Check:
    needed = int(params["at_least"])
    have = profile.employees_insured_months
    if profile.business_founded_on is None:  # the business's own check says what is missing
        return Check("employees_insured_months", False, "", "")
    return Check(
        "employees_insured_months", have >= needed,
        _("Your business has insured its people for %(have)s months.", have=have),
        _("Your business must insure its people for %(needed)s months; it has for %(have)s.", needed=needed,
          have=have),
    )  # fmt: skip


@_check("hires")
def _hires(profile: Profile, on: date, params: Mapping[str, Any]) -> Check:
    needed = int(params.get("at_least", 1))
    if profile.business_founded_on is None:  # the business's own check says what is missing
        return Check("hires", False, "", "")
    return Check(
        "hires", profile.hires >= needed,
        ngettext("Your business has hired %(num)s person.", "Your business has hired %(num)s people.", profile.hires),
        ngettext(
            "Your business needs to hire and insure at least %(num)s person.",
            "Your business needs to hire and insure at least %(num)s people.", needed,
        ),
    )  # fmt: skip


_FLAGS: dict[str, tuple[str, Callable[[], tuple[str, str]]]] = {
    "rented_premises": (
        "rented_premises",
        lambda: (_("Your business rents its premises."), _("This is for businesses that rent premises.")),
    ),
    "flexible_employment": (
        "flexible_employment",
        lambda: (
            _("You work flexibly and pay your own social insurance."),
            _("This is for people in flexible work who pay their own social insurance."),
        ),
    ),
    "skill_certificate": (
        "skill_certificate",
        lambda: (
            _("You have obtained a vocational skill certificate."),
            _("You need a vocational skill certificate, obtained after training."),
        ),
    ),
    "graduating_student": (
        "graduating_student",
        lambda: (_("You are a student in your graduation year."), _("This is for students in their graduation year.")),
    ),
}


def _flag(name: str) -> CheckFunction:
    attribute, words = _FLAGS[name]

    def check(profile: Profile, on: date, params: Mapping[str, Any]) -> Check:
        reason, missing = words()
        return Check(name, bool(getattr(profile, attribute)), reason, missing)

    return check


for _name in _FLAGS:
    CHECKS[_name] = _flag(_name)


@_check("low_income_or_disabled")
def _low_income(profile: Profile, on: date, params: Mapping[str, Any]) -> Check:
    met = profile.low_income_family or "disabled" in profile.difficulty_categories
    return Check(
        "low_income_or_disabled",
        met,
        _("Your family has a low income, or you have a disability certificate."),
        _("This is for students from low-income families, and for disabled students."),
    )


@_check("not_taken")
def _not_taken(profile: Profile, on: date, params: Mapping[str, Any]) -> Check:
    codes = [str(c) for c in params["codes"]]
    taken = [c for c in codes if c in profile.policies_taken]
    # Nothing to say when it holds: not having taken something is no reason a policy fits.
    return Check(
        "not_taken", not taken, "",
        _("You took %(codes)s: a founder who did gets no other employment subsidy.", codes=join_words(taken)),
    )  # fmt: skip


def _credit(profile: Profile) -> Check:
    until = profile.credit_listed_until
    return Check(
        "not_credit_listed",
        not profile.credit_listed,
        "",
        _("You are on the credit-sharing list until %(day)s: no new support is granted while you are listed.",
          day=format_date(until))
        if until
        else _("You are on the credit-sharing list: no new support is granted while you are listed."),
    )  # fmt: skip


# ---- evaluating a policy -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    code: str
    eligible: bool
    checks: list[Check] = field(default_factory=list)

    @property
    def reasons(self) -> list[str]:
        return [c.reason for c in self.checks if c.met and c.reason]

    @property
    def missing(self) -> list[str]:
        return [c.missing for c in self.checks if not c.met and c.missing]

    @property
    def actions(self) -> list[str]:
        return [c.action for c in self.checks if not c.met and c.action]


def _evaluate_one(condition: Mapping[str, Any], profile: Profile, on: date) -> Check:
    if "any" in condition:
        options = [_evaluate_one(c, profile, on) for c in condition["any"]]
        held = [c for c in options if c.met]
        if held:
            return Check("any", True, held[0].reason, "")
        return Check(
            "any", False, "", _("One of these: %(options)s", options=join_words(c.missing for c in options)),
            next((c.action for c in options if c.action), None),
        )  # fmt: skip
    return CHECKS[condition["check"]](profile, on, condition)


def evaluate(code: str, conditions: Sequence[Mapping[str, Any]], profile: Profile, on: date) -> Outcome:
    """Whether the policy fits the person on the day, with a check for each condition (and the credit list)."""
    checks = [_evaluate_one(condition, profile, on) for condition in conditions]
    if profile.credit_listed:
        checks.insert(0, _credit(profile))
    return Outcome(code, all(c.met for c in checks), checks)


def problems_in(conditions: Any) -> list[str]:
    """What is wrong with a policy's conditions as data (an administrator's edit): empty when they can be
    evaluated."""
    if not isinstance(conditions, list):
        return ["conditions must be a list"]
    found: list[str] = []
    for condition in conditions:
        found += _problems_of(condition)
    return found


_PARAMS = {
    "intention": {"what"}, "insured_months": {"at_least"}, "business_months": {"at_least"},
    "business_years_at_most": {"years"}, "employees_insured_months": {"at_least"}, "not_taken": {"codes"},
}  # fmt: skip


def _problems_of(condition: Any) -> list[str]:
    if not isinstance(condition, dict):
        return [f"{condition!r} is not an object"]
    if "any" in condition:
        options = condition["any"]
        if not isinstance(options, list) or not options:
            return ["'any' needs a list of conditions"]
        return [p for option in options for p in _problems_of(option)]
    name = condition.get("check")
    if name not in CHECKS:
        return [f"unknown check {name!r}"]
    needed = _PARAMS.get(name, set())
    missing = needed - set(condition)
    found = [f"{name} needs {', '.join(sorted(missing))}"] if missing else []
    if name == "intention" and condition.get("what") not in INTENTIONS:
        found.append(f"intention is one of {', '.join(INTENTIONS)}")
    for key in ("at_least", "years"):
        if key in condition and (not isinstance(condition[key], int) or condition[key] < 0):
            found.append(f"{name}: {key} must be a whole number, 0 or more")
    if name == "not_taken" and not (
        isinstance(condition.get("codes"), list) and all(isinstance(c, str) for c in condition["codes"])
    ):
        found.append("not_taken: codes must be a list of policy codes")
    return found


# ---- a profile from JSON (`portal rules policies --profile FILE`) ---------------------------------------

PROFILE_KEYS: dict[str, str] = {
    "id_number": "an ID number: the birth date and sex are read from it",
    "birth_date": "YYYY-MM-DD (instead of id_number)",
    "age": "whole years on the --on day (instead of id_number or birth_date)",
    "sex": "M or F (not with id_number)",
    "registration_state": f"one of {', '.join(REGISTRATION_STATES)}",
    "registered_on": "YYYY-MM-DD, the day the registration was decided",
    "intentions": f"a list of {', '.join(INTENTIONS)}",
    "months_insured": "months of unemployment insurance paid, a whole number",
    "receiving_ui_benefit": "true or false",
    "involuntary_job_loss": "true or false: the last job ended without the person choosing it",
    "difficulty_certified": "true or false",
    "difficulty_categories": f"a list of {', '.join(DIFFICULTY_CATEGORIES)}",
    "business_founded_on": "YYYY-MM-DD",
    "employees_insured_months": "months the business has insured its people, a whole number",
    "rented_premises": "true or false",
    "hires": "people the business hired and insured, a whole number",
    "flexible_employment": "true or false",
    "skill_certificate": "true or false",
    "graduating_student": "true or false",
    "low_income_family": "true or false",
    "policies_taken": "a list of policy codes already granted (P01 …)",
    "credit_listed": "true or false: on the credit-sharing list",
    "credit_listed_until": "YYYY-MM-DD: the listing's last day (with credit_listed)",
}


class ProfileError(ValueError):
    """A profile file with an unknown key or a bad value."""


def profile_from(raw: Any, on: date) -> Profile:
    if not isinstance(raw, dict):
        raise ProfileError("the profile must be a JSON object")
    unknown = sorted(set(raw) - set(PROFILE_KEYS))
    if unknown:
        raise ProfileError(f"unknown key {unknown[0]!r}; the keys are: {', '.join(PROFILE_KEYS)}")
    values: dict[str, Any] = {}
    birth, sex = _birth_and_sex(raw, on)
    values["birth_date"], values["sex"] = birth, sex
    for key in ("registered_on", "business_founded_on", "credit_listed_until"):
        if key in raw:
            values[key] = _day(raw[key], key)
    if "registration_state" in raw:
        values["registration_state"] = _one_of(raw["registration_state"], REGISTRATION_STATES, "registration_state")
    for key, allowed in (("intentions", INTENTIONS), ("difficulty_categories", DIFFICULTY_CATEGORIES)):
        if key in raw:
            values[key] = frozenset(_one_of(v, allowed, key) for v in _list(raw[key], key))
    if "policies_taken" in raw:
        values["policies_taken"] = frozenset(str(v) for v in _list(raw["policies_taken"], "policies_taken"))
    for key in ("months_insured", "employees_insured_months", "hires"):
        if key in raw:
            values[key] = _count(raw[key], key)
    for key in (
        "receiving_ui_benefit", "involuntary_job_loss", "difficulty_certified", "rented_premises",
        "flexible_employment", "skill_certificate", "graduating_student", "low_income_family", "credit_listed",
    ):  # fmt: skip
        if key in raw:
            if not isinstance(raw[key], bool):
                raise ProfileError(f"{key} must be true or false")
            values[key] = raw[key]
    return Profile(**values)


def _birth_and_sex(raw: Mapping[str, Any], on: date) -> tuple[date | None, str | None]:
    from portal.rules.idnumber import InvalidId, parse_id
    from portal.rules.pension import clamp_day

    given = [k for k in ("id_number", "birth_date", "age") if k in raw]
    if len(given) > 1:
        raise ProfileError(f"give one of id_number, birth_date and age, not {' and '.join(given)}")
    sex = raw.get("sex")
    if sex is not None and sex not in ("M", "F"):
        raise ProfileError("sex must be M or F")
    if "id_number" in raw:
        if sex is not None:
            raise ProfileError("sex is read from id_number: leave it out")
        try:
            info = parse_id(str(raw["id_number"]), today=on)
        except InvalidId as exc:
            raise ProfileError(f"id_number is not valid ({exc.error.value})") from None
        return info.birth_date, info.sex
    if "birth_date" in raw:
        return _day(raw["birth_date"], "birth_date"), sex
    if "age" in raw:
        age = _count(raw["age"], "age")
        if age > 130:
            raise ProfileError("age must be 130 or less")
        # Born `age` years before the day: that age is reached on it.
        return clamp_day(on.year - age, on.month, on.day), sex
    return None, sex


def _day(value: Any, key: str) -> date:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ProfileError(f"{key} must be a date like 2026-11-20") from None


def _one_of(value: Any, allowed: Iterable[str], key: str) -> str:
    allowed = tuple(allowed)
    if value not in allowed:
        raise ProfileError(f"{key}: {value!r} is not one of {', '.join(allowed)}")
    return str(value)


def _list(value: Any, key: str) -> list[Any]:
    if not isinstance(value, list):
        raise ProfileError(f"{key} must be a list")
    return value


def _count(value: Any, key: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 10_000:
        raise ProfileError(f"{key} must be a whole number from 0 to 10000")
    return value
