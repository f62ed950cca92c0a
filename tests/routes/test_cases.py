"""The staff case page over HTTP: comparisons, decisions with optimistic locking, scope, contacts and their audit."""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import func, select

from portal.models import AuditEntry, InboxMessage, OutboxMessage, Registration, RegistrationStatus, Verification
from tests.conftest import HTMX, make_id, post_form
from tests.staffing import make_case, sign_in_staff


async def _state(client, number: str) -> dict[str, str]:
    page = await client.get(f"/staff/cases/{number}")
    version = page.text.split('name="version" value="', 1)[1].split('"', 1)[0]
    seen = page.text.split('name="seen_event" value="', 1)[1].split('"', 1)[0]
    return {"version": version, "seen_event": seen}


async def test_reviewer_compares_and_registers_a_deferred_case(client, services, db, named_staff) -> None:
    case = await make_case(db, services, missing=["termination_proof"], compared=False)
    await sign_in_staff(client, "chikan_reviewer")
    queue = await client.get("/staff")
    assert case.number in queue.text
    compared = await post_form(client, f"/staff/cases/{case.number}/compare", {}, page=f"/staff/cases/{case.number}")
    assert compared.status_code == 303
    assert await db.scalar(select(func.count()).select_from(Verification)) == 4
    state = await _state(client, case.number)
    decided = await post_form(
        client, f"/staff/cases/{case.number}/decide",
        {**state, "outcome": "register", "commitment": "kept"}, page=f"/staff/cases/{case.number}",
    )  # fmt: skip
    assert decided.status_code == 303, decided.text
    registration = await db.scalar(select(Registration).where(Registration.number == case.number))
    await db.refresh(registration)
    assert registration.status is RegistrationStatus.REGISTERED
    assert await db.scalar(select(func.count()).select_from(InboxMessage)) == 1
    assert "登记成功" in await db.scalar(select(OutboxMessage.body).order_by(OutboxMessage.id.desc()).limit(1))
    actions = list(await db.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))
    assert {"staff.sign_in", "case.view", "case.compare", "case.decide"} <= set(actions)


async def test_two_reviewers_deciding_at_once_one_wins_and_the_other_sees_what_changed(
    client, services, db, named_staff, app
) -> None:
    import httpx

    case = await make_case(db, services)
    await sign_in_staff(client, "chikan_reviewer")
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50002))
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000") as second:
        await sign_in_staff(second, "chikan_reviewer")
        first_state = await _state(client, case.number)
        second_state = await _state(second, case.number)
        ok = await post_form(
            client, f"/staff/cases/{case.number}/decide", {**first_state, "outcome": "register"},
            page=f"/staff/cases/{case.number}",
        )  # fmt: skip
        assert ok.status_code == 303
        clash = await post_form(
            second, f"/staff/cases/{case.number}/decide",
            {**second_state, "outcome": "reject", "reason": "in_work"}, page=f"/staff/cases/{case.number}",
        )  # fmt: skip
    assert clash.status_code == 409
    assert "已登记" in clash.text or "Registered" in clash.text
    registration = await db.scalar(select(Registration).where(Registration.number == case.number))
    await db.refresh(registration)
    assert registration.status is RegistrationStatus.REGISTERED
    assert registration.rejection_reason is None


async def test_clerk_cannot_decide(client, services, db, named_staff) -> None:
    case = await make_case(db, services)
    await sign_in_staff(client, "chikan_clerk")
    state = await _state(client, case.number)
    response = await post_form(
        client, f"/staff/cases/{case.number}/decide", {**state, "outcome": "register"},
        page=f"/staff/cases/{case.number}",
    )  # fmt: skip
    assert response.status_code == 403


async def test_other_countys_case_is_not_found(client, services, db, named_staff) -> None:
    case = await make_case(db, services, county="440802")
    await sign_in_staff(client, "xiashan_reviewer")
    assert (await client.get(f"/staff/cases/{case.number}")).status_code == 404
    assert case.number not in (await client.get("/staff")).text


async def test_an_attempt_on_another_countys_case_is_audited(client, services, db, named_staff) -> None:
    case = await make_case(db, services, county="440802")
    await sign_in_staff(client, "xiashan_reviewer")
    assert (await client.get(f"/staff/cases/{case.number}")).status_code == 404
    token = (await client.get("/staff")).text.split('name="_csrf_token" value="', 1)[1].split('"', 1)[0]
    posted = await client.post(f"/staff/cases/{case.number}/decide", data={"outcome": "reject", "_csrf_token": token})
    assert posted.status_code == 404
    attempts = (
        await db.execute(
            select(AuditEntry.username, AuditEntry.area_code, AuditEntry.target_id, AuditEntry.changes)
            .where(AuditEntry.action == "case.out_of_scope").order_by(AuditEntry.id)
        )
    ).all()  # fmt: skip
    assert [(a.username, a.area_code, a.target_id) for a in attempts] == [
        ("xiashan.reviewer", "440803", case.number)
    ] * 2
    assert [a.changes["path"] for a in attempts] == [
        f"/staff/cases/{case.number}",
        f"/staff/cases/{case.number}/decide",
    ]


async def test_staff_record_contacts_that_feed_the_job(client, services, db, named_staff) -> None:
    from portal.models import ServiceRecord

    case = await make_case(db, services)
    await sign_in_staff(client, "chikan_reviewer")
    state = await _state(client, case.number)
    await post_form(client, f"/staff/cases/{case.number}/decide", {**state, "outcome": "register"},
                    page=f"/staff/cases/{case.number}")  # fmt: skip
    missing = await post_form(client, f"/staff/cases/{case.number}/service-records", {"service_kind": "tracking"},
                              page=f"/staff/cases/{case.number}")  # fmt: skip
    assert missing.status_code == 200
    assert 'href="#service_day"' in missing.text
    form = {"service_day": "2026-11-20", "service_kind": "tracking", "service_channel": "phone",
            "service_result": "refused_without_reason", "service_note": "不需要"}  # fmt: skip
    saved = await post_form(
        client, f"/staff/cases/{case.number}/service-records", form, page=f"/staff/cases/{case.number}"
    )
    assert saved.status_code == 303
    record = await db.scalar(select(ServiceRecord))
    assert (record.kind, record.result.value) == ("tracking", "refused_without_reason")


async def test_a_rejection_tells_the_resident_why_and_how_to_object_or_reapply(
    client, services, db, named_staff
) -> None:
    from tests.residents import ZHANG_SAN, fill_in, sign_up, submit

    await sign_up(client, services, "13900000077")
    await fill_in(client, {**ZHANG_SAN, "place": {"county": "440802"}})
    number = (await submit(client)).headers["location"].rsplit("/", 1)[1]
    resident_cookies = dict(client.cookies)
    client.cookies.clear()
    await sign_in_staff(client, "chikan_reviewer")
    state = await _state(client, number)
    rejected = await post_form(
        client, f"/staff/cases/{number}/decide",
        {**state, "outcome": "reject", "reason": "in_work", "note": "社保记录显示仍在职"},
        page=f"/staff/cases/{number}",
    )  # fmt: skip
    assert rejected.status_code == 303
    client.cookies.clear()
    client.cookies.update(resident_cookies)
    page = await client.get(f"/account/applications/{number}")
    assert "社保记录显示仍在职" in page.text
    assert "12333" in page.text
    assert 'href="/register"' in page.text  # apply again
    assert "tag-rejected" in page.text
    inbox = await client.get("/account/inbox")
    assert number in inbox.text


# ---- issue 6, points 13 and 16: the decision form over HTTP ------------------------------------------------------


def _summary(html: str) -> list[tuple[str, str]]:
    """(field, message) pairs of the error summary, in order."""
    block = html.split('class="error-summary"', 1)[1].split("</ul>", 1)[0]
    return [
        (link.split('"', 1)[0], link.split(">", 1)[1].split("</a>", 1)[0].strip())
        for link in block.split('href="#')[1:]
    ]


def _section(html: str, start: str, end: str = "<h2") -> str:
    return html.split(start, 1)[1].split(end, 1)[0]


async def test_case_page_says_why_register_is_not_possible_before_a_comparison(client, services, db, named_staff):
    case = await make_case(db, services, compared=False)
    await sign_in_staff(client, "chikan_reviewer")
    client.cookies.set("lang", "en")
    page = await client.get(f"/staff/cases/{case.number}")
    decide_form = _section(page.text, f'action="/staff/cases/{case.number}/decide"', "</form>")
    assert 'value="register"' not in decide_form
    assert 'value="reject"' in decide_form
    assert "once a data comparison or a field investigation is recorded" in decide_form
    # A page opened before the rule (or a hand-made post) gets the reason next to the field, not a failure.
    state = await _state(client, case.number)
    refused = await post_form(client, f"/staff/cases/{case.number}/decide", {**state, "outcome": "register"},
                              page=f"/staff/cases/{case.number}")  # fmt: skip
    assert refused.status_code == 200
    assert _summary(refused.text) == [
        ("outcome", "To register, first run the data comparisons or record a field investigation")
    ]
    assert 'id="outcome-error"' in refused.text
    await post_form(client, f"/staff/cases/{case.number}/compare", {}, page=f"/staff/cases/{case.number}")
    compared = await client.get(f"/staff/cases/{case.number}")
    assert 'value="register"' in _section(compared.text, f'action="/staff/cases/{case.number}/decide"', "</form>")


async def test_empty_decision_names_each_field_once_with_its_own_message(client, services, db, named_staff) -> None:
    case = await make_case(db, services, missing=["termination_proof"])
    await sign_in_staff(client, "chikan_reviewer")
    client.cookies.set("lang", "en")
    state = await _state(client, case.number)
    empty = await post_form(client, f"/staff/cases/{case.number}/decide", state, page=f"/staff/cases/{case.number}")
    assert empty.status_code == 200
    assert _summary(empty.text) == [
        ("outcome", "Select a decision"),
        ("commitment", "Select whether the credit commitment was kept"),
    ]
    no_note = await post_form(
        client, f"/staff/cases/{case.number}/decide", {**state, "outcome": "reject", "reason": "other",
                                                       "commitment": "kept"},
        page=f"/staff/cases/{case.number}",
    )  # fmt: skip
    [(field, message)] = _summary(no_note.text)
    assert field == "note"
    label = no_note.text.split('<label class="label" for="note">', 1)[1].split("</label>", 1)[0]
    assert label == "Note to the applicant"
    assert label.lower() in message.lower()


async def test_papers_not_supplied_is_offered_only_for_a_deferred_application(client, services, db, named_staff):
    complete = await make_case(db, services, phone="13300000051", id_number=make_id(date(1991, 5, 5), "M"))
    deferred = await make_case(db, services, phone="13300000052", id_number=make_id(date(1992, 5, 5), "M"),
                               missing=["id_card"])  # fmt: skip
    await sign_in_staff(client, "chikan_reviewer")
    complete_page = await client.get(f"/staff/cases/{complete.number}")
    deferred_page = await client.get(f"/staff/cases/{deferred.number}")
    assert 'name="reason" type="radio" value="papers"' not in complete_page.text
    assert 'name="reason" type="radio" value="papers"' in deferred_page.text


async def test_contacts_table_heads_its_columns_with_what_they_hold(client, services, db, named_staff) -> None:
    case = await make_case(db, services)
    await sign_in_staff(client, "chikan_reviewer")
    await post_form(client, f"/staff/cases/{case.number}/compare", {}, page=f"/staff/cases/{case.number}")
    state = await _state(client, case.number)
    await post_form(client, f"/staff/cases/{case.number}/decide", {**state, "outcome": "register"},
                    page=f"/staff/cases/{case.number}")  # fmt: skip
    form = {"service_day": "2026-11-20", "service_kind": "tracking", "service_channel": "phone",
            "service_result": "reached", "service_note": "回访已接通"}  # fmt: skip
    await post_form(client, f"/staff/cases/{case.number}/service-records", form, page=f"/staff/cases/{case.number}")
    chinese = await client.get(f"/staff/cases/{case.number}")
    contacts = chinese.text.split("回访已接通", 1)[0].rsplit("<table", 1)[1]
    comparisons = _section(chinese.text, "<table", "</table>")
    assert "比对结果" in comparisons  # the comparisons' result column
    assert "比对结果" not in contacts
    client.cookies.set("lang", "en")
    english = await client.get(f"/staff/cases/{case.number}")
    head = english.text.split("回访已接通", 1)[0].rsplit("<thead>", 1)[1].split("</thead>", 1)[0]
    assert [h.split("</th>", 1)[0] for h in head.split('<th scope="col">')[1:]] == [
        "Date of the contact",
        "Service or contact",
        "Channel",
        "Result of the contact",
        "What was offered",
    ]


async def test_big_data_match_reads_nothing_found_not_a_list_of_facts(client, services, db, named_staff) -> None:
    case = await make_case(db, services, compared=False)
    await sign_in_staff(client, "chikan_reviewer")
    client.cookies.set("lang", "en")
    await post_form(client, f"/staff/cases/{case.number}/compare", {}, page=f"/staff/cases/{case.number}")
    page = await client.get(f"/staff/cases/{case.number}")
    big_data = page.text.split("Big-data platform", 1)[1].split("</tr>", 1)[0]
    assert "tag-match" in big_data
    assert "Finding: nothing found" in big_data
    assert "recorded as deceased" not in big_data
    assert "receives a basic pension" not in big_data


# ---- with htmx: each form updates its own section, from the partial the page includes ------------------------

_SECTION = re.compile(r'<section id="(?P<id>[a-z_]+)"[^>]*>.*?</section>', re.S)


def _sections(html: str) -> dict[str, str]:
    return {m["id"]: m.group(0) for m in _SECTION.finditer(html)}


async def test_with_htmx_a_comparison_answers_with_its_section_and_the_sections_it_changed(
    client, services, db, named_staff
) -> None:
    case = await make_case(db, services, compared=False)
    await sign_in_staff(client, "chikan_reviewer")
    page = f"/staff/cases/{case.number}"
    answer = await post_form(client, f"{page}/compare", {}, page=page, headers=HTMX)
    assert answer.status_code == 200
    assert "<html" not in answer.text
    sections = _sections(answer.text)
    # Its own section first, swapped in place; then, out of band, what a comparison changes: registering
    # becomes possible, and the history has a line more.
    assert list(sections) == ["verifications", "decision", "history"]
    assert "hx-swap-oob" not in sections["verifications"].split(">", 1)[0]
    assert all('hx-swap-oob="true"' in sections[name].split(">", 1)[0] for name in ("decision", "history"))
    assert 'value="register"' in sections["decision"]
    # The same partial as the page's: the page drawn now holds the same section, but the focus marker.
    drawn = _sections((await client.get(f"{page}?done=verifications")).text)
    assert sections["verifications"].replace(" data-autofocus", "") == drawn["verifications"]
    assert await db.scalar(select(func.count()).select_from(Verification)) == 4


async def test_with_htmx_a_decision_with_errors_comes_back_in_its_section_with_a_summary(
    client, services, db, named_staff
) -> None:
    case = await make_case(db, services, missing=["id_card"])
    await sign_in_staff(client, "chikan_reviewer")
    page = f"/staff/cases/{case.number}"
    answer = await post_form(client, f"{page}/decide", {**await _state(client, case.number)}, page=page, headers=HTMX)
    assert answer.status_code == 200
    sections = _sections(answer.text)
    assert list(sections) == ["decision"]  # nothing else changed
    assert 'class="error-summary"' in sections["decision"]
    assert 'href="#outcome"' in sections["decision"]
    assert 'href="#commitment"' in sections["decision"]
    await db.refresh(case)
    assert case.status is RegistrationStatus.DEFERRED


async def test_with_htmx_a_conflict_answers_409_and_draws_every_section_again(
    client, services, db, named_staff
) -> None:
    case = await make_case(db, services)
    await sign_in_staff(client, "chikan_reviewer")
    page = f"/staff/cases/{case.number}"
    stale = await _state(client, case.number)
    registered = await post_form(client, f"{page}/decide", {**stale, "outcome": "register"}, page=page)
    assert registered.status_code == 303
    again = await post_form(client, f"{page}/decide", {**stale, "outcome": "reject", "reason": "age"}, page=page,
                            headers=HTMX)  # fmt: skip
    assert again.status_code == 409
    sections = _sections(again.text)
    assert set(sections) == {
        "status",
        "verifications",
        "decision",
        "ending",
        "transfer",
        "service_records",
        "proposals",
        "history",
    } - {"status"}  # the status line is a paragraph, not a section
    assert (
        "This case changed while you were working on it" in again.text or "该办件在您处理期间已发生变化" in again.text
    )
    assert 'id="status"' in again.text


async def test_with_htmx_a_service_record_updates_only_its_section(client, services, db, named_staff) -> None:
    case = await make_case(db, services)
    await sign_in_staff(client, "chikan_reviewer")
    page = f"/staff/cases/{case.number}"
    await post_form(client, f"{page}/decide", {**await _state(client, case.number), "outcome": "register"}, page=page)
    form = {"service_day": date.today().isoformat(), "service_kind": "tracking", "service_channel": "phone",
            "service_result": "reached", "service_note": "回访已接通"}  # fmt: skip
    answer = await post_form(client, f"{page}/service-records", form, page=page, headers=HTMX)
    assert answer.status_code == 200
    assert list(_sections(answer.text)) == ["service_records"]
    assert "回访已接通" in answer.text
