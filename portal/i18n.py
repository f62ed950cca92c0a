"""Languages: the current request's locale, gettext callables, and lazy messages for constants."""

from __future__ import annotations

from contextvars import ContextVar
from functools import cache
from pathlib import Path
from typing import Any

from babel.support import LazyProxy, NullTranslations, Translations

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
