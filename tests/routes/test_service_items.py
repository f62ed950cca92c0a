"""The service list over HTTP: the public page in both languages without signing in, the agencies page naming
the services they handle, and a city administrator's edit shown on the public page at once."""

from __future__ import annotations

import re

from tests.conftest import post_form
from tests.staffing import sign_in_staff


async def test_the_public_service_list_says_who_what_and_where(client) -> None:
    page = await client.get("/services")
    assert page.status_code == 200
    assert "失业登记" in page.text
    assert "服务对象" in page.text
    assert "示例" in page.text  # marked as sample content
    client.cookies.set("lang", "en")
    english = await client.get("/services")
    assert "Free skills training" in english.text
    assert "Who it is for" in english.text


async def test_the_agencies_page_names_the_services_they_handle(client) -> None:
    page = await client.get("/agencies")
    assert "经办项目" in page.text
    assert "失业登记、政策咨询与政策对接" in page.text


async def test_an_administrators_edit_shows_on_the_public_page(client, named_staff) -> None:
    await sign_in_staff(client, "city_admin")
    form_page = await client.get("/staff/service-items/S03")
    assert form_page.status_code == 200
    names = ("title_zh", "title_en", "sort_order")
    form = {name: re.search(rf'name="{name}"[^>]*value="([^"]*)"', form_page.text).group(1) for name in names}
    for name in ("for_whom_zh", "for_whom_en", "gives_zh", "gives_en", "where_zh", "where_en"):
        form[name] = re.search(rf'name="{name}"[^>]*>([^<]*)</textarea>', form_page.text).group(1)
    form |= {"based_on": "1", "gives_zh": "一对一职业指导，每次约30分钟", "is_sample": "no", "active": "yes"}
    saved = await post_form(client, "/staff/service-items/S03", form, page="/staff/service-items/S03")
    assert saved.headers["location"] == "/staff/service-items/S03?done=saved"
    stale = await post_form(client, "/staff/service-items/S03", form, page="/staff/service-items/S03")
    assert stale.status_code == 409
    assert "您编辑期间已有他人保存" in stale.text
    public = await client.get("/services")
    assert "一对一职业指导，每次约30分钟" in public.text
    emptied = await post_form(client, "/staff/service-items/S03", {**form, "based_on": "2", "title_zh": ""},
                              page="/staff/service-items/S03")  # fmt: skip
    assert 'href="#title_zh"' in emptied.text
    assert "一对一职业指导，每次约30分钟" in emptied.text  # nothing typed is lost
