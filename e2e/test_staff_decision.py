"""A resident files a deferred application; a 赤坎 reviewer compares and decides; the resident sees it."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Page, expect

from e2e.helpers import BROWSER_LOCALE, choose, continue_, screenshot, sign_up
from portal.rules.idnumber import check_digit

ID_NUMBER = "44080219920303003" + check_digit("44080219920303003")


def file_deferred_application(page: Page) -> str:
    sign_up(page, "13912340009")
    continue_(page)
    page.fill("#name", "周小川")
    page.fill("#id_number", ID_NUMBER)
    page.fill("#ethnicity", "汉族")
    continue_(page)
    choose(page, "education", "senior")
    continue_(page)
    choose(page, "hukou_area", "440802")
    page.fill("#hukou_address", "赤坎区示例街5号")
    continue_(page)
    choose(page, "residence_area", "440802")
    page.fill("#residence_address", "赤坎区示例街5号")
    choose(page, "residence_type", "urban")
    continue_(page)
    choose(page, "county", "440802")
    continue_(page)
    choose(page, "unemployment_category", "contract_ended")
    page.fill("#last_employer", "赤坎示例商场")
    page.fill("#employment_ended_on", "2026-10-20")
    continue_(page)
    choose(page, "training_intention", "no")
    choose(page, "entrepreneurship_intention", "no")
    choose(page, "had_unemployment_insurance", "yes")
    continue_(page)
    continue_(page)
    page.locator('input[name="missing_papers"][value="termination_proof"]').check()
    continue_(page)
    page.fill("#signed_name", "周小川")
    page.locator('input[name="agree"]').check()
    continue_(page)
    page.get_by_role("button", name=re.compile("提交")).click()
    number = page.locator(".application-number").inner_text().strip()
    assert re.fullmatch(r"ZJ\d{14}", number)
    return number


def test_reviewer_decides_and_the_resident_sees_it_on_a_phone(page: Page, browser: Browser, base_url: str,
                                                                check_page) -> None:  # fmt: skip
    number = file_deferred_application(page)

    office = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=base_url, locale=BROWSER_LOCALE)
    staff = office.new_page()
    staff.goto("/staff/login")
    staff.fill("#username", "chikan.reviewer")
    staff.fill("#password", "zhanjiang-staff-1")
    staff.locator("form button.button").click()
    expect(staff).to_have_url(re.compile(r"/staff$"))
    staff.get_by_role("link", name=number).click()
    check_page("staff case", staff)
    staff.locator('form[action$="/compare"] button').click()
    expect(staff.locator("table.table tbody tr")).to_have_count(4)
    staff.locator('input[name="outcome"][value="register"]').check()
    staff.locator('input[name="commitment"][value="kept"]').check()
    staff.locator('form[action$="/decide"] button').click()
    expect(staff.locator(".tag-registered")).to_be_visible()
    check_page("staff case, decided", staff)
    screenshot(staff, "staff-case-decided")
    office.close()

    page.goto("/account")
    expect(page.locator(".tag-registered")).to_be_visible()
    page.locator('a[href="/account/inbox"]').click()
    expect(page.locator("main")).to_contain_text(number)
    check_page("inbox")
    page.goto(f"/account/applications/{number}")
    expect(page.locator(".timeline li")).to_have_count(5)
    check_page("application, registered")
    screenshot(page, "resident-registered-pixel7")
