"""A resident on a phone: sign up, register with a missing paper, sign the commitment, get the receipt."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from e2e.helpers import choose, continue_, read_code_from_outbox, screenshot

PHONE = "13912345678"
PASSWORD = "sea breeze at zhanjiang"


def test_resident_registers_with_a_missing_paper_on_a_phone(page: Page, check_page) -> None:
    page.goto("/")
    expect(page.locator("h1")).to_contain_text("失业登记")
    check_page("home")
    page.goto("/register")
    check_page("register start (signed out)")
    page.locator('a[href="/account/sign-up"]').first.click()

    page.fill("#phone", PHONE)
    check_page("sign up")
    continue_(page)
    expect(page).to_have_url(re.compile(r"/account/sign-up/verify$"))
    check_page("sign-up code")
    code = read_code_from_outbox(page)
    page.go_back()
    page.fill("#code", code)
    page.fill("#password", PASSWORD)
    page.fill("#password_confirm", PASSWORD)
    continue_(page)

    expect(page).to_have_url(re.compile(r"/register$"))
    check_page("register start (signed in)")
    continue_(page)

    # About you: sex and birth date are read from the ID number as it is typed (htmx).
    expect(page).to_have_url(re.compile(r"/register/step/identity$"))
    page.fill("#name", "陈晓红")
    page.fill("#id_number", "440825198506150049")
    page.locator("#id_number").blur()
    expect(page.locator("#id-preview")).to_contain_text("1985年6月15日")
    page.fill("#ethnicity", "汉族")
    check_page("identity")
    continue_(page)

    expect(page).to_have_url(re.compile(r"/register/step/pension$"))
    check_page("pension category")
    choose(page, "pension_category", "F50")
    continue_(page)

    expect(page.locator("#phone")).to_have_value(PHONE)  # carried over from the account
    choose(page, "education", "senior")
    check_page("contact")
    continue_(page)

    # A hukou in 徐闻 and a home in 赤坎: two different counties, no extra paper asked for.
    choose(page, "hukou_area", "440825")
    page.fill("#hukou_address", "徐闻县示例村8号")
    check_page("hukou")
    continue_(page)
    choose(page, "residence_area", "440802")
    page.fill("#residence_address", "赤坎区示例路18号")
    choose(page, "residence_type", "urban")
    check_page("residence")
    continue_(page)
    expect(page.locator('input[name="county"]')).to_have_count(2)
    choose(page, "county", "440802")
    check_page("place")
    continue_(page)

    choose(page, "unemployment_category", "employer_closed")
    page.fill("#last_employer", "赤坎示例制衣厂")
    page.fill("#employment_ended_on", "2026-10-15")
    check_page("employment")
    continue_(page)

    page.fill("#occupation_intention", "服装品质检验")
    choose(page, "training_intention", "yes")
    choose(page, "entrepreneurship_intention", "no")
    choose(page, "had_unemployment_insurance", "yes")
    check_page("skills")
    continue_(page)

    page.locator('input[name="services_wanted"][value="job_matching"]').check()
    check_page("needs")
    continue_(page)

    page.locator('input[name="missing_papers"][value="termination_proof"]').check()
    check_page("papers")
    continue_(page)

    # The commitment: typing someone else's name is refused, with the error beside the field.
    expect(page.locator(".commitment-text")).to_contain_text("告知承诺书")
    page.fill("#signed_name", "陈小红")
    continue_(page)
    expect(page.locator(".error-summary")).to_be_visible()
    expect(page.locator("#signed_name-error")).to_be_visible()
    check_page("commitment with errors")
    page.fill("#signed_name", "陈晓红")
    page.locator('input[name="agree"]').check()
    continue_(page)

    expect(page).to_have_url(re.compile(r"/register/check$"))
    expect(page.locator("main")).to_contain_text("1985年6月15日")
    check_page("check your answers")
    page.get_by_role("button", name=re.compile("提交")).click()

    expect(page).to_have_url(re.compile(r"/register/done/ZJ\d{14}$"))
    expect(page.locator(".application-number")).to_have_text(re.compile(r"ZJ\d{14}"))
    expect(page.locator("svg.qr")).to_be_visible()
    expect(page.locator(".tag-deferred")).to_be_visible()
    check_page("receipt")
    screenshot(page, "receipt-pixel7")

    status_url = page.locator(".status-link a").get_attribute("href")
    assert status_url
    assert "/status/" in status_url
    page.goto(status_url)
    expect(page.locator(".tag-deferred")).to_be_visible()
    expect(page.locator("main")).not_to_contain_text("陈晓红")
    expect(page.locator("main")).not_to_contain_text("440825198506150049")
    check_page("status page")
    screenshot(page, "status-pixel7")

    page.goto("/account")
    page.locator('a[href^="/account/applications/"]').first.click()
    expect(page.locator(".timeline li")).to_have_count(3)
    check_page("application and timeline")
