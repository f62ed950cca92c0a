"""The public service list, and its upkeep by city administrators."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Template

from portal.i18n import _l
from portal.routes._common import Db, Staff, page, read_form, see_other, signed_in
from portal.routes.errors import FormFailure, shows_form_again
from portal.services import fields, service_items
from portal.services.fields import options

SAMPLE_CHOICES = options(fields.SAMPLE_LABELS)
ACTIVE_CHOICES = options({"yes": _l("Yes: on the public list"), "no": _l("No: taken off the list")})


@get("/services", name="service_items")
async def public_list(request: Request[Any, Any, Any], db: Db) -> Template:
    return page("service_items/list.html", account=await signed_in(request, db), items=await service_items.listed(db))


# ---- city administrators ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemForm:
    based_on: str = ""
    code: str = ""
    title_zh: str = ""
    title_en: str = ""
    for_whom_zh: str = ""
    for_whom_en: str = ""
    gives_zh: str = ""
    gives_en: str = ""
    where_zh: str = ""
    where_en: str = ""
    sort_order: str = ""
    is_sample: str = ""
    active: str = ""

    def change(self) -> service_items.ItemChange:
        return service_items.ItemChange(
            texts={name: getattr(self, name) for name in service_items.TEXT_FIELDS}, sort_order=self.sort_order,
            is_sample=self.is_sample != "no", active=self.active != "no",
        )  # fmt: skip


_FORM_WORDS = {
    "text_fields": service_items.TEXT_FIELDS, "field_labels": service_items.FIELD_LABELS,
    "sample_choices": SAMPLE_CHOICES, "active_choices": ACTIVE_CHOICES,
}  # fmt: skip


async def _list_page(
    db: Db, staff: Staff, *, status_code: int = 200, values: dict[str, Any] | None = None,
    errors: dict[str, object] | None = None, done: str = "",
) -> Template:  # fmt: skip
    return page(
        "service_items/staff_list.html", status_code, scope=staff, items=await service_items.every(db),
        values=values or {}, errors=errors or {}, done=done, **_FORM_WORDS,
    )  # fmt: skip


@get("/service-items", name="staff_service_items")
async def staff_list(db: Db, staff: Staff, done: FromQuery[str] = "") -> Template:
    return await _list_page(db, staff, done=done)


async def _add_again(failure: FormFailure, db: Db, staff: Staff, **_: Any) -> Template:
    return await _list_page(db, staff, status_code=failure.status_code, values=failure.values, errors=failure.errors)


@post("/service-items")
@shows_form_again(_add_again)
async def add_item(request: Request[Any, Any, Any], db: Db, staff: Staff) -> Response[Any]:
    form = await read_form(request, ItemForm)
    item = await service_items.add(db, staff, form.code, form.change())
    return see_other(f"/staff/service-items/{item.code}", done="added")


async def _edit_page(
    db: Db, staff: Staff, code: str, *, status_code: int = 200, values: dict[str, Any] | None = None,
    errors: dict[str, object] | None = None, conflict: bool = False, done: str = "",
) -> Template:  # fmt: skip
    return page(
        "service_items/edit.html", status_code, scope=staff, item=await service_items.get(db, code),
        values=values or {}, errors=errors or {}, conflict=conflict, done=done, **_FORM_WORDS,
    )  # fmt: skip


@get("/service-items/{code:str}", name="staff_service_item")
async def edit_form(db: Db, staff: Staff, code: FromPath[str], done: FromQuery[str] = "") -> Template:
    return await _edit_page(db, staff, code, done=done)


async def _edit_again(failure: FormFailure, db: Db, staff: Staff, code: str, **_: Any) -> Template:
    return await _edit_page(
        db, staff, code, status_code=failure.status_code, values=failure.values, errors=failure.errors,
        conflict=failure.conflict is not None,
    )  # fmt: skip


@post("/service-items/{code:str}")
@shows_form_again(_edit_again)
async def save_item(request: Request[Any, Any, Any], db: Db, staff: Staff, code: FromPath[str]) -> Response[Any]:
    form = await read_form(request, ItemForm)
    based_on = int(form.based_on) if form.based_on.isdigit() and len(form.based_on) < 10 else -1
    await service_items.edit(db, staff, code, based_on, form.change())
    return see_other(f"/staff/service-items/{code}", done="saved")


PUBLIC_HANDLERS = [public_list]
ADMIN_HANDLERS = [staff_list, add_item, edit_form, save_item]
