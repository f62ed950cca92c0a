"""Resident identity number (GB 11643-1999) normalisation, check character and parsing."""

import enum
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Literal

ID_LENGTH = 18
FIRST_GENERATION_LENGTH = 15
EARLIEST_BIRTH_YEAR = 1900

# ISO 7064 MOD 11-2 weights for the first 17 digits, and the check character for each S mod 11.
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARACTERS = "10X98765432"

# str.isdigit() would accept full-width and other Unicode digits; only ASCII is valid here.
_FIRST17 = re.compile(r"[0-9]{17}")
_LAST = re.compile(r"[0-9X]")


class IdError(enum.StrEnum):
    LENGTH = "length"
    CHARACTERS = "characters"
    BIRTH_DATE = "birth_date"
    CHECK_DIGIT = "check_digit"


@dataclass(frozen=True)
class IdInfo:
    id: str
    birth_date: date
    sex: Literal["M", "F"]
    region_code: str


class InvalidId(ValueError):
    def __init__(self, error: IdError, message: str) -> None:
        super().__init__(message)
        self.error = error


def normalise_id(raw: str) -> str:
    # NFKC turns full-width digits and Ｘ (common from Chinese input methods) into ASCII.
    text = unicodedata.normalize("NFKC", raw)
    return "".join(text.split()).upper()


def check_digit(first17: str) -> str:
    if not _FIRST17.fullmatch(first17):
        raise ValueError("check_digit needs exactly 17 ASCII digits")
    total = sum(int(digit) * weight for digit, weight in zip(first17, _WEIGHTS, strict=True))
    return _CHECK_CHARACTERS[total % 11]


def parse_id(raw: str, *, today: date | None = None) -> IdInfo:
    number = normalise_id(raw)
    _check_shape(number)
    birth_date = _birth_date(number[6:14], today or date.today())
    expected = check_digit(number[:17])
    if number[17] != expected:
        raise InvalidId(
            IdError.CHECK_DIGIT,
            f"The check character is {number[17]} but should be {expected}; "
            "please check the number for a typing mistake.",
        )
    return IdInfo(
        id=number,
        birth_date=birth_date,
        sex="M" if int(number[16]) % 2 == 1 else "F",
        region_code=number[:6],
    )


def _check_shape(number: str) -> None:
    if len(number) == FIRST_GENERATION_LENGTH:
        raise InvalidId(
            IdError.LENGTH,
            "15-digit identity numbers are not accepted online; please bring the identity card to a service window.",
        )
    if len(number) != ID_LENGTH:
        raise InvalidId(
            IdError.LENGTH,
            f"An identity number has 18 characters; this one has {len(number)}.",
        )
    if not _FIRST17.fullmatch(number[:17]) or not _LAST.fullmatch(number[17]):
        raise InvalidId(
            IdError.CHARACTERS,
            "An identity number is 17 digits followed by a digit or X.",
        )


def _birth_date(digits: str, today: date) -> date:
    try:
        birth = date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        raise InvalidId(IdError.BIRTH_DATE, f"The birth date {digits} is not a real date.") from None
    if birth.year < EARLIEST_BIRTH_YEAR:
        raise InvalidId(
            IdError.BIRTH_DATE,
            f"The birth date {digits} is before {EARLIEST_BIRTH_YEAR}.",
        )
    if birth > today:
        raise InvalidId(IdError.BIRTH_DATE, f"The birth date {digits} is in the future.")
    return birth
