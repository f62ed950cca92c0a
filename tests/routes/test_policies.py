"""The support policies over HTTP: the public list and pages, the anonymous check, the resident's own checklist
with its reasons, and the administrators' versions."""

from __future__ import annotations

import json
import re

from sqlalchemy import func, select

from portal.models import (
    PolicyVersion,
    Registration,
    StaffUser,
    Verification,
    VerificationOutcome,
    VerificationSource,
)
from portal.services import decisions
from portal.services.cases import Lock
from portal.services.staff import scope_of
from tests.conftest import post_form
from tests.residents import ZHANG_SAN, fill_in, sign_up, submit
from tests.staffing import sign_in_staff

CHECK = {"age": "52", "sex": "M", "registered": "registered", "insured": "60", "job_lost_involuntarily": "yes",
         "intentions": "training"}  # fmt: skip


async def test_the_list_is_public_filterable_and_marked_as_sample(client) -> None:
    every = await client.get("/policies")
    assert every.status_code == 200
    assert len(re.findall(r'href="/policies/P\d\d"', every.text)) == 13
    assert "示例内容" in every.text
    business = await client.get("/policies", params={"situation": "business"})
    assert re.findall(r'href="/policies/(P\d\d)"', business.text) == ["P01", "P02", "P03", "P04", "P05"]
    nonsense = await client.get("/policies", params={"situation": "<script>"})
    assert len(re.findall(r'href="/policies/P\d\d"', nonsense.text)) == 13


async def test_each_policy_has_its_page_with_amounts_basis_and_dates(client) -> None:
    page = await client.get("/policies/P08")
    assert page.status_code == 200
    assert "失业保险金" in page.text
    assert "1665.00元" in page.text
    assert "《失业保险条例》第十七条" in page.text
    assert (await client.get("/policies/P99")).status_code == 404


async def test_the_anonymous_check_lists_what_may_fit_with_why_and_keeps_nothing(client, app) -> None:
    answer = await client.get("/policies/check", params=CHECK)
    assert answer.status_code == 200
    fitting = re.findall(r'<h2 class="card-title" id="fit-(P\d\d)">', answer.text)
    assert fitting[:4] == ["P06", "P08", "P11", "P13"]
    assert "您已参加失业保险60个月（需满12个月）。" in answer.text
    assert "大龄失业人员" in answer.text
    # Nothing kept: no session (the only cookie is the anonymous CSRF one every page sets), no row.
    assert not any(c.startswith("session=") for c in answer.headers.get_list("set-cookie"))
    assert len(app.stores.get("sessions")._store) == 0


async def test_the_anonymous_check_says_what_is_wrong_beside_the_field_and_keeps_the_answers(client) -> None:
    answer = await client.get("/policies/check", params={**CHECK, "age": "fifty"})
    assert answer.status_code == 200
    assert 'href="#age"' in answer.text
    assert 'value="fifty"' in answer.text
    assert 'value="training" checked' in answer.text
    assert 'id="fit-' not in answer.text


async def test_a_resident_sees_the_policies_that_fit_first_with_the_reasons(client, services, db, named_staff):
    await sign_up(client, services, "13800000081")
    before = await client.get("/account/policies")
    assert "您申请失业登记后" in before.text
    await fill_in(client, ZHANG_SAN)
    number = (await submit(client)).headers["location"].rsplit("/", 1)[1]
    registration = await db.scalar(select(Registration).where(Registration.number == number))
    waiting = await client.get("/account/policies")
    assert "您的失业登记申请正在等待经办机构审核。" in waiting.text
    db.add(Verification(registration_id=registration.id, source=VerificationSource.FIELD_INVESTIGATION,
                        outcome=VerificationOutcome.MATCH, detail={}))  # fmt: skip
    await db.commit()
    reviewer = scope_of(await db.scalar(select(StaffUser).where(StaffUser.username == "xiashan.reviewer")))
    await decisions.decide(db, services.sms, reviewer, number, Lock(registration.version, 0), outcome="register")
    await db.commit()
    mine = await client.get("/account/policies")
    cards = re.findall(r'id="fit-(P\d\d)"', mine.text)
    assert cards[:2] == ["P06", "P13"]  # training wanted; registered
    assert "您表示有参加技能培训的意愿。" in mine.text
    assert "需参加失业保险满12个月；您目前为0个月。" in mine.text  # P08: no insurance record
    own = await client.get("/policies/P06")
    assert "符合条件" in own.text


async def test_a_city_administrator_saves_a_new_version_and_a_stale_form_is_refused(client, db, named_staff):
    await sign_in_staff(client, "city_admin")
    page = await client.get("/staff/policies/P13")
    assert page.status_code == 200
    form = {name: re.search(rf'name="{name}"[^>]*value="([^"]*)"', page.text).group(1)
            for name in ("title_zh", "title_en", "legal_basis", "valid_from")}  # fmt: skip
    texts = {name: "文本" for name in ("who_zh", "who_en", "gives_zh", "gives_en", "how_zh", "how_en", "where_zh",
                                     "where_en")}  # fmt: skip
    good = {**form, **texts, "based_on": "1", "is_sample": "yes", "conditions": json.dumps([{"check": "registered"}]),
            "change_note": "新的文字"}  # fmt: skip
    saved = await post_form(client, "/staff/policies/P13", good, page="/staff/policies/P13")
    assert saved.headers["location"] == "/staff/policies/P13?done=saved"
    stale = await post_form(client, "/staff/policies/P13", good, page="/staff/policies/P13")
    assert stale.status_code == 409
    assert "您编辑期间已有他人保存了新版本" in stale.text
    broken = await post_form(
        client, "/staff/policies/P13", {**good, "based_on": "2", "conditions": "not json"}, page="/staff/policies/P13"
    )
    assert 'href="#conditions"' in broken.text
    assert (
        await db.scalar(select(func.count()).select_from(PolicyVersion).where(PolicyVersion.policy_code == "P13")) == 2
    )
