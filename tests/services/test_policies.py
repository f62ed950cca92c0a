"""The policy checklist in the service layer: loading, what the rules know about a person, versions."""

from __future__ import annotations

import asyncio
import json
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from portal.models import AuditEntry, CreditListing, Policy, PolicyVersion, Registration
from portal.services import policies
from portal.services.answers import of as answers_of
from portal.services.errors import Conflict, InputError, NotAllowed
from portal.services.registration import latest_of
from tests.staffing import registered_case


def _edit(**changes) -> policies.PolicyEdit:
    data = json.loads(policies.POLICIES_FILE.read_text(encoding="utf-8"))["policies"][5]  # P06
    texts = {name: data[name] for name in policies.TEXT_FIELDS}
    edit = {"texts": texts, "valid_from": data["valid_from"], "valid_to": "", "is_sample": True,
            "conditions": json.dumps(data["conditions"]), "change_note": "wording"}  # fmt: skip
    return policies.PolicyEdit(**{**edit, **changes})


async def test_the_thirteen_policies_are_loaded_once_and_edits_are_never_overwritten(db) -> None:
    assert await db.scalar(select(func.count()).select_from(Policy)) == 13  # loaded with the reference data
    assert await policies.load_policies(db) == 0
    shown = await policies.in_force(db, situation="business")
    assert [p.code for p in shown] == ["P01", "P02", "P03", "P04", "P05"]
    assert all(p.is_sample for p in shown)


async def _profile(db, services, registration: Registration):
    loaded = await latest_of(db, registration.account_id)
    return await policies.profile_of(db, services.cipher, services.social_insurance, loaded, answers_of(loaded))


async def test_a_profile_reads_the_registration_the_answers_and_the_insurance_record(db, services, scopes) -> None:
    # 李强 of the simulator: insured 139 months, his contract ended.
    registration = await registered_case(db, services, scopes["reviewer"], id_number="440881198503150052", name="李强")
    profile = await _profile(db, services, registration)
    assert (profile.registration_state, profile.months_insured, profile.involuntary_job_loss) == (
        "registered",
        139,
        True,
    )
    assert profile.intentions == {"job", "training"}  # ZHANG_SAN's answers: training yes, business no
    assert profile.registered_on == date.today()
    fits = policies.checklist(await policies.in_force(db), profile, date.today())
    fitting = [f.policy.code for f in fits if f.outcome.eligible]
    assert fitting == ["P06", "P08", "P13"]
    assert [f.policy.code for f in fits[: len(fitting)]] == fitting  # fitting first


async def test_a_person_on_the_credit_list_gets_nothing_new_while_listed(db, services, scopes) -> None:
    registration = await registered_case(db, services, scopes["reviewer"])
    db.add(CreditListing(person_id=registration.person_id, listed_on=date.today() - timedelta(days=1), reason="fraud"))
    await db.commit()
    profile = await _profile(db, services, registration)
    assert profile.credit_listed
    assert not any(f.outcome.eligible for f in policies.checklist(await policies.in_force(db), profile, date.today()))
    # Once the listing ends, support can be granted again.
    listing = await db.scalar(select(CreditListing))
    listing.until = date.today() - timedelta(days=1)
    await db.commit()
    assert not (await _profile(db, services, registration)).credit_listed


async def test_an_edit_makes_a_new_version_and_is_audited_with_what_changed(db, scopes) -> None:
    texts = {**_edit().texts, "gives_en": "Free training and a certificate subsidy."}
    version = await policies.edit(db, scopes["admin"], "P06", 1, _edit(texts=texts))
    await db.commit()
    assert version.version == 2
    assert (await policies.get(db, "P06")).gives == "免费或补贴参加职业技能培训，取得证书的给予补贴（标准由市局确认）。"
    assert [v.version for v in await policies.versions(db, "P06")] == [2, 1]
    entry = await db.scalar(select(AuditEntry).where(AuditEntry.action == "policy.edit"))
    assert entry.changes == {"version": [1, 2], "changed": ["gives_en"], "note": "wording"}


async def test_an_edit_is_checked_field_by_field(db, scopes) -> None:
    bad = _edit(texts={**_edit().texts, "title_zh": ""}, valid_from="someday", conditions='[{"check": "magic"}]',
                change_note="")  # fmt: skip
    with pytest.raises(InputError) as raised:
        await policies.edit(db, scopes["admin"], "P06", 1, bad)
    assert set(raised.value.errors) == {"title_zh", "valid_from", "conditions", "change_note"}
    with pytest.raises(NotAllowed):
        await policies.edit(db, scopes["reviewer"], "P06", 1, _edit())


async def test_two_administrators_saving_at_once_make_one_version(db, services, scopes) -> None:
    async def save(note: str) -> str:
        async with services.sessionmaker() as session:
            try:
                await policies.edit(session, scopes["admin"], "P06", 1, _edit(change_note=note))
                await session.commit()
                return "saved"
            except Conflict:
                return "conflict"

    if services.settings.database_url.startswith("sqlite"):
        outcomes = [await save("first"), await save("second")]  # SQLite takes one writer at a time
    else:
        outcomes = await asyncio.gather(save("first"), save("second"))
    assert sorted(outcomes) == ["conflict", "saved"]
    assert (
        await db.scalar(select(func.count()).select_from(PolicyVersion).where(PolicyVersion.policy_code == "P06")) == 2
    )


async def test_the_anonymous_check_needs_a_real_age(db) -> None:
    with pytest.raises(InputError) as raised:
        policies.quick_profile(policies.QuickAnswers(age="forty"), date(2026, 11, 30))
    assert set(raised.value.errors) == {"age"}
    profile = policies.quick_profile(
        policies.QuickAnswers(age="41", sex="F", registered="registered"), date(2026, 11, 30)
    )
    assert profile.birth_date == date(1985, 11, 30)
    assert profile.registered
