"""The staff workspace: sign-in with two factors, the queue, cases, proposals, audit and accounts."""

from __future__ import annotations

from typing import Any, TypedDict

from litestar import Request, Router, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template
from markupsafe import Markup
from sqlalchemy.ext.asyncio import AsyncSession

from portal.app_services import Services
from portal.i18n import _, _l
from portal.models import StaffRole
from portal.routes._common import Db, Deps, client_ip, form_dict, page, see_other
from portal.services import audit, casework, fields, proposals, receipts, staff
from portal.services.accounts import PASSWORD_MAX
from portal.services.errors import NotFound, RateLimited
from portal.services.registration_form import registration_labels
from portal.services.staff import Scope

STAFF_ID = "staff_id"
PENDING = "pending_staff_id"
ENROL_SECRET = "enrol_secret"  # noqa: S105 - a session key name, not a secret
LOGIN_FAILED = _l("The user name or password is not right")
CODE_WRONG = _l("The code is not right: use the current code from your authenticator app")
FIELD_REQUIRED = _l("This is required")


class StaffLoginRequired(Exception):
    pass


class Forbidden(Exception):
    pass


async def staff_scope(request: Request[Any, Any, Any], db: AsyncSession) -> Scope:
    staff_id = request.session.get(STAFF_ID) if request.scope.get("session") is not None else None
    user = await staff.get_active(db, int(staff_id)) if staff_id else None
    if user is None:
        raise StaffLoginRequired()
    return staff.scope_of(user)


async def _rotate_and_sign_in(request: Request[Any, Any, Any], staff_id: int) -> None:
    from portal import sessions

    await sessions.rotate(request, request.app.state.staff_session_config)
    request.set_session({STAFF_ID: staff_id})


# ---- sign in --------------------------------------------------------------------------------


@get("/login", name="staff_login")
async def login_form() -> Template:
    return page("staff/login.html", values={}, errors={})


@post("/login")
async def login(request: Request[Any, Any, Any], db: Db, services: Deps) -> Template | Redirect:
    form = await form_dict(request)
    username = form.get("username", "").strip().lower()
    errors: dict[str, object] = {}
    if not username:
        errors["username"] = FIELD_REQUIRED
    if not form.get("password"):
        errors["password"] = FIELD_REQUIRED
    # Bounded before the name becomes a rate-limit key: no user name is longer than the column.
    fields.check_lengths(errors, {"username": (username, 40), "password": (form.get("password", ""), PASSWORD_MAX)})
    if errors:
        return page("staff/login.html", values={"username": username}, errors=errors)
    if not await staff.may_try_login(
        services.limiter, services.settings.login_attempts_per_15min, username, client_ip(request)
    ):
        raise RateLimited()
    user = await staff.authenticate(db, username, form["password"])
    if user is None:
        return page("staff/login.html", values={"username": username}, errors={"username": LOGIN_FAILED})
    if staff.totp_required(user):
        request.set_session({PENDING: user.id})
        return see_other("/staff/login/code" if user.totp_enabled else "/staff/login/enrol")
    await staff.mark_signed_in(db, user)
    await _rotate_and_sign_in(request, user.id)
    return see_other("/staff")


async def _pending(request: Request[Any, Any, Any], db: AsyncSession) -> Any:
    pending = request.session.get(PENDING)
    user = await staff.get_active(db, int(pending)) if pending else None
    if user is None:
        raise StaffLoginRequired()
    return user


@get("/login/code", name="staff_login_code")
async def code_form(request: Request[Any, Any, Any], db: Db) -> Template:
    await _pending(request, db)
    return page("staff/login_code.html", errors={})


@post("/login/code")
async def code(request: Request[Any, Any, Any], db: Db, services: Deps) -> Template | Redirect:
    user = await _pending(request, db)
    form = await form_dict(request)
    if not await staff.may_try_code(services.limiter, user.username):
        raise RateLimited()
    if not await staff.check_totp(db, services.cipher, user, form.get("code", "")):
        return page("staff/login_code.html", errors={"code": CODE_WRONG})
    await staff.mark_signed_in(db, user, totp=True)
    await _rotate_and_sign_in(request, user.id)
    return see_other("/staff")


def _enrol_page(
    request: Request[Any, Any, Any], username: str, errors: dict[str, object], *,
    action: str = "/staff/login/enrol", scope: Scope | None = None, required: bool = True,
) -> Template:  # fmt: skip
    secret = request.session.get(ENROL_SECRET) or staff.new_totp_secret()
    request.session[ENROL_SECRET] = secret
    uri = staff.totp_uri(secret, username)
    qr = Markup(receipts.qr_svg(uri, _("QR code to add this account to an authenticator app")))  # noqa: S704
    return page("staff/enrol.html", secret=secret, qr=qr, errors=errors, action=action, scope=scope, required=required)


@get("/login/enrol", name="staff_enrol")
async def enrol_form(request: Request[Any, Any, Any], db: Db) -> Template:
    user = await _pending(request, db)
    return _enrol_page(request, user.username, {})


@post("/login/enrol")
async def enrol(request: Request[Any, Any, Any], db: Db, services: Deps) -> Template | Redirect:
    user = await _pending(request, db)
    form = await form_dict(request)
    secret = request.session.get(ENROL_SECRET)
    if not secret or not await staff.enrol_totp(db, services.cipher, user, secret, form.get("code", "")):
        return _enrol_page(request, user.username, {"code": CODE_WRONG})
    await staff.mark_signed_in(db, user, totp=True)
    await _rotate_and_sign_in(request, user.id)
    return see_other("/staff")


@get("/account", name="staff_account")
async def account_page(request: Request[Any, Any, Any], db: Db) -> Template:
    scope = await staff_scope(request, db)
    user = await staff.require(db, scope.staff_id)
    if user.totp_enabled:
        return page("staff/account.html", scope=scope, user=user)
    return _enrol_page(request, user.username, {}, action="/staff/account/totp", scope=scope, required=False)


@post("/account/totp")
async def account_totp(request: Request[Any, Any, Any], db: Db, services: Deps) -> Template | Redirect:
    scope = await staff_scope(request, db)
    user = await staff.require(db, scope.staff_id)
    form = await form_dict(request)
    secret = request.session.get(ENROL_SECRET)
    if not secret or not await staff.enrol_totp(db, services.cipher, user, secret, form.get("code", "")):
        return _enrol_page(
            request, user.username, {"code": CODE_WRONG}, action="/staff/account/totp", scope=scope, required=False
        )
    request.session.pop(ENROL_SECRET, None)
    return see_other("/staff/account")


@post("/logout", name="staff_logout")
async def logout(request: Request[Any, Any, Any]) -> Redirect:
    request.clear_session()
    return see_other("/staff/login")


# ---- the queue and a case -------------------------------------------------------------------


@get("/", name="staff_queue")
async def queue_page(
    request: Request[Any, Any, Any],
    db: Db,
    status: FromQuery[str] = "",
    county: FromQuery[str] = "",
    due: FromQuery[str] = "",
    page_number: FromQuery[int] = 1,
) -> Template:
    scope = await staff_scope(request, db)
    result = await casework.queue(db, scope, status=status, county=county, due=due, page=page_number)
    areas = await casework.area_names(db)
    return page("staff/queue.html", scope=scope, queue=result, areas=areas)


async def _case_page(
    request: Request[Any, Any, Any], db: AsyncSession, services: Services, number: str, **extra: Any
) -> Template:
    scope = await staff_scope(request, db)
    view = await casework.view_case(db, services.cipher, scope, number)
    return page(
        "staff/case.html",
        extra.pop("status_code", 200),
        scope=scope,
        case=view,
        reg=view.registration,
        seen_event=max((e.id for e in view.registration.events), default=0),
        end_reasons=casework.END_REASONS,
        rejection_reasons=view.rejection_reasons,
        contact_kinds=casework.CONTACT_KINDS,
        contact_channels=casework.CONTACT_CHANNELS,
        contact_results=casework.CONTACT_RESULTS,
        labels=registration_labels(),
        describe=casework.describe,
        errors=extra.pop("errors", {}),
        values=extra.pop("values", {}),
        done=extra.pop("done", ""),
        **extra,
    )


@get("/cases/{number:str}", name="staff_case")
async def case_page(
    request: Request[Any, Any, Any], db: Db, services: Deps, number: FromPath[str], done: FromQuery[str] = ""
) -> Template:
    return await _case_page(request, db, services, number, done=done)


class _Lock(TypedDict):
    """What the case form saw (optimistic locking), passed to every action that changes the case."""

    version: int
    seen_event: int


def _int(raw: str | None) -> int:
    # A missing, damaged or out-of-range number is a stale form: it never matches, and never reaches SQL.
    number = fields.db_int(raw)
    return -1 if number is None else number


async def _case_action(
    request: Request[Any, Any, Any], db: AsyncSession, services: Services, number: str, action: str
) -> Template | Redirect:
    scope = await staff_scope(request, db)
    form = await form_dict(request)
    lock: _Lock = {"version": _int(form.get("version")), "seen_event": _int(form.get("seen_event"))}
    try:
        if action == "compare":
            await casework.compare(db, services.cipher, scope, services.sources, services.social_insurance, number)
        elif action == "investigate":
            await casework.record_investigation(
                db, scope, number, form.get("investigation_outcome", ""), form.get("investigation_note", "")
            )
        elif action == "decide":
            await casework.decide(
                db, services.sms, scope, number, **lock, outcome=form.get("outcome", ""),
                reason=form.get("reason", ""), note=form.get("note", ""), commitment=form.get("commitment", ""),
            )  # fmt: skip
        elif action == "end":
            await casework.end_registration(
                db, services.sms, scope, number, **lock, reason=form.get("end_reason", ""),
                end_date=form.get("end_date", ""), note=form.get("end_note", ""),
                reference=form.get("end_reference", ""),
            )  # fmt: skip
        elif action == "transfer":
            await casework.transfer(
                db, services.sms, scope, number, **lock, to_area=form.get("to_area", ""),
                note=form.get("transfer_note", ""),
            )  # fmt: skip
        elif action == "contact":
            await casework.record_contact(
                db, scope, number, day=form.get("contact_day", ""), kind=form.get("contact_kind", ""),
                channel=form.get("contact_channel", ""), result=form.get("contact_result", ""),
                note=form.get("contact_note", ""),
            )  # fmt: skip
        elif action == "reverse":
            await casework.reverse_end(db, services.sms, scope, number, **lock, why=form.get("why", ""))
        else:
            raise NotFound()
    except casework.NotAllowed:
        raise Forbidden() from None
    except casework.CaseInputError as exc:
        await db.rollback()
        return await _case_page(request, db, services, number, status_code=200, errors=exc.errors, values=form)
    except casework.CaseChanged as exc:
        # Nothing of this action was kept (the service rolled back if its write had already failed), and the
        # events that changed the case are loaded: the page shows them beside what this reviewer had typed.
        return await _case_page(request, db, services, number, status_code=409, conflict=exc.new_events, values=form)
    return see_other(f"/staff/cases/{number}", done=action)


@post("/cases/{number:str}/{action:str}", name="staff_case_action")
async def case_action(
    request: Request[Any, Any, Any], db: Db, services: Deps, number: FromPath[str], action: FromPath[str]
) -> Template | Redirect:
    return await _case_action(request, db, services, number, action)


# ---- proposals ------------------------------------------------------------------------------


@get("/proposals", name="staff_proposals")
async def proposals_page(request: Request[Any, Any, Any], db: Db, page_number: FromQuery[int] = 1) -> Template:
    scope = await staff_scope(request, db)
    result = await proposals.open_proposals(db, scope, page=page_number)
    return page(
        "staff/proposals.html", scope=scope, result=result, end_reasons=casework.END_REASONS, errors={}, values={}
    )


@post("/proposals/{proposal_id:int}/{decision:str}", name="staff_proposal_decision")
async def proposal_decision(
    request: Request[Any, Any, Any], db: Db, services: Deps, proposal_id: FromPath[int], decision: FromPath[str]
) -> Template | Redirect:
    scope = await staff_scope(request, db)
    form = await form_dict(request)
    try:
        if decision == "confirm":
            await proposals.confirm(
                db, services.sms, scope, proposal_id, end_date=form.get("end_date", ""), note=form.get("note", "")
            )
        elif decision == "dismiss":
            await proposals.dismiss(db, scope, proposal_id, note=form.get("note", ""))
        else:
            raise NotFound()
    except casework.NotAllowed:
        raise Forbidden() from None
    except casework.CaseChanged:
        # Someone else ended or changed the case at the same moment: the list shows where it stands now.
        return see_other("/staff/proposals", done="changed")
    except casework.CaseInputError as exc:
        await db.rollback()
        result = await proposals.open_proposals(db, scope)
        # Keyed like the fields on the page: the confirm form's note is the ending's evidence (end_note).
        typed = (
            {"end_date": form.get("end_date", ""), "end_note": form.get("note", "")}
            if decision == "confirm"
            else {"note": form.get("note", "")}
        )
        return page(
            "staff/proposals.html", scope=scope, result=result, end_reasons=casework.END_REASONS,
            errors={f"{proposal_id}-{k}": v for k, v in exc.errors.items()},
            values={f"{proposal_id}-{k}": v for k, v in typed.items()},
        )  # fmt: skip
    return see_other("/staff/proposals", done=decision)


# ---- city administration --------------------------------------------------------------------


async def _admin(request: Request[Any, Any, Any], db: AsyncSession) -> Scope:
    scope = await staff_scope(request, db)
    if not scope.is_admin:
        raise Forbidden()
    return scope


@get("/audit", name="staff_audit")
async def audit_page(
    request: Request[Any, Any, Any],
    db: Db,
    username: FromQuery[str] = "",
    action: FromQuery[str] = "",
    target: FromQuery[str] = "",
    page_number: FromQuery[int] = 1,
) -> Template:
    scope = await _admin(request, db)
    areas = await casework.area_names(db)
    errors = audit.search_problems(username=username, action=action, target=target)
    if errors:
        result = audit.AuditPage(entries=[], total=0, page=1, pages=1)
    else:
        result = await audit.search(
            db, scope.actor, username=username or None, action=action or None, target=target or None, page=page_number
        )
    return page(
        "staff/audit.html",
        scope=scope,
        errors=errors,
        result=result,
        lines=[audit.readable(entry, areas) for entry in result.entries],
        areas=areas,
        filters={"username": username, "action": action, "target": target},
    )


async def _users_page(
    db: AsyncSession, scope: Scope, values: dict[str, Any] | None = None, errors: dict[str, object] | None = None
) -> Template:
    return page(
        "staff/users.html", scope=scope, users=await staff.list_staff(db), areas=await casework.area_names(db),
        roles=list(StaffRole), values=values or {}, errors=errors or {},
    )  # fmt: skip


@get("/users", name="staff_users")
async def users_page(request: Request[Any, Any, Any], db: Db) -> Template:
    scope = await _admin(request, db)
    return await _users_page(db, scope)


@post("/users")
async def create_user(request: Request[Any, Any, Any], db: Db) -> Template | Redirect:
    scope = await _admin(request, db)
    form = await form_dict(request)
    try:
        role = StaffRole(form.get("role", ""))
    except ValueError:
        role = None
    try:
        if role is None:
            raise staff.StaffInputError({"role": FIELD_REQUIRED})
        await staff.create(
            db, scope.actor, username=form.get("username", ""), full_name=form.get("full_name", ""),
            password=form.get("password", ""), role=role, area_code=form.get("area_code") or None,
        )  # fmt: skip
    except staff.StaffInputError as exc:
        kept = {k: v for k, v in form.items() if k != "password"}
        return await _users_page(db, scope, values=kept, errors=exc.errors)
    return see_other("/staff/users", done="created")


@post("/users/{username:str}/{change:str}", name="staff_user_change")
async def change_user(
    request: Request[Any, Any, Any], db: Db, username: FromPath[str], change: FromPath[str]
) -> Template | Redirect:
    scope = await _admin(request, db)
    form = await form_dict(request)
    try:
        if change in ("deactivate", "reactivate"):
            await staff.set_active(db, scope, username, active=change == "reactivate")
        elif change == "password":
            await staff.set_password(db, scope, username, form.get("password", ""))
        else:
            raise NotFound()
    except staff.StaffInputError as exc:
        return await _users_page(db, scope, errors={f"{username}-{k}": v for k, v in exc.errors.items()})
    return see_other("/staff/users", done=change)


staff_router_handlers = [
    login_form, login, code_form, code, enrol_form, enrol, account_page, account_totp, logout,
    queue_page, case_page, case_action, proposals_page, proposal_decision, audit_page, users_page, create_user,
    change_user,
]  # fmt: skip


def make_router(*middleware: Any) -> Router:
    """The staff workspace under /staff, with its own session and CSRF middleware (in that order)."""
    return Router(path="/staff", route_handlers=staff_router_handlers, middleware=list(middleware))
