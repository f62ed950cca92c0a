"""Sending text messages: the SmsGateway interface and the development outbox."""

from __future__ import annotations

from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from portal.models import OutboxMessage


class SmsGateway(Protocol):
    async def send(self, session: AsyncSession, phone: str, body: str) -> None:
        """Queue or send one message; may write to the session, which the caller commits."""


class OutboxGateway:
    """Development only: messages are stored in the sms_outbox table and shown at /dev/sms.

    Nothing reaches a phone. Settings refuse this gateway in production.
    """

    name = "outbox"

    async def send(self, session: AsyncSession, phone: str, body: str) -> None:
        session.add(OutboxMessage(phone=phone, body=body))
        await session.flush()


def make_gateway(kind: str) -> SmsGateway:
    if kind == "outbox":
        return OutboxGateway()
    raise ValueError(f"unknown SMS gateway {kind!r}")
