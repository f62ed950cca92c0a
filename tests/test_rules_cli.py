"""`portal rules ...` prints one JSON object and exits 0, or 1 for an invalid ID number."""

from __future__ import annotations

import json

import pytest

from portal.cli import main


def run(capsys, *argv: str) -> tuple[int, dict]:
    code = main(["rules", *argv])
    return code, json.loads(capsys.readouterr().out)


def test_id_check_valid(capsys) -> None:
    assert run(capsys, "id-check", "11010519491231002x") == (
        0,
        {"valid": True, "id": "11010519491231002X", "birth_date": "1949-12-31", "sex": "F", "region_code": "110105"},
    )


@pytest.mark.parametrize(
    ("number", "error"),
    [("4408021990010100", "length"), ("44080219900101001A", "characters"),
     ("440802199002300016", "birth_date"), ("440802199001010017", "check_digit")],
)  # fmt: skip
def test_id_check_invalid(capsys, number, error) -> None:
    code, out = run(capsys, "id-check", number)
    assert code == 1
    assert out["valid"] is False
    assert out["error"] == error
    assert out["message"]


@pytest.mark.parametrize(
    ("birth", "category", "months", "age", "month"),
    [("1965-01", "M60", 721, "60y1m", "2025-02"), ("1984-11", "F50", 660, "55y0m", "2039-11"),
     ("1981-12", "F55", 696, "58y0m", "2039-12")],
)  # fmt: skip
def test_pension_age(capsys, birth, category, months, age, month) -> None:
    assert run(capsys, "pension-age", "--birth", birth, "--category", category) == (
        0,
        {"age_months": months, "age": age, "pension_month": month},
    )


def test_workdays_after(capsys) -> None:
    assert run(capsys, "workdays-after", "--from", "2026-11-23", "--days", "7") == (
        0,
        {"deadline": "2026-12-02", "provisional": False},
    )
    assert run(capsys, "workdays-after", "--from", "2026-12-28", "--days", "7")[1]["provisional"] is True


def test_mask_prints_only_the_keys_given(capsys) -> None:
    assert run(capsys, "mask", "--name", "欧阳娜娜", "--phone", "13812345678") == (
        0,
        {"name": "欧阳**", "phone": "138****5678"},
    )


def test_eligibility_defaults_women_to_55_and_ignores_category_for_men(capsys) -> None:
    # A woman born 1975-01-10: F50 pension date 2025-02-10, F55 much later.
    woman = "440802197501100027"
    code, default = run(capsys, "eligibility", "--id", woman, "--on", "2026-11-26")
    assert (code, default["eligible"], default["reasons"]) == (0, True, [])
    _, worker = run(capsys, "eligibility", "--id", woman, "--on", "2026-11-26", "--category", "F50")
    assert worker == {
        "eligible": False,
        "reasons": ["pension_age_reached"],
        "from": "1991-01-10",
        "until": "2025-02-10",
    }
    _, man = run(capsys, "eligibility", "--id", "440802199001010016", "--on", "2026-11-26", "--category", "F50")
    assert man["until"] == "2053-01-01"


def test_policies_lists_all_thirteen_with_reasons_and_what_is_missing(capsys, tmp_path) -> None:
    profile = tmp_path / "profile.json"
    profile.write_text(json.dumps({
        "age": 52, "sex": "M", "registration_state": "registered", "registered_on": "2025-11-01",
        "intentions": ["training"], "months_insured": 70, "involuntary_job_loss": True,
    }))  # fmt: skip
    code, out = run(capsys, "policies", "--profile", str(profile), "--on", "2026-11-30")
    assert code == 0
    by_code = {p["code"]: p for p in out["policies"]}
    assert list(by_code) == [f"P{n:02d}" for n in range(1, 14)]
    assert {c for c, p in by_code.items() if p["eligible"]} == {"P06", "P08", "P11", "P13"}
    assert by_code["P11"]["reasons"][1].startswith("You meet a category of employment difficulty: older unemployed")
    assert by_code["P04"]["missing"] == ["This is for people who want to start a business: tell your agency if you do."]


def test_policies_refuses_an_unknown_key_with_exit_2(capsys, tmp_path) -> None:
    profile = tmp_path / "profile.json"
    profile.write_text('{"shoe_size": 42}')
    code, out = run(capsys, "policies", "--profile", str(profile), "--on", "2026-11-30")
    assert code == 2
    assert out["error"].startswith("unknown key 'shoe_size'")


def test_policies_help_documents_every_profile_key(capsys) -> None:
    from portal.rules.policies import PROFILE_KEYS

    with pytest.raises(SystemExit):
        main(["rules", "policies", "--help"])
    shown = capsys.readouterr().out
    assert all(f"  {key}: " in shown for key in PROFILE_KEYS)


@pytest.mark.parametrize(
    ("months", "eligible", "benefit_months", "amount"),
    [("11", False, 0, "0.00"), ("12", True, 12, "1665.00"), ("60", True, 18, "1665.00"), ("120", True, 24, "1665.00")],
)
def test_ui_benefit_by_months_insured(capsys, months, eligible, benefit_months, amount) -> None:
    assert run(capsys, "ui-benefit", "--insured-months", months, "--on", "2026-11-30") == (
        0, {"eligible": eligible, "months": benefit_months, "monthly_amount": amount},
    )  # fmt: skip


def test_ui_benefit_before_any_known_minimum_wage_says_so(capsys) -> None:
    code, out = run(capsys, "ui-benefit", "--insured-months", "24", "--on", "2025-02-28")
    assert code == 2
    assert out == {"error": "no minimum wage is known on 2025-02-28"}


def test_the_readme_documents_every_profile_key() -> None:
    from pathlib import Path

    from portal.rules.policies import PROFILE_KEYS

    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    assert [key for key in PROFILE_KEYS if f"| `{key}` | {PROFILE_KEYS[key]} |" not in readme] == []


def test_difficulty_proposes_categories_1_and_7_with_reasons(capsys) -> None:
    from portal.rules.idnumber import check_digit

    woman_of_40 = "44080219861130002" + check_digit("44080219861130002")
    code, out = run(capsys, "difficulty", "--id", woman_of_40, "--on", "2026-11-30", "--registered-on", "2025-11-30")
    assert code == 0
    assert out["proposed"] == [1, 7]
    assert len(out["reasons"]) == 2
    assert run(capsys, "difficulty", "--id", woman_of_40, "--on", "2026-11-29")[1]["proposed"] == []
    assert run(capsys, "difficulty", "--id", "440802198611300021", "--on", "2026-11-30")[0] == 2  # a bad check digit


def test_tracking_due_gives_the_first_contact_day_and_the_monthly_contact(capsys) -> None:
    assert run(capsys, "tracking-due", "--registered-on", "2026-11-23", "--on", "2026-12-01") == (
        0,
        {"first_contact_due": "2026-11-30", "first_contact_overdue": True, "monthly_due": True, "provisional": False},
    )
    code, out = run(capsys, "tracking-due", "--registered-on", "2026-11-23", "--on", "2026-12-01",
                    "--last-contact", "2026-12-01")  # fmt: skip
    assert (code, out["first_contact_overdue"], out["monthly_due"]) == (0, False, False)
