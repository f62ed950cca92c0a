"""Catalogue upkeep: the English catalogue repeats its English source strings, so it is complete."""

from __future__ import annotations

import sys

from babel.messages.pofile import read_po, write_po

from portal.i18n import TRANSLATIONS_DIR


def fill_english() -> int:
    path = TRANSLATIONS_DIR / "en" / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as f:
        catalog = read_po(f, locale="en")
    filled = 0
    for message in catalog:
        if not message.id:
            continue
        if message.pluralizable:
            if not all(message.string):
                message.string = tuple(message.id)
                filled += 1
        elif not message.string:
            message.string = message.id
            filled += 1
        message.flags.discard("fuzzy")
    with path.open("wb") as f:
        write_po(f, catalog, omit_header=False, no_location=True, width=100)
    return filled


def main(argv: list[str]) -> int:
    if argv[1:] == ["fill-english"]:
        print(f"en: {fill_english()} messages filled")
        return 0
    print("usage: python -m portal.i18n_tools fill-english", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
