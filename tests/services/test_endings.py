"""Ending a registration with the eleven reasons of §2.1, and reversing a mistaken ending."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from portal.i18n import current_locale
from portal.models import InboxMessage, OutboxMessage, RegistrationStatus
from portal.services import endings
from portal.services.cases import Lock
from portal.services.errors import InputError, NotAllowed
from tests.staffing import registered_case

ANY_EVENT = 10**6


async def _messages(db) -> tuple[int, int]:
    inbox = await db.scalar(select(func.count()).select_from(InboxMessage))
    texts = await db.scalar(select(func.count()).select_from(OutboxMessage))
    return inbox, texts


@pytest.mark.parametrize("reason", list(endings.END_REASONS))
async def test_each_of_the_eleven_reasons_ends_as_the_notice_says(db, services, scopes, reason: str) -> None:
    registration = await registered_case(db, services, scopes["reviewer"])
    before = await _messages(db)
    rule = endings.END_REASONS[reason]
    ended = await endings.end(
        db, services.sms, scopes["reviewer"], registration.number, Lock(registration.version, ANY_EVENT),
        reason=reason, end_date=date.today().isoformat(), note="evidence on file",
        reference="湛人社公告〔2026〕1号" if rule.needs_reference else "",
    )  # fmt: skip
    assert ended.status is rule.ends_as
    assert ended.status is (RegistrationStatus.EMPLOYED if reason in ("1", "2", "3") else RegistrationStatus.EXITED)
    assert ended.end_reason == reason
    told = (await _messages(db))[0] - before[0], (await _messages(db))[1] - before[1]
    silent = {"6c", "7", "9", "10"}  # emigration, imprisonment, unreachable, death
    assert told == ((0, 0) if reason in silent else (1, 1))


async def test_reason_11_needs_the_reference_of_the_public_decision(db, services, scopes) -> None:
    registration = await registered_case(db, services, scopes["reviewer"])
    with pytest.raises(InputError) as raised:
        await endings.end(
            db, services.sms, scopes["reviewer"], registration.number, Lock(registration.version, ANY_EVENT),
            reason="11", end_date=date.today().isoformat(), note="decided",
        )  # fmt: skip
    assert set(raised.value.errors) == {"end_reference"}


async def test_city_admin_reverses_a_mistaken_ending(db, services, scopes) -> None:
    registration = await registered_case(db, services, scopes["reviewer"])
    ended = await endings.end(
        db, services.sms, scopes["reviewer"], registration.number, Lock(registration.version, ANY_EVENT),
        reason="10", end_date=date.today().isoformat(), note="wrong person",
    )  # fmt: skip
    with pytest.raises(NotAllowed):
        await endings.reverse(
            db, services.sms, scopes["reviewer"], ended.number, Lock(ended.version, ANY_EVENT), why="x"
        )
    reversed_ = await endings.reverse(
        db, services.sms, scopes["admin"], ended.number, Lock(ended.version, ANY_EVENT),
        why="the death record was another person's",
    )  # fmt: skip
    assert reversed_.status is RegistrationStatus.REGISTERED
    assert reversed_.end_reason is None


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_the_three_parts_of_reason_6_read_as_6a_6b_and_6c(locale: str) -> None:
    token = current_locale.set(locale)
    try:
        for code in ("6a", "6b", "6c"):
            assert str(endings.END_REASONS[code].label).startswith(f"{code} ")
    finally:
        current_locale.reset(token)
