"""The staff queue: scope, filters, and with htmx the list updated in place from the partial the page includes."""

from __future__ import annotations

import re
from datetime import date

import pytest

from portal.services import queue
from tests import paging
from tests.conftest import HTMX, make_id
from tests.staffing import make_case, sign_in_staff

_LIST = re.compile(r'<div id="queue-list".*?\n</div>', re.S)


async def test_a_county_clerk_sees_the_deferred_first_and_only_their_own_county(client, services, db, named_staff):
    complete = await make_case(db, services, phone="13300000051", id_number=make_id(date(1991, 5, 5), "M"))
    deferred = await make_case(db, services, phone="13300000052", id_number=make_id(date(1992, 5, 5), "M"),
                               missing=["id_card"])  # fmt: skip
    elsewhere = await make_case(db, services, phone="13300000053", id_number=make_id(date(1993, 5, 5), "M"),
                                county="440803")  # fmt: skip
    await sign_in_staff(client, "chikan_clerk")
    page = (await client.get("/staff")).text
    assert page.index(deferred.number) < page.index(complete.number)
    assert elsewhere.number not in page


async def test_with_htmx_a_filter_answers_with_the_list_alone_the_same_partial_as_the_page(
    client, services, db, named_staff
) -> None:
    complete = await make_case(db, services, phone="13300000061", id_number=make_id(date(1991, 6, 6), "M"))
    deferred = await make_case(db, services, phone="13300000062", id_number=make_id(date(1992, 6, 6), "M"),
                               missing=["id_card"])  # fmt: skip
    await sign_in_staff(client, "chikan_clerk")
    answer = await client.get("/staff", params={"status": "deferred"}, headers={**HTMX, "HX-Target": "queue-list"})
    assert answer.status_code == 200
    assert "<html" not in answer.text
    assert answer.text.strip().startswith('<div id="queue-list"')
    assert deferred.number in answer.text
    assert complete.number not in answer.text
    # Without htmx (the Filter button) the whole page comes back, holding exactly that list.
    page = await client.get("/staff", params={"status": "deferred"})
    assert "<html" in page.text
    assert _LIST.search(page.text).group(0) == _LIST.search(answer.text).group(0)


async def test_a_boosted_or_restored_request_for_the_queue_gets_the_whole_page(client, services, db, named_staff):
    await sign_in_staff(client, "chikan_clerk")
    # htmx asking for the page itself (history restore after Back, for one) targets no list: the whole page.
    answer = await client.get("/staff", headers=HTMX)
    assert "<html" in answer.text


_NUMBER = re.compile(r'<a href="/staff/cases/([A-Z0-9]+)">')


def _numbers(page: str) -> list[str]:
    return _NUMBER.findall(page)


async def _seven(db, services, complete_only: bool = False) -> list[str]:
    """Three deferred and four complete applications in 赤坎: the queue's numbers in its order."""
    made = [
        await make_case(db, services, phone=f"1330000081{n}", missing=["id_card"] if n % 2 else None,
                        id_number=make_id(date(1990, 3, 1 + n), "M", sequence=n + 1))
        for n in range(7)
    ]  # fmt: skip
    ordered = sorted(made, key=lambda r: (r.status.value, r.deadline, r.id))
    return [r.number for r in ordered if not complete_only or r.status.value == "submitted"]


async def test_without_javascript_the_pager_links_walk_the_queue_either_way(
    client, services, db, named_staff, monkeypatch
) -> None:
    monkeypatch.setattr(queue, "PAGE_SIZE", 3)
    expected = await _seven(db, services)
    await sign_in_staff(client, "chikan_clerk")
    ahead = await paging.follow(client, "/staff", "next", _numbers)
    assert ahead == [expected[:3], expected[3:6], expected[6:]]
    behind = await paging.follow(client, "/staff?last=1", "prev", _numbers)
    assert behind == [expected[4:], expected[1:4], expected[:1]]
    middle = await client.get(paging.links((await client.get("/staff")).text)["next"])
    shown = paging.links(middle.text)
    assert set(shown) == {"first", "prev", "next", "last"}
    assert shown["last"].endswith("last=1")
    assert "after=" not in shown["first"]
    assert "before=" not in shown["first"]


async def test_the_pager_links_keep_the_filters(client, services, db, named_staff, monkeypatch) -> None:
    monkeypatch.setattr(queue, "PAGE_SIZE", 3)
    complete = await _seven(db, services, complete_only=True)
    await sign_in_staff(client, "chikan_clerk")
    assert await paging.follow(client, "/staff?status=submitted", "next", _numbers) == [complete[:3], complete[3:]]
    behind = await paging.follow(client, "/staff?status=submitted&last=1", "prev", _numbers)
    assert behind == [complete[1:], complete[:1]]
    assert all("status=submitted" in url for url in paging.links((await client.get("/staff?status=submitted")).text)
               .values())  # fmt: skip


async def test_with_htmx_a_pager_link_answers_with_the_list_alone(client, services, db, named_staff, monkeypatch):
    monkeypatch.setattr(queue, "PAGE_SIZE", 3)
    expected = await _seven(db, services)
    await sign_in_staff(client, "chikan_clerk")
    page = await client.get("/staff")
    assert 'hx-target="#queue-list"' in _LIST.search(page.text).group(0)
    answer = await client.get(paging.links(page.text)["next"], headers={**HTMX, "HX-Target": "queue-list"})
    assert answer.text.strip().startswith('<div id="queue-list"')
    assert _numbers(answer.text) == expected[3:6]


@pytest.mark.parametrize(
    "query",
    [
        "after=%01%7F",
        "before=" + "A" * 5000,
        "after=eyJ4Ijox",
        "last=99",
        "after=",
        "after=WyJxdWV1ZS5hbGwiLDAsIjIwMjYtMTMtNDUiLDFd",
        "before=WyJxdWV1ZS5hbGwiLDld",
    ],
)
async def test_a_tampered_cursor_shows_the_first_page_in_the_readers_language(
    client, services, db, named_staff, monkeypatch, query: str
) -> None:
    monkeypatch.setattr(queue, "PAGE_SIZE", 3)
    expected = await _seven(db, services)
    await sign_in_staff(client, "chikan_clerk")
    for locale, html_lang in (("zh_CN", "zh-CN"), ("en", "en")):
        client.cookies.set("lang", locale)
        response = await client.get(f"/staff?{query}")
        assert response.status_code == 200
        assert f'<html lang="{html_lang}">' in response.text
        assert _numbers(response.text) == expected[:3]


async def test_a_cursor_with_a_nul_byte_is_refused_by_the_guard_in_the_readers_language(
    client, services, db, named_staff
) -> None:
    await sign_in_staff(client, "chikan_clerk")
    for locale, html_lang in (("zh_CN", "zh-CN"), ("en", "en")):
        client.cookies.set("lang", locale)
        response = await client.get("/staff?after=%00")
        assert response.status_code == 400
        assert f'<html lang="{html_lang}">' in response.text
