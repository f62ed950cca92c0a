"""Named staff (a 赤坎 clerk and reviewer, a 霞山 clerk and reviewer, city admin and viewer), cases
to work on, and signing staff in over HTTP."""

from __future__ import annotations

import copy
import functools
import re
from datetime import date
from typing import Any

import httpx
import pyotp
from sqlalchemy import select

from portal.models import (
    Registration,
    ResidentAccount,
    StaffRole,
    StaffUser,
    Verification,
    VerificationOutcome,
    VerificationSource,
)
from portal.services import audit, decisions, staff_accounts
from portal.services import registration as reg
from portal.services.cases import Lock
from portal.services.passwords import passwords
from portal.services.registration_form import build_steps
from portal.services.staff import Scope, scope_of
from tests.conftest import make_id, post_form
from tests.residents import ZHANG_SAN

STAFF_PASSWORD = "ledger and lantern"
NAMED_STAFF = {
    "chikan_clerk": (StaffRole.CLERK, "440802"),
    "chikan_reviewer": (StaffRole.REVIEWER, "440802"),
    "xiashan_clerk": (StaffRole.CLERK, "440803"),
    "xiashan_reviewer": (StaffRole.REVIEWER, "440803"),
    "city_admin": (StaffRole.CITY_ADMIN, None),
    "city_viewer": (StaffRole.CITY_VIEWER, None),
}
STEPS = build_steps([(code, code) for code in ("440802", "440803", "440881")])


@functools.cache
def _password_hash() -> str:
    # argon2 is slow on purpose: hash the shared test password once, not six times per test.
    return passwords.hash(STAFF_PASSWORD)


async def create_named_staff(db: Any) -> None:
    for username, (role, area) in NAMED_STAFF.items():
        db.add(
            StaffUser(
                username=username.replace("_", "."), full_name=username, password_hash=_password_hash(), role=role,
                area_code=area,
            )
        )  # fmt: skip
    await db.commit()


async def sign_in_staff(client: httpx.AsyncClient, who: str) -> None:
    response = await post_form(client, "/staff/login", {"username": who.replace("_", "."), "password": STAFF_PASSWORD})
    assert response.status_code == 303, response.text
    if response.headers["location"] == "/staff/login/enrol":
        page = await client.get("/staff/login/enrol")
        secret = re.search(r'<code class="secret">([A-Z2-7]+)</code>', page.text).group(1)
        response = await post_form(client, "/staff/login/enrol", {"code": pyotp.TOTP(secret).now()})
    assert response.headers["location"] == "/staff", response.text


async def make_case(
    db: Any, services: Any, *, county: str = "440802", missing: list[str] | None = None, phone: str = "13300000001",
    id_number: str | None = None, name: str = "张三", compared: bool = True, difficulties: list[str] | None = None,
) -> Registration:  # fmt: skip
    """An application submitted through the registration service, as a resident would.

    With `compared`, a field investigation is on record too, so that a reviewer may register it
    (registering needs a comparison or an investigation); pass False to test that rule."""
    account = ResidentAccount(phone=phone, password_hash="x")
    db.add(account)
    await db.flush()
    person = copy.deepcopy(ZHANG_SAN)
    person["identity"] = {"name": name, "id_number": id_number or make_id(date(1990, 1, 1), "M"), "ethnicity": "汉族"}
    person["contact"]["phone"] = phone
    person["hukou"]["hukou_area"] = county
    person["residence"]["residence_area"] = county
    person["place"]["county"] = county
    person["papers"] = {"missing_papers": missing or ["none"]}
    person["commitment"] = {"signed_name": name, "agree": ["yes"]}
    person["pension"] = {"pension_category": "F55"}
    person["needs"] = {**person["needs"], "difficulties": difficulties or []}
    await reg.start(db, services.cipher, account.id, phone)
    while (step := reg.next_step(STEPS, await reg.get_answers(db, services.cipher, account.id))) is not None:
        outcome = await reg.save_step(
            db, services.cipher, services.social_insurance, account.id, STEPS, step, person[step.key], date.today()
        )
        assert not outcome.errors, (step.key, outcome)
        assert outcome.refusal is None, (step.key, outcome)
    submission = await reg.submit(db, services.cipher, services.social_insurance, account.id, STEPS, "zh_CN")
    assert isinstance(submission, reg.Submitted), submission
    registration = submission.registration
    if compared:
        db.add(
            Verification(
                registration_id=registration.id, source=VerificationSource.FIELD_INVESTIGATION,
                outcome=VerificationOutcome.MATCH, detail={"note": "identity and unemployment checked in person"},
            )
        )  # fmt: skip
    await db.commit()
    return registration


async def reviewer_and_admin(db: Any) -> dict[str, Scope]:
    """A 赤坎 reviewer and a city administrator, as the services see them."""
    reviewer = await staff_accounts.create(
        db, audit.SYSTEM, username="chikan.reviewer", full_name="赤坎审核", password=STAFF_PASSWORD,
        role="reviewer", area_code="440802",
    )  # fmt: skip
    admin = await staff_accounts.create(
        db, audit.SYSTEM, username="city.admin", full_name="市局", password=STAFF_PASSWORD, role="city_admin",
        area_code=None,
    )  # fmt: skip
    await db.commit()
    return {"reviewer": scope_of(reviewer), "admin": scope_of(admin)}


async def registered_case(db: Any, services: Any, reviewer: Scope, **kwargs: Any) -> Registration:
    """A case (see make_case) that `reviewer` has registered."""
    case = await make_case(db, services, **kwargs)
    registration = await decisions.decide(
        db, services.sms, reviewer, case.number, Lock(case.version, 0), outcome="register"
    )
    await db.commit()
    return registration


async def registered_over_http(client: httpx.AsyncClient, services: Any, db: Any, phone: str) -> str:
    """A resident who signs up and applies over HTTP as ZHANG_SAN (to 霞山, wanting training), whom a 霞山
    reviewer then registers (named staff needed); the registration's number."""
    from portal.models import StaffUser
    from tests.residents import fill_in, sign_up, submit

    await sign_up(client, services, phone)
    await fill_in(client, ZHANG_SAN)
    number: str = (await submit(client)).headers["location"].rsplit("/", 1)[1]
    registration = await db.scalar(select(Registration).where(Registration.number == number))
    db.add(Verification(registration_id=registration.id, source=VerificationSource.FIELD_INVESTIGATION,
                        outcome=VerificationOutcome.MATCH, detail={}))  # fmt: skip
    await db.commit()
    reviewer = scope_of(await db.scalar(select(StaffUser).where(StaffUser.username == "xiashan.reviewer")))
    await decisions.decide(db, services.sms, reviewer, number, Lock(registration.version, 0), outcome="register")
    await db.commit()
    return number
