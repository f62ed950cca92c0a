"""Resident accounts, one-time SMS codes and the development SMS outbox."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, Timestamped, UTCDateTime, enum_column


class ResidentAccount(Timestamped, Base):
    __tablename__ = "resident_accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(sa.String(11), unique=True)
    password_hash: Mapped[str] = mapped_column(sa.String(200))
    locale: Mapped[str] = mapped_column(sa.String(8), default="zh_CN")
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Moves on with every new password or phone number: a session signed in under an older one has ended.
    credentials_version: Mapped[int] = mapped_column(default=1, server_default="1")


class CodePurpose(enum.StrEnum):
    SIGN_UP = "sign_up"
    RESET = "reset"
    CHANGE_PHONE = "change_phone"  # sent to the new number
    OBJECTION = "objection"  # a real-name objector's number, checked before the objection is filed


class SmsCode(Timestamped, Base):
    """A one-time code; only its keyed hash is stored, and the phone as a keyed hash too."""

    __tablename__ = "sms_codes"
    __table_args__ = (sa.Index(None, "phone_hash", "purpose", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    phone_hash: Mapped[str] = mapped_column(sa.String(64))
    purpose: Mapped[CodePurpose] = mapped_column(enum_column(CodePurpose))
    code_hash: Mapped[str] = mapped_column(sa.String(64))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(default=0)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class OutboxMessage(Timestamped, Base):
    """A text the development SMS gateway 'sent': kept here instead of reaching a phone."""

    __tablename__ = "sms_outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(sa.String(11), index=True)
    body: Mapped[str] = mapped_column(sa.Text)
