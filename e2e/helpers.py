"""What several e2e test files share: the browser's language, screenshots, the touch-target check, and the
steps of signing up and answering a form."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Browser, Page, expect

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-results"
# The language follows Accept-Language on a first visit: browse as a phone set to Chinese, as most residents'
# are (the English journeys switch language themselves).
BROWSER_LOCALE = "zh-CN"


# WCAG 2.2 2.5.8 (target size, minimum): every stand-alone target is at least 24 by 24 CSS px. The one exception
# taken is WCAG's "inline" one: a link that is part of a sentence, i.e. an inline `a` whose nearest block
# (a p, li, dd, td...) holds words outside the link, sized by the line height of the text around it.
# Not rendered (display: none, zero size) and parked off screen (the skip link until focused) are not targets.
TOO_SMALL_TARGETS = r"""
() => {
  const targets = document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea, '
    + 'summary, [role=button], [tabindex]:not([tabindex="-1"])');
  const blockOf = (el) => {
    let node = el.parentElement;
    while (node && getComputedStyle(node).display.startsWith('inline')) node = node.parentElement;
    return node;
  };
  const inSentence = (el) => {
    if (el.tagName !== 'A' || getComputedStyle(el).display !== 'inline') return false;
    const block = blockOf(el);
    if (!block) return false;
    const around = block.textContent.replace(el.textContent, '');
    return /[\p{L}\p{N}]/u.test(around);
  };
  const small = [];
  for (const el of targets) {
    const box = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    if (box.width === 0 || box.height === 0 || style.visibility === 'hidden') continue;
    if (box.right + window.scrollX <= 0 || box.bottom + window.scrollY <= 0) continue;
    if (inSentence(el)) continue;
    if (box.width < 24 || box.height < 24) {
      const name = (el.innerText || el.value || el.getAttribute('aria-label') || el.name || '').trim().slice(0, 30);
      small.push(`${el.tagName.toLowerCase()}${el.className ? '.' + el.className : ''} "${name}" `
                 + `${box.width.toFixed(1)}x${box.height.toFixed(1)}`);
    }
  }
  return small;
}
"""


def too_small_targets(page: Page) -> list[str]:
    """Stand-alone links, buttons, summaries and form controls smaller than 24 x 24 CSS px."""
    return page.evaluate(TOO_SMALL_TARGETS)


def screenshot(page: Page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def read_code_from_outbox(page: Page) -> str:
    page.goto("/dev/sms")
    first = page.locator(".outbox li").first.inner_text()
    match = re.search(r"\d{6}", first)
    assert match, first
    return match.group(0)


def choose(page: Page, name: str, value: str) -> None:
    page.locator(f'input[name="{name}"][value="{value}"]').check()


def continue_(page: Page) -> None:
    page.locator("form button.button").last.click()


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


def apply_in_chikan(
    page: Page, *, phone: str, name: str, id_number: str, wants_training: bool = False, missing: str | None = None,
    skills: dict[str, str] | None = None,
) -> str:  # fmt: skip
    """Sign up and apply to register in 赤坎, step by step as a resident would; with `missing`, that paper is
    promised by the commitment; `skills` fills the skills step's fields (skills, certificates,
    occupation_intention). The application's number."""
    sign_up(page, phone)
    continue_(page)
    page.fill("#name", name)
    page.fill("#id_number", id_number)
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
    for field, value in (skills or {}).items():
        page.fill(f"#{field}", value)
    choose(page, "training_intention", "yes" if wants_training else "no")
    choose(page, "entrepreneurship_intention", "no")
    choose(page, "had_unemployment_insurance", "yes")
    continue_(page)
    continue_(page)
    page.locator(f'input[name="missing_papers"][value="{missing or "none"}"]').check()
    continue_(page)
    if missing:
        page.fill("#signed_name", name)
        page.locator('input[name="agree"]').check()
        continue_(page)
    page.get_by_role("button", name=re.compile("提交")).click()
    number = page.locator(".application-number").inner_text().strip()
    assert re.fullmatch(r"ZJ\d{14}", number)
    return number


def staff_sign_in(browser: Browser, base_url: str, username: str) -> Page:
    """A staff member at an office computer (the demo staff need no second factor in development)."""
    office = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=base_url, locale=BROWSER_LOCALE)
    staff = office.new_page()
    staff.goto("/staff/login")
    staff.fill("#username", username)
    staff.fill("#password", "zhanjiang-staff-1")
    staff.locator("form button.button").click()
    expect(staff).to_have_url(re.compile(r"/staff$"))
    return staff
