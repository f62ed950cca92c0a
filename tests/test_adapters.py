"""The outside-system adapters: the social-insurance simulator and the development SMS outbox."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from portal.adapters.sms import OutboxGateway
from portal.adapters.social_insurance import NO_RECORD, SocialInsuranceSimulator
from portal.models import OutboxMessage


async def test_simulator_knows_people_in_active_employment() -> None:
    record = await SocialInsuranceSimulator().employment("440803198805120036")
    assert record.active
    assert record.employer_zh == "湛江示例港务有限公司（示例）"
    assert record.since == date(2019, 3, 1)


async def test_simulator_knows_people_whose_employment_ended() -> None:
    record = await SocialInsuranceSimulator().employment("440881198503150052")
    assert not record.active
    assert record.ended_on == date(2026, 9, 30)


async def test_simulator_has_no_record_of_unknown_people() -> None:
    assert await SocialInsuranceSimulator().employment("440802199001010016") == NO_RECORD


async def test_outbox_gateway_keeps_the_message(db) -> None:
    await OutboxGateway().send(db, "13812345678", "hello")
    message = await db.scalar(select(OutboxMessage))
    assert (message.phone, message.body) == ("13812345678", "hello")


async def test_simulator_answers_many_people_in_one_call_leaving_out_those_it_does_not_know() -> None:
    records = await SocialInsuranceSimulator().employment_many(
        ["440803198805120036", "440881198503150052", "440802199001010016"]
    )
    assert set(records) == {"440803198805120036", "440881198503150052"}
    assert records["440803198805120036"].active
    assert not records["440881198503150052"].active
