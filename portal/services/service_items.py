"""The public service list (§3.1.1 信息服务): what each service is, who it is for, what it gives and where, in both
languages; loaded from its data file and kept up to date by city administrators (each save audited with what
changed; a save over a version someone else has replaced is refused)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from portal.i18n import _l, localised
from portal.models import ServiceItem
from portal.services import audit, fields
from portal.services.errors import Conflict, InputError, NotAllowed, NotFound
from portal.services.staff import Scope

ITEMS_FILE = Path(__file__).parent.parent / "data" / "service_items.json"
TEXT_FIELDS = ("title_zh", "title_en", "for_whom_zh", "for_whom_en", "gives_zh", "gives_en", "where_zh", "where_en")
TITLE_MAX = {"title_zh": 80, "title_en": 160}
TEXT_MAX = 1000
SORT_MAX = 9999
CODE = re.compile(r"S\d{2,6}")

FIELD_LABELS: dict[str, object] = {
    "code": _l("Code"),
    "title_zh": _l("Service (Chinese)"),
    "title_en": _l("Service (English)"),
    "for_whom_zh": _l("Who it is for (Chinese)"),
    "for_whom_en": _l("Who it is for (English)"),
    "gives_zh": _l("What it gives (Chinese)"),
    "gives_en": _l("What it gives (English)"),
    "where_zh": _l("Where (Chinese)"),
    "where_en": _l("Where (English)"),
    "sort_order": _l("Place in the list"),
}
FIELD_REQUIRED = _l("Fill this in")
CODE_INVALID = _l("Enter a code like S10: S and two to six digits")
CODE_TAKEN = _l("There is already a service with this code")
SORT_INVALID = _l("Enter a whole number from 0 to 9999")


@dataclass(frozen=True)
class ItemView:
    """An item in the reader's language."""

    code: str
    title: str
    for_whom: str
    gives: str
    where: str
    is_sample: bool
    active: bool


def view(item: ServiceItem) -> ItemView:
    return ItemView(
        item.code, localised(item.title_zh, item.title_en), localised(item.for_whom_zh, item.for_whom_en),
        localised(item.gives_zh, item.gives_en), localised(item.where_zh, item.where_en), item.is_sample, item.active,
    )  # fmt: skip


async def listed(session: AsyncSession) -> list[ItemView]:
    """The public list, in its order."""
    items = await session.scalars(
        select(ServiceItem).where(ServiceItem.active.is_(True)).order_by(ServiceItem.sort_order, ServiceItem.code)
    )
    return [view(item) for item in items]


async def every(session: AsyncSession) -> list[ServiceItem]:
    """Every item, those taken off the list too (for administrators)."""
    return list(await session.scalars(select(ServiceItem).order_by(ServiceItem.sort_order, ServiceItem.code)))


async def get(session: AsyncSession, code: str) -> ServiceItem:
    item = await session.scalar(
        select(ServiceItem).where(ServiceItem.code == code).execution_options(populate_existing=True)
    )
    if item is None:
        raise NotFound()
    return item


async def load_service_items(session: AsyncSession, path: Path = ITEMS_FILE) -> int:
    """Insert the items of the data file that are missing; never overwrite what an administrator edited."""
    data = json.loads(path.read_text(encoding="utf-8"))["items"]  # noqa: ASYNC240 - a small file read at set-up
    existing = set(await session.scalars(select(ServiceItem.code)))
    added = [ServiceItem(**row, is_sample=True) for row in data if row["code"] not in existing]
    session.add_all(added)
    await session.flush()
    return len(added)


@dataclass(frozen=True)
class ItemChange:
    texts: dict[str, str]
    sort_order: str
    is_sample: bool
    active: bool


def _checked(change: ItemChange) -> tuple[dict[str, str], int]:
    errors: dict[str, object] = {}
    texts = {name: change.texts.get(name, "").strip() for name in TEXT_FIELDS}
    for name, text in texts.items():
        if not text:
            errors[name] = FIELD_REQUIRED
        elif (too_long := fields.too_long(text, TITLE_MAX.get(name, TEXT_MAX))) is not None:
            errors[name] = too_long
    sort_order = fields.db_int(change.sort_order)
    if sort_order is None or not 0 <= sort_order <= SORT_MAX:
        errors["sort_order"] = SORT_INVALID
    if errors:
        raise InputError(errors)
    assert sort_order is not None
    return texts, sort_order


async def edit(session: AsyncSession, admin: Scope, code: str, based_on: int, change: ItemChange) -> ServiceItem:
    """Save over the version the form showed (`based_on`); Conflict when someone saved in between."""
    if not admin.is_admin:
        raise NotAllowed()
    current = await get(session, code)
    texts, sort_order = _checked(change)
    before = {name: getattr(current, name) for name in (*TEXT_FIELDS, "sort_order", "is_sample", "active")}
    after = {**texts, "sort_order": sort_order, "is_sample": change.is_sample, "active": change.active}
    saved = await session.scalar(
        update(ServiceItem)
        .where(ServiceItem.code == code, ServiceItem.version == based_on)
        .values(**after, version=based_on + 1, updated_by=admin.staff_id)
        .returning(ServiceItem.version)
        .execution_options(synchronize_session=False)
    )
    if saved is None:
        raise Conflict()
    changed = sorted(name for name in after if after[name] != before[name])
    await audit.record(
        session, admin.actor, "service_item.edit", "service_item", code,
        {"version": [based_on, saved], "changed": changed},
    )  # fmt: skip
    return await get(session, code)


async def add(session: AsyncSession, admin: Scope, code: str, change: ItemChange) -> ServiceItem:
    """A new item; a code already in use (even by two administrators at once) is a field error."""
    if not admin.is_admin:
        raise NotAllowed()
    code = code.strip().upper()
    errors: dict[str, object] = {}
    if not CODE.fullmatch(code):
        errors["code"] = CODE_INVALID
    try:
        texts, sort_order = _checked(change)
    except InputError as invalid:
        raise InputError({**errors, **invalid.errors}) from None
    if errors:
        raise InputError(errors)
    if await session.get(ServiceItem, code) is not None:
        raise InputError({"code": CODE_TAKEN})
    item = ServiceItem(
        code=code, sort_order=sort_order, is_sample=change.is_sample, active=change.active,
        updated_by=admin.staff_id, **texts,
    )  # fmt: skip
    try:
        async with session.begin_nested():
            session.add(item)
            await session.flush()
    except IntegrityError:  # added by another administrator a moment ago
        raise InputError({"code": CODE_TAKEN}) from None
    await audit.record(session, admin.actor, "service_item.add", "service_item", code, {"changed": sorted(texts)})
    return item
