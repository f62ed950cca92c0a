"""Functions and values every template can use: language switching, dates, the current locale."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode

from litestar.plugins.jinja import JinjaTemplateEngine
from markupsafe import Markup

from portal import csrf, i18n
from portal.clock import LOCAL_TZ
from portal.config import Settings
from portal.services import typed_forms

NEXT_MAX = 2000  # a path to come back to, not a place to store text


def safe_next(raw: str | None, default: str = "/") -> str:
    """Only paths on this site: '//host' or 'https://...' would send people elsewhere."""
    if not raw or not raw.startswith("/") or raw.startswith("//") or "\\" in raw or len(raw) > NEXT_MAX:
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


@dataclass(frozen=True)
class Punctuation:
    """The marks text is stitched together with, per language: Chinese uses full-width ones with no spaces."""

    comma: str
    colon: str
    semicolon: str
    enumeration: str  # between the items of a list of choices
    open_bracket: str
    close_bracket: str


PUNCTUATION = {
    "zh_CN": Punctuation(
        comma="，", colon="：", semicolon="；", enumeration="、", open_bracket="（", close_bracket="）"
    ),
    "en": Punctuation(comma=", ", colon=": ", semicolon="; ", enumeration=", ", open_bracket=" (", close_bracket=")"),
}


def punctuation() -> Punctuation:
    return PUNCTUATION.get(i18n.current_locale.get(), PUNCTUATION[i18n.DEFAULT_LOCALE])


def join_list(items: Iterable[Any] | None, labels: Mapping[Any, Any] | None = None) -> Markup:
    """Choices read as a list: 「培训、职业介绍」 in Chinese, "training, job placement" in English.

    `labels` turns stored codes into their words (a code without one is shown as it is). Markup, so that
    translated (already escaped) items are not escaped twice and plain ones are escaped once.
    """
    words = (labels.get(item, item) for item in items or ()) if labels is not None else (items or ())
    return Markup(punctuation().enumeration).join(words)  # noqa: S704 - the separator is our own constant


def bracketed(text: Any) -> Markup:
    """A remark after what it qualifies: 「（暂定）」 or " (provisional)"; the space is part of the English mark."""
    marks = punctuation()
    return Markup("{}{}{}").format(marks.open_bracket, text, marks.close_bracket)


def plain(value: Any) -> str:
    """A stored detail value for reading: lists joined, nothing shown as a dash."""
    if value is None or value == "" or value == []:
        return "—"
    if value is True:
        return "✓"
    if value is False:
        return "✗"
    if isinstance(value, list | tuple):
        return join_list(plain(v) for v in value)
    return str(value)


_TYPED = "portal_typed_form"


def typed(context: Mapping[str, Any], name: str, default: Any, many: bool = False) -> Any:
    """What was typed into field `name` before a language switch (services.typed_forms), else `default`.
    When values were kept for the page, a field without one was left empty."""
    request = context["request"]
    state = request.scope.setdefault("state", {})
    if _TYPED not in state:
        cipher = request.app.state.services.cipher
        state[_TYPED] = typed_forms.take(request.scope.get("session"), cipher, request.url.path)
    fields = state[_TYPED]
    if fields is None:
        return default
    values = fields.get(name, [])
    return values if many else (values[0] if values else "")


def register_helpers(engine: JinjaTemplateEngine, settings: Settings) -> None:
    env = engine.engine
    globals_: dict[str, Any] = {
        "lang_url": lang_url,
        "locale": lambda: i18n.current_locale.get(),
        "html_lang": lambda: i18n.HTML_LANG[i18n.current_locale.get()],
        "LOCALES": i18n.LOCALES,
        "LOCALE_NAMES": i18n.LOCALE_NAMES,
        "localised": i18n.localised,
        "punctuation": punctuation,
        "dev_outbox_visible": settings.dev_outbox_visible,
    }
    env.globals.update(globals_)
    engine.register_template_callable("csrf_token", csrf.template_token)
    engine.register_template_callable("typed", typed)
    env.filters["date"] = format_date
    env.filters["datetime"] = format_datetime
    env.filters["plain"] = plain
    env.filters["join_list"] = join_list
    env.filters["bracketed"] = bracketed
