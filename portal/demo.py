"""Reference data every installation needs, and demo accounts for trying the portal."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.adapters.social_insurance import SocialInsurance
from portal.crypto import Cipher
from portal.models import LocalFigure, ResidentAccount
from portal.services import accounts, areas, audit, policies, service_items

# Local figures with the date they apply from (reference/zhanjiang.md).
LOCAL_FIGURES = (
    ("minimum_wage", date(2025, 3, 1), Decimal("1850.00"), False,
     "Guangdong tier 3 (Zhanjiang) minimum wage from 2025-03-01"),
    ("dibao_urban", date(2025, 1, 1), Decimal("1000.00"), True,
     "SAMPLE value: no verified Zhanjiang urban 低保 standard was found; the bureau must replace it"),
    ("dibao_rural", date(2025, 1, 1), Decimal("800.00"), True,
     "SAMPLE value: no verified Zhanjiang rural 低保 standard was found; the bureau must replace it"),
)  # fmt: skip


@dataclass(frozen=True)
class DemoAccount:
    phone: str
    password: str
    note: str


DEMO_ACCOUNTS = (
    DemoAccount("13800138000", "zhanjiang-demo-1", "a resident with no application yet"),
    DemoAccount("13800138001", "zhanjiang-demo-2", "a second resident with no application yet"),
)


async def load_reference_data(session: AsyncSession) -> dict[str, int]:
    added_areas = await areas.load_areas(session)
    existing = {(f.key, f.valid_from) for f in await session.scalars(select(LocalFigure))}
    figures = [
        LocalFigure(key=key, valid_from=valid_from, amount=amount, is_sample=sample, source=source)
        for key, valid_from, amount, sample, source in LOCAL_FIGURES
        if (key, valid_from) not in existing
    ]
    session.add_all(figures)
    await session.flush()
    added_policies = await policies.load_policies(session)
    added_items = await service_items.load_service_items(session)
    return {
        "service_areas": added_areas, "local_figures": len(figures), "policies": added_policies,
        "service_items": added_items,
    }  # fmt: skip


async def load_demo_accounts(session: AsyncSession) -> int:
    existing = set(await session.scalars(select(ResidentAccount.phone)))
    added = 0
    for demo in DEMO_ACCOUNTS:
        if demo.phone not in existing:
            await accounts.create_account(session, demo.phone, demo.password, "zh_CN")
            added += 1
    return added


@dataclass(frozen=True)
class DemoStaff:
    username: str
    full_name: str
    role: str
    area_code: str | None


DEMO_STAFF_PASSWORD = "zhanjiang-staff-1"  # noqa: S105 - a published demo password
DEMO_STAFF = (
    DemoStaff("chikan.clerk", "赤坎经办（示例）", "clerk", "440802"),
    DemoStaff("chikan.reviewer", "赤坎审核（示例）", "reviewer", "440802"),
    DemoStaff("xiashan.clerk", "霞山经办（示例）", "clerk", "440803"),
    DemoStaff("xiashan.reviewer", "霞山审核（示例）", "reviewer", "440803"),
    DemoStaff("city.admin", "市局管理员（示例）", "city_admin", None),
    DemoStaff("city.viewer", "市局查询（示例）", "city_viewer", None),
)

# Demo applications so that the staff queue is not empty: (phone, name, ID, county, missing papers).
DEMO_CASES: tuple[tuple[str, str, str, str, list[str]], ...] = (
    ("13800138011", "李强", "440881198503150052", "440802", ["termination_proof"]),
    ("13800138012", "黄海", "45010219900101001X", "440802", []),
    ("13800138013", "林晓燕", "440803199103150024", "440803", ["hukou_or_residence_permit"]),
    ("13800138014", "张玮", "440802198607210018", "440802", []),
)


async def load_demo_staff(session: AsyncSession) -> int:
    from portal.models import StaffUser
    from portal.services import staff_accounts

    existing = set(await session.scalars(select(StaffUser.username)))
    added = 0
    for demo in DEMO_STAFF:
        if demo.username not in existing:
            await staff_accounts.create(
                session, audit.SYSTEM, via="demo data", username=demo.username, full_name=demo.full_name,
                password=DEMO_STAFF_PASSWORD, role=demo.role, area_code=demo.area_code,
            )  # fmt: skip
            added += 1
    return added


async def load_demo_cases(session: AsyncSession, cipher: Cipher, social_insurance: SocialInsurance) -> int:
    from portal.clock import local_today
    from portal.services import registration as reg
    from portal.services.registration_form import build_steps

    existing = set(await session.scalars(select(ResidentAccount.phone)))
    steps = build_steps([(a.code, a.name) for a in await areas.list_areas(session)])
    added = 0
    for phone, name, id_number, county, missing in DEMO_CASES:
        if phone in existing:
            continue
        account = await accounts.create_account(session, phone, "zhanjiang-demo-case", "zh_CN")
        if account is None:  # the number has an account already (made since the list above was read)
            continue
        answers = _demo_answers(phone, name, id_number, county, missing)
        await reg.start(session, cipher, account.id, phone)
        while True:
            so_far = await reg.get_answers(session, cipher, account.id)
            # reg.start opened the draft and each step saved keeps it, so it is there on every turn.
            assert so_far is not None
            if (step := reg.next_step(steps, so_far)) is None:
                break
            outcome = await reg.save_step(
                session, cipher, social_insurance, account.id, steps, step, answers[step.key], local_today()
            )
            if outcome.errors or outcome.refusal:
                raise RuntimeError(f"demo case {phone} stopped at {step.key}: {outcome.errors or outcome.refusal}")
        submission = await reg.submit(session, cipher, social_insurance, account.id, steps, "zh_CN")
        if not isinstance(submission, reg.Submitted):
            raise RuntimeError(f"demo case {phone} was not submitted: {submission}")
        added += 1
    return added


def _demo_answers(
    phone: str, name: str, id_number: str, county: str, missing: list[str]
) -> dict[str, dict[str, object]]:
    return {
        "identity": {"name": name, "id_number": id_number, "ethnicity": "汉族"},
        "pension": {"pension_category": "F55"},
        "contact": {"phone": phone, "education": "senior"},
        "hukou": {"hukou_area": county, "hukou_address": "示例地址（示例）"},
        "residence": {"residence_area": county, "residence_address": "示例地址（示例）", "residence_type": "urban"},
        "place": {"county": county},
        "employment": {
            "unemployment_category": "contract_ended",
            "last_employer": "示例公司（示例）",
            "employment_ended_on": "2026-10-31",
        },
        "skills": {
            "training_intention": "yes",
            "entrepreneurship_intention": "no",
            "had_unemployment_insurance": "yes",
        },
        "needs": {"services_wanted": ["job_matching"]},
        "papers": {"missing_papers": missing or ["none"]},
        "commitment": {"signed_name": name, "agree": ["yes"]},
    }
