"""Telling a resident what happened: a message in their portal inbox and a text message."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from portal.adapters.sms import SmsGateway
from portal.models import InboxMessage, Registration
from portal.models.base import utcnow

# Texts go out in Chinese (SMS templates are registered with the carrier in one language); the
# inbox shows the same news in the reader's language (templates/partials/inbox_message.html).
_SMS = {
    "registered": "【湛江就业服务】您的失业登记（{number}）已办结，登记成功。请登录查看后续服务。",
    "rejected": "【湛江就业服务】您的失业登记申请（{number}）未予登记。原因及异议、重新申请方式请登录查看。",
    "ended_employed": "【湛江就业服务】您的失业登记（{number}）已转为就业状态。祝工作顺利！",
    "ended_exited": "【湛江就业服务】您的失业登记（{number}）已注销。详情请登录查看。",
    "transferred": "【湛江就业服务】您的失业登记（{number}）已转移至新的经办机构，请登录查看联系方式。",
    "reversed": "【湛江就业服务】您的失业登记（{number}）已恢复为登记状态。",
}


async def tell(
    session: AsyncSession, sms: SmsGateway, registration: Registration, kind: str, params: dict[str, Any] | None = None
) -> None:
    params = {"number": registration.number, **(params or {})}
    if registration.account_id is not None:
        session.add(
            InboxMessage(account_id=registration.account_id, registration_id=registration.id, kind=kind, params=params)
        )
    await sms.send(session, registration.phone, _SMS[kind].format(number=registration.number))
    await session.flush()


async def inbox(session: AsyncSession, account_id: int, limit: int = 50) -> list[InboxMessage]:
    rows = await session.scalars(
        select(InboxMessage)
        .where(InboxMessage.account_id == account_id)
        .order_by(InboxMessage.created_at.desc(), InboxMessage.id.desc())
        .limit(limit)
    )
    return list(rows)


async def unread_count(session: AsyncSession, account_id: int) -> int:
    return (
        await session.scalar(
            select(func.count()).where(InboxMessage.account_id == account_id, InboxMessage.read_at.is_(None))
        )
        or 0
    )


async def mark_read(session: AsyncSession, account_id: int) -> None:
    await session.execute(
        update(InboxMessage)
        .where(InboxMessage.account_id == account_id, InboxMessage.read_at.is_(None))
        .values(read_at=utcnow())
    )
