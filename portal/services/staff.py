"""Staff accounts: sign-in with optional (for city admins required) TOTP, scope, and creation."""

from __future__ import annotations

import re
import secrets
import time
from dataclasses import dataclass

import pyotp
from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from portal.crypto import Cipher
from portal.i18n import _l
from portal.models import ServiceArea, StaffRole, StaffUser
from portal.models.base import utcnow
from portal.services import audit, fields
from portal.services.accounts import password_problems, passwords
from portal.services.audit import Actor
from portal.services.errors import DomainError, NotFound
from portal.services.ratelimit import Limiter, Rule

TOTP_PURPOSE = "staff-totp"
ISSUER = "Zhanjiang Employment Services"
USERNAME = re.compile(r"^[a-z][a-z0-9._-]{2,39}$")
FULL_NAME_MAX = 60  # the column's size

USERNAME_INVALID = _l("A user name has 3 to 40 lower-case letters, digits, dots, dashes or underscores")
USERNAME_TAKEN = _l("This user name is already taken")
AREA_NEEDED = _l("County staff need a service area")
AREA_NOT_FOR_CITY = _l("City staff have no service area")
NAME_NEEDED = _l("Enter the person's full name")
CANNOT_DEACTIVATE_SELF = _l("You cannot deactivate your own account")


class StaffInputError(DomainError):
    """Errors by field for a staff account form."""

    def __init__(self, errors: dict[str, object]) -> None:
        super().__init__("invalid staff account")
        self.errors = errors


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
        """Compare data, record investigations and contacts, end registrations, confirm proposals."""
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


def totp_required(user: StaffUser) -> bool:
    return user.role is StaffRole.CITY_ADMIN or user.totp_enabled


async def authenticate(session: AsyncSession, username: str, password: str) -> StaffUser | None:
    user = await session.scalar(select(StaffUser).where(StaffUser.username == username.strip().lower()))
    if not passwords.verify(user.password_hash if user else None, password) or user is None or not user.active:
        return None
    return user


async def get_active(session: AsyncSession, staff_id: int) -> StaffUser | None:
    user = await session.get(StaffUser, staff_id)
    return user if user is not None and user.active else None


def hash_password(password: str) -> str:
    return passwords.hash(password)


def new_totp_secret() -> str:
    return pyotp.random_base32()


def totp_uri(secret: str, username: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=ISSUER)


def _accept(secret: str, code: str, last_step: int | None, now: float | None) -> int | None:
    """The time step of `code` if it is valid now (one step of clock drift allowed) and unused."""
    totp = pyotp.TOTP(secret)
    now = time.time() if now is None else now
    code = code.strip().replace(" ", "")
    if not code.isascii():  # compare_digest raises TypeError on other text
        return None
    for drift in (0, -1, 1):
        step = int(now // totp.interval) + drift
        if secrets.compare_digest(totp.at(step * totp.interval), code) and (last_step is None or step > last_step):
            return step
    return None


async def check_totp(
    session: AsyncSession, cipher: Cipher, user: StaffUser, code: str, now: float | None = None
) -> bool:
    """A valid code is accepted once: the statement that records its time step refuses a step already used,
    so two requests with the same code cannot both sign in."""
    if user.totp_cipher is None:
        return False
    secret = cipher.decrypt(user.totp_cipher, TOTP_PURPOSE).decode()
    step = _accept(secret, code, None, now)
    if step is None:
        return False
    recorded = await session.scalar(
        update(StaffUser)
        .where(StaffUser.id == user.id, or_(StaffUser.totp_last_step.is_(None), StaffUser.totp_last_step < step))
        .values(totp_last_step=step)
        .returning(StaffUser.id)
        .execution_options(synchronize_session=False)
    )
    return recorded is not None


def enable_totp(cipher: Cipher, user: StaffUser, secret: str, code: str, now: float | None = None) -> bool:
    """Turn on two-factor sign-in once the user proves their app has the secret."""
    step = _accept(secret, code, None, now)
    if step is None:
        return False
    user.totp_cipher = cipher.encrypt(secret.encode(), TOTP_PURPOSE)
    user.totp_last_step = step
    return True


async def enrol_totp(
    session: AsyncSession, cipher: Cipher, user: StaffUser, secret: str, code: str, now: float | None = None
) -> bool:
    """`enable_totp`, audited when it succeeds."""
    if not enable_totp(cipher, user, secret, code, now):
        return False
    await audit.record(session, scope_of(user).actor, "staff.enable_totp", "staff", user.username)
    return True


async def mark_signed_in(session: AsyncSession, user: StaffUser, *, totp: bool = False) -> None:
    user.last_login_at = utcnow()
    await audit.record(session, scope_of(user).actor, "staff.sign_in", "staff", user.username, {"totp": totp})


async def create(
    session: AsyncSession, actor: Actor, *, username: str, full_name: str, password: str, role: StaffRole,
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
    if role.is_city and area_code:
        errors["area_code"] = AREA_NOT_FOR_CITY
    elif not role.is_city and (not area_code or await session.get(ServiceArea, area_code) is None):
        errors["area_code"] = AREA_NEEDED
    if errors:
        raise StaffInputError(errors)
    user = StaffUser(
        username=username,
        full_name=full_name.strip(),
        password_hash=hash_password(password),
        role=role,
        area_code=None if role.is_city else area_code,
    )
    session.add(user)
    await session.flush()
    await audit.record(
        session, actor, "staff.create", "staff", user.username, {"role": user.role.value, "area": user.area_code,
                                                                 "by": via},
    )  # fmt: skip
    return user


async def list_staff(session: AsyncSession) -> list[StaffUser]:
    return list(await session.scalars(select(StaffUser).order_by(StaffUser.area_code, StaffUser.username)))


async def require(session: AsyncSession, staff_id: int) -> StaffUser:
    user = await get_active(session, staff_id)
    if user is None:
        raise NotFound()
    return user


async def by_username(session: AsyncSession, username: str) -> StaffUser:
    user = await session.scalar(select(StaffUser).where(StaffUser.username == username))
    if user is None:
        raise NotFound()
    return user


async def set_active(session: AsyncSession, admin: Scope, username: str, active: bool) -> StaffUser:
    """Deactivated accounts cannot sign in, and their open sessions stop at the next request."""
    user = await by_username(session, username)
    if user.id == admin.staff_id and not active:
        raise StaffInputError({"username": CANNOT_DEACTIVATE_SELF})
    user.active = active
    await audit.record(session, admin.actor, "staff.reactivate" if active else "staff.deactivate", "staff", username)
    return user


async def set_password(session: AsyncSession, admin: Scope, username: str, password: str) -> StaffUser:
    if problems := password_problems(password):
        raise StaffInputError({"password": problems[0]})
    user = await by_username(session, username)
    user.password_hash = hash_password(password)
    await audit.record(session, admin.actor, "staff.set_password", "staff", username)
    return user


# ---- rate limits --------------------------------------------------------------------------------
# As for residents: per user name and address, per address, and per user name from everywhere (for 15
# minutes at most; a city administrator can also set a new password). Two-factor codes: 10 per 15 minutes.

LOGIN_WINDOW = 15 * 60
TOTP_RULE = Rule("staff-totp", 10, LOGIN_WINDOW)


async def may_try_login(limiter: Limiter, per_15min: int, username: str, address: str) -> bool:
    return (
        await limiter.hit(Rule("staff-login-ip", per_15min * 5, LOGIN_WINDOW), address)
        and await limiter.hit(Rule("staff-login-pair", per_15min, LOGIN_WINDOW), username, address)
        and await limiter.hit(Rule("staff-login-user", per_15min * 3, LOGIN_WINDOW), username)
    )


async def may_try_code(limiter: Limiter, username: str) -> bool:
    return await limiter.hit(TOTP_RULE, username)
