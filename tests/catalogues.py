"""Compiling the translation catalogues when their `.mo` files are missing or older than the `.po` files, so
that a fresh copy runs its tests without `make install` (which runs `pybabel compile`)."""

from __future__ import annotations

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from portal.i18n import LOCALES, TRANSLATIONS_DIR


def compile_stale_catalogues() -> list[str]:
    """The locales compiled; as `pybabel compile` does, a catalogue whose header is fuzzy is left alone."""
    compiled = []
    for locale in LOCALES:
        po = TRANSLATIONS_DIR / locale / "LC_MESSAGES" / "messages.po"
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as source:
            catalog = read_po(source, locale)
        if catalog.fuzzy:
            continue
        partial = mo.with_suffix(".mo.partial")  # a run stopped half-way leaves no broken catalogue
        with partial.open("wb") as target:
            write_mo(target, catalog)
        partial.replace(mo)
        compiled.append(locale)
    return compiled
