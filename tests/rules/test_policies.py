"""The policy rules: every shipped policy's conditions at their boundaries, the engine's exclusions, the words
each check gives, the benefit of P08, and profiles read from JSON."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from portal.i18n import current_locale
from portal.rules.policies import (
    Profile,
    ProfileError,
    age_on,
    categories_on,
    evaluate,
    months_between,
    problems_in,
    profile_from,
    ui_benefit,
)

POLICIES = {p["code"]: p for p in json.loads(Path("portal/data/policies.json").read_text(encoding="utf-8"))["policies"]}
ON = date(2026, 11, 30)
REGISTERED = Profile(
    birth_date=date(1990, 1, 1), sex="M", registration_state="registered", registered_on=date(2026, 6, 1)
)


def fits(code: str, profile: Profile, on: date = ON) -> bool:
    return evaluate(code, POLICIES[code]["conditions"], profile, on).eligible


@pytest.fixture(autouse=True)
def english():
    token = current_locale.set("en")
    yield
    current_locale.reset(token)


def test_thirteen_policies_are_shipped_and_their_conditions_can_be_evaluated() -> None:
    assert list(POLICIES) == [f"P{n:02d}" for n in range(1, 14)]
    for policy in POLICIES.values():
        assert problems_in(policy["conditions"]) == [], policy["code"]
        assert policy["is_sample"] is True


# ---- counting ages, months and years as Chinese law does ---------------------------------------------------


@pytest.mark.parametrize(
    ("birth", "on", "age"),
    [
        (date(1976, 11, 30), date(2026, 11, 29), 49),
        (date(1976, 11, 30), date(2026, 11, 30), 50),  # "以上" includes the birthday itself
        (date(1984, 2, 29), date(2024, 2, 28), 39),
        (date(1984, 2, 29), date(2024, 2, 29), 40),
        (date(1984, 2, 29), date(2025, 2, 28), 41),  # no 29 February: the month's last day
    ],
)
def test_age_counts_whole_years_and_the_birthday_itself(birth: date, on: date, age: int) -> None:
    assert age_on(birth, on) == age


@pytest.mark.parametrize(
    ("start", "end", "months"),
    [
        (date(2026, 5, 30), date(2026, 11, 29), 5),
        (date(2026, 5, 30), date(2026, 11, 30), 6),
        (date(2026, 8, 31), date(2026, 9, 30), 1),  # no 31 September: the month's last day ends the month
        (date(2024, 2, 29), date(2025, 2, 28), 12),
        (date(2026, 11, 30), date(2026, 11, 1), 0),
    ],
)
def test_months_end_on_the_same_day_or_the_months_last_day(start: date, end: date, months: int) -> None:
    assert months_between(start, end) == months


# ---- each policy, at its boundaries -------------------------------------------------------------------------

FOUNDER = replace(REGISTERED, business_founded_on=date(2026, 5, 30), employees_insured_months=3)


def test_p01_needs_six_months_of_business_and_three_of_insured_employees() -> None:
    assert fits("P01", FOUNDER)
    assert not fits("P01", FOUNDER, date(2026, 11, 29))  # five months and 30 days
    assert not fits("P01", replace(FOUNDER, employees_insured_months=2))
    assert not fits("P01", replace(FOUNDER, registration_state="none"))
    # A founder whose business ended the registration, or a certified person, still qualifies.
    assert fits("P01", replace(FOUNDER, registration_state="employed"))
    assert fits("P01", replace(FOUNDER, registration_state="none", difficulty_certified=True))


def test_p02_is_for_businesses_under_three_years_that_rent() -> None:
    renting = replace(FOUNDER, rented_premises=True, business_founded_on=date(2023, 12, 1))
    assert fits("P02", renting)
    assert not fits("P02", replace(renting, business_founded_on=date(2023, 11, 30)))  # three years that day
    assert not fits("P02", replace(renting, rented_premises=False))


def test_p03_needs_a_young_business_that_hired() -> None:
    hiring = replace(FOUNDER, hires=1)
    assert fits("P03", hiring)
    assert not fits("P03", replace(hiring, hires=0))
    assert not fits("P03", replace(hiring, business_founded_on=None))


@pytest.mark.parametrize("code", ["P04", "P05"])
def test_p04_and_p05_are_for_registered_people_who_want_to_start_a_business(code: str) -> None:
    assert fits(code, replace(REGISTERED, intentions=frozenset({"business"})))
    assert not fits(code, replace(REGISTERED, intentions=frozenset({"training"})))
    assert not fits(code, replace(REGISTERED, intentions=frozenset({"business"}), registration_state="submitted"))


def test_p06_is_for_registered_people_who_want_training_but_not_founders_of_p01_or_p02() -> None:
    trainee = replace(REGISTERED, intentions=frozenset({"training"}))
    assert fits("P06", trainee)
    assert not fits("P06", replace(trainee, intentions=frozenset()))
    assert not fits("P06", replace(trainee, policies_taken=frozenset({"P02"})))
    assert fits("P06", replace(trainee, policies_taken=frozenset({"P03"})))


def test_p07_needs_a_year_insured_or_the_benefit_and_a_certificate() -> None:
    certified = replace(REGISTERED, skill_certificate=True)
    assert fits("P07", replace(certified, months_insured=12))
    assert not fits("P07", replace(certified, months_insured=11))
    assert fits("P07", replace(certified, months_insured=0, receiving_ui_benefit=True))
    assert not fits("P07", replace(REGISTERED, months_insured=30))


def test_p08_needs_a_year_insured_and_a_job_lost_without_choosing_it() -> None:
    laid_off = replace(REGISTERED, months_insured=12, involuntary_job_loss=True)
    assert fits("P08", laid_off)
    assert not fits("P08", replace(laid_off, months_insured=11))
    assert not fits("P08", replace(laid_off, involuntary_job_loss=False))
    assert not fits("P08", replace(laid_off, registration_state="deferred"))


def test_p09_is_for_certified_people_in_flexible_work_even_after_p01() -> None:
    flexible = replace(REGISTERED, difficulty_certified=True, flexible_employment=True)
    assert fits("P09", flexible)
    assert fits("P09", replace(flexible, policies_taken=frozenset({"P01"})))  # the one exception
    assert not fits("P09", replace(flexible, difficulty_certified=False))
    assert not fits("P09", replace(flexible, flexible_employment=False))


def test_p10_is_for_certified_registered_people_who_did_not_take_p01_or_p02() -> None:
    certified = replace(REGISTERED, difficulty_certified=True)
    assert fits("P10", certified)
    assert not fits("P10", replace(certified, policies_taken=frozenset({"P01"})))
    assert not fits("P10", replace(certified, difficulty_certified=False))


def test_p11_is_for_registered_people_in_a_difficulty_category_not_yet_certified() -> None:
    assert not fits("P11", REGISTERED)  # 36, registered five months, nothing reported
    assert fits("P11", replace(REGISTERED, difficulty_categories=frozenset({"dibao"})))
    assert not fits("P11", replace(REGISTERED, difficulty_categories=frozenset({"dibao"}), difficulty_certified=True))


@pytest.mark.parametrize(
    ("sex", "birth", "fits_p11"),
    [
        ("F", date(1986, 11, 30), True),
        ("F", date(1986, 12, 1), False),
        ("M", date(1976, 11, 30), True),
        ("M", date(1976, 12, 1), False),
    ],
)
def test_p11_older_is_women_from_40_and_men_from_50(sex: str, birth: date, fits_p11: bool) -> None:
    assert fits("P11", replace(REGISTERED, sex=sex, birth_date=birth)) is fits_p11


@pytest.mark.parametrize(
    ("registered_on", "on", "long_unemployed"),
    [
        (date(2025, 11, 30), date(2026, 11, 29), False),
        (date(2025, 11, 30), date(2026, 11, 30), True),  # the anniversary itself
        (date(2024, 2, 29), date(2025, 2, 27), False),
        (date(2024, 2, 29), date(2025, 2, 28), True),  # 29 February's anniversary in a common year
    ],
)
def test_a_year_registered_makes_a_person_long_unemployed(registered_on: date, on: date, long_unemployed: bool):
    profile = replace(REGISTERED, registered_on=registered_on)
    assert ("long_unemployed" in categories_on(profile, on)) is long_unemployed


def test_a_veteran_counts_after_six_months_registered() -> None:
    veteran = replace(REGISTERED, difficulty_categories=frozenset({"veteran"}), registered_on=date(2026, 5, 30))
    assert "veteran" in categories_on(veteran, date(2026, 11, 30))
    assert "veteran" not in categories_on(veteran, date(2026, 11, 29))


def test_p12_is_for_graduating_students_from_low_income_families_or_disabled() -> None:
    student = Profile(graduating_student=True, low_income_family=True)
    assert fits("P12", student)
    assert fits("P12", Profile(graduating_student=True, difficulty_categories=frozenset({"disabled"})))
    assert not fits("P12", Profile(graduating_student=True))
    assert not fits("P12", Profile(low_income_family=True))


def test_p13_is_for_everyone_registered() -> None:
    assert fits("P13", REGISTERED)
    assert not fits("P13", replace(REGISTERED, registration_state="exited"))


# ---- the exclusions and the words -------------------------------------------------------------------------


def test_nobody_on_the_credit_sharing_list_gets_new_support_and_is_told_why() -> None:
    listed = replace(REGISTERED, credit_listed=True)
    for code in POLICIES:
        outcome = evaluate(code, POLICIES[code]["conditions"], listed, ON)
        assert not outcome.eligible, code
        assert outcome.missing[0].startswith("You are on the credit-sharing list"), code


def test_the_reasons_and_what_is_missing_come_from_the_checks_that_decided() -> None:
    outcome = evaluate("P08", POLICIES["P08"]["conditions"], replace(REGISTERED, months_insured=7), ON)
    assert not outcome.eligible
    assert outcome.reasons == ["You are registered as unemployed since 1 June 2026."]
    assert outcome.missing == [
        "You need 12 months of unemployment insurance; you have 7.",
        "Your last job must have ended without your choosing it (not by resigning).",
    ]
    p11 = evaluate("P10", POLICIES["P10"]["conditions"], REGISTERED, ON)
    assert p11.actions == ["P11"]  # what is missing can be applied for: the certification


def test_the_words_follow_the_readers_language() -> None:
    token = current_locale.set("zh_CN")
    try:
        outcome = evaluate("P13", POLICIES["P13"]["conditions"], REGISTERED, ON)
    finally:
        current_locale.reset(token)
    assert outcome.reasons == ["您自2026年6月1日起已登记失业。"]


def test_bad_conditions_are_named_for_the_administrator() -> None:
    assert problems_in({"check": "registered"}) == ["conditions must be a list"]
    assert problems_in([{"check": "magic"}]) == ["unknown check 'magic'"]
    assert problems_in([{"check": "insured_months"}]) == ["insured_months needs at_least"]
    assert problems_in([{"check": "insured_months", "at_least": -1}]) == [
        "insured_months: at_least must be a whole number, 0 or more"
    ]
    assert problems_in([{"any": []}]) == ["'any' needs a list of conditions"]
    assert problems_in([{"check": "intention", "what": "travel"}]) == ["intention is one of job, training, business"]


# ---- unemployment insurance benefit (P08) ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("months_insured", "months"),
    [(0, 0), (11, 0), (12, 12), (59, 12), (60, 18), (119, 18), (120, 24), (400, 24)],
)
def test_benefit_months_follow_the_years_insured(months_insured: int, months: int) -> None:
    benefit = ui_benefit(months_insured, Decimal("1850.00"))
    assert benefit.months == months
    assert benefit.eligible is (months > 0)
    assert benefit.monthly_amount == (Decimal("1665.00") if months else Decimal("0.00"))


# ---- profiles from JSON ----------------------------------------------------------------------------------


def test_a_profile_reads_the_birth_date_and_sex_from_an_id_number() -> None:
    profile = profile_from({"id_number": "440802199001010024", "intentions": ["training"]}, ON)
    assert (profile.birth_date, profile.sex, profile.intentions) == (date(1990, 1, 1), "F", frozenset({"training"}))
    assert profile_from({"age": 50, "sex": "M"}, ON).birth_date == date(1976, 11, 30)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"favourite_colour": "red"}, "unknown key 'favourite_colour'"),
        ({"months_insured": -1}, "months_insured must be a whole number from 0 to 10000"),
        ({"months_insured": True}, "months_insured must be a whole number from 0 to 10000"),
        ({"registered_on": "yesterday"}, "registered_on must be a date like 2026-11-20"),
        ({"registration_state": "maybe"}, "registration_state: 'maybe' is not one of"),
        ({"intentions": "job"}, "intentions must be a list"),
        ({"id_number": "440802199001010025"}, "id_number is not valid"),
        ({"id_number": "440802199001010024", "sex": "M"}, "sex is read from id_number"),
        ({"age": 40, "birth_date": "1986-01-01"}, "give one of id_number, birth_date and age"),
        ({"credit_listed": "no"}, "credit_listed must be true or false"),
        ([], "the profile must be a JSON object"),
    ],
)
def test_a_profile_with_an_unknown_key_or_a_bad_value_is_refused(raw: object, message: str) -> None:
    with pytest.raises(ProfileError, match=message.replace("(", r"\(")):
        profile_from(raw, ON)
