"""At 360 px, in English, without JavaScript, and when the social-insurance records say 'in work'."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from e2e.conftest import screenshot
from e2e.test_registration_journey import choose, continue_, read_code_from_outbox

SMALL = {"width": 360, "height": 740}


def sign_up(page: Page, phone: str, password: str = "a long walk by the bay") -> None:
    page.goto("/account/sign-up")
    page.fill("#phone", phone)
    continue_(page)
    code = read_code_from_outbox(page)
    page.goto("/account/sign-up/verify")
    page.fill("#code", code)
    page.fill("#password", password)
    page.fill("#password_confirm", password)
    continue_(page)
    expect(page).to_have_url(re.compile(r"/register$"))


@pytest.fixture
def small_page(browser: Browser, base_url: str):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport=SMALL, base_url=base_url)
    yield context.new_page()
    context.close()


@pytest.fixture
def page_without_js(browser: Browser, base_url: str):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport=SMALL, base_url=base_url, java_script_enabled=False)
    yield context.new_page()
    context.close()


def test_forms_work_without_javascript(page_without_js: Page) -> None:
    page = page_without_js
    sign_up(page, "13912340003")
    continue_(page)
    page.fill("#name", "赵六")
    page.fill("#id_number", "440802199001010016")
    page.fill("#ethnicity", "汉族")
    continue_(page)
    expect(page).to_have_url(re.compile(r"/register/step/contact$"))
    page.locator("a.back-link").click()
    expect(page.locator("#id_number")).to_have_value("440802199001010016")
    expect(page.locator("#id-preview")).to_contain_text("1990年1月1日")


def test_english_at_360px_keeps_answers_across_a_language_switch(small_page: Page, check_page) -> None:
    page = small_page
    page.goto("/")
    page.get_by_role("link", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_have_text("Register as unemployed in Zhanjiang")
    sign_up(page, "13912340001")
    continue_(page)

    # An error without JavaScript: the summary at the top links to the field, typed values stay.
    page.fill("#name", "Zhang San")
    page.fill("#id_number", "440802199001010017")
    continue_(page)
    summary = page.locator(".error-summary")
    expect(summary).to_contain_text("This ID number is not valid")
    expect(page.locator("#id_number")).to_have_value("440802199001010017")
    expect(page.locator("#name")).to_have_value("Zhang San")
    check_page("identity with an error, 360 px, English, no JavaScript", page)
    screenshot(page, "identity-error-360-en")
    page.fill("#id_number", "440802199001010016")
    page.fill("#ethnicity", "Han")
    continue_(page)
    expect(page).to_have_url(re.compile(r"/register/step/contact$"))

    page.get_by_role("link", name="中文").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    page.goto("/register/step/identity")
    expect(page.locator("#id_number")).to_have_value("440802199001010016")
    expect(page.locator("label[for=name]")).to_have_text("姓名")
    check_page("identity, 360 px", page)
    screenshot(page, "identity-360-zh")


def test_person_in_work_is_told_why_and_keeps_their_answers(page: Page, check_page) -> None:
    sign_up(page, "13912340002")
    continue_(page)
    page.fill("#name", "王建国")
    page.fill("#id_number", "440803198805120036")
    page.fill("#ethnicity", "汉族")
    continue_(page)
    choose(page, "education", "college")
    continue_(page)
    choose(page, "hukou_area", "outside")
    page.fill("#hukou_province", "广西南宁市")
    page.fill("#hukou_address", "南宁市示例路1号")
    continue_(page)
    choose(page, "residence_area", "440803")
    page.fill("#residence_address", "霞山区示例路9号")
    choose(page, "residence_type", "urban")
    continue_(page)
    expect(page.locator('input[name="county"]')).to_have_count(1)  # non-local hukou: residence only
    choose(page, "county", "440803")
    continue_(page)
    choose(page, "unemployment_category", "resigned")
    page.fill("#last_employer", "湛江示例港务有限公司")
    page.fill("#employment_ended_on", "2026-11-01")
    continue_(page)
    expect(page.locator("h1")).to_have_text("社会保险记录显示您处于就业状态")
    expect(page.locator("main")).to_contain_text("湛江示例港务有限公司（示例）")
    expect(page.locator("main")).to_contain_text("0759-0000001")
    check_page("refused: in work")
    screenshot(page, "refused-employed-pixel7")
    page.locator("main a.button-secondary").click()
    expect(page.locator("#last_employer")).to_have_value("湛江示例港务有限公司")
