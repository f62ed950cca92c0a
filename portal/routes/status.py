"""The public status page opened from the receipt's QR code: the status and nothing personal."""

from __future__ import annotations

from litestar import get
from litestar.params import FromPath
from litestar.response import Template

from portal.routes._common import Db, Deps, page
from portal.services import receipts
from portal.services import registration as reg


@get("/status/{token:str}", name="status")
async def status(db: Db, services: Deps, token: FromPath[str]) -> Template:
    registration_id = receipts.registration_id_from(services.status_tokens, token)
    registration = await reg.status_of(db, registration_id) if registration_id else None
    if registration is None:
        return page("status/invalid.html", 404)
    return page("status/status.html", registration=registration)


HANDLERS = [status]
