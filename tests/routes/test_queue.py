"""The staff queue: scope, filters, and with htmx the list updated in place from the partial the page includes."""

from __future__ import annotations

import re
from datetime import date

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
