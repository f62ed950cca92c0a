"""Passwords of residents and staff: the one argon2id hasher, and what makes a password too weak."""

from __future__ import annotations

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from portal.i18n import _l

PASSWORD_MIN = 8
PASSWORD_MAX = 128

# argon2id profiles. `strong` is the library's default (RFC 9106 low-memory profile), the only one production
# accepts; `fast` (the smallest cost argon2 allows) lets a test suite sign hundreds of people up and in.
PASSWORD_HASH_PROFILES = {
    "strong": PasswordHasher(),
    "fast": PasswordHasher(time_cost=1, memory_cost=8, parallelism=1),
}

_COMMON_PASSWORDS = frozenset(
    {
        "12345678", "123456789", "1234567890", "87654321", "11111111", "88888888", "66666666",
        "password", "password1", "qwertyui", "qwerty123", "abc12345", "abcd1234", "a1234567",
        "iloveyou", "woaini520", "woaini1314", "5201314520", "1qaz2wsx", "zhanjiang", "00000000",
    }
)  # fmt: skip

PASSWORD_TOO_SHORT = _l("Your password must be at least 8 characters long")
PASSWORD_TOO_LONG = _l("Your password must be at most 128 characters long")
PASSWORD_TOO_COMMON = _l("This password is too easy to guess: choose another")
PASSWORD_IS_PHONE = _l("Your password must not contain your phone number")


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
