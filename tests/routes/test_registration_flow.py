"""The registration flow over HTTP, step by step, with its refusals and the double submit."""

from __future__ import annotations

from tests.residents import ZHANG_SAN, fill_in, sign_up, submit


async def test_complete_application_is_submitted_with_a_decision_target(client, services) -> None:
    await sign_up(client, services, "13900000001")
    await fill_in(client, ZHANG_SAN)
    response = await submit(client)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/register/done/ZJ")
    page = await client.get(response.headers["location"])
    assert page.status_code == 200
    assert "<svg" in page.text
