"""Tests for identity number normalisation, check character and parsing."""

from datetime import date

import pytest

from portal.rules.idnumber import (
    IdError,
    IdInfo,
    InvalidId,
    check_digit,
    normalise_id,
    parse_id,
)

TODAY = date(2026, 6, 1)

SYNTHETIC = [
    ("440802199001010016", date(1990, 1, 1), "M", "440802"),
    ("440802199001010024", date(1990, 1, 1), "F", "440802"),
    ("440881197512310033", date(1975, 12, 31), "M", "440881"),
    ("440825198506150049", date(1985, 6, 15), "F", "440825"),
    ("440882197005010059", date(1970, 5, 1), "M", "440882"),
]

PUBLISHED = [
    "11010519491231002X",
    "440524188001010014",
    "34052419800101001X",
]


@pytest.mark.parametrize(("number", "birth_date", "sex", "region"), SYNTHETIC, ids=[s[0] for s in SYNTHETIC])
def test_synthetic_numbers_parse_to_birth_date_sex_and_region(
    number: str, birth_date: date, sex: str, region: str
) -> None:
    assert parse_id(number, today=TODAY) == IdInfo(id=number, birth_date=birth_date, sex=sex, region_code=region)


@pytest.mark.parametrize("number", [s[0] for s in SYNTHETIC] + PUBLISHED)
def test_check_digit_matches_every_reference_number(number: str) -> None:
    assert check_digit(number[:17]) == number[17]


@pytest.mark.parametrize(
    ("number", "birth_date", "sex", "region"),
    [
        ("11010519491231002X", date(1949, 12, 31), "F", "110105"),
        ("34052419800101001X", date(1980, 1, 1), "M", "340524"),
    ],
)
def test_published_numbers_from_other_provinces_are_accepted(
    number: str, birth_date: date, sex: str, region: str
) -> None:
    assert parse_id(number, today=TODAY) == IdInfo(id=number, birth_date=birth_date, sex=sex, region_code=region)


def test_published_number_born_before_1900_is_rejected_as_birth_date() -> None:
    with pytest.raises(InvalidId) as caught:
        parse_id("440524188001010014", today=TODAY)
    assert caught.value.error is IdError.BIRTH_DATE
    assert "1900" in str(caught.value)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("11010519491231002x", "11010519491231002X"),
        ("  440802199001010016\n", "440802199001010016"),
        ("440802 19900101 0016", "440802199001010016"),
        ("４４０８０２１９９００１０１００１６", "440802199001010016"),
        ("１１０１０５１９４９１２３１００２ｘ", "11010519491231002X"),
        ("440802\u300019900101\u30000016", "440802199001010016"),
    ],
)
def test_normalise_id_removes_spaces_and_uppercases_x(raw: str, expected: str) -> None:
    assert normalise_id(raw) == expected


def test_lowercase_x_is_accepted_and_stored_as_uppercase() -> None:
    assert parse_id("11010519491231002x", today=TODAY).id == "11010519491231002X"


def test_unfamiliar_region_code_is_valid() -> None:
    first17 = "99999919900101001"
    number = first17 + check_digit(first17)
    assert parse_id(number, today=TODAY).region_code == "999999"


@pytest.mark.parametrize(
    "raw",
    ["", "4408021990010100", "4408021990010100161", "440802900101001"],
)
def test_wrong_length_is_rejected(raw: str) -> None:
    with pytest.raises(InvalidId) as caught:
        parse_id(raw, today=TODAY)
    assert caught.value.error is IdError.LENGTH


def test_fifteen_digit_number_is_sent_to_the_window() -> None:
    with pytest.raises(InvalidId) as caught:
        parse_id("440802900101001", today=TODAY)
    assert caught.value.error is IdError.LENGTH
    assert "15-digit" in str(caught.value)


@pytest.mark.parametrize(
    "raw",
    [
        "44080219900101001A",
        "4408021990010100X6",
        "X40802199001010016",
        "440802-9900101-016",
        "44080219900101001\u0666",  # Arabic-Indic six survives NFKC but is not an ASCII digit
    ],
)
def test_wrong_characters_are_rejected(raw: str) -> None:
    with pytest.raises(InvalidId) as caught:
        parse_id(raw, today=TODAY)
    assert caught.value.error is IdError.CHARACTERS


@pytest.mark.parametrize(
    "birth",
    ["19900230", "19901301", "19900000", "19000229", "20260431"],
)
def test_impossible_birth_date_is_rejected(birth: str) -> None:
    first17 = "440802" + birth + "001"
    with pytest.raises(InvalidId) as caught:
        parse_id(first17 + check_digit(first17), today=TODAY)
    assert caught.value.error is IdError.BIRTH_DATE
    assert birth in str(caught.value)


def test_future_birth_date_is_rejected() -> None:
    first17 = "44080220260602001"
    with pytest.raises(InvalidId) as caught:
        parse_id(first17 + check_digit(first17), today=TODAY)
    assert caught.value.error is IdError.BIRTH_DATE
    assert "future" in str(caught.value)


def test_birth_date_today_is_accepted() -> None:
    first17 = "44080220260601002"
    info = parse_id(first17 + check_digit(first17), today=TODAY)
    assert (info.birth_date, info.sex) == (TODAY, "F")


def test_birth_year_1900_is_the_earliest_accepted() -> None:
    first17 = "44080219000101001"
    info = parse_id(first17 + check_digit(first17), today=TODAY)
    assert info.birth_date == date(1900, 1, 1)


def test_today_defaults_to_the_real_date() -> None:
    assert parse_id("440802199001010016").birth_date == date(1990, 1, 1)


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        ("440802199001010017", "6"),
        ("110105194912310021", "X"),
        ("44080219900101002X", "4"),
    ],
)
def test_wrong_check_character_is_rejected(number: str, expected: str) -> None:
    with pytest.raises(InvalidId) as caught:
        parse_id(number, today=TODAY)
    assert caught.value.error is IdError.CHECK_DIGIT
    assert f"should be {expected}" in str(caught.value)


def test_invalid_id_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        parse_id("123", today=TODAY)


@pytest.mark.parametrize("first17", ["4408021990010100", "4408021990010100A", ""])
def test_check_digit_needs_seventeen_digits(first17: str) -> None:
    with pytest.raises(ValueError):
        check_digit(first17)
