"""The audit search over HTTP: read in the reader's language, with its limits said beside the fields."""

from __future__ import annotations

import pytest

from tests.staffing import make_case, sign_in_staff


@pytest.mark.parametrize(
    ("locale", "words"),
    [
        ("zh_CN", ["查看个案", "审核人员", "试图查看本辖区以外的个案", "访问地址"]),
        ("en", ["Opened a case", "County reviewer", "Tried to open a case outside their area", "Address asked for"]),
    ],
)
async def test_the_audit_search_reads_in_the_readers_language(client, services, db, named_staff, locale, words) -> None:
    from portal import i18n

    case = await make_case(db, services, county="440802")
    await sign_in_staff(client, "chikan_reviewer")
    await client.get(f"/staff/cases/{case.number}")
    await sign_in_staff(client, "xiashan_reviewer")
    await client.get(f"/staff/cases/{case.number}")
    client.cookies.clear()
    client.cookies.set(i18n.LANG_COOKIE, locale)
    await sign_in_staff(client, "city_admin")
    page = await client.get("/staff/audit")
    assert page.status_code == 200
    for word in words:
        assert word in page.text, word
    assert "case.view" in page.text  # the code stays beside the words, for searching


async def test_an_audit_search_value_longer_than_its_column_is_said_beside_the_field(client, named_staff) -> None:
    await sign_in_staff(client, "city_admin")
    page = await client.get("/staff/audit", params={"username": "x" * 41, "action": "case.view"})
    assert page.status_code == 200
    assert 'id="username-error"' in page.text
    assert "不能超过40个字符" in page.text
    assert 'value="case.view"' in page.text  # what was typed is kept
