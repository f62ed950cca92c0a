"""What handlers need besides the database session, built once at start-up."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from portal.adapters.sms import SmsGateway
from portal.adapters.social_insurance import SocialInsurance
from portal.adapters.verification import Sources
from portal.config import Settings
from portal.crypto import Cipher, SealedTokens
from portal.services.audit import Sealer
from portal.services.ratelimit import Limiter


@dataclass
class Services:
    settings: Settings
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    cipher: Cipher
    status_tokens: SealedTokens
    sms: SmsGateway
    social_insurance: SocialInsurance
    sources: Sources
    limiter: Limiter
    sealer: Sealer
    # The statistics pages' reads: the read replica's sessions when one is configured, else the primary's.
    reader: async_sessionmaker[AsyncSession] | None = None
    reader_engine: AsyncEngine | None = None

    @property
    def statistics_reader(self) -> async_sessionmaker[AsyncSession]:
        return self.reader or self.sessionmaker
