"""Functions and values every template can use: language switching, the current locale, typed values."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from litestar.plugins.jinja import JinjaTemplateEngine

from portal import csrf, i18n
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
    from portal.services import events, registration, staff

    globals_: dict[str, Any] = {
        # Words for stored codes, the same wherever they are shown.
        "STATUS_LABELS": registration.STATUS_LABELS,
        "ROLE_LABELS": staff.ROLE_LABELS,
        "event_for_staff": events.for_staff,
        "event_is_warning": events.is_warning,
        "lang_url": lang_url,
        "locale": lambda: i18n.current_locale.get(),
        "html_lang": lambda: i18n.HTML_LANG[i18n.current_locale.get()],
        "LOCALES": i18n.LOCALES,
        "LOCALE_NAMES": i18n.LOCALE_NAMES,
        "localised": i18n.localised,
        "punctuation": i18n.punctuation,
        "dev_outbox_visible": settings.dev_outbox_visible,
    }
    env.globals.update(globals_)
    engine.register_template_callable("csrf_token", csrf.template_token)
    engine.register_template_callable("typed", typed)
    env.filters["date"] = i18n.format_date
    env.filters["datetime"] = i18n.format_datetime
    env.filters["plain"] = i18n.plain
    env.filters["join_list"] = i18n.join_list
    env.filters["bracketed"] = i18n.bracketed
