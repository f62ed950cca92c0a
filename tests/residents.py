"""Named residents and the steps they take, shared by the HTTP tests."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import httpx
from sqlalchemy import select

from portal.app_services import Services
from portal.models import OutboxMessage
from tests.conftest import make_id, post_form

PASSWORD = "green tea at dawn"

# A man born in 1990 with a Zhanjiang (赤坎) hukou who lives in 霞山 and lost his job.
ZHANG_SAN: dict[str, Any] = {
    "identity": {"name": "张三", "id_number": make_id(date(1990, 1, 1), "M"), "ethnicity": "汉族"},
    "contact": {"phone": "13900000001", "education": "senior"},
    "hukou": {"hukou_area": "440802", "hukou_address": "赤坎区示例街1号"},
    "residence": {"residence_area": "440803", "residence_address": "霞山区示例路2号", "residence_type": "urban"},
    "place": {"county": "440803"},
    "employment": {
        "unemployment_category": "contract_ended",
        "last_employer": "湛江某公司",
        "employment_ended_on": "2026-10-31",
    },
    "skills": {"training_intention": "yes", "entrepreneurship_intention": "no", "had_unemployment_insurance": "yes"},
    "needs": {"services_wanted": ["job_matching", "skills_training"]},
    "papers": {"missing_papers": ["none"]},
}

STEP_ORDER = [
    "identity", "pension", "contact", "hukou", "residence", "place", "employment", "skills", "needs", "papers",
    "commitment",
]  # fmt: skip


async def latest_code(services: Services, phone: str) -> str:
    async with services.sessionmaker() as session:
        body = await session.scalar(
            select(OutboxMessage.body).where(OutboxMessage.phone == phone).order_by(OutboxMessage.id.desc()).limit(1)
        )
    assert body, f"no text message for {phone}"
    match = re.search(r"\d{6}", body)
    assert match, body
    return match.group(0)


async def sign_up(client: httpx.AsyncClient, services: Services, phone: str, password: str = PASSWORD) -> None:
    response = await post_form(client, "/account/sign-up", {"phone": phone})
    assert response.status_code == 303, response.text
    code = await latest_code(services, phone)
    response = await post_form(
        client, "/account/sign-up/verify", {"code": code, "password": password, "password_confirm": password}
    )
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/register"


async def answer(client: httpx.AsyncClient, step: str, data: dict[str, Any]) -> Any:
    return await post_form(client, f"/register/step/{step}", data)


async def fill_in(client: httpx.AsyncClient, person: dict[str, Any], *, until: str | None = None) -> Any:
    """Start an application and answer each step the way `person` does; stop before `until`."""
    response = await post_form(client, "/register/start", {}, page="/register")
    assert response.status_code == 303
    location = response.headers["location"]
    while location.startswith("/register/step/"):
        step = location.rsplit("/", 1)[1]
        if step == until:
            return response
        response = await answer(client, step, person[step])
        assert response.status_code == 303, f"{step}: {response.status_code} {response.text[:3000]}"
        location = response.headers["location"]
    assert location == "/register/check"
    return response


async def submit(client: httpx.AsyncClient) -> Any:
    return await post_form(client, "/register/submit", {}, page="/register/check")
