"""Public-welfare posts over HTTP: staff add and change a post, place a certified person (errors beside the field),
end a placement early and close the post; the posts page flags terms ending soon; the resident sees their placement;
and who may see and do each."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select, update

from portal.clock import local_today
from portal.models import (
    Certification,
    PlacementStatus,
    ProposalSource,
    PublicWelfarePlacement,
    PublicWelfarePost,
    Registration,
    ResidentAccount,
    StaffUser,
    StatusProposal,
)
from portal.services import certifications
from portal.services import public_welfare_posts as posts
from portal.services.passwords import passwords
from portal.services.staff import Scope, scope_of
from tests.conftest import make_id, post_form
from tests.residents import PASSWORD, sign_up
from tests.routes.test_staff_permissions import USERS, _as
from tests.staffing import create_named_staff, registered_case, sign_in_staff

TODAY = local_today()
BASE = "/staff/public-welfare-posts"
FORM = {"employer": "赤坎区某街道办事处", "title": "社区保洁员", "duties": "街巷清扫", "positions": "3",
        "term_months": "12", "monthly_subsidy": "1850"}  # fmt: skip


async def _scope(db, username: str) -> Scope:
    return scope_of(await db.scalar(select(StaffUser).where(StaffUser.username == username)))


async def _person(db, services, n: int, *, certify: bool = True) -> Registration:
    reviewer = await _scope(db, "chikan.reviewer")
    registration = await registered_case(db, services, reviewer, phone=f"1330000050{n}",
                                         id_number=make_id(date(1970, 3, 3), "M", sequence=n))  # fmt: skip
    if certify:
        applied = await certifications.apply(db, registration.account_id, category="older", evidence="proof",
                                             evidence_text="身份证", commitment_name="")  # fmt: skip
        await db.commit()
        version = await db.scalar(select(Certification.version).where(Certification.number == applied.number))
        await certifications.decide(db, services.sms, reviewer, applied.number, version=version, outcome="certify",
                                    reasons="")  # fmt: skip
        await db.commit()
    return registration


async def _post(db, username: str = "chikan.clerk", **changes: str) -> PublicWelfarePost:
    made = await posts.create(db, await _scope(db, username), posts.PostForm(**(FORM | changes)))
    await db.commit()
    return made


async def _placed(db, post: PublicWelfarePost, registration: Registration) -> int:
    placed = await posts.place(db, await _scope(db, "chikan.clerk"), post.id,
                               posts.PlaceForm(registration.number, TODAY.isoformat()), TODAY)  # fmt: skip
    await db.commit()
    return placed.placement.id


# ---- who may do what -------------------------------------------------------------------------------------------------

CHIKAN, XIASHAN = ["chikan_clerk", "chikan_reviewer"], ["xiashan_clerk", "xiashan_reviewer"]
OUTSIDERS = {"resident": 303, "anonymous": 303}
STAFF_PAGES = {
    BASE: dict.fromkeys(USERS[:6], 200) | OUTSIDERS,
    BASE + "/new": dict.fromkeys(USERS[:6], 200) | {"city_viewer": 403} | OUTSIDERS,
    BASE + "/{id}": dict.fromkeys(CHIKAN, 200) | dict.fromkeys(XIASHAN, 404)
    | {"city_admin": 200, "city_viewer": 200} | OUTSIDERS,
    BASE + "/{id}/edit": dict.fromkeys(CHIKAN, 200) | dict.fromkeys(XIASHAN, 404)
    | {"city_admin": 200, "city_viewer": 403} | OUTSIDERS,
}  # fmt: skip
MANAGE = dict.fromkeys(CHIKAN, 303) | dict.fromkeys(XIASHAN, 404) | {"city_admin": 303, "city_viewer": 403} | OUTSIDERS
# In this order: the close comes last, as a closed post takes nobody.
STAFF_ACTIONS = {
    BASE + "/new": dict.fromkeys(USERS[:6], 303) | {"city_viewer": 403} | OUTSIDERS,
    BASE + "/{id}/edit": MANAGE,
    BASE + "/{id}/placements": MANAGE,
    BASE + "/{id}/placements/{placement}/end": MANAGE,
    BASE + "/{id}/close": MANAGE,
}
# A staff member or a visitor is sent to sign in as a resident.
RESIDENT_PAGES = {"/account/public-welfare-post": dict.fromkeys(USERS, 303) | {"resident": 200}}


@pytest.mark.parametrize("who", USERS)
async def test_who_may_see_and_manage_a_countys_posts_and_placements(client, services, db, who: str) -> None:
    await create_named_staff(db)
    placed, to_place = await _person(db, services, 1), await _person(db, services, 2)
    post = await _post(db)
    placement_id = await _placed(db, post, placed)
    await _as(client, services, db, who)
    for path, expected in (STAFF_PAGES | RESIDENT_PAGES).items():
        response = await client.get(path.format(id=post.id), follow_redirects=False)
        assert response.status_code == expected[who], (path, response.text[:300])
    forms = {
        BASE + "/new": FORM | {"county": "440802"},
        BASE + "/{id}/edit": FORM | {"version": "1"},
        BASE + "/{id}/placements": {"number": to_place.number, "starts_on": TODAY.isoformat()},
        BASE + "/{id}/placements/{placement}/end": {"ended_on": TODAY.isoformat(), "end_reason": "在市场上找到工作"},
        BASE + "/{id}/close": {"version": "2"},
    }
    for path, expected in STAFF_ACTIONS.items():
        url = path.format(id=post.id, placement=placement_id)
        response = await post_form(client, url, forms[path], page="/staff/login")
        assert response.status_code == expected[who], (path, response.text[:300])
    allowed = who in (*CHIKAN, "city_admin")
    statuses = set(await db.scalars(select(PublicWelfarePlacement.status)))
    assert statuses == ({PlacementStatus.ENDED_EARLY, PlacementStatus.ACTIVE} if allowed else {PlacementStatus.ACTIVE})


# ---- staff actions -------------------------------------------------------------------------------------------------


async def test_a_clerk_adds_a_post_and_a_bad_form_comes_back_with_its_errors(client, services, db) -> None:
    await create_named_staff(db)
    await sign_in_staff(client, "chikan_clerk")
    bad = await post_form(client, BASE + "/new", FORM | {"positions": "lots", "term_months": "48", "title": ""})
    assert bad.status_code == 200
    for field in ("positions", "term_months", "title"):
        assert f'href="#{field}"' in bad.text
    assert "赤坎区某街道办事处" in bad.text  # what was typed is kept
    made = await post_form(client, BASE + "/new", FORM)
    assert made.status_code == 303
    page = await client.get(made.headers["location"])
    assert "社区保洁员" in page.text
    assert await db.scalar(select(PublicWelfarePost.county_code)) == "440802"
    listed = await client.get(BASE)
    assert "社区保洁员" in listed.text
    assert 'id="ending"' not in listed.text


async def test_a_post_is_changed_and_a_stale_form_shows_the_post_as_it_is(client, services, db) -> None:
    await create_named_staff(db)
    post = await _post(db)
    await sign_in_staff(client, "chikan_reviewer")
    url = f"{BASE}/{post.id}/edit"
    changed = await post_form(client, url, FORM | {"version": "1", "title": "社区保洁员（早班）"})
    assert changed.status_code == 303
    stale = await post_form(client, url, FORM | {"version": "1", "title": "门卫"})
    assert stale.status_code == 409
    assert "社区保洁员（早班）" in stale.text


async def test_placing_shows_a_refusal_beside_the_number_and_a_placement_proposes_ending_the_registration(
    client, services, db
) -> None:
    await create_named_staff(db)
    uncertified = await _person(db, services, 1, certify=False)
    certified = await _person(db, services, 2)
    post = await _post(db)
    await sign_in_staff(client, "chikan_clerk")
    url, page = f"{BASE}/{post.id}/placements", f"{BASE}/{post.id}"
    refused = await post_form(client, url, {"number": uncertified.number, "starts_on": TODAY.isoformat()}, page=page)
    assert refused.status_code == 200
    assert 'href="#number"' in refused.text
    assert 'id="number-error"' in refused.text
    assert uncertified.number in refused.text  # what was typed is kept
    bad_day = await post_form(client, url, {"number": certified.number, "starts_on": "someday"}, page=page)
    assert 'href="#starts_on"' in bad_day.text
    placed = await post_form(client, url, {"number": certified.number, "starts_on": TODAY.isoformat()}, page=page)
    assert placed.status_code == 303
    assert placed.headers["location"] == f"{page}?done=placed"
    shown = await client.get(placed.headers["location"])
    assert certified.number in shown.text
    assert f"/staff/cases/{certified.number}" in shown.text
    proposal = await db.scalar(select(StatusProposal).where(StatusProposal.registration_id == certified.id))
    assert (proposal.reason, proposal.source) == ("1", ProposalSource.PLACEMENT)
    twice = await post_form(client, url, {"number": certified.number, "starts_on": TODAY.isoformat()}, page=page)
    assert twice.headers["location"] == f"{page}?done=already"
    assert await db.scalar(select(func.count()).select_from(PublicWelfarePlacement)) == 1


async def test_a_full_or_closed_post_answers_with_its_own_message(client, services, db) -> None:
    await create_named_staff(db)
    first, second = await _person(db, services, 1), await _person(db, services, 2)
    post = await _post(db, positions="1")
    await _placed(db, post, first)
    await sign_in_staff(client, "chikan_clerk")
    page = await client.get(f"{BASE}/{post.id}")
    assert f'action="{BASE}/{post.id}/placements"' not in page.text  # full: no form
    form = {"number": second.number, "starts_on": TODAY.isoformat()}
    full = await post_form(client, f"{BASE}/{post.id}/placements", form, page=f"{BASE}/{post.id}")
    assert full.status_code == 409
    assert 'href="#number"' in full.text
    closed = await post_form(client, f"{BASE}/{post.id}/close", {"version": "1"}, page=f"{BASE}/{post.id}")
    assert closed.headers["location"] == f"{BASE}/{post.id}?done=closed"
    shut = await post_form(client, f"{BASE}/{post.id}/placements", form, page=f"{BASE}/{post.id}")
    assert shut.status_code == 409
    assert 'id="number"' in shut.text
    stale = await post_form(client, f"{BASE}/{post.id}/close", {"version": "1"}, page=f"{BASE}/{post.id}")
    assert stale.status_code == 409


async def test_an_early_end_needs_a_day_and_a_reason_beside_its_own_placement_and_is_recorded_once(
    client, services, db
) -> None:
    await create_named_staff(db)
    person = await _person(db, services, 1)
    post = await _post(db)
    placement_id = await _placed(db, post, person)
    await sign_in_staff(client, "chikan_clerk")
    url, page = f"{BASE}/{post.id}/placements/{placement_id}/end", f"{BASE}/{post.id}"
    missing = await post_form(client, url, {"ended_on": "", "end_reason": ""}, page=page)
    assert missing.status_code == 200
    assert f'href="#ended_on-{placement_id}"' in missing.text
    assert f'href="#end_reason-{placement_id}"' in missing.text
    assert f'id="end_reason-{placement_id}"' in missing.text
    ended = await post_form(client, url, {"ended_on": TODAY.isoformat(), "end_reason": "搬离湛江"}, page=page)
    assert ended.status_code == 303
    assert "搬离湛江" in (await client.get(ended.headers["location"])).text
    again = await post_form(client, url, {"ended_on": TODAY.isoformat(), "end_reason": "再次"}, page=page)
    assert again.status_code == 409


async def test_the_posts_page_flags_placements_ending_within_30_days(client, services, db) -> None:
    await create_named_staff(db)
    person = await _person(db, services, 1)
    post = await _post(db)
    placement_id = await _placed(db, post, person)
    await db.execute(update(PublicWelfarePlacement).where(PublicWelfarePlacement.id == placement_id)
                     .values(ends_on=TODAY + timedelta(days=12)))  # fmt: skip
    await db.commit()
    await sign_in_staff(client, "city_viewer")
    listed = await client.get(BASE)
    assert 'id="ending"' in listed.text
    assert person.number in listed.text


async def test_bad_ids_are_not_found(client, services, db) -> None:
    await create_named_staff(db)
    await sign_in_staff(client, "chikan_clerk")
    for bad in ("abc", "99999999999999999999999", "0"):
        assert (await client.get(f"{BASE}/{bad}")).status_code == 404
        response = await post_form(client, f"{BASE}/{bad}/placements", {"number": "ZJ1"}, page=BASE)
        assert response.status_code == 404


# ---- the resident --------------------------------------------------------------------------------------------------


async def test_the_resident_sees_their_placement_privately(client, services, db) -> None:
    await create_named_staff(db)
    await sign_up(client, services, "13700000401")
    none_yet = await client.get("/account/public-welfare-post")
    assert none_yet.status_code == 200
    assert "/account/certification" in none_yet.text
    assert "/account/public-welfare-post" in (await client.get("/account")).text
    person = await _person(db, services, 1)
    post = await _post(db)
    await _placed(db, post, person)
    # The placed person's own account (registered_case made it with a password nobody knows): sign in as them.
    await db.execute(update(ResidentAccount).where(ResidentAccount.id == person.account_id)
                     .values(password_hash=passwords.hash(PASSWORD)))  # fmt: skip
    await db.commit()
    phone = await db.scalar(select(ResidentAccount.phone).where(ResidentAccount.id == person.account_id))
    signed = await post_form(client, "/account/login", {"phone": phone, "password": PASSWORD}, page="/account/login")
    assert signed.status_code == 303, signed.text[:300]
    mine = await client.get("/account/public-welfare-post")
    assert mine.status_code == 200
    assert "社区保洁员" in mine.text
    assert "赤坎区某街道办事处" in mine.text
    assert mine.headers["cache-control"] == "no-store"
