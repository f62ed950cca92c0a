"""Chinese text uses full-width punctuation and English text English punctuation: in the catalogues,
in lists joined from choices, and in what the templates stitch together."""

from __future__ import annotations

import html
import re

import pytest
from babel.messages.pofile import read_po
from markupsafe import Markup

from portal import i18n
from portal.i18n import TRANSLATIONS_DIR, bracketed, join_list, plain
from tests.conftest import post_form
from tests.staffing import create_named_staff, make_case, sign_in_staff

CJK = "\u3400-\u4dbf\u4e00-\u9fff\u3000-\u303f\uff00-\uffef"
# A half-width mark right after Chinese, or before it (spaces between allowed for), or ending a Chinese text.
# An English gloss after a Chinese term ("汉族 (Han)", in English text) is spaced off, so it is not caught.
HALF_WIDTH_IN_CHINESE = re.compile(rf"[{CJK}][,:;?!()]|[,:;?!()]\s*[{CJK}]|[{CJK}][,:;?!.]$")
FULL_WIDTH = re.compile("[，。：；？！（）「」、]")
PLACEHOLDER = re.compile(r"%\(\w+\)s")


def _strings(locale: str) -> list[tuple[str, str]]:
    with (TRANSLATIONS_DIR / locale / "LC_MESSAGES" / "messages.po").open("rb") as f:
        catalogue = read_po(f, locale=locale)
    pairs = []
    for message in catalogue:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        # A placeholder is neither Chinese nor punctuation: "%(date)s" must not hide or fake a neighbour.
        pairs += [(str(message.id), PLACEHOLDER.sub("", s)) for s in strings if s]
    return pairs


def test_no_chinese_translation_has_half_width_punctuation_beside_chinese() -> None:
    assert [(msgid, s) for msgid, s in _strings("zh_CN") if HALF_WIDTH_IN_CHINESE.search(s)] == []


def test_no_english_text_has_full_width_punctuation() -> None:
    assert [(msgid, s) for msgid, s in _strings("en") if FULL_WIDTH.search(s)] == []


def test_the_punctuation_check_catches_what_it_should() -> None:
    assert HALF_WIDTH_IN_CHINESE.search("办结期限: 1月1日")
    assert HALF_WIDTH_IN_CHINESE.search("退出登录(张三)")
    assert HALF_WIDTH_IN_CHINESE.search("请选择原因,然后提交")
    assert HALF_WIDTH_IN_CHINESE.search("已办结.")
    assert not HALF_WIDTH_IN_CHINESE.search("办结期限：1月1日。For example 汉族 (Han)")


@pytest.fixture
def chinese():
    token = i18n.current_locale.set("zh_CN")
    yield
    i18n.current_locale.reset(token)


@pytest.fixture
def english():
    token = i18n.current_locale.set("en")
    yield
    i18n.current_locale.reset(token)


def test_choices_are_joined_with_the_enumeration_comma_in_chinese(chinese) -> None:
    assert join_list(["职业介绍", "职业培训"]) == "职业介绍、职业培训"
    assert plain(["职业介绍", "职业培训"]) == "职业介绍、职业培训"
    assert bracketed("暂定") == "（暂定）"


def test_choices_are_joined_with_a_comma_and_space_in_english(english) -> None:
    assert join_list(["job matching", "training"]) == "job matching, training"
    assert plain(["job matching", "training"]) == "job matching, training"
    assert bracketed("provisional") == " (provisional)"


def test_joined_choices_take_their_words_from_the_labels_and_escape_once(english) -> None:
    labels = {"a": "Tom & Jerry", "b": Markup("already &amp; escaped")}
    assert join_list(["a", "b", "c"], labels) == "Tom &amp; Jerry, already &amp; escaped, c"
    assert join_list(None, labels) == ""


def _visible_text(page: str) -> str:
    body = page.split("<body", 1)[1]
    return html.unescape(re.sub(r"<[^>]+>", " ", re.sub(r"<(script|style)\b.*?</\1>", "", body, flags=re.S)))


@pytest.fixture
async def a_case_with_lists(client, services, db):
    await create_named_staff(db)
    # On record as 张伟: under another name the card-holder comparison is a mismatch, so the history lists one.
    case = await make_case(
        db, services, missing=["id_card", "termination_proof"], id_number="440802198607210018", name="张三"
    )
    await sign_in_staff(client, "chikan_clerk")
    page = f"/staff/cases/{case.number}"
    assert (await post_form(client, f"{page}/compare", {}, page=page)).status_code == 303
    return page


async def test_the_case_page_in_chinese_uses_full_width_punctuation(client, a_case_with_lists) -> None:
    page = await client.get(a_case_with_lists)
    assert page.status_code == 200
    text = _visible_text(page.text)
    assert "适合我的岗位信息、免费职业技能培训" in text  # services wanted
    assert "男，1986年7月21日" in text
    assert "所缺材料：本人身份证、解除或终止劳动合同证明。" in text
    lines = [line.strip() for line in text.splitlines() if HALF_WIDTH_IN_CHINESE.search(line.strip())]
    assert lines == []


async def test_the_case_page_in_english_uses_english_punctuation(client, a_case_with_lists) -> None:
    await client.get("/lang?to=en&next=/")
    page = await client.get(a_case_with_lists)
    text = _visible_text(page.text)
    assert "Male, 21 July 1986" in text
    assert "Job vacancies that fit me, Free skills training" in text
    assert "Missing: My ID card, Proof that my job ended (contract termination certificate)." in text
    assert "mismatch in Social security card holders" in text
    assert [line.strip() for line in text.splitlines() if FULL_WIDTH.search(line)] == []
