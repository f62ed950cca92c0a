"""Resident accounts: phone numbers, passwords, SMS codes, sign-up, log-in and password reset."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import case, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from portal.adapters.sms import SmsGateway
from portal.crypto import Cipher
from portal.i18n import _l
from portal.models import CodePurpose, ResidentAccount, SmsCode
from portal.models.base import utcnow
from portal.services.ratelimit import Limiter, Rule

CODE_TTL = timedelta(minutes=10)
CODE_ATTEMPTS = 5
PASSWORD_MIN = 8
PASSWORD_MAX = 128

# argon2id profiles. `strong` is the library's default (RFC 9106 low-memory profile), the only one production
# accepts; `fast` (the smallest cost argon2 allows) lets a test suite sign hundreds of people up and in.
PASSWORD_HASH_PROFILES = {
    "strong": PasswordHasher(),
    "fast": PasswordHasher(time_cost=1, memory_cost=8, parallelism=1),
}


class PasswordHashing:
    """The one password hasher of residents and staff, with the profile the settings chose."""

    def __init__(self, profile: str = "strong") -> None:
        self.use(profile)

    def use(self, profile: str) -> None:
        self._hasher = PASSWORD_HASH_PROFILES[profile]
        self._dummy_hash: str | None = None

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, stored_hash: str | None, password: str) -> bool:
        """Whether `password` matches; with no stored hash, a dummy one is checked (and fails), so that an
        unknown number or user name costs as long as a wrong password."""
        if self._dummy_hash is None:
            self._dummy_hash = self._hasher.hash(secrets.token_urlsafe(16))
        try:
            return self._hasher.verify(stored_hash or self._dummy_hash, password) and stored_hash is not None
        except (VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, stored_hash: str) -> bool:
        return self._hasher.check_needs_rehash(stored_hash)


passwords = PasswordHashing()

_PHONE = re.compile(r"^1[3-9]\d{9}$")
_COMMON_PASSWORDS = frozenset(
    {
        "12345678", "123456789", "1234567890", "87654321", "11111111", "88888888", "66666666",
        "password", "password1", "qwertyui", "qwerty123", "abc12345", "abcd1234", "a1234567",
        "iloveyou", "woaini520", "woaini1314", "5201314520", "1qaz2wsx", "zhanjiang", "00000000",
    }
)  # fmt: skip

PHONE_INVALID = _l("Enter a mainland mobile number of 11 digits, like 13812345678")
PASSWORD_TOO_SHORT = _l("Your password must be at least 8 characters long")
PASSWORD_TOO_LONG = _l("Your password must be at most 128 characters long")
PASSWORD_TOO_COMMON = _l("This password is too easy to guess: choose another")
PASSWORD_IS_PHONE = _l("Your password must not contain your phone number")
PASSWORDS_DIFFER = _l("The two passwords are not the same")
CODE_WRONG = _l("The code is wrong or has expired: ask for a new one")
LOGIN_FAILED = _l("The phone number or password is not right")


def normalise_phone(raw: str) -> str | None:
    """The 11-digit number, or None when it is not a mainland mobile number."""
    digits = re.sub(r"[\s\-]", "", raw or "")
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    return digits if _PHONE.match(digits) else None


def password_problems(password: str, phone: str | None = None) -> list[object]:
    """Length and guessability rather than composition rules (NIST SP 800-63B)."""
    if len(password) < PASSWORD_MIN:
        return [PASSWORD_TOO_SHORT]
    if len(password) > PASSWORD_MAX:
        return [PASSWORD_TOO_LONG]
    if phone and phone in password:
        return [PASSWORD_IS_PHONE]
    if password.lower() in _COMMON_PASSWORDS or len(set(password)) <= 2:
        return [PASSWORD_TOO_COMMON]
    return []


def hash_password(password: str) -> str:
    return passwords.hash(password)


@dataclass(frozen=True)
class CodeSent:
    """What the caller may tell the user: nothing that reveals whether an account exists."""

    phone: str


async def _account_by_phone(session: AsyncSession, phone: str) -> ResidentAccount | None:
    return await session.scalar(select(ResidentAccount).where(ResidentAccount.phone == phone))


def _code_text(purpose: CodePurpose, code: str) -> str:
    # Texts go out in Chinese: SMS templates are registered with the carrier in one language.
    if purpose is CodePurpose.SIGN_UP:
        return f"【湛江就业服务】您的注册验证码是{code}，10分钟内有效。请勿告诉他人。"
    return f"【湛江就业服务】您正在重置密码，验证码是{code}，10分钟内有效。如非本人操作，请忽略。"


async def send_code(
    session: AsyncSession, gateway: SmsGateway, cipher: Cipher, phone: str, purpose: CodePurpose
) -> CodeSent:
    """Text a one-time code; for a sign-up on a number that already has an account, say so instead.

    Either way the web page says the same thing, so it cannot be used to find who has an account.
    """
    existing = await _account_by_phone(session, phone)
    if purpose is CodePurpose.SIGN_UP and existing is not None:
        await gateway.send(session, phone, "【湛江就业服务】此号码已注册账户。请直接登录；如忘记密码，可在登录页重置。")
        return CodeSent(phone)
    if purpose is CodePurpose.RESET and existing is None:
        return CodeSent(phone)
    code = f"{secrets.randbelow(1_000_000):06d}"
    session.add(
        SmsCode(
            phone_hash=cipher.keyed_hash(phone, "phone"),
            purpose=purpose,
            code_hash=cipher.keyed_hash(f"{phone}:{code}", "sms-code"),
            expires_at=utcnow() + CODE_TTL,
        )
    )
    await gateway.send(session, phone, _code_text(purpose, code))
    return CodeSent(phone)


async def check_code(session: AsyncSession, cipher: Cipher, phone: str, purpose: CodePurpose, code: str) -> bool:
    """Use up the latest live code for this number if `code` matches it, counting the try.

    One statement checks, counts and consumes: of any number of simultaneous tries, at most
    CODE_ATTEMPTS are compared with the code, and a right code is accepted once."""
    now = utcnow()
    latest = (
        select(SmsCode.id)
        .where(
            SmsCode.phone_hash == cipher.keyed_hash(phone, "phone"),
            SmsCode.purpose == purpose,
            SmsCode.used_at.is_(None),
        )
        .order_by(SmsCode.created_at.desc(), SmsCode.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    matches = SmsCode.code_hash == cipher.keyed_hash(f"{phone}:{code.strip()}", "sms-code")
    used_at = await session.scalar(
        update(SmsCode)
        .where(SmsCode.id == latest, SmsCode.used_at.is_(None), SmsCode.attempts < CODE_ATTEMPTS,
               SmsCode.expires_at > now)
        .values(attempts=SmsCode.attempts + 1, used_at=case((matches, now), else_=None))
        .returning(SmsCode.used_at)
        .execution_options(synchronize_session=False)
    )  # fmt: skip
    return used_at is not None


class AccountExists(Exception):
    """Someone finished signing up with this number first (two sign-ups raced)."""


async def create_account(session: AsyncSession, phone: str, password: str, locale: str) -> ResidentAccount:
    account = ResidentAccount(phone=phone, password_hash=hash_password(password), locale=locale)
    try:
        async with session.begin_nested():  # the unique phone decides a race; the loser's code stays used
            session.add(account)
    except IntegrityError:
        raise AccountExists() from None
    return account


async def authenticate(session: AsyncSession, phone: str | None, password: str) -> ResidentAccount | None:
    account = await _account_by_phone(session, phone) if phone else None
    if not passwords.verify(account.password_hash if account else None, password) or account is None:
        return None
    if passwords.needs_rehash(account.password_hash):
        account.password_hash = hash_password(password)
    account.last_login_at = utcnow()
    return account


async def set_password(session: AsyncSession, phone: str, password: str) -> ResidentAccount | None:
    account = await _account_by_phone(session, phone)
    if account is not None:
        account.password_hash = hash_password(password)
    return account


async def get_account(session: AsyncSession, account_id: int) -> ResidentAccount | None:
    return await session.get(ResidentAccount, account_id)


# ---- rate limits --------------------------------------------------------------------------------
# A password is tried at most `per_15min` times from one address for one number, five times that from
# one address, and three times that for one number from everywhere (a guesser with many addresses). The
# last is the only one a stranger can use against a resident, and only for 15 minutes at a time: a reset
# by SMS code still works and signs the resident in, and clears it.

LOGIN_WINDOW = 15 * 60
SMS_WINDOW = 60 * 60


def _login_rules(per_15min: int) -> tuple[Rule, Rule, Rule]:
    return (
        Rule("login-ip", per_15min * 5, LOGIN_WINDOW),
        Rule("login-pair", per_15min, LOGIN_WINDOW),
        Rule("login-number", per_15min * 3, LOGIN_WINDOW),
    )


async def may_try_login(limiter: Limiter, per_15min: int, phone: str, address: str) -> bool:
    """Count a log-in attempt; False when one of the limits is reached (the password is then not checked)."""
    by_address, by_pair, by_number = _login_rules(per_15min)
    return (
        await limiter.hit(by_address, address)
        and await limiter.hit(by_pair, phone, address)
        and await limiter.hit(by_number, phone)
    )


async def forget_failed_logins(limiter: Limiter, per_15min: int, phone: str, address: str | None = None) -> None:
    _, by_pair, by_number = _login_rules(per_15min)
    await limiter.reset(by_number, phone)
    if address is not None:
        await limiter.reset(by_pair, phone, address)


async def may_send_code(limiter: Limiter, per_hour: int, phone: str, address: str) -> bool:
    """Count a text to send; False when this number or this address has had its share this hour."""
    return await limiter.hit(Rule("sms-ip", per_hour * 4, SMS_WINDOW), address) and await limiter.hit(
        Rule("sms-number", per_hour, SMS_WINDOW), phone
    )
