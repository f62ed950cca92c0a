"""`portal rules ...`: the pure rules on the command line, one JSON object on stdout each."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from portal.i18n import LOCALES, current_locale
from portal.rules.difficulty import proposed
from portal.rules.eligibility import age_window
from portal.rules.idnumber import InvalidId, parse_id
from portal.rules.masking import mask_id, mask_name, mask_phone
from portal.rules.pension import PensionCategory, pension_age
from portal.rules.policies import PROFILE_KEYS, ProfileError, evaluate, profile_from, ui_benefit
from portal.rules.tracking import tracking_due
from portal.rules.ui_benefit import claim as ui_claim
from portal.rules.ui_benefit import wage_in_force
from portal.rules.workdays import workdays_after

POLICIES_FILE = Path(__file__).parent / "data" / "policies.json"


def _year_month(raw: str) -> tuple[int, int]:
    try:
        year, month = (int(part) for part in raw.split("-"))
    except ValueError as exc:
        raise argparse.ArgumentTypeError("expected YYYY-MM") from exc
    if not 1 <= month <= 12:
        raise argparse.ArgumentTypeError("month must be 01 to 12")
    return year, month


def _date(raw: str) -> date:
    try:
        return date.fromisoformat(raw)
    except ValueError as exc:
        raise argparse.ArgumentTypeError("expected YYYY-MM-DD") from exc


def add_parser(subparsers: Any) -> None:
    rules = subparsers.add_parser("rules", help="run one domain rule and print JSON")
    sub = rules.add_subparsers(dest="rule", required=True)

    p = sub.add_parser("id-check", help="check an ID number (GB 11643)")
    p.add_argument("id")
    p.set_defaults(rule_func=id_check)

    p = sub.add_parser("pension-age", help="statutory pension age after the 2025 reform")
    p.add_argument("--birth", type=_year_month, required=True, metavar="YYYY-MM")
    p.add_argument("--category", choices=[c.value for c in PensionCategory], required=True)
    p.set_defaults(rule_func=pension)

    p = sub.add_parser("workdays-after", help="the Nth working day after a date")
    p.add_argument("--from", dest="start", type=_date, required=True, metavar="YYYY-MM-DD")
    p.add_argument("--days", type=int, required=True)
    p.set_defaults(rule_func=workdays)

    p = sub.add_parser("mask", help="mask a name, an ID number and a phone number for publication")
    p.add_argument("--name")
    p.add_argument("--id")
    p.add_argument("--phone")
    p.set_defaults(rule_func=mask)

    p = sub.add_parser("eligibility", help="the working-age window on a day")
    p.add_argument("--id", required=True)
    p.add_argument("--on", type=_date, required=True, metavar="YYYY-MM-DD")
    p.add_argument("--category", choices=["F50", "F55"])
    p.set_defaults(rule_func=eligibility)

    p = sub.add_parser(
        "policies",
        help="which of the 13 support policies fit a person, and why (the shipped policy data)",
        description="The profile is a JSON object; every key is optional. Keys:\n"
        + "\n".join(f"  {key}: {meaning}" for key, meaning in PROFILE_KEYS.items()),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--profile", required=True, metavar="FILE.json")
    p.add_argument("--on", type=_date, required=True, metavar="YYYY-MM-DD")
    p.add_argument("--language", choices=list(LOCALES), default="en", help="of the reasons (default en)")
    p.set_defaults(rule_func=policies)

    p = sub.add_parser(
        "ui-benefit",
        help="unemployment insurance benefit (P08): months and monthly amount; with --start, the claim's dates",
    )
    p.add_argument("--insured-months", type=int, required=True)
    day = p.add_mutually_exclusive_group(required=True)
    day.add_argument("--on", type=_date, metavar="YYYY-MM-DD", help="the minimum wage in force on this day")
    day.add_argument("--start", type=_date, metavar="YYYY-MM-DD", help="the day the registration is made")
    p.set_defaults(rule_func=ui_benefit_rule)

    p = sub.add_parser("difficulty", help="the difficulty categories the portal proposes from its own data (1, 7)")
    p.add_argument("--id", required=True)
    p.add_argument("--on", type=_date, required=True, metavar="YYYY-MM-DD")
    p.add_argument("--registered-on", type=_date, metavar="YYYY-MM-DD", help="the latest registration's day")
    p.set_defaults(rule_func=difficulty)

    p = sub.add_parser("tracking-due", help="the first contact's due day and whether a monthly contact is due")
    p.add_argument("--registered-on", type=_date, required=True, metavar="YYYY-MM-DD")
    p.add_argument("--on", type=_date, required=True, metavar="YYYY-MM-DD")
    p.add_argument("--last-contact", type=_date, metavar="YYYY-MM-DD")
    p.set_defaults(rule_func=tracking)


def id_check(args: argparse.Namespace) -> tuple[int, dict[str, Any]]:
    try:
        info = parse_id(args.id)
    except InvalidId as exc:
        return 1, {"valid": False, "error": exc.error.value, "message": str(exc)}
    return 0, {
        "valid": True,
        "id": info.id,
        "birth_date": info.birth_date.isoformat(),
        "sex": info.sex,
        "region_code": info.region_code,
    }


def pension(args: argparse.Namespace) -> tuple[int, dict[str, Any]]:
    year, month = args.birth
    result = pension_age(year, month, PensionCategory(args.category))
    return 0, {"age_months": result.age_months, "age": result.age_label, "pension_month": result.pension_month_label}


def workdays(args: argparse.Namespace) -> tuple[int, dict[str, Any]]:
    if args.days < 1:
        return 2, {"error": "days must be at least 1"}
    result = workdays_after(args.start, args.days)
    return 0, {"deadline": result.deadline.isoformat(), "provisional": result.provisional}


def mask(args: argparse.Namespace) -> tuple[int, dict[str, Any]]:
    out: dict[str, Any] = {}
    if args.name is not None:
        out["name"] = mask_name(args.name)
    if args.id is not None:
        out["id"] = mask_id(args.id)
    if args.phone is not None:
        out["phone"] = mask_phone(args.phone)
    return 0, out


def eligibility(args: argparse.Namespace) -> tuple[int, dict[str, Any]]:
    try:
        info = parse_id(args.id)
    except InvalidId as exc:
        return 1, {"eligible": False, "error": exc.error.value, "message": str(exc)}
    category = PensionCategory(args.category) if args.category and info.sex == "F" else None
    window = age_window(info.birth_date, info.sex, args.on, category)
    return 0, {
        "eligible": window.eligible,
        "reasons": window.reasons,
        "from": window.start.isoformat(),
        "until": window.until.isoformat(),
    }


def policies(args: argparse.Namespace) -> tuple[int, dict[str, Any]]:
    try:
        raw = json.loads(Path(args.profile).read_text(encoding="utf-8"))
        profile = profile_from(raw, args.on)
    except (OSError, UnicodeDecodeError) as exc:
        return 2, {"error": f"cannot read the profile: {exc.__class__.__name__}"}
    except json.JSONDecodeError as exc:
        return 2, {"error": f"the profile is not JSON: {exc.msg} at line {exc.lineno}"}
    except ProfileError as exc:
        return 2, {"error": str(exc)}
    token = current_locale.set(args.language)
    try:
        outcomes = [
            evaluate(policy["code"], policy["conditions"], profile, args.on)
            for policy in json.loads(POLICIES_FILE.read_text(encoding="utf-8"))["policies"]
        ]
        listed = [
            {"code": o.code, "eligible": o.eligible, "reasons": o.reasons, "missing": o.missing} for o in outcomes
        ]
    finally:
        current_locale.reset(token)
    return 0, {"policies": listed}


def ui_benefit_rule(args: argparse.Namespace) -> tuple[int, dict[str, Any]]:
    if not 0 <= args.insured_months <= 10_000:
        return 2, {"error": "insured months must be from 0 to 10000"}
    day = args.start or args.on
    wage = minimum_wage_on(day)
    if wage is None:
        return 2, {"error": f"no minimum wage is known on {day.isoformat()}"}
    if args.start is None:
        benefit = ui_benefit(args.insured_months, wage)
        return 0, {"eligible": benefit.eligible, "months": benefit.months,
                   "monthly_amount": str(benefit.monthly_amount)}  # fmt: skip
    # Someone registering on --start who lost their job without choosing it and is not in work.
    worked_out = ui_claim(insured_months=args.insured_months, involuntary=True, in_work=False, start=args.start,
                          minimum_wage=wage)  # fmt: skip
    return 0, {
        "eligible": worked_out.eligible, "months": worked_out.months, "monthly_amount": str(worked_out.monthly_amount),
        "start": worked_out.start.isoformat(), "end": worked_out.end.isoformat() if worked_out.end else None,
    }  # fmt: skip


def difficulty(args: argparse.Namespace) -> tuple[int, dict[str, Any]]:
    try:
        info = parse_id(args.id)
    except InvalidId as exc:
        return 2, {"error": exc.error.value, "message": str(exc)}
    if args.registered_on is not None and args.registered_on > args.on:
        return 2, {"error": "--registered-on is after --on"}
    proposal = proposed(info.birth_date, info.sex, args.on, args.registered_on)
    return 0, {"proposed": proposal.categories, "reasons": proposal.reasons}


def tracking(args: argparse.Namespace) -> tuple[int, dict[str, Any]]:
    if args.registered_on > args.on:
        return 2, {"error": "--registered-on is after --on"}
    due = tracking_due(args.registered_on, args.on, args.last_contact)
    return 0, {
        "first_contact_due": due.first_contact_due.isoformat(),
        "first_contact_overdue": due.first_contact_overdue,
        "monthly_due": due.monthly_due,
        "provisional": due.first_contact_provisional,
    }


def minimum_wage_on(on: date) -> Decimal | None:
    """The Zhanjiang minimum wage in force on a day, from the local figures the portal ships."""
    from portal.demo import LOCAL_FIGURES

    return wage_in_force([(valid_from, amount) for key, valid_from, amount, *_ in LOCAL_FIGURES
                          if key == "minimum_wage"], on)  # fmt: skip


def run(args: argparse.Namespace) -> int:
    rule: Callable[[argparse.Namespace], tuple[int, dict[str, Any]]] = args.rule_func
    code, payload = rule(args)
    print(json.dumps(payload, ensure_ascii=False))
    return code
