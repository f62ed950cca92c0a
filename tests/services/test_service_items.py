"""The service list as data: loaded once without overwriting edits, edited by city administrators only, a save
over someone else's refused, additions with a code of their own, every change audited."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select

from portal.i18n import current_locale
from portal.models import AuditEntry, ServiceItem
from portal.services import service_items
from portal.services.errors import Conflict, InputError, NotAllowed

TEXTS = {
    "title_zh": "就业见习", "title_en": "Work placements", "for_whom_zh": "16至24岁失业青年",
    "for_whom_en": "Unemployed young people aged 16 to 24", "gives_zh": "见习岗位和见习补贴",
    "gives_en": "A placement and its allowance", "where_zh": "见习基地", "where_en": "Placement employers",
}  # fmt: skip
CHANGE = service_items.ItemChange(texts=TEXTS, sort_order="20", is_sample=False, active=True)


async def test_the_nine_sample_services_are_listed_in_order_in_both_languages(db) -> None:
    listed = await service_items.listed(db)
    assert [item.code for item in listed] == [f"S0{n}" for n in range(1, 10)]
    assert listed[0].title == "失业登记"
    assert all(item.is_sample for item in listed)
    token = current_locale.set("en")
    try:
        assert (await service_items.listed(db))[0].title == "Unemployment registration"
    finally:
        current_locale.reset(token)


async def test_loading_again_adds_nothing_and_keeps_an_edit(db, scopes) -> None:
    item = await service_items.get(db, "S03")
    await service_items.edit(db, scopes["admin"], "S03", item.version, CHANGE)
    await db.commit()
    assert await service_items.load_service_items(db) == 0
    assert (await service_items.get(db, "S03")).title_zh == "就业见习"


async def test_an_edit_is_audited_with_what_changed_and_a_stale_one_is_refused(db, scopes) -> None:
    item = await service_items.get(db, "S05")
    texts = {name: getattr(item, name) for name in service_items.TEXT_FIELDS} | {"where_zh": "赤坎区定点培训机构"}
    change = service_items.ItemChange(texts=texts, sort_order=str(item.sort_order), is_sample=True, active=False)
    saved = await service_items.edit(db, scopes["admin"], "S05", 1, change)
    await db.commit()
    assert (saved.version, saved.where_zh, saved.active) == (2, "赤坎区定点培训机构", False)
    assert "S05" not in [i.code for i in await service_items.listed(db)]  # taken off the public list
    entry = await db.scalar(select(AuditEntry).where(AuditEntry.action == "service_item.edit"))
    assert entry.changes == {"version": [1, 2], "changed": ["active", "where_zh"]}
    with pytest.raises(Conflict):
        await service_items.edit(db, scopes["admin"], "S05", 1, change)


async def test_two_administrators_saving_at_once_one_wins(db, services, scopes) -> None:
    async def save(title: str) -> str:
        async with services.sessionmaker() as session:
            try:
                change = service_items.ItemChange({**TEXTS, "title_zh": title}, "2", True, True)
                await service_items.edit(session, scopes["admin"], "S02", 1, change)
                await session.commit()
                return "saved"
            except Conflict:
                return "conflict"

    if services.settings.database_url.startswith("sqlite"):
        outcomes = [await save("甲"), await save("乙")]
    else:
        outcomes = await asyncio.gather(save("甲"), save("乙"))
    assert sorted(outcomes) == ["conflict", "saved"]
    assert (await service_items.get(db, "S02")).version == 2


async def test_only_a_city_administrator_edits_and_every_field_is_checked(db, scopes) -> None:
    with pytest.raises(NotAllowed):
        await service_items.edit(db, scopes["reviewer"], "S01", 1, CHANGE)
    bad = service_items.ItemChange(
        {**TEXTS, "title_zh": "长" * 81, "gives_en": " "}, "99999999999999999999", True, True
    )
    with pytest.raises(InputError) as raised:
        await service_items.edit(db, scopes["admin"], "S01", 1, bad)
    assert set(raised.value.errors) == {"title_zh", "gives_en", "sort_order"}


async def test_an_addition_needs_a_free_code_of_the_right_shape(db, services, scopes) -> None:
    added = await service_items.add(db, scopes["admin"], " s10 ", CHANGE)
    await db.commit()
    assert added.code == "S10"
    assert [i.code for i in await service_items.listed(db)][-1] == "S10"
    with pytest.raises(InputError) as raised:
        await service_items.add(db, scopes["admin"], "S10", CHANGE)
    assert raised.value.errors == {"code": service_items.CODE_TAKEN}
    with pytest.raises(InputError) as raised:
        await service_items.add(db, scopes["admin"], "X1", CHANGE)
    assert raised.value.errors == {"code": service_items.CODE_INVALID}
    await db.rollback()
    assert await db.scalar(select(func.count()).select_from(ServiceItem)) == 10
    assert await db.scalar(select(AuditEntry.target_id).where(AuditEntry.action == "service_item.add")) == "S10"


async def test_two_administrators_adding_one_code_at_once_make_one_item(db, services, scopes) -> None:
    async def add() -> str:
        async with services.sessionmaker() as session:
            try:
                await service_items.add(session, scopes["admin"], "S11", CHANGE)
                await session.commit()
                return "added"
            except InputError as refused:
                return str(refused.errors["code"])

    if services.settings.database_url.startswith("sqlite"):
        outcomes = [await add(), await add()]
    else:
        outcomes = await asyncio.gather(add(), add())
    assert sorted(outcomes) == sorted(["added", str(service_items.CODE_TAKEN)])
    assert await db.scalar(select(func.count()).select_from(ServiceItem).where(ServiceItem.code == "S11")) == 1
