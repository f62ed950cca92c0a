"""Public-welfare posts: kept by the county's staff; a certified person placed for the post's term (one active
placement per person, places counted by a conditional UPDATE), which proposes ending the registration and records a
service; an early end; the alerts before a term ends (staff list, the person's inbox once) and completion by the
daily jobs; the resident's own page; and the demo data."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select, update

from portal.clock import local_today
from portal.models import (
    AuditEntry,
    Certification,
    InboxMessage,
    MessageKind,
    PlacementStatus,
    ProposalSource,
    PublicWelfarePlacement,
    PublicWelfarePost,
    Registration,
    RegistrationStatus,
    ServiceKind,
    ServiceRecord,
    StaffUser,
    StatusProposal,
)
from portal.services import audit, certifications, jobs, staff_accounts
from portal.services import public_welfare_posts as posts
from portal.services.errors import Conflict, InputError, NotAllowed, OutOfScope
from portal.services.staff import Scope, scope_of
from tests.conftest import make_id
from tests.staffing import STAFF_PASSWORD, registered_case

TODAY = local_today()


async def _staff(db, username: str, role: str, area: str | None) -> Scope:
    user = await staff_accounts.create(db, audit.SYSTEM, username=username, full_name=username,
                                       password=STAFF_PASSWORD, role=role, area_code=area)  # fmt: skip
    await db.commit()
    return scope_of(user)


def _form(**changes: str) -> posts.PostForm:
    values = {"employer": "赤坎区某街道办事处", "title": "社区保洁员", "duties": "街巷清扫", "positions": "2",
              "term_months": "12", "monthly_subsidy": "1850"}  # fmt: skip
    return posts.PostForm(**(values | changes))


async def _post(db, scope: Scope, **changes: str) -> PublicWelfarePost:
    made = await posts.create(db, scope, _form(**changes))
    await db.commit()
    return made


async def _person(db, services, reviewer: Scope, n: int, *, certify: bool = True, county: str = "440802"):
    """A registered person of the reviewer's county, certified with employment difficulty unless told not to."""
    id_number = make_id(date(1970, 3, 3), "M", region=county, sequence=n)
    registration = await registered_case(db, services, reviewer, county=county, phone=f"1330000040{n}",
                                         id_number=id_number)  # fmt: skip
    if certify:
        applied = await certifications.apply(db, registration.account_id, category="older", evidence="proof",
                                             evidence_text="身份证", commitment_name="")  # fmt: skip
        await db.commit()
        version = await db.scalar(select(Certification.version).where(Certification.number == applied.number))
        await certifications.decide(db, services.sms, reviewer, applied.number, version=version, outcome="certify",
                                    reasons="")  # fmt: skip
        await db.commit()
    return registration


async def _place(db, scope: Scope, post: PublicWelfarePost, registration: Registration, starts_on: date = TODAY):
    placed = await posts.place(db, scope, post.id, posts.PlaceForm(registration.number, starts_on.isoformat()), TODAY)
    await db.commit()
    return placed


def test_a_term_ends_the_day_before_the_same_day_number_or_on_a_short_months_last_day() -> None:
    assert posts.term_end(date(2026, 1, 1), 12) == date(2026, 12, 31)
    assert posts.term_end(date(2026, 3, 15), 36) == date(2029, 3, 14)
    assert posts.term_end(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert posts.term_end(date(2027, 11, 30), 3) == date(2028, 2, 29)


async def test_a_post_needs_its_facts_and_goes_to_the_clerks_own_county(db, scopes) -> None:
    with pytest.raises(InputError) as raised:
        await posts.create(db, scopes["reviewer"], _form(employer="", positions="0", term_months="37",
                                                         monthly_subsidy="-1", title="x" * 101))  # fmt: skip
    assert set(raised.value.errors) == {"employer", "positions", "term_months", "monthly_subsidy", "title"}
    made = await _post(db, scopes["reviewer"], county="440803")  # a county's staff cannot choose another
    assert (made.county_code, made.filled, made.open) == ("440802", 0, True)
    with pytest.raises(InputError) as no_county:
        await posts.create(db, scopes["admin"], _form())
    assert set(no_county.value.errors) == {"county"}
    assert (await _post(db, scopes["admin"], county="440803")).county_code == "440803"
    viewer = await _staff(db, "city.viewer", "city_viewer", None)
    with pytest.raises(NotAllowed):
        await posts.create(db, viewer, _form())
    assert await db.scalar(select(func.count()).where(AuditEntry.action == "public_welfare.create")) == 2


async def test_placing_a_certified_person_records_the_term_and_subsidy_a_service_and_a_proposal_to_end(
    db, services, scopes
) -> None:
    person = await _person(db, services, scopes["reviewer"], 1)
    post = await _post(db, scopes["reviewer"], term_months="12", monthly_subsidy="1850")
    starts_on = TODAY - timedelta(days=3)

    placed = await _place(db, scopes["reviewer"], post, person, starts_on)

    assert not placed.already
    assert placed.proposed
    p = placed.placement
    assert (p.status, p.starts_on, p.subsidy_from) == (PlacementStatus.ACTIVE, starts_on, starts_on)
    assert p.ends_on == p.subsidy_to == posts.term_end(starts_on, 12)
    assert (p.registration_id, p.person_id, p.placed_by) == (person.id, person.person_id, scopes["reviewer"].staff_id)
    await db.refresh(post)
    assert post.filled == 1
    # Employment: proposed to a reviewer, never ended here.
    assert await db.scalar(select(Registration.status).where(Registration.id == person.id)) is (
        RegistrationStatus.REGISTERED
    )
    proposal = await db.scalar(select(StatusProposal).where(StatusProposal.registration_id == person.id))
    assert (proposal.reason, proposal.source) == ("1", ProposalSource.PLACEMENT)
    assert proposal.detail["employer"] == "赤坎区某街道办事处"
    note = await db.scalar(select(ServiceRecord.note).where(ServiceRecord.registration_id == person.id,
                                                            ServiceRecord.kind == ServiceKind.GUIDANCE,
                                                            ServiceRecord.note.like("公益性岗位安置%")))  # fmt: skip
    assert "社区保洁员" in note
    assert await db.scalar(select(AuditEntry.target_id).where(AuditEntry.action == "public_welfare.place")) == (
        person.number
    )


async def test_only_a_certified_person_registered_in_the_posts_county_may_be_placed(db, services, scopes) -> None:
    uncertified = await _person(db, services, scopes["reviewer"], 1, certify=False)
    xiashan_reviewer = await _staff(db, "xiashan.reviewer", "reviewer", "440803")
    elsewhere = await _person(db, services, xiashan_reviewer, 2, county="440803")
    post = await _post(db, scopes["reviewer"])
    for registration, message in ((uncertified, posts.NOT_CERTIFIED), (elsewhere, posts.NUMBER_UNKNOWN)):
        with pytest.raises(InputError) as raised:
            await _place(db, scopes["reviewer"], post, registration)
        assert raised.value.errors == {"number": message}
    with pytest.raises(InputError) as bad:
        await posts.place(db, scopes["reviewer"], post.id, posts.PlaceForm("", "2020-01-01"), TODAY)
    assert set(bad.value.errors) == {"number", "starts_on"}
    with pytest.raises(InputError) as too_long:
        await posts.place(db, scopes["reviewer"], post.id, posts.PlaceForm("Z" * 21, TODAY.isoformat()), TODAY)
    assert set(too_long.value.errors) == {"number"}
    await db.refresh(post)
    assert post.filled == 0
    assert await db.scalar(select(func.count()).select_from(PublicWelfarePlacement)) == 0


async def test_a_person_holds_one_post_at_a_time_and_placing_again_in_the_same_post_finds_the_first(
    db, services, scopes
) -> None:
    person = await _person(db, services, scopes["reviewer"], 1)
    first, second = await _post(db, scopes["reviewer"]), await _post(db, scopes["reviewer"], title="公园巡查员")
    placed = await _place(db, scopes["reviewer"], first, person)
    again = await _place(db, scopes["reviewer"], first, person)
    assert again.already
    assert again.placement.id == placed.placement.id
    with pytest.raises(InputError) as raised:
        await _place(db, scopes["reviewer"], second, person)
    assert raised.value.errors == {"number": posts.ALREADY_PLACED}
    assert raised.value.status_code == 409
    await db.refresh(first)
    await db.refresh(second)
    assert (first.filled, second.filled) == (1, 0)


async def test_the_last_place_goes_to_one_of_two_people_placed_at_once(db, services, scopes) -> None:
    one, two = [await _person(db, services, scopes["reviewer"], n) for n in (1, 2)]
    post = await _post(db, scopes["reviewer"], positions="1")

    async def place(registration: Registration) -> str:
        async with services.sessionmaker() as session:
            try:
                await posts.place(session, scopes["reviewer"], post.id,
                                  posts.PlaceForm(registration.number, TODAY.isoformat()), TODAY)  # fmt: skip
            except InputError as error:
                return "full" if error.errors == {"number": posts.POST_FULL} else str(error.errors)
            await session.commit()
            return "placed"

    results = await asyncio.gather(place(one), place(two))
    assert sorted(results) == ["full", "placed"]
    await db.refresh(post)
    assert post.filled == 1
    assert await db.scalar(select(func.count()).select_from(PublicWelfarePlacement)) == 1


async def test_a_double_click_places_once_and_takes_one_place(db, services, scopes) -> None:
    person = await _person(db, services, scopes["reviewer"], 1)
    post = await _post(db, scopes["reviewer"], positions="5")

    async def click() -> bool:
        async with services.sessionmaker() as session:
            placed = await posts.place(session, scopes["reviewer"], post.id,
                                       posts.PlaceForm(person.number, TODAY.isoformat()), TODAY)  # fmt: skip
            await session.commit()
            return placed.already

    results = await asyncio.gather(*(click() for _ in range(3)))
    assert sorted(results) == [False, True, True]
    await db.refresh(post)
    assert post.filled == 1
    assert await db.scalar(select(func.count()).select_from(PublicWelfarePlacement)) == 1
    assert await db.scalar(select(func.count()).select_from(StatusProposal)) == 1


async def test_ending_early_stops_the_subsidy_frees_the_place_and_happens_once(db, services, scopes) -> None:
    person = await _person(db, services, scopes["reviewer"], 1)
    post = await _post(db, scopes["reviewer"], positions="1")
    placed = await _place(db, scopes["reviewer"], post, person, TODAY - timedelta(days=40))
    key = placed.placement.id
    with pytest.raises(InputError) as raised:
        await posts.end_early(db, scopes["reviewer"], post.id, key, ended_on=(TODAY + timedelta(days=1)).isoformat(),
                              reason=" ", today=TODAY)  # fmt: skip
    assert set(raised.value.errors) == {f"ended_on-{key}", f"end_reason-{key}"}
    day = TODAY - timedelta(days=2)
    ended = await posts.end_early(db, scopes["reviewer"], post.id, key, ended_on=day.isoformat(),
                                  reason="在市场上找到工作", today=TODAY)  # fmt: skip
    await db.commit()
    assert (ended.status, ended.ended_on, ended.subsidy_to, ended.end_reason) == (
        PlacementStatus.ENDED_EARLY, day, day, "在市场上找到工作"
    )  # fmt: skip
    await db.refresh(post)
    assert post.filled == 0
    with pytest.raises(Conflict):
        await posts.end_early(db, scopes["reviewer"], post.id, key, ended_on=day.isoformat(), reason="再次",
                              today=TODAY)  # fmt: skip
    # The place is free, and the person may be placed again.
    assert not (await _place(db, scopes["reviewer"], post, person)).already


async def test_places_never_drop_below_those_filled_a_stale_edit_conflicts_and_a_closed_post_takes_nobody(
    db, services, scopes
) -> None:
    one, two = [await _person(db, services, scopes["reviewer"], n) for n in (1, 2)]
    post = await _post(db, scopes["reviewer"], positions="3")
    await _place(db, scopes["reviewer"], post, one)
    await _place(db, scopes["reviewer"], post, two)
    with pytest.raises(InputError) as raised:
        await posts.edit(db, scopes["reviewer"], post.id, 1, _form(positions="1"))
    assert set(raised.value.errors) == {"positions"}
    changed = await posts.edit(db, scopes["admin"], post.id, 1, _form(positions="2", title="社区保洁员（早班）"))
    await db.commit()
    assert (changed.positions, changed.title, changed.version) == (2, "社区保洁员（早班）", 2)
    with pytest.raises(Conflict):
        await posts.edit(db, scopes["reviewer"], post.id, 1, _form())
    with pytest.raises(Conflict):
        await posts.close(db, scopes["reviewer"], post.id, 1)
    closed = await posts.close(db, scopes["reviewer"], post.id, 2)
    await db.commit()
    assert not closed.open
    three = await _person(db, services, scopes["reviewer"], 3)
    with pytest.raises(InputError) as shut:
        await _place(db, scopes["reviewer"], post, three)
    assert shut.value.errors == {"number": posts.POST_CLOSED}
    actions = ("public_welfare.edit", "public_welfare.close")
    assert await db.scalar(select(func.count()).where(AuditEntry.action.in_(actions))) == 2


async def test_another_countys_post_is_not_found_and_a_city_viewer_only_reads(db, services, scopes) -> None:
    post = await _post(db, scopes["reviewer"])
    xiashan = await _staff(db, "xiashan.clerk", "clerk", "440803")
    viewer = await _staff(db, "city.viewer", "city_viewer", None)
    with pytest.raises(OutOfScope):
        await posts.post_view(db, xiashan, post.id)
    with pytest.raises(OutOfScope):
        await posts.edit(db, xiashan, post.id, 1, _form())
    assert (await posts.post_view(db, viewer, post.id)).may_manage is False
    for attempt in (posts.edit(db, viewer, post.id, 1, _form()), posts.close(db, viewer, post.id, 1),
                    posts.place(db, viewer, post.id, posts.PlaceForm("ZJ1", TODAY.isoformat()))):  # fmt: skip
        with pytest.raises(NotAllowed):
            await attempt
    assert (await posts.posts(db, xiashan)).total == 0
    assert (await posts.posts(db, viewer)).total == 1


async def _ending_in(db, placement_id: int, days: int) -> None:
    await db.execute(update(PublicWelfarePlacement).where(PublicWelfarePlacement.id == placement_id)
                     .values(ends_on=TODAY + timedelta(days=days)))  # fmt: skip
    await db.commit()


async def test_placements_ending_within_30_days_are_listed_for_the_countys_staff(db, services, scopes) -> None:
    soon, later = [await _person(db, services, scopes["reviewer"], n) for n in (1, 2)]
    post = await _post(db, scopes["reviewer"])
    first = await _place(db, scopes["reviewer"], post, soon)
    second = await _place(db, scopes["reviewer"], post, later)
    await _ending_in(db, first.placement.id, posts.ALERT_DAYS)
    await _ending_in(db, second.placement.id, posts.ALERT_DAYS + 1)

    rows = await posts.ending_soon(db, scopes["reviewer"], TODAY)

    assert [(r.registration_number, r.name, r.post, r.ends_on) for r in rows] == [
        (soon.number, "张三", "社区保洁员", TODAY + timedelta(days=posts.ALERT_DAYS))
    ]
    assert (await posts.posts(db, scopes["admin"], today=TODAY)).ending_total == 1
    xiashan = await _staff(db, "xiashan.clerk", "clerk", "440803")
    assert await posts.ending_soon(db, xiashan, TODAY) == []


async def test_the_daily_jobs_tell_the_person_once_and_complete_a_served_term(db, services, scopes) -> None:
    person, other = [await _person(db, services, scopes["reviewer"], n) for n in (1, 2)]
    post = await _post(db, scopes["reviewer"])
    ending = await _place(db, scopes["reviewer"], post, person)
    served = await _place(db, scopes["reviewer"], post, other, TODAY - timedelta(days=300))
    await _ending_in(db, ending.placement.id, 10)
    await _ending_in(db, served.placement.id, -1)

    async def run() -> jobs.JobReport:
        async with services.sessionmaker() as session:
            report = await jobs.run_due(session, services.cipher, today=TODAY)
            await session.commit()
            return report

    reports = await asyncio.gather(run(), run())

    assert sorted(r.placements_alerted for r in reports) == [0, 1]
    assert sorted(r.placements_completed for r in reports) == [0, 1]
    told = list(await db.scalars(select(InboxMessage).where(InboxMessage.kind == MessageKind.PLACEMENT_ENDING)))
    assert [(m.account_id, m.params["post"]) for m in told] == [(person.account_id, "社区保洁员")]
    statuses = dict((await db.execute(select(PublicWelfarePlacement.id, PublicWelfarePlacement.status))).all())
    assert statuses == {ending.placement.id: PlacementStatus.ACTIVE, served.placement.id: PlacementStatus.COMPLETED}
    await db.refresh(post)
    assert post.filled == 1
    again = await run()
    assert (again.placements_alerted, again.placements_completed) == (0, 0)
    assert "placements_alerted" not in again.as_dict()


async def test_the_resident_sees_their_placement(db, services, scopes) -> None:
    person = await _person(db, services, scopes["reviewer"], 1)
    assert await posts.of_account(db, person.account_id) == []
    post = await _post(db, scopes["reviewer"])
    await _place(db, scopes["reviewer"], post, person)
    [mine] = await posts.of_account(db, person.account_id)
    assert (mine.post.title, mine.post.employer, mine.placement.status) == (
        "社区保洁员", "赤坎区某街道办事处", PlacementStatus.ACTIVE
    )  # fmt: skip


async def test_the_demo_places_a_certified_person_in_chikans_post_whose_term_ends_within_30_days(db, services) -> None:
    from portal.demo import load_demo_public_welfare_posts, load_demo_staff

    await load_demo_staff(db)
    made = await load_demo_public_welfare_posts(db, services.cipher, services.social_insurance, services.sms)
    await db.commit()
    assert made == 2
    chikan = scope_of(await db.scalar(select(StaffUser).where(StaffUser.username == "chikan.clerk")))
    [row] = await posts.ending_soon(db, chikan, TODAY)
    assert row.name == "梁志华"
    assert TODAY < row.ends_on <= TODAY + timedelta(days=posts.ALERT_DAYS)
    assert await load_demo_public_welfare_posts(db, services.cipher, services.social_insurance, services.sms) == 0
