"""Public-welfare posts: the county's list (with the placements whose term ends soon), a post's page (place a
certified person, end a placement early, close the post), the form to add or change a post; and the resident's own
placement."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import fields as dataclass_fields
from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Template

from portal.routes._common import Account, Db, Staff, page, read_form, see_other
from portal.routes.errors import FormFailure, shows_form_again
from portal.services import areas, fields
from portal.services import public_welfare_posts as posts
from portal.services.errors import NotAllowed

BASE = "/staff/public-welfare-posts"
WORDS: dict[str, Any] = {
    "status_words": posts.STATUS_LABELS,
    "alert_days": posts.ALERT_DAYS,
    "max_term": posts.MAX_TERM_MONTHS,
    "ending_heading": posts.ending_heading,
}


# ---- staff ----------------------------------------------------------------------------------------------------------


@get("/public-welfare-posts", name="staff_public_welfare_posts")
async def post_list(db: Db, staff: Staff, page_number: FromQuery[int] = 1) -> Template:
    result = await posts.posts(db, staff, page=page_number)
    return page("public_welfare_posts/list.html", scope=staff, result=result, base_query="", **WORDS)


async def _form_page(
    db: Db, staff: Staff, existing: Any = None, *, status_code: int = 200, values: dict[str, Any] | None = None,
    errors: dict[str, object] | None = None, conflict: bool = False,
) -> Template:  # fmt: skip
    counties = [fields.Choice(a.code, a.name) for a in await areas.list_areas(db)]
    if values is None and existing is not None:
        values = {f.name: str(getattr(existing, f.name, "") or "") for f in dataclass_fields(posts.PostForm)}
        values |= {"county": existing.county_code, "version": str(existing.version),
                   "monthly_subsidy": str(existing.monthly_subsidy)}  # fmt: skip
    return page(
        "public_welfare_posts/form.html", status_code, scope=staff, existing=existing, values=values or {},
        errors=errors or {}, counties=counties, conflict=conflict, **WORDS,
    )  # fmt: skip


@get("/public-welfare-posts/new", name="staff_public_welfare_post_new")
async def new_form(db: Db, staff: Staff) -> Template:
    if not (staff.is_admin or staff.can_act):
        raise NotAllowed()
    return await _form_page(db, staff)


async def _create_again(failure: FormFailure, db: Db, staff: Staff, **_: Any) -> Template:
    return await _form_page(db, staff, status_code=failure.status_code, values=failure.values, errors=failure.errors)


@post("/public-welfare-posts/new")
@shows_form_again(_create_again)
async def create(request: Request[Any, Any, Any], db: Db, staff: Staff) -> Response[Any]:
    form = await read_form(request, posts.PostForm)
    made = await posts.create(db, staff, form)
    return see_other(f"{BASE}/{made.id}", done="saved")


async def _view(
    db: Db, staff: Staff, post_id: str, page_number: int = 1, *, status_code: int = 200, done: str = "",
    values: dict[str, Any] | None = None, errors: dict[str, object] | None = None, conflict: bool = False,
) -> Template:  # fmt: skip
    view = await posts.post_view(db, staff, post_id, page=page_number)
    return page(
        "public_welfare_posts/post.html", status_code, scope=staff, view=view, done=done, values=values or {},
        errors=errors or {}, conflict=conflict, pg=view, base_query="", **WORDS,
    )  # fmt: skip


@get("/public-welfare-posts/{post_id:str}", name="staff_public_welfare_post")
async def post_page(
    db: Db, staff: Staff, post_id: FromPath[str], page_number: FromQuery[int] = 1, done: FromQuery[str] = ""
) -> Template:
    return await _view(db, staff, post_id, page_number, done=done[:20])


async def _edit_page(
    db: Db, staff: Staff, post_id: str, *, status_code: int = 200, values: dict[str, Any] | None = None,
    errors: dict[str, object] | None = None, conflict: bool = False,
) -> Template:  # fmt: skip
    existing = await posts.find(db, staff, post_id)
    if not posts.may_manage(staff, existing.county_code):
        raise NotAllowed()
    return await _form_page(db, staff, existing, status_code=status_code, values=values, errors=errors,
                            conflict=conflict)  # fmt: skip


@get("/public-welfare-posts/{post_id:str}/edit", name="staff_public_welfare_post_edit")
async def edit_form(db: Db, staff: Staff, post_id: FromPath[str]) -> Template:
    return await _edit_page(db, staff, post_id)


async def _edit_again(failure: FormFailure, db: Db, staff: Staff, post_id: str, **_: Any) -> Template:
    if failure.conflict is not None:  # the post as it is now, with a word on why
        return await _edit_page(db, staff, post_id, status_code=409, conflict=True)
    return await _edit_page(db, staff, post_id, status_code=failure.status_code, values=failure.values,
                            errors=failure.errors)  # fmt: skip


@dataclass(frozen=True)
class EditForm(posts.PostForm):
    version: str = ""


@post("/public-welfare-posts/{post_id:str}/edit")
@shows_form_again(_edit_again)
async def edit(request: Request[Any, Any, Any], db: Db, staff: Staff, post_id: FromPath[str]) -> Response[Any]:
    form = await read_form(request, EditForm)
    post_form = posts.PostForm(**{f.name: getattr(form, f.name) for f in dataclass_fields(posts.PostForm)})
    changed = await posts.edit(db, staff, post_id, fields.db_int(form.version) or 0, post_form)
    return see_other(f"{BASE}/{changed.id}", done="saved")


async def _post_again(failure: FormFailure, db: Db, staff: Staff, post_id: str, **_: Any) -> Template:
    return await _view(db, staff, post_id, status_code=failure.status_code, values=failure.values,
                       errors=failure.errors, conflict=failure.conflict is not None)  # fmt: skip


@dataclass(frozen=True)
class VersionForm:
    version: str = ""


@post("/public-welfare-posts/{post_id:str}/close")
@shows_form_again(_post_again)
async def close(request: Request[Any, Any, Any], db: Db, staff: Staff, post_id: FromPath[str]) -> Response[Any]:
    form = await read_form(request, VersionForm)
    closed = await posts.close(db, staff, post_id, fields.db_int(form.version) or 0)
    return see_other(f"{BASE}/{closed.id}", done="closed")


@post("/public-welfare-posts/{post_id:str}/placements")
@shows_form_again(_post_again)
async def place(request: Request[Any, Any, Any], db: Db, staff: Staff, post_id: FromPath[str]) -> Response[Any]:
    form = await read_form(request, posts.PlaceForm)
    placed = await posts.place(db, staff, post_id, form)
    return see_other(f"{BASE}/{placed.placement.post_id}", done="already" if placed.already else "placed")


@dataclass(frozen=True)
class EndForm:
    ended_on: str = ""
    end_reason: str = ""


@post("/public-welfare-posts/{post_id:str}/placements/{placement_id:str}/end")
@shows_form_again(_post_again)
async def end_early(
    request: Request[Any, Any, Any], db: Db, staff: Staff, post_id: FromPath[str], placement_id: FromPath[str]
) -> Response[Any]:
    form = await read_form(request, EndForm)
    ended = await posts.end_early(db, staff, post_id, placement_id, ended_on=form.ended_on, reason=form.end_reason)
    return see_other(f"{BASE}/{ended.post_id}", done="ended")


# ---- the resident ---------------------------------------------------------------------------------------------------


@get("/account/public-welfare-post", name="my_public_welfare_post")
async def my_placement(db: Db, account: Account) -> Template:
    placements = await posts.of_account(db, account.id)
    return page("public_welfare_posts/mine.html", account=account, placements=placements, **WORDS)


STAFF_HANDLERS = [post_list, new_form, create, post_page, edit_form, edit, close, place, end_early]
RESIDENT_HANDLERS = [my_placement]
