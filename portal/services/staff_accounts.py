"""Staff accounts, administered by city administrators (or the command line): create, deactivate,
reactivate, set a new password; each change audited here, in the same transaction."""

from __future__ import annotations

import re

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.i18n import _l
from portal.models import ServiceArea, StaffRole, StaffUser
from portal.services import audit, fields
from portal.services.audit import Actor
from portal.services.errors import InputError, NotFound
from portal.services.passwords import password_problems, passwords
from portal.services.staff import Scope

USERNAME = re.compile(r"^[a-z][a-z0-9._-]{2,39}$")
FULL_NAME_MAX = 60  # the column's size

USERNAME_INVALID = _l("A user name has 3 to 40 lower-case letters, digits, dots, dashes or underscores")
USERNAME_TAKEN = _l("This user name is already taken")
ROLE_REQUIRED = _l("This is required")
AREA_NEEDED = _l("County staff need a service area")
AREA_NOT_FOR_CITY = _l("City staff have no service area")
NAME_NEEDED = _l("Enter the person's full name")
CANNOT_DEACTIVATE_SELF = _l("You cannot deactivate your own account")


async def create(
    session: AsyncSession, actor: Actor, *, username: str, full_name: str, password: str, role: str,
    area_code: str | None, via: str = "web",
) -> StaffUser:  # fmt: skip
    """A staff account, audited as created by `actor` (SYSTEM for the command line and demo data)."""
    username = username.strip().lower()
    errors: dict[str, object] = {}
    if not USERNAME.match(username):
        errors["username"] = USERNAME_INVALID
    elif await session.scalar(select(func.count()).where(StaffUser.username == username)):
        errors["username"] = USERNAME_TAKEN
    if not full_name.strip():
        errors["full_name"] = NAME_NEEDED
    fields.check_lengths(errors, {"full_name": (full_name.strip(), FULL_NAME_MAX)})
    if problems := password_problems(password):
        errors["password"] = problems[0]
    staff_role = StaffRole(role) if role in {r.value for r in StaffRole} else None
    if staff_role is None:
        errors["role"] = ROLE_REQUIRED
    elif staff_role.is_city and area_code:
        errors["area_code"] = AREA_NOT_FOR_CITY
    elif not staff_role.is_city and (not area_code or await session.get(ServiceArea, area_code) is None):
        errors["area_code"] = AREA_NEEDED
    if errors:
        raise InputError(errors)
    assert staff_role is not None
    user = StaffUser(
        username=username,
        full_name=full_name.strip(),
        password_hash=passwords.hash(password),
        role=staff_role,
        area_code=None if staff_role.is_city else area_code,
    )
    session.add(user)
    await session.flush()
    await audit.record(
        session, actor, "staff.create", "staff", user.username,
        {"role": user.role.value, "area": user.area_code, "by": via},
    )  # fmt: skip
    return user


async def list_staff(session: AsyncSession) -> list[StaffUser]:
    return list(await session.scalars(select(StaffUser).order_by(StaffUser.area_code, StaffUser.username)))


async def by_username(session: AsyncSession, username: str) -> StaffUser:
    user = await session.scalar(select(StaffUser).where(StaffUser.username == username))
    if user is None:
        raise NotFound()
    return user


async def set_active(session: AsyncSession, admin: Scope, username: str, *, active: bool) -> StaffUser:
    """Deactivated accounts cannot sign in, and their open sessions stop at the next request."""
    user = await by_username(session, username)
    if user.id == admin.staff_id and not active:
        raise InputError({"username": CANNOT_DEACTIVATE_SELF})
    user.active = active
    await audit.record(session, admin.actor, "staff.reactivate" if active else "staff.deactivate", "staff", username)
    return user


async def set_password(session: AsyncSession, admin: Scope, username: str, password: str) -> StaffUser:
    if problems := password_problems(password):
        raise InputError({"password": problems[0]})
    user = await by_username(session, username)
    user.password_hash = passwords.hash(password)
    await audit.record(session, admin.actor, "staff.set_password", "staff", username)
    return user
