"""Staff members: who is acting and where (their scope), and the words for their roles."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from portal.i18n import _l
from portal.models import StaffRole, StaffUser
from portal.services.audit import Actor
from portal.services.errors import NotFound

ROLE_LABELS: dict[str, object] = {
    StaffRole.CLERK: _l("County clerk (经办)"),
    StaffRole.REVIEWER: _l("County reviewer (审核)"),
    StaffRole.CITY_ADMIN: _l("City administrator"),
    StaffRole.CITY_VIEWER: _l("City viewer"),
}


@dataclass(frozen=True)
class Scope:
    """Who is acting, and where: county staff see and act on their own area only."""

    staff_id: int
    username: str
    full_name: str
    role: StaffRole
    area_code: str | None

    @property
    def is_city(self) -> bool:
        return self.role.is_city

    def covers(self, area_code: str) -> bool:
        return self.is_city or area_code == self.area_code

    @property
    def can_act(self) -> bool:
        """Compare data, record investigations and services, end registrations, settle proposals."""
        return self.role in (StaffRole.CLERK, StaffRole.REVIEWER)

    @property
    def can_decide(self) -> bool:
        return self.role is StaffRole.REVIEWER

    @property
    def is_admin(self) -> bool:
        return self.role is StaffRole.CITY_ADMIN

    @property
    def actor(self) -> Actor:
        return Actor(self.staff_id, self.username, self.role.value, self.area_code)


def scope_of(user: StaffUser) -> Scope:
    return Scope(user.id, user.username, user.full_name, user.role, user.area_code)


async def get_active(session: AsyncSession, staff_id: int) -> StaffUser | None:
    user = await session.get(StaffUser, staff_id)
    return user if user is not None and user.active else None


async def require(session: AsyncSession, staff_id: int) -> StaffUser:
    user = await get_active(session, staff_id)
    if user is None:
        raise NotFound()
    return user
