"""Receipts: what a resident sees of their application (the receipt and application pages), with its sealed
status link and QR code."""

from __future__ import annotations

import functools
import html
import io
import re
import struct
import time
from dataclasses import dataclass
from typing import Any

import qrcode
import qrcode.image.svg
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from portal.crypto import Cipher, SealedTokens
from portal.i18n import _
from portal.models import Registration, RegistrationEvent
from portal.services import areas, decisions, endings, events, proposals
from portal.services import registration as registrations
from portal.services.answers import Answers, id_number_masked
from portal.services.answers import of as answers_of
from portal.services.areas import AreaView
from portal.services.errors import NotFound
from portal.services.fields import labels_of, options
from portal.services.registration_form import PAPER_LABELS

DAY = 24 * 3600
# A registration's id and the last day (days since 1970, UTC) its link works.
_PAYLOAD = struct.Struct(">QI")
# About 8 kB each: 1,024 links cost some 8 MB, and a receipt viewed again the same day is a hit.
QR_CACHE_SIZE = 1024


def _day(now: float | None) -> int:
    return int((time.time() if now is None else now) // DAY)


def status_token(tokens: SealedTokens, registration_id: int, days: int, *, now: float | None = None) -> str:
    """The same token all day for one application (so its QR code is drawn once a day); it works until
    the end of the day `days` days from today, and says nothing to whoever holds it."""
    return tokens.seal(_PAYLOAD.pack(registration_id, _day(now) + days))


def registration_id_from(tokens: SealedTokens, token: str, *, now: float | None = None) -> int | None:
    """The registration's id, or None when the token is forged, damaged or expired."""
    payload = tokens.open(token)
    if payload is None or len(payload) != _PAYLOAD.size:
        return None
    registration_id, last_day = _PAYLOAD.unpack(payload)
    return registration_id if _day(now) <= last_day else None


def _draw(url: str) -> str:
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2)
    buffer = io.BytesIO()
    image.save(buffer)
    svg = buffer.getvalue().decode()
    return re.sub(r'\s(width|height)="[^"]*"', "", svg[svg.index("<svg") :], count=2)


# Drawing was 40% of the application page's time; the status link is stable for a day, so draw it once.
draw_once = functools.lru_cache(maxsize=QR_CACHE_SIZE)(_draw)


def _labelled(svg: str, label: str) -> str:
    return svg.replace("<svg", f'<svg class="qr" role="img" aria-label="{html.escape(label)}"', 1)


def qr_svg(url: str, label: str) -> str:
    """An SVG QR code (no Pillow needed), sized by CSS rather than by fixed width and height. Not cached:
    for links holding a secret (an authenticator's), which should not linger in memory."""
    return _labelled(_draw(url), label)


def status_qr_svg(url: str, label: str) -> str:
    """The QR code of an application's status link, drawn once per link and kept in a bounded cache."""
    return _labelled(draw_once(url), label)


@dataclass(frozen=True)
class Receipt:
    """An application as its applicant sees it."""

    registration: Registration
    agency: AreaView | None
    status_url: str
    qr: Markup
    link_days: int
    # The papers the applicant promised to provide, in words.
    missing: list[str]
    timeline: list[tuple[RegistrationEvent, str]]

    def context(self) -> dict[str, Any]:
        """What the receipt and application pages take."""
        return {
            "registration": self.registration, "agency": self.agency, "status_url": self.status_url, "qr": self.qr,
            "link_days": self.link_days, "missing": self.missing, "timeline": self.timeline,
            "report_kinds": REPORT_KINDS, "rejection_reasons": decisions.REJECTION_REASONS,
            "end_reasons": endings.REASON_LABELS,
        }  # fmt: skip


REPORT_KINDS = options(proposals.REPORT_LABELS)


async def receipt(
    session: AsyncSession, tokens: SealedTokens, *, base_url: str, link_days: int, account_id: int, number: str
) -> Receipt:
    """The account's own application with this number (not found otherwise)."""
    registration = await registrations.application_of(session, account_id, number)
    if registration is None:
        raise NotFound()
    # From the configured address, never from the Host header: a forged one must not end up in the QR code.
    status_url = f"{base_url}/status/{status_token(tokens, registration.id, link_days)}"
    qr = status_qr_svg(status_url, _("QR code that opens the status page of this application"))
    return Receipt(
        registration=registration,
        agency=await areas.get_area(session, registration.county_code),
        status_url=status_url,
        # The SVG is drawn by the qrcode package from our own URL; the label is escaped in status_qr_svg.
        qr=Markup(qr),  # noqa: S704
        link_days=link_days,
        missing=labels_of(PAPER_LABELS, registration.commitment.missing_items if registration.commitment else []),
        timeline=events.for_resident(registration.events),
    )


@dataclass(frozen=True)
class SubmittedAnswers:
    """What the person told us on their application, as the staff see it: the ID number masked."""

    registration: Registration
    answers: Answers
    id_number_masked: str
    area_name: str


async def submitted_answers(session: AsyncSession, cipher: Cipher, account_id: int, number: str) -> SubmittedAnswers:
    registration = await session.scalar(
        select(Registration)
        .where(Registration.account_id == account_id, Registration.number == number)
        .options(
            selectinload(Registration.person), selectinload(Registration.difficulty_rows),
            selectinload(Registration.service_wanted_rows),
        )
    )  # fmt: skip
    if registration is None:
        raise NotFound()
    area = await areas.get_area(session, registration.county_code)
    return SubmittedAnswers(
        registration, answers_of(registration),
        id_number_masked(cipher, registration.person),
        area.name if area else registration.county_code,
    )  # fmt: skip
