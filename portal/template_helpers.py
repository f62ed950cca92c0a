"""Functions and values every template can use: language switching, dates, the current locale."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode

from litestar.plugins.jinja import JinjaTemplateEngine

from portal import i18n
from portal.clock import LOCAL_TZ
from portal.config import Settings


def safe_next(raw: str | None, default: str = "/") -> str:
    """Only paths on this site: '//host' or 'https://...' would send people elsewhere."""
    if not raw or not raw.startswith("/") or raw.startswith("//") or "\\" in raw:
        return default
    return raw


def lang_url(path: str, locale: str) -> str:
    return "/lang?" + urlencode({"to": locale, "next": safe_next(path)})


def format_date(value: date | datetime | str | None) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = date.fromisoformat(value)
    if isinstance(value, datetime):
        value = value.astimezone(LOCAL_TZ).date()
    if i18n.current_locale.get() == "en":
        return f"{value.day} {value.strftime('%B')} {value.year}"
    return f"{value.year}年{value.month}月{value.day}日"


def format_datetime(value: datetime | None) -> str:
    if value is None:
        return ""
    local = value.astimezone(LOCAL_TZ)
    return f"{format_date(local)} {local:%H:%M}"


def plain(value: Any) -> str:
    """A stored detail value for reading: lists joined, nothing shown as a dash."""
    if value is None or value == "" or value == []:
        return "—"
    if value is True:
        return "✓"
    if value is False:
        return "✗"
    if isinstance(value, list | tuple):
        return "、".join(plain(v) for v in value)
    return str(value)


def register_helpers(engine: JinjaTemplateEngine, settings: Settings) -> None:
    env = engine.engine
    globals_: dict[str, Any] = {
        "lang_url": lang_url,
        "locale": lambda: i18n.current_locale.get(),
        "html_lang": lambda: i18n.HTML_LANG[i18n.current_locale.get()],
        "LOCALES": i18n.LOCALES,
        "LOCALE_NAMES": i18n.LOCALE_NAMES,
        "localised": i18n.localised,
        "dev_outbox_visible": settings.dev_outbox_visible,
    }
    env.globals.update(globals_)
    env.filters["date"] = format_date
    env.filters["datetime"] = format_datetime
    env.filters["plain"] = plain
