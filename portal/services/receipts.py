"""Receipts: the signed status link of an application and its QR code."""

from __future__ import annotations

import html
import io
import re

import qrcode
import qrcode.image.svg

from portal.crypto import TokenSigner

DAY = 24 * 3600


def status_token(signer: TokenSigner, registration_id: int, days: int) -> str:
    return signer.sign(str(registration_id), days * DAY)


def registration_id_from(signer: TokenSigner, token: str) -> int | None:
    payload = signer.unsign(token)
    return int(payload) if payload and payload.isdigit() else None


def qr_svg(url: str, label: str) -> str:
    """An SVG QR code (no Pillow needed), sized by CSS rather than by fixed width and height."""
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2)
    buffer = io.BytesIO()
    image.save(buffer)
    svg = buffer.getvalue().decode()
    svg = re.sub(r'\s(width|height)="[^"]*"', "", svg[svg.index("<svg") :], count=2)
    return svg.replace("<svg", f'<svg class="qr" role="img" aria-label="{html.escape(label)}"', 1)
