"""Staff accounts over HTTP: the city administrator deactivating an account and setting its password."""

from __future__ import annotations

from sqlalchemy import select

from portal.models import AuditEntry
from tests.conftest import post_form
from tests.staffing import sign_in_staff


async def test_city_admin_deactivates_an_account_and_its_session_stops(client, services, db, app, named_staff) -> None:
    import httpx

    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50003))
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000") as clerk:
        await sign_in_staff(clerk, "chikan_clerk")
        assert (await clerk.get("/staff")).status_code == 200
        await sign_in_staff(client, "city_admin")
        done = await post_form(client, "/staff/users/chikan.clerk/deactivate", {}, page="/staff/users")
        assert done.status_code == 303
        assert (await clerk.get("/staff", follow_redirects=False)).headers["location"] == "/staff/login"
        refused = await post_form(clerk, "/staff/login", {"username": "chikan.clerk", "password": "ledger and lantern"})
        assert refused.status_code == 200
    weak = await post_form(client, "/staff/users/chikan.clerk/password", {"password": "short"}, page="/staff/users")
    assert 'id="chikan.clerk-password-error"' in weak.text
    assert "staff.deactivate" in set(await db.scalars(select(AuditEntry.action)))
