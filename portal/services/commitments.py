"""Credit commitments (§5.1): the exact, versioned texts an applicant signs when papers are missing, for an
unemployment registration or a policy application, each kept once and found again by its hash."""

from __future__ import annotations

import hashlib
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.models import CommitmentText

DATA_DIR = Path(__file__).parent.parent / "data"
# The version in force for each kind of application; its text is data/commitment_<version>.<language>.txt.
VERSIONS = {"registration": "v1", "policy": "policy_v1"}


def text(kind: str, language: str) -> str:
    lang = language if language in ("zh_CN", "en") else "zh_CN"
    return (DATA_DIR / f"commitment_{VERSIONS[kind]}.{lang}.txt").read_text(encoding="utf-8")


async def text_row(session: AsyncSession, kind: str, language: str) -> CommitmentText:
    """The exact text shown, stored once per version and language and found again by its hash."""
    body = text(kind, language)
    digest = hashlib.sha256(body.encode()).hexdigest()
    row = await session.scalar(select(CommitmentText).where(CommitmentText.sha256 == digest))
    if row is None:
        row = CommitmentText(version=VERSIONS[kind], language=language, body=body, sha256=digest)
        session.add(row)
        await session.flush()
    return row
