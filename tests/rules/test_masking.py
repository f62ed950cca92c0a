"""Tests for masking names, identity numbers and phone numbers in public notices."""

import pytest

from portal.rules.masking import COMPOUND_SURNAMES, mask_id, mask_name, mask_phone


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("张三", "张*"),
        ("李小龙", "李**"),
        ("欧阳娜娜", "欧阳**"),
        ("司马光", "司马*"),
        ("诸葛亮", "诸葛*"),
        ("上官婉儿", "上官**"),
        ("慕容复", "慕容*"),
        ("王欧阳", "王**"),  # a compound surname later in the name is not a surname
    ],
)
def test_name_keeps_the_surname_and_masks_each_other_character(name: str, expected: str) -> None:
    assert mask_name(name) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("贺兰芳", "贺**"),
        ("乐正华", "乐**"),
        ("王孙杰", "王**"),
    ],
)
def test_ambiguous_two_character_prefixes_are_read_as_single_surnames(name: str, expected: str) -> None:
    assert mask_name(name) == expected


def test_two_character_name_is_never_shown_whole_even_if_it_is_a_compound_surname() -> None:
    assert mask_name("欧阳") == "欧*"


@pytest.mark.parametrize(("name", "expected"), [("张", "*"), ("J", "*"), ("", "")])
def test_one_character_name_is_fully_masked(name: str, expected: str) -> None:
    assert mask_name(name) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("John Smith", "J*** *****"),
        ("Anna", "A***"),
        ("  李小龙  ", "李**"),
        ("阿依古丽·买买提", "阿***·***"),
    ],
)
def test_other_names_keep_the_first_character_and_separators(name: str, expected: str) -> None:
    assert mask_name(name) == expected


@pytest.mark.parametrize(
    "surname",
    [
        "欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙",
        "宇文", "司徒", "夏侯", "轩辕", "令狐", "端木", "独孤", "南宫", "西门",
    ],
)  # fmt: skip
def test_common_compound_surnames_are_recognised(surname: str) -> None:
    assert surname in COMPOUND_SURNAMES
    assert mask_name(surname + "某某") == surname + "**"


def test_compound_surname_list_covers_the_common_ones() -> None:
    assert len(COMPOUND_SURNAMES) >= 80
    assert all(len(surname) == 2 for surname in COMPOUND_SURNAMES)


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        ("440802199001010016", "440802********0016"),
        ("11010519491231002X", "110105********002X"),
        ("440802900101001", "440802*****1001"),
        ("44080219900", "440802*9900"),
        ("4408021990", "**********"),
        ("123", "***"),
        ("", ""),
        (" 440802199001010016 ", "440802********0016"),
    ],
)
def test_id_keeps_first_six_and_last_four(number: str, expected: str) -> None:
    assert mask_id(number) == expected


@pytest.mark.parametrize(
    ("phone", "expected"),
    [
        ("13812345678", "138****5678"),
        ("07593456789", "075****6789"),
        ("12345678", "123*5678"),
        ("1234567", "*******"),
        ("110", "***"),
        ("", ""),
    ],
)
def test_phone_keeps_first_three_and_last_four(phone: str, expected: str) -> None:
    assert mask_phone(phone) == expected
