"""The consistency check over HTTP: a report uploaded with a difference, the difference explained beside its
figure, the template downloaded; who may check and read; bad files and bad numbers answered without a 5xx."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select

from portal.models import StaffUser
from portal.services import statistics
from portal.services.staff import scope_of
from tests.conftest import _CSRF, post_form
from tests.routes.test_staff_permissions import USERS, _as
from tests.staffing import create_named_staff, registered_case, sign_in_staff

MONTH = f"{date.today():%Y-%m}"


async def _counted(db, services) -> None:
    await create_named_staff(db)
    reviewer = scope_of(await db.scalar(select(StaffUser).where(StaffUser.username == "chikan.reviewer")))
    await registered_case(db, services, reviewer)
    await statistics.take_month(db, MONTH)
    await db.commit()


async def _upload(client, content: bytes, filename: str = "report.csv", **fields: str):
    page = await client.get("/staff/consistency")
    token = _CSRF.search(page.text).group(1)
    return await client.post("/staff/consistency", data={"month": MONTH, "_csrf_token": token, **fields},
                             files={"file": (filename, content, "text/csv")}, follow_redirects=False)  # fmt: skip


async def test_an_uploaded_report_with_a_difference_is_explained_beside_it(client, services, db) -> None:
    await _counted(db, services)
    await sign_in_staff(client, "chikan_clerk")
    template = await client.get("/staff/consistency/template/csv")
    assert template.status_code == 200
    assert "registered" in template.content.decode("utf-8-sig").splitlines()[1]
    made = await _upload(client, b"figure,what,value\nregistered,,4\nurban,,1\n")
    assert made.status_code == 303
    result_url = made.headers["location"]
    assert re.fullmatch(r"/staff/consistency/\d+", result_url)
    shown = await client.get(result_url)
    assert "+3" in shown.text
    assert f"/staff/statistics/people?month={MONTH}&amp;area=440802&amp;figure=registered" in shown.text
    empty = await post_form(client, f"{result_url}/explain", {"figure": "registered", "explanation": ""},
                            page=result_url)  # fmt: skip
    assert 'href="#explanation-registered"' in empty.text
    why = {"figure": "registered", "explanation": "报表口径含已转出人员"}
    explained = await post_form(client, f"{result_url}/explain", why, page=result_url)
    assert explained.status_code == 303
    assert "报表口径含已转出人员" in (await client.get(result_url)).text


@pytest.mark.parametrize(
    "content", [b"\x00\x01\x02", b"PK\x03\x04broken", b"figure,what,value\nregistered,,99999999999999999999\n",
                b"figure,what,value\nnope,,1\n"],
)  # fmt: skip
async def test_a_bad_file_comes_back_with_the_reason_at_the_top(client, services, db, content: bytes) -> None:
    await _counted(db, services)
    await sign_in_staff(client, "chikan_clerk")
    response = await _upload(client, content)
    assert response.status_code < 500
    assert 'href="#file"' in response.text


SEE = dict.fromkeys(USERS[:6], 200) | {"resident": 303, "anonymous": 303}
CHECK = {
    "chikan_clerk": 303, "chikan_reviewer": 303, "xiashan_clerk": 303, "xiashan_reviewer": 303,
    "city_admin": 303, "city_viewer": 403, "resident": 303, "anonymous": 303,
}  # fmt: skip


@pytest.mark.parametrize("who", USERS)
async def test_who_may_check_the_report_and_read_the_checks(client, services, db, who: str) -> None:
    await _counted(db, services)
    await _as(client, services, db, who)
    assert (await client.get("/staff/consistency", follow_redirects=False)).status_code == SEE[who]
    assert (await client.get("/staff/consistency/template/xlsx", follow_redirects=False)).status_code == SEE[who]
    made = await post_form(client, "/staff/consistency", {"month": MONTH, "registered": "2"}, page="/staff/login")
    assert made.status_code == CHECK[who], made.text[:300]
    if made.status_code == 303 and who != "resident" and who != "anonymous":
        assert (await client.get(made.headers["location"])).status_code == 200
