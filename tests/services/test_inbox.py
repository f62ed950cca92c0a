"""The inbox: telling a resident (a message in their language and a Chinese text message), and reading it."""

from __future__ import annotations

from sqlalchemy import func, select

from portal.i18n import current_locale
from portal.models import InboxMessage, MessageKind, OutboxMessage
from portal.services import inbox
from tests.staffing import make_case


async def test_telling_puts_a_message_in_the_inbox_and_sends_a_text(db, services) -> None:
    case = await make_case(db, services, phone="13300000081")
    await inbox.tell(db, services.sms, case, MessageKind.TRANSFERRED, {"to": "440881"})
    await db.commit()
    message = await db.scalar(select(InboxMessage))
    assert (message.account_id, message.kind, message.params) == (
        case.account_id, MessageKind.TRANSFERRED, {"number": case.number, "to": "440881"}
    )  # fmt: skip
    text = await db.scalar(select(OutboxMessage.body).where(OutboxMessage.phone == "13300000081"))
    assert text == f"【湛江就业服务】您的失业登记（{case.number}）已转移至新的经办机构，请登录查看联系方式。"
    assert await inbox.unread_count(db, case.account_id) == 1
    await inbox.mark_read(db, case.account_id)
    assert await inbox.unread_count(db, case.account_id) == 0


async def test_every_kind_of_message_has_words_in_both_languages_and_a_text(db, services) -> None:
    assert set(inbox.MESSAGES) == set(MessageKind)
    message = InboxMessage(kind=MessageKind.REGISTERED, params={"number": "ZJ1"})
    for locale, expected in (("en", "Your unemployment registration ZJ1 is done: you are registered."),
                             ("zh_CN", "您的失业登记申请ZJ1已办结，予以登记。")):  # fmt: skip
        token = current_locale.set(locale)
        try:
            assert inbox.text_of(message) == expected
        finally:
            current_locale.reset(token)
    assert all(wording.sms.startswith("【湛江就业服务】") for wording in inbox.MESSAGES.values())


async def test_a_registration_whose_account_is_gone_still_gets_its_text(db, services) -> None:
    case = await make_case(db, services, phone="13300000082")
    case.account_id = None
    await inbox.tell(db, services.sms, case, MessageKind.REVERSED)
    await db.commit()
    assert await db.scalar(select(func.count()).select_from(InboxMessage)) == 0
    assert await db.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.phone == "13300000082"))
