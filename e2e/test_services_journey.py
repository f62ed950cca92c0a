"""Issue 8 end to end, on a Pixel 7: a registered 赤坎 resident reads their checklist and its reasons, applies for
the training subsidy with a commitment for the missing training record, asks the agency about training; a 赤坎
clerk answers (counting it as a training notice) and a 赤坎 reviewer approves; the resident sees the answer, the
grant and the 12333 progress."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Page, expect

from e2e.helpers import apply_in_chikan, screenshot, staff_sign_in
from portal.rules.idnumber import check_digit

ID_NUMBER = "44080219880808005" + check_digit("44080219880808005")


def test_checklist_application_request_answer_and_grant_on_a_phone(
    page: Page, browser: Browser, base_url: str, check_page
) -> None:
    number = apply_in_chikan(page, phone="13912340021", name="梁小华", id_number=ID_NUMBER, wants_training=True)
    reviewer = staff_sign_in(browser, base_url, "chikan.reviewer")
    reviewer.goto(f"/staff/cases/{number}")
    reviewer.locator('form[action$="/compare"] button').click()
    reviewer.locator('input[name="outcome"][value="register"]').check()
    reviewer.locator('form[action$="/decide"] button').click()
    expect(reviewer.locator(".tag-registered")).to_be_visible()

    # The checklist: the training subsidy fits, with the reasons in plain words.
    page.goto("/account/policies")
    training = page.locator("section.card").filter(has_text="职业技能培训补贴")
    expect(training).to_contain_text("符合条件")
    expect(training).to_contain_text("您表示有参加技能培训的意愿")
    check_page("checklist")
    screenshot(page, "services-checklist-pixel7")

    # Apply, with a commitment for the training record not yet in hand.
    page.goto("/policies/P06/apply")
    page.locator('input[name="missing_papers"][value="training_record"]').check()
    page.fill("#signed_name", "梁小华")
    page.locator('input[name="agree"]').check()
    check_page("apply with a commitment")
    page.locator("#apply-form button.button").click()
    expect(page.locator(".notice-success")).to_be_visible()
    application = re.search(r"ZP\d{14}", page.url).group(0)

    # Ask the agency.
    page.goto("/account/service-requests")
    page.locator('input[name="kind"][value="training"]').check()
    page.fill("#text", "想学电工，下个月赤坎有没有免费培训班？")
    check_page("ask the agency")
    page.locator("#request-form button.button").click()
    expect(page.locator(".notice-success")).to_be_visible()
    request = re.search(r"ZQ\d{14}", page.url).group(0)

    # A 赤坎 clerk answers from the queue, counting the answer as a training notice.
    clerk = staff_sign_in(browser, base_url, "chikan.clerk")
    clerk.get_by_role("link", name=re.compile("服务需求")).first.click()
    clerk.get_by_role("link", name=request).click()
    expect(clerk.locator("#record_as")).to_have_value("training")
    clerk.fill("#answer", "12月3日赤坎职业技能培训中心开设电工班，免费，请带身份证报名。")
    clerk.locator('input[name="close"][value="no"]').check()
    check_page("staff request", clerk)
    clerk.locator('form[action$="/answer"] button').click()
    expect(clerk.locator(".notice-success")).to_be_visible()
    screenshot(clerk, "services-staff-answered")

    # A 赤坎 reviewer approves the application: the commitment kept, an amount and a period.
    reviewer.goto("/staff/policy-applications")
    reviewer.get_by_role("link", name=application).click()
    reviewer.locator('input[name="outcome"][value="approve"]').check()
    reviewer.fill("#amount", "1500")
    reviewer.fill("#period_from", "2026-12-01")
    reviewer.fill("#period_to", "2027-11-30")
    reviewer.locator('input[name="commitment"][value="kept"]').check()
    check_page("staff application", reviewer)
    reviewer.locator('form[action$="/decide"] button').click()
    expect(reviewer.locator(".notice-success")).to_be_visible()

    # The resident: the answer, the grant, the 12333 progress.
    page.goto("/account")
    expect(page.locator("#inbox-count")).to_contain_text("条未读")
    page.goto(f"/account/service-requests/{request}")
    expect(page.locator(".conversation")).to_contain_text("电工班")
    check_page("request answered")
    page.goto(f"/account/policy-applications/{application}")
    expect(page.locator("main")).to_contain_text("1500.00元")
    check_page("application approved")
    page.goto("/account/service-history")
    expect(page.locator(".minimum")).to_contain_text("免费技能培训信息：已提供1次，共3次")
    expect(page.locator("main")).to_contain_text("12月3日赤坎职业技能培训中心开设电工班")
    check_page("service history")
    screenshot(page, "services-history-pixel7")
