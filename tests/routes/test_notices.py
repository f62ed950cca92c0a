"""The public notice pages over HTTP: cached for visitors, emptied when a notice is published, withdrawn or an
entry taken down; limited per address; and the objection form's answers."""

from __future__ import annotations

import re

from sqlalchemy import select

from portal.models import Notice, NoticeEntry, Objection
from portal.services import notices, objections
from portal.services.staff import scope_of
from tests import paging
from tests.conftest import post_form
from tests.residents import sign_up
from tests.routes.test_notice_permissions import _world
from tests.services.test_notices import copies_of
from tests.staffing import sign_in_staff

OBJECT_LINK = "/1/objection"


async def _take_down_unseen(db, number: str) -> None:
    """Take entry 1 down behind the portal's back (no request, so nothing empties the cache)."""
    from portal.models import StaffUser

    reviewer = scope_of(await db.scalar(select(StaffUser).where(StaffUser.username == "chikan.reviewer")))
    await notices.take_down(db, reviewer, number, 1, "error", "直接改库")
    await db.commit()


async def test_a_notice_page_is_cached_until_an_entry_is_taken_down_through_the_portal(client, services, db) -> None:
    numbers = await _world(db, services)
    url = f"/notices/{numbers['published']}"
    assert OBJECT_LINK in (await client.get(url)).text
    await _take_down_unseen(db, numbers["published"])
    assert OBJECT_LINK in (await client.get(url)).text  # still the cached page
    # The same change made through the portal empties the cache once it is committed.
    await db.execute(NoticeEntry.__table__.update().values(taken_down_at=None))
    await db.commit()
    await sign_in_staff(client, "chikan_reviewer")
    response = await post_form(
        client,
        f"/staff{url}/take-down",
        {"position": "1", "category": "error", "reason": "身份证号录入错误"},
        page=f"/staff{url}",
    )
    assert response.status_code == 303
    page = (await client.get(url)).text
    assert OBJECT_LINK not in page
    assert "信息有误" in page or "Information in the notice was wrong" in page


async def test_publishing_and_withdrawing_show_at_once_in_the_public_list(client, services, db) -> None:
    numbers = await _world(db, services)
    assert numbers["draft"] not in (await client.get("/notices")).text
    await sign_in_staff(client, "chikan_reviewer")
    published = await post_form(client, f"/staff/notices/{numbers['draft']}/publish",
                                {"version": numbers["draft_version"]}, page="/staff/notices")  # fmt: skip
    assert published.status_code == 303
    assert numbers["draft"] in (await client.get("/notices")).text
    notice = await db.scalar(select(Notice).where(Notice.number == numbers["draft"]))
    withdrawn = await post_form(
        client,
        f"/staff/notices/{numbers['draft']}/withdraw",
        {"version": str(notice.version), "category": "duplicate", "reason": "重复"},
        page="/staff/notices",
    )
    assert withdrawn.status_code == 303
    page = (await client.get(f"/notices/{numbers['draft']}")).text
    assert "撤回" in page or "Withdrawn on" in page
    assert OBJECT_LINK not in page


async def test_a_signed_in_resident_never_gets_or_leaves_a_cached_page(client, services, db) -> None:
    numbers = await _world(db, services)
    url = f"/notices/{numbers['published']}"
    anonymous = await client.get(url)
    assert anonymous.headers.get("x-robots-tag") == "noindex"
    assert "/account/logout" not in anonymous.text
    await sign_up(client, services, "13200000009")
    assert "/account/logout" in (await client.get(url)).text  # their own page, not the visitors' cached one
    client.cookies.clear()
    assert "/account/logout" not in (await client.get(url)).text  # and theirs was not kept for others


async def test_notice_pages_are_limited_per_address(client, services, db, monkeypatch) -> None:
    numbers = await _world(db, services)
    monkeypatch.setattr(services, "settings", services.settings.__class__(**{
        **services.settings.__dict__, "notice_pages_per_minute": 3}))  # fmt: skip
    statuses = [(await client.get(f"/notices/{numbers['published']}")).status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 429, 429]


async def test_an_anonymous_objection_over_http_gives_a_number_and_a_secret_that_track_it(client, services, db) -> None:
    numbers = await _world(db, services)
    url = f"/notices/{numbers['published']}/1/objection"
    response = await post_form(client, url, {"who": "anonymous", "ground": "employed", "facts": "在超市上班"})
    assert response.status_code == 200
    objection = await db.scalar(select(Objection).order_by(Objection.id.desc()).limit(1))
    assert objection.number in response.text
    import re

    secret = re.search(r'<strong class="reference">([A-Z2-9]{10})</strong>', response.text).group(1)
    tracked = await post_form(client, "/objections/track", {"number": objection.number, "secret": secret})
    assert tracked.status_code == 200
    assert "在超市上班" not in tracked.text  # the facts are not shown back, nor anything of the person
    wrong = await post_form(client, "/objections/track", {"number": objection.number, "secret": "AAAAAAAAAA"})
    assert 'class="error-summary"' in wrong.text


async def test_an_empty_objection_comes_back_with_its_errors_and_a_bot_is_refused(client, services, db) -> None:
    numbers = await _world(db, services)
    url = f"/notices/{numbers['published']}/1/objection"
    empty = await post_form(client, url, {"facts": "写了一半"})
    assert empty.status_code == 200
    assert 'class="error-summary"' in empty.text
    assert "写了一半" in empty.text  # nothing typed is lost
    bot = await post_form(client, url, {"who": "anonymous", "ground": "other", "facts": "x", "website": "spam"})
    assert bot.status_code == 400


async def test_a_notice_page_carries_its_qr_code_as_a_drawing(client, services, db) -> None:
    numbers = await _world(db, services)
    page = (await client.get(f"/notices/{numbers['published']}")).text
    assert '<svg class="qr" role="img"' in page
    assert "&lt;svg" not in page


async def test_the_objections_queue_pages_with_its_links_keeping_the_view(client, services, db, monkeypatch) -> None:
    numbers = await _world(db, services)
    first = await db.scalar(select(Objection).where(Objection.number == numbers["objection"]))
    made = [first, *await copies_of(db, first, [(d, "440802", "received") for d in (3, -2, 3, 8, 0, 5)] + [
        (2, "440802", "decided"), (1, "440803", "received")])]  # fmt: skip
    open_ones = [o.number for o in sorted((o for o in made if o.county_code == "440802" and o.status != "decided"),
                                          key=lambda o: (o.due, o.id))]  # fmt: skip
    monkeypatch.setattr(objections, "PAGE_SIZE", 3)
    await sign_in_staff(client, "chikan_clerk")

    def shown(page: str) -> list[str]:
        return re.findall(r'<a href="/staff/objections/([A-Z0-9]+)">', page)

    assert await paging.follow(client, "/staff/objections", "next", shown) == [open_ones[:3], open_ones[3:6],
                                                                                 open_ones[6:]]  # fmt: skip
    assert await paging.follow(client, "/staff/objections?show=open&last=1", "prev", shown) == [
        open_ones[4:], open_ones[1:4], open_ones[:1]]  # fmt: skip
    links = paging.links((await client.get("/staff/objections?show=all")).text)
    assert all("show=all" in url for url in links.values())
    every = await paging.follow(client, "/staff/objections?show=all", "next", shown)
    assert len(paging.flat(every)) == 8
    for query in ("after=%E2%80%AE", "before=" + "9" * 900, "last=1&before=@@"):
        response = await client.get(f"/staff/objections?{query}")
        assert response.status_code == 200
        assert shown(response.text) == (open_ones[4:] if "last=1" in query else open_ones[:3])
