"""Catalogue upkeep after `pybabel update`: the English catalogue repeats its English source strings
(so it is complete), and both headers are made whole and not fuzzy (a fuzzy header is not compiled)."""

from __future__ import annotations

import sys

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

from portal.i18n import LOCALES, TRANSLATIONS_DIR

PROJECT = "zhanjiang-portal"


def _fill_english(catalog: Catalog) -> int:
    filled = 0
    for message in catalog:
        if not message.id:
            continue
        # English is the source language: a fuzzy guess is never better than the source itself.
        fuzzy = "fuzzy" in message.flags
        if message.pluralizable:
            # Babel gives a plural message a tuple of forms (one empty form when untranslated), never a str.
            assert isinstance(message.string, tuple | list)
            if fuzzy or not all(message.string):
                message.string = tuple(message.id)
                filled += 1
        elif fuzzy or not message.string:
            message.string = message.id
            filled += 1
        message.flags.discard("fuzzy")
    return filled


def tidy() -> dict[str, int]:
    counts = {}
    for locale in LOCALES:
        path = TRANSLATIONS_DIR / locale / "LC_MESSAGES" / "messages.po"
        with path.open("rb") as f:
            catalog = read_po(f, locale=locale)
        catalog.fuzzy = False
        catalog.project = PROJECT
        catalog.language_team = f"{locale} <{PROJECT}>"
        catalog.copyright_holder = "Zhanjiang Human Resources and Social Security Bureau"
        counts[locale] = _fill_english(catalog) if locale == "en" else 0
        with path.open("wb") as f:
            write_po(f, catalog, no_location=True, width=100)
    return counts


def main(argv: list[str]) -> int:
    if argv[1:] == ["tidy"]:
        print(", ".join(f"{locale}: {n} filled" for locale, n in tidy().items()))
        return 0
    print("usage: python -m portal.i18n_tools tidy", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
