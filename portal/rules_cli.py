"""`portal rules ...`: the pure rules on the command line, one JSON object on stdout each."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from datetime import date
from typing import Any

from portal.rules.eligibility import age_window
from portal.rules.idnumber import InvalidId, parse_id
from portal.rules.masking import mask_id, mask_name, mask_phone
from portal.rules.pension import PensionCategory, pension_age
from portal.rules.workdays import workdays_after


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


def run(args: argparse.Namespace) -> int:
    rule: Callable[[argparse.Namespace], tuple[int, dict[str, Any]]] = args.rule_func
    code, payload = rule(args)
    print(json.dumps(payload, ensure_ascii=False))
    return code
