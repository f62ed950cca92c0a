"""Staff sign-in: password, rate limits, and the TOTP second factor (required for city administrators)."""

from __future__ import annotations

import secrets
import time

import pyotp
from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from portal.crypto import Cipher
from portal.i18n import _l
from portal.models import StaffRole, StaffUser
from portal.models.base import utcnow
from portal.services import audit, fields
from portal.services.errors import InputError, RateLimited
from portal.services.passwords import PASSWORD_MAX, passwords
from portal.services.ratelimit import Limiter, Rule
from portal.services.staff import scope_of

TOTP_PURPOSE = "staff-totp"
ISSUER = "Zhanjiang Employment Services"
USERNAME_MAX = 40  # the column's size

LOGIN_FAILED = _l("The user name or password is not right")
CODE_WRONG = _l("The code is not right: use the current code from your authenticator app")
FIELD_REQUIRED = _l("This is required")

# As for residents: per user name and address, per address, and per user name from everywhere (for 15
# minutes at most; a city administrator can also set a new password). Two-factor codes: 10 per 15 minutes.
LOGIN_WINDOW = 15 * 60
TOTP_RULE = Rule("staff-totp", 10, LOGIN_WINDOW)


async def _may_try_login(limiter: Limiter, per_15min: int, username: str, address: str) -> bool:
    return (
        await limiter.hit(Rule("staff-login-ip", per_15min * 5, LOGIN_WINDOW), address)
        and await limiter.hit(Rule("staff-login-pair", per_15min, LOGIN_WINDOW), username, address)
        and await limiter.hit(Rule("staff-login-user", per_15min * 3, LOGIN_WINDOW), username)
    )


async def log_in(
    session: AsyncSession, limiter: Limiter, per_15min: int, *, username: str, password: str, address: str
) -> StaffUser:
    """The active account whose password this is; the attempt is counted first (RateLimited past the limits)."""
    username = username.strip().lower()
    errors: dict[str, object] = {}
    if not username:
        errors["username"] = FIELD_REQUIRED
    if not password:
        errors["password"] = FIELD_REQUIRED
    # Bounded before the name becomes a rate-limit key: no user name is longer than the column.
    fields.check_lengths(errors, {"username": (username, USERNAME_MAX), "password": (password, PASSWORD_MAX)})
    if errors:
        raise InputError(errors)
    if not await _may_try_login(limiter, per_15min, username, address):
        raise RateLimited()
    user = await session.scalar(select(StaffUser).where(StaffUser.username == username))
    if not passwords.verify(user.password_hash if user else None, password) or user is None or not user.active:
        raise InputError({"username": LOGIN_FAILED})
    return user


def totp_required(user: StaffUser) -> bool:
    return user.role is StaffRole.CITY_ADMIN or user.totp_enabled


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
    session: AsyncSession, cipher: Cipher, limiter: Limiter, user: StaffUser, code: str, now: float | None = None
) -> None:
    """A valid code is accepted once: the statement that records its time step refuses a step already used,
    so two requests with the same code cannot both sign in. Ten tries per 15 minutes."""
    if not await limiter.hit(TOTP_RULE, user.username):
        raise RateLimited()
    step = None
    if user.totp_cipher is not None:
        step = _accept(cipher.decrypt(user.totp_cipher, TOTP_PURPOSE).decode(), code, None, now)
    recorded = None
    if step is not None:
        recorded = await session.scalar(
            update(StaffUser)
            .where(StaffUser.id == user.id, or_(StaffUser.totp_last_step.is_(None), StaffUser.totp_last_step < step))
            .values(totp_last_step=step)
            .returning(StaffUser.id)
            .execution_options(synchronize_session=False)
        )
    if recorded is None:
        raise InputError({"code": CODE_WRONG})


def enable_totp(cipher: Cipher, user: StaffUser, secret: str, code: str, now: float | None = None) -> bool:
    """Turn on two-factor sign-in once the user proves their app has the secret."""
    step = _accept(secret, code, None, now)
    if step is None:
        return False
    user.totp_cipher = cipher.encrypt(secret.encode(), TOTP_PURPOSE)
    user.totp_last_step = step
    return True


async def enrol_totp(
    session: AsyncSession, cipher: Cipher, user: StaffUser, secret: str | None, code: str, now: float | None = None
) -> None:
    """`enable_totp`, audited when it succeeds."""
    if not secret or not enable_totp(cipher, user, secret, code, now):
        raise InputError({"code": CODE_WRONG})
    await audit.record(session, scope_of(user).actor, "staff.enable_totp", "staff", user.username)


async def mark_signed_in(session: AsyncSession, user: StaffUser, *, totp: bool = False) -> None:
    user.last_login_at = utcnow()
    await audit.record(session, scope_of(user).actor, "staff.sign_in", "staff", user.username, {"totp": totp})
