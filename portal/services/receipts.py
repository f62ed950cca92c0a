"""Receipts: the sealed status link of an application and its QR code."""

from __future__ import annotations

import functools
import html
import io
import re
import struct
import time

import qrcode
import qrcode.image.svg

from portal.crypto import SealedTokens

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
