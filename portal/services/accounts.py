"""Resident accounts: phone numbers, passwords, SMS codes, sign-up, log-in, password reset, and a signed-in
resident's new password or new number."""

from __future__ import annotations

import re
import secrets
from datetime import timedelta

from sqlalchemy import case, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from portal.adapters.sms import SmsGateway
from portal.crypto import Cipher
from portal.i18n import _l
from portal.models import CodePurpose, ResidentAccount, SmsCode
from portal.models.base import utcnow
from portal.rules.masking import mask_phone
from portal.services import fields
from portal.services import registration as registrations
from portal.services.errors import InputError, RateLimited
from portal.services.passwords import PASSWORD_MAX, password_problems, passwords
from portal.services.ratelimit import Limiter, Rule

CODE_TTL = timedelta(minutes=10)
CODE_ATTEMPTS = 5
PHONE_MAX = 20  # 11 digits, with room for "+86" and spaces

_PHONE = re.compile(r"^1[3-9]\d{9}$")

PHONE_REQUIRED = _l("Enter your mobile number")
PHONE_INVALID = _l("Enter a mainland mobile number of 11 digits, like 13812345678")
PASSWORD_REQUIRED = _l("Enter your password")
PASSWORDS_DIFFER = _l("The two passwords are not the same")
CODE_REQUIRED = _l("Enter the 6-digit code from the text message")
CODE_WRONG = _l("The code is wrong or has expired: ask for a new one")
LOGIN_FAILED = _l("The phone number or password is not right")
TOO_MANY_LOGINS = _l("Too many attempts. Wait 15 minutes, or reset your password.")
CURRENT_PASSWORD_WRONG = _l("Your current password is not right")
SAME_PHONE = _l("This is already the number of your account")
PHONE_TAKEN = _l("This number already has an account of its own: sign in with it, or call 12333 for help")


def normalise_phone(raw: str) -> str | None:
    """The 11-digit number, or None when it is not a mainland mobile number."""
    digits = re.sub(r"[\s\-]", "", raw or "")
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    return digits if _PHONE.match(digits) else None


async def _account_by_phone(session: AsyncSession, phone: str) -> ResidentAccount | None:
    return await session.scalar(select(ResidentAccount).where(ResidentAccount.phone == phone))


def _code_text(purpose: CodePurpose, code: str) -> str:
    # Texts go out in Chinese: SMS templates are registered with the carrier in one language.
    if purpose is CodePurpose.SIGN_UP:
        return f"【湛江就业服务】您的注册验证码是{code}，10分钟内有效。请勿告诉他人。"
    if purpose is CodePurpose.OBJECTION:
        return (
            f"【湛江就业服务】您正在以实名方式对公示信息提出异议，验证码是{code}，10分钟内有效。如非本人操作，请忽略。"
        )
    if purpose is CodePurpose.CHANGE_PHONE:
        return f"【湛江就业服务】您正在将账户手机号改为本号码，验证码是{code}，10分钟内有效。如非本人操作，请忽略。"
    return f"【湛江就业服务】您正在重置密码，验证码是{code}，10分钟内有效。如非本人操作，请忽略。"


async def send_code(
    session: AsyncSession, gateway: SmsGateway, cipher: Cipher, limiter: Limiter, per_hour: int, *, phone: str,
    address: str, purpose: CodePurpose,
) -> str:  # fmt: skip
    """Text a one-time code to the number typed and return it, normalised; for a sign-up on a number that
    already has an account, say so instead. Either way the page says the same thing, so it cannot be used
    to find who has an account. The texts are counted per number and per address (RateLimited)."""
    number = normalise_phone(phone)
    if number is None:
        raise InputError({"phone": PHONE_REQUIRED if not phone.strip() else PHONE_INVALID})
    if not await _may_send_code(limiter, per_hour, number, address):
        raise RateLimited()
    existing = await _account_by_phone(session, number)
    if purpose is CodePurpose.SIGN_UP and existing is not None:
        await gateway.send(
            session, number, "【湛江就业服务】此号码已注册账户。请直接登录；如忘记密码，可在登录页重置。"
        )
        return number
    if purpose is CodePurpose.RESET and existing is None:
        return number
    await _text_a_code(session, gateway, cipher, number, purpose)
    return number


async def _text_a_code(
    session: AsyncSession, gateway: SmsGateway, cipher: Cipher, number: str, purpose: CodePurpose
) -> None:
    code = f"{secrets.randbelow(1_000_000):06d}"
    session.add(
        SmsCode(
            phone_hash=cipher.keyed_hash(number, "phone"),
            purpose=purpose,
            code_hash=cipher.keyed_hash(f"{number}:{code}", "sms-code"),
            expires_at=utcnow() + CODE_TTL,
        )
    )
    await gateway.send(session, number, _code_text(purpose, code))


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


async def finish_with_code(
    session: AsyncSession, cipher: Cipher, limiter: Limiter, per_15min: int, *, phone: str, purpose: CodePurpose,
    code: str, password: str, password_confirm: str, locale: str,
) -> ResidentAccount | None:  # fmt: skip
    """The second step of signing up and of resetting a password, which are alike: the code texted to
    `phone` and a new password. Signing up creates the account; resetting sets its password and clears
    the failed log-ins of the number. None: two sign-ups for one number raced and the other finished first,
    so the number can log in now."""
    errors: dict[str, object] = {}
    if not code.strip():
        errors["code"] = CODE_REQUIRED
    if not password:
        errors["password"] = PASSWORD_REQUIRED
    elif problems := password_problems(password, phone):
        errors["password"] = problems[0]
    elif password_confirm != password:
        errors["password_confirm"] = PASSWORDS_DIFFER
    if errors:
        raise InputError(errors)
    if not await check_code(session, cipher, phone, purpose, code):
        raise InputError({"code": CODE_WRONG})
    if purpose is CodePurpose.SIGN_UP:
        return await create_account(session, phone, password, locale)
    account = await _account_by_phone(session, phone)
    if account is None:
        raise InputError({"code": CODE_WRONG})
    await _new_credentials(session, account, password_hash=passwords.hash(password))
    await _forget_failed_logins(limiter, per_15min, phone)
    return account


async def _new_credentials(session: AsyncSession, account: ResidentAccount, **values: str) -> None:
    """Set a new password or number and move the credentials version on in one statement: every session
    signed in before it ends at its next request (see routes._common.signed_in)."""
    await session.execute(
        update(ResidentAccount)
        .where(ResidentAccount.id == account.id)
        .values(**values, credentials_version=ResidentAccount.credentials_version + 1)
        .execution_options(synchronize_session=False)
    )
    await session.refresh(account)


async def create_account(session: AsyncSession, phone: str, password: str, locale: str) -> ResidentAccount | None:
    """A new account, or None when the number already has one (the unique phone decides a race)."""
    account = ResidentAccount(phone=phone, password_hash=passwords.hash(password), locale=locale)
    try:
        async with session.begin_nested():  # the loser's code stays used
            session.add(account)
    except IntegrityError:
        return None
    return account


async def log_in(
    session: AsyncSession, limiter: Limiter, per_15min: int, *, phone: str, password: str, address: str
) -> ResidentAccount:
    """The account whose number and password these are. The attempt is counted first: past a limit the
    password is not checked (429, said beside the number). One message whether or not the number has an
    account."""
    errors: dict[str, object] = {}
    if not phone.strip():
        errors["phone"] = PHONE_REQUIRED
    if not password:
        errors["password"] = PASSWORD_REQUIRED
    # Bounded before the number becomes a rate-limit key; no password longer than the maximum was ever set.
    fields.check_lengths(errors, {"phone": (phone, PHONE_MAX), "password": (password, PASSWORD_MAX)})
    if errors:
        raise InputError(errors)
    number = normalise_phone(phone)
    if not await _may_try_login(limiter, per_15min, number or phone, address):
        raise InputError({"phone": TOO_MANY_LOGINS}, status_code=429)
    account = await _account_by_phone(session, number) if number else None
    if not passwords.verify(account.password_hash if account else None, password) or account is None:
        raise InputError({"phone": LOGIN_FAILED})
    if passwords.needs_rehash(account.password_hash):
        account.password_hash = passwords.hash(password)
    account.last_login_at = utcnow()
    await _forget_failed_logins(limiter, per_15min, account.phone, address)
    return account


async def get_account(session: AsyncSession, account_id: int) -> ResidentAccount | None:
    return await session.get(ResidentAccount, account_id)


# ---- the signed-in resident's password and number ------------------------------------------------


async def _check_own_password(
    limiter: Limiter, per_15min: int, account: ResidentAccount, password: str, address: str, field: str
) -> None:
    """The account's own password, typed again: counted like a log-in, so a session left open on someone
    else's phone cannot be used to guess it."""
    if not password:
        raise InputError({field: PASSWORD_REQUIRED})
    if (too_long := fields.too_long(password, PASSWORD_MAX)) is not None:
        raise InputError({field: too_long})
    if not await _may_try_login(limiter, per_15min, account.phone, address):
        raise InputError({field: TOO_MANY_LOGINS}, status_code=429)
    if not passwords.verify(account.password_hash, password):
        raise InputError({field: CURRENT_PASSWORD_WRONG})


async def change_password(
    session: AsyncSession, gateway: SmsGateway, limiter: Limiter, per_15min: int, account: ResidentAccount, *,
    address: str, current: str, password: str, password_confirm: str,
) -> None:  # fmt: skip
    """A new password, after the current one; other sessions end, and the number is told by text."""
    errors: dict[str, object] = {}
    if not password:
        errors["password"] = PASSWORD_REQUIRED
    elif problems := password_problems(password, account.phone):
        errors["password"] = problems[0]
    elif password_confirm != password:
        errors["password_confirm"] = PASSWORDS_DIFFER
    if errors:
        raise InputError(errors)
    await _check_own_password(limiter, per_15min, account, current, address, "current_password")
    await _new_credentials(session, account, password_hash=passwords.hash(password))
    await gateway.send(
        session, account.phone, "【湛江就业服务】您的账户密码已修改。如非本人操作，请立即在登录页重置密码或拨打12333。"
    )


async def start_phone_change(
    session: AsyncSession, gateway: SmsGateway, cipher: Cipher, limiter: Limiter, *, per_hour: int,
    per_15min: int, account: ResidentAccount, address: str, phone: str, password: str,
) -> str:  # fmt: skip
    """Text a code to the new number, after the password: the number is the account's only when the code
    comes back. The normalised new number."""
    number = normalise_phone(phone) if len(phone) <= PHONE_MAX else None
    if number is None:
        raise InputError({"phone": PHONE_REQUIRED if not phone.strip() else PHONE_INVALID})
    if number == account.phone:
        raise InputError({"phone": SAME_PHONE})
    await _check_own_password(limiter, per_15min, account, password, address, "password")
    if not await _may_send_code(limiter, per_hour, number, address):
        raise RateLimited()
    await _text_a_code(session, gateway, cipher, number, CodePurpose.CHANGE_PHONE)
    return number


async def finish_phone_change(
    session: AsyncSession, gateway: SmsGateway, cipher: Cipher, account: ResidentAccount, *, phone: str, code: str
) -> str:
    """The code from the new number makes it the account's (the unique number decides between two accounts
    wanting it at once); the old number is told. The old number."""
    if not code.strip():
        raise InputError({"code": CODE_REQUIRED})
    if not await check_code(session, cipher, phone, CodePurpose.CHANGE_PHONE, code):
        raise InputError({"code": CODE_WRONG})
    old = account.phone
    try:
        async with session.begin_nested():
            await _new_credentials(session, account, phone=phone)
    except IntegrityError:
        raise InputError({"code": PHONE_TAKEN}) from None
    await gateway.send(
        session, old, f"【湛江就业服务】您账户的登录手机号已改为{mask_phone(phone)}。如非本人操作，请立即拨打12333。"
    )
    await gateway.send(session, phone, "【湛江就业服务】本号码已成为您就业服务账户的登录手机号。")
    await registrations.follow_phone_change(session, account.id, old, phone)
    return old


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


async def _may_try_login(limiter: Limiter, per_15min: int, phone: str, address: str) -> bool:
    """Count a log-in attempt; False when one of the limits is reached (the password is then not checked)."""
    by_address, by_pair, by_number = _login_rules(per_15min)
    return (
        await limiter.hit(by_address, address)
        and await limiter.hit(by_pair, phone, address)
        and await limiter.hit(by_number, phone)
    )


async def _forget_failed_logins(limiter: Limiter, per_15min: int, phone: str, address: str | None = None) -> None:
    _, by_pair, by_number = _login_rules(per_15min)
    await limiter.reset(by_number, phone)
    if address is not None:
        await limiter.reset(by_pair, phone, address)


async def _may_send_code(limiter: Limiter, per_hour: int, phone: str, address: str) -> bool:
    """Count a text to send; False when this number or this address has had its share this hour."""
    return await limiter.hit(Rule("sms-ip", per_hour * 4, SMS_WINDOW), address) and await limiter.hit(
        Rule("sms-number", per_hour, SMS_WINDOW), phone
    )
