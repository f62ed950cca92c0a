"""Issue 9 end to end, on a Pixel 7: a 赤坎 clerk composes a notice from a new grant and a reviewer publishes it;
a member of the public reads it on a phone, objects anonymously and follows the objection; a reviewer upholds
it; the entry shows as withdrawn, and the person sees the credit case opened about them."""

from __future__ import annotations

import re
from datetime import date

from playwright.sync_api import Browser, Page, expect

from e2e.helpers import apply_in_chikan, screenshot, staff_sign_in
from portal.rules.idnumber import check_digit

ID_NUMBER = "44080219900512003" + check_digit("44080219900512003")
PIXEL_7 = {"viewport": {"width": 412, "height": 839}, "device_scale_factor": 2.625, "is_mobile": True,
           "has_touch": True}  # fmt: skip


def test_a_notice_an_anonymous_objection_upheld_and_the_credit_case_on_a_phone(
    page: Page, browser: Browser, base_url: str, check_page
) -> None:
    # A registered resident whose training subsidy is approved: the grant a notice publishes.
    number = apply_in_chikan(page, phone="13912340031", name="欧阳文静", id_number=ID_NUMBER, wants_training=True)
    reviewer = staff_sign_in(browser, base_url, "chikan.reviewer")
    reviewer.goto(f"/staff/cases/{number}")
    reviewer.locator('form[action$="/compare"] button').click()
    reviewer.locator('input[name="outcome"][value="register"]').check()
    reviewer.locator('form[action$="/decide"] button').click()
    expect(reviewer.locator(".tag-registered")).to_be_visible()
    page.goto("/policies/P06/apply")
    page.locator('input[name="missing_papers"][value="none"]').check()
    page.locator("#apply-form button.button").click()
    application = re.search(r"ZP\d{14}", page.url).group(0)
    reviewer.goto("/staff/policy-applications")
    reviewer.get_by_role("link", name=application).click()
    reviewer.locator('input[name="outcome"][value="approve"]').check()
    reviewer.fill("#amount", "1800")
    reviewer.fill("#period_from", "2026-12-01")
    reviewer.fill("#period_to", "2027-02-28")
    reviewer.locator('form[action$="/decide"] button').click()
    expect(reviewer.locator(".notice-success")).to_be_visible()

    # The clerk sees the entries as they will appear, and composes; the reviewer publishes.
    clerk = staff_sign_in(browser, base_url, "chikan.clerk")
    today = date.today().isoformat()
    clerk.goto(f"/staff/notices/new?policy=P06&granted_from={today}&granted_to={today}&working_days=5")
    expect(clerk.locator("main table")).to_contain_text("欧阳**")
    expect(clerk.locator("main table")).not_to_contain_text("文静")
    check_page("compose a notice", clerk)
    clerk.locator('form[action="/staff/notices"] button').click()
    notice = re.search(r"GS\d{12}", clerk.url).group(0)
    reviewer.goto(f"/staff/notices/{notice}")
    check_page("staff notice draft", reviewer)
    reviewer.locator('form[action$="/publish"] button').click()
    expect(reviewer.locator(".notice-success")).to_be_visible()

    # A member of the public, on their own phone, reads the notice and objects anonymously.
    public = browser.new_context(**PIXEL_7, base_url=base_url, locale="zh-CN").new_page()
    public.goto("/notices")
    check_page("notices", public)
    public.get_by_role("link", name=notice).click()
    row = public.locator("tr").filter(has_text="欧阳**")
    expect(row).to_contain_text(ID_NUMBER[:6] + "********" + ID_NUMBER[-4:])
    check_page("a notice", public)
    screenshot(public, "notice-pixel7")
    row.get_by_role("link").click()
    public.locator('input[name="ground"][value="employed"]').check()
    public.fill("#facts", "她从上个月起在赤坎一家物流公司上班。")
    public.locator('input[name="who"][value="anonymous"]').check()
    check_page("object", public)
    public.locator("#objection-form > button.button").click()
    tracking, secret = (r.inner_text() for r in public.locator("strong.reference").all())
    check_page("objection received", public)
    public.goto("/objections/track")
    public.fill("#number", tracking)
    public.fill("#secret", secret)
    public.locator("#track-form button.button").click()
    expect(public.locator("main")).to_contain_text("已收到")

    # The reviewer upholds it: the entry comes down and a credit case opens.
    reviewer.goto("/staff/objections")
    reviewer.get_by_role("link", name=tracking).click()
    check_page("staff objection", reviewer)
    reviewer.locator('form[action$="/decide"] input[name="outcome"][value="upheld"]').check()
    reviewer.fill("#reply", "经社保数据比对和电话核实，异议成立，已撤下该条公示。")
    reviewer.locator('form[action$="/decide"] button').click()
    expect(reviewer.locator(".notice-success")).to_be_visible()

    # The public sees the entry withdrawn and the reply; the person sees the credit case.
    public.goto(f"/notices/{notice}")
    expect(public.locator("main table")).to_contain_text("撤回")
    expect(public.locator("main table")).not_to_contain_text("欧阳**")
    public.goto("/objections/track")
    public.fill("#number", tracking)
    public.fill("#secret", secret)
    public.locator("#track-form button.button").click()
    expect(public.locator("main")).to_contain_text("异议成立")
    page.goto("/account/credit")
    expect(page.locator("main")).to_contain_text("信用")
    expect(page.locator("main form textarea")).to_be_visible()  # their side, before the reviewer decides
    check_page("credit case", page)
    screenshot(page, "credit-case-pixel7")
    page.goto("/account/objections")
    expect(page.locator("main dd").get_by_text("成立", exact=True)).to_be_visible()  # the outcome: upheld
    expect(page.locator("main")).not_to_contain_text("物流公司")  # the facts could say who objected
    check_page("objections about me", page)
