"""At 360 px, in English, without JavaScript, and when the social-insurance records say 'in work'."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from e2e.helpers import BROWSER_LOCALE, choose, continue_, screenshot, sign_up

SMALL = {"width": 360, "height": 740}


@pytest.fixture
def small_page(browser: Browser, base_url: str):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport=SMALL, base_url=base_url, locale=BROWSER_LOCALE)
    yield context.new_page()
    context.close()


@pytest.fixture
def page_without_js(browser: Browser, base_url: str):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport=SMALL, base_url=base_url, java_script_enabled=False, locale=BROWSER_LOCALE)
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


def test_english_at_360px_from_sign_up_to_receipt(small_page: Page, check_page) -> None:
    page = small_page
    page.goto("/")
    page.get_by_role("link", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_have_text("Register as unemployed in Zhanjiang")
    check_page("home, English, 360 px", page)
    sign_up(page, "13912340001")
    continue_(page)

    # An error: the summary at the top links to the field, and what was typed stays.
    page.fill("#name", "Zhang San")
    page.fill("#id_number", "440802199001010017")
    continue_(page)
    expect(page.locator(".error-summary")).to_contain_text("This ID number is not valid")
    expect(page.locator("#id_number")).to_have_value("440802199001010017")
    expect(page.locator("#name")).to_have_value("Zhang San")
    check_page("identity with errors", page)
    screenshot(page, "identity-error-360-en")
    page.fill("#id_number", "440802199001010016")
    page.fill("#ethnicity", "Han")
    continue_(page)

    answers = [
        ("contact", lambda: choose(page, "education", "bachelor")),
        ("hukou", lambda: (choose(page, "hukou_area", "outside"), page.fill("#hukou_province", "Hunan, Changsha"),
                           page.fill("#hukou_address", "1 Sample Road"))),
        ("residence", lambda: (choose(page, "residence_area", "zjetdz"), page.fill("#residence_address", "2 Sample St"),
                               choose(page, "residence_type", "urban"))),
        ("place", lambda: choose(page, "county", "zjetdz")),
        ("employment", lambda: choose(page, "unemployment_category", "school_leaver")),
        ("skills", lambda: (choose(page, "training_intention", "yes"),
                            choose(page, "entrepreneurship_intention", "yes"),
                            choose(page, "had_unemployment_insurance", "unsure"))),
        ("needs", lambda: page.locator('input[name="services_wanted"][value="entrepreneurship"]').check()),
        ("papers", lambda: page.locator('input[name="missing_papers"][value="none"]').check()),
    ]  # fmt: skip
    for step, fill in answers:
        expect(page).to_have_url(re.compile(f"/register/step/{step}$"))
        fill()
        check_page(f"step {step}, English, 360 px", page)
        continue_(page)

    expect(page).to_have_url(re.compile(r"/register/check$"))
    expect(page.locator("main")).to_contain_text("Hunan, Changsha")
    check_page("check your answers, English, 360 px", page)
    screenshot(page, "check-360-en")
    page.get_by_role("button", name="Accept and send").click()
    expect(page.locator(".tag-submitted")).to_have_text("Awaiting decision")
    check_page("receipt, English, 360 px", page)
    screenshot(page, "receipt-360-en")

    # Switching language keeps everything: the same application, now in Chinese.
    page.get_by_role("link", name="中文").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.locator(".tag-submitted")).to_have_text("待审核")

    for path in ("/agencies", "/no-such-page", "/account"):
        page.goto(path)
        check_page(path, page)
    page.locator("form.inline-form button").click()
    expect(page.locator(".header-nav")).to_contain_text("登录")
    for path in ("/account/login", "/account/reset", "/register"):
        page.goto(path)
        check_page(path, page)


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


def test_switching_language_without_javascript_keeps_what_was_typed(page_without_js: Page) -> None:
    page = page_without_js
    sign_up(page, "13912340004")
    continue_(page)
    page.fill("#name", "孙七")
    page.fill("#id_number", "440802199001010016")
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page).to_have_url(re.compile(r"/register/step/identity$"))
    expect(page.locator("#name")).to_have_value("孙七")
    expect(page.locator("#id_number")).to_have_value("440802199001010016")
    expect(page.locator(".error-summary")).to_have_count(0)  # switched, not submitted
