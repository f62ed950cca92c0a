"""Languages: the current request's locale, gettext callables, lazy messages for constants, and the way dates,
lists and remarks are written in each language."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any

from babel.support import LazyProxy, NullTranslations, Translations
from markupsafe import Markup

from portal.clock import LOCAL_TZ

TRANSLATIONS_DIR = Path(__file__).parent / "translations"
LOCALES = ("zh_CN", "en")
DEFAULT_LOCALE = "zh_CN"
LANG_COOKIE = "lang"
# What the <html lang> attribute and the switcher show for each locale.
HTML_LANG = {"zh_CN": "zh-CN", "en": "en"}
LOCALE_NAMES = {"zh_CN": "中文", "en": "English"}

current_locale: ContextVar[str] = ContextVar("current_locale", default=DEFAULT_LOCALE)


@cache
def translations(locale: str) -> NullTranslations:
    return Translations.load(str(TRANSLATIONS_DIR), [locale], domain="messages")


def pick_locale(raw: str | None) -> str:
    return raw if raw in LOCALES else DEFAULT_LOCALE


def _quality(params: str) -> float:
    for param in params.split(";"):
        name, _, value = param.partition("=")
        if name.strip().lower() == "q":
            try:
                q = float(value)
            except ValueError:
                return 0.0
            return q if 0.0 <= q <= 1.0 else 0.0  # also refuses nan
    return 1.0


def negotiate(accept_language: str | None) -> str:
    """The language for a first visit: the reader's most preferred one we have (any zh-* reads Simplified
    Chinese, any en-* English), by the q-values of Accept-Language; Chinese when none of them is ours."""
    ranked = []
    for position, part in enumerate((accept_language or "").split(",")[:32]):
        tag, _, params = part.partition(";")
        q = _quality(params)
        if q > 0:  # q=0 means "not this one"
            ranked.append((-q, position, tag.strip().lower().split("-", 1)[0]))
    for _q, _position, primary in sorted(ranked):
        if primary == "zh":
            return "zh_CN"
        if primary == "en":
            return "en"
    return DEFAULT_LOCALE


def gettext(message: str, **variables: Any) -> str:
    text = translations(current_locale.get()).ugettext(message)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, n: int, **variables: Any) -> str:
    text = translations(current_locale.get()).ungettext(singular, plural, n)
    return text % ({"num": n} | variables)


def lazy_gettext(message: str, **variables: Any) -> LazyProxy:
    """For messages defined as module constants: translated when shown, in the reader's language."""
    return LazyProxy(gettext, message, enable_cache=False, **variables)


_ = gettext
_l = lazy_gettext


def localised(value_zh: str, value_en: str) -> str:
    """Pick between two stored texts (data held in both languages, such as agency addresses)."""
    return value_en if current_locale.get() == "en" else value_zh


# ---- writing dates, lists and remarks in the reader's language ------------------------------------------


def format_date(value: date | datetime | str | None) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = date.fromisoformat(value)
    if isinstance(value, datetime):
        value = value.astimezone(LOCAL_TZ).date()
    if current_locale.get() == "en":
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
    return PUNCTUATION.get(current_locale.get(), PUNCTUATION[DEFAULT_LOCALE])


def join_words(items: Iterable[Any] | None, labels: Mapping[Any, Any] | None = None) -> str:
    """`join_list` as plain text, for words built in Python (the result is escaped when it is shown)."""
    words = (labels.get(item, item) for item in items or ()) if labels is not None else (items or ())
    return punctuation().enumeration.join(str(word) for word in words)


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
