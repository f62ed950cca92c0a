"""Staff administration writes its own audit entries, in the same transaction as the change."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.models import AuditEntry
from portal.services import audit, staff_accounts
from portal.services.errors import InputError
from portal.services.staff import scope_of

PASSWORD = "ledger and lantern"


async def _entries(db) -> list[tuple[str, str, str]]:
    rows = await db.execute(
        select(AuditEntry.username, AuditEntry.action, AuditEntry.target_id).order_by(AuditEntry.id)
    )
    return [tuple(row) for row in rows]


async def test_creating_deactivating_and_setting_a_password_are_audited_by_the_service(db) -> None:
    admin_user = await staff_accounts.create(
        db, audit.SYSTEM, username="city.admin", full_name="市局", password=PASSWORD, role="city_admin",
        area_code=None, via="cli",
    )  # fmt: skip
    admin = scope_of(admin_user)
    await staff_accounts.create(
        db, admin.actor, username="chikan.clerk", full_name="赤坎经办", password=PASSWORD, role="clerk",
        area_code="440802",
    )  # fmt: skip
    await staff_accounts.set_active(db, admin, "chikan.clerk", active=False)
    await staff_accounts.set_password(db, admin, "chikan.clerk", "a new long passphrase")
    await db.commit()

    assert await _entries(db) == [
        ("system", "staff.create", "city.admin"),
        ("city.admin", "staff.create", "chikan.clerk"),
        ("city.admin", "staff.deactivate", "chikan.clerk"),
        ("city.admin", "staff.set_password", "chikan.clerk"),
    ]


async def test_a_refused_change_writes_no_entry(db) -> None:
    admin = scope_of(
        await staff_accounts.create(
            db, audit.SYSTEM, username="city.admin", full_name="市局", password=PASSWORD, role="city_admin",
            area_code=None,
        )
    )  # fmt: skip
    await db.commit()
    with pytest.raises(InputError):
        await staff_accounts.set_password(db, admin, "city.admin", "short")
    with pytest.raises(InputError):
        await staff_accounts.set_active(db, admin, "city.admin", active=False)  # not oneself
    await db.commit()
    assert [action for _, action, _ in await _entries(db)] == ["staff.create"]
