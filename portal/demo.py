"""Reference data every installation needs, and demo accounts for trying the portal."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.models import LocalFigure, ResidentAccount
from portal.services import accounts, areas

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
    return {"service_areas": added_areas, "local_figures": len(figures)}


async def load_demo_accounts(session: AsyncSession) -> int:
    existing = set(await session.scalars(select(ResidentAccount.phone)))
    added = 0
    for demo in DEMO_ACCOUNTS:
        if demo.phone not in existing:
            await accounts.create_account(session, demo.phone, demo.password, "zh_CN")
            added += 1
    return added
