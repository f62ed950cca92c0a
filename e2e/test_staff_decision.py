"""A resident files a deferred application; a 赤坎 reviewer compares and decides; the resident sees it."""

from __future__ import annotations

from playwright.sync_api import Browser, Page, expect

from e2e.helpers import apply_in_chikan, screenshot, staff_sign_in
from portal.rules.idnumber import check_digit

ID_NUMBER = "44080219920303003" + check_digit("44080219920303003")


def test_reviewer_decides_and_the_resident_sees_it_on_a_phone(page: Page, browser: Browser, base_url: str,
                                                                check_page) -> None:  # fmt: skip
    number = apply_in_chikan(page, phone="13912340009", name="周小川", id_number=ID_NUMBER,
                             missing="termination_proof")  # fmt: skip

    staff = staff_sign_in(browser, base_url, "chikan.reviewer")
    office = staff.context
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
