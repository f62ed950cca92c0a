"""The matching rule: why a person fits a vacancy, in plain reasons, and when they do not fit at all."""

from __future__ import annotations

import pytest

from portal.rules.matching import (
    LIVES_IN,
    OCCUPATION,
    REGISTERED_IN,
    SKILL,
    Person,
    Post,
    Reason,
    keywords,
    occupation_matches,
    rank,
    reasons,
    skills_found,
)

CHIKAN, XIASHAN = "440802", "440803"


def _person(intention: str = "", skills: str = "", certificates: str = "", lives: str = CHIKAN) -> Person:
    return Person(intention, CHIKAN, lives, skills, certificates)


def test_an_electrician_who_lives_in_the_county_matches_an_electricians_post_with_three_reasons() -> None:
    found = reasons(_person("电工", certificates="低压电工证"), Post("电工", CHIKAN, ("电工证",)))
    assert found == [
        Reason(OCCUPATION, "电工", "电工"),
        Reason(SKILL, "电工证", "电工证"),
        Reason(LIVES_IN, CHIKAN, CHIKAN),
    ]


@pytest.mark.parametrize(
    ("intention", "post", "fits"),
    [
        ("电工", "维修电工", True),  # the post is a kind of what they want
        ("设备维修电工", "电工", True),  # what they want is a kind of the post
        (" Driver ", "delivery driver", True),  # trimmed and case-free
        ("电工", "收银员", False),
        ("", "电工", False),  # no intention says nothing
        ("电工", "  ", False),
    ],
)
def test_the_occupation_matches_when_one_contains_the_other(intention: str, post: str, fits: bool) -> None:
    assert occupation_matches(intention, post) is fits


def test_the_county_alone_is_no_match() -> None:
    assert reasons(_person("收银员", skills="会计"), Post("电工", CHIKAN, ("电工证",))) == []


def test_a_skill_alone_is_a_match_and_a_person_registered_but_living_elsewhere_is_said_so() -> None:
    found = reasons(_person(skills="叉车驾驶三年", lives=XIASHAN), Post("仓库管理员", CHIKAN, ("叉车",)))
    assert found == [Reason(SKILL, "叉车", "叉车"), Reason(REGISTERED_IN, CHIKAN, CHIKAN)]


def test_a_post_in_another_county_gives_no_county_reason() -> None:
    found = reasons(_person("电工"), Post("电工", XIASHAN, ()))
    assert [r.kind for r in found] == [OCCUPATION]


def test_skills_are_found_in_the_skills_or_the_certificates_case_free() -> None:
    assert skills_found(("会 Excel 和 CAD", "C1驾照"), ["excel", "c1", "焊工", ""]) == ["excel", "c1"]


def test_keywords_split_on_commas_enumeration_marks_and_spaces_once_each() -> None:
    assert keywords(" 电工证，焊工、叉车; CAD cad ,,") == ["电工证", "焊工", "叉车", "CAD"]
    assert keywords("") == []


def test_ranking_keeps_matches_only_the_most_reasons_first_and_equal_counts_in_order() -> None:
    one, two, three = [Reason(SKILL, "a", "a")], [Reason(SKILL, "a", "a")] * 2, [Reason(SKILL, "a", "a")] * 3
    assert rank([("p1", one), ("none", []), ("p3", three), ("p2", two), ("p1b", one)]) == [
        ("p3", three), ("p2", two), ("p1", one), ("p1b", one),
    ]  # fmt: skip


def test_a_reason_becomes_a_plain_dict_to_keep() -> None:
    assert Reason(SKILL, "叉车", "叉车").as_dict() == {"kind": "skill", "person": "叉车", "vacancy": "叉车"}
