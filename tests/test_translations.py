"""Both catalogues are complete, keep every placeholder, and cover every string in the code."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from portal.i18n import TRANSLATIONS_DIR

ROOT = Path(__file__).resolve().parent.parent
PLACEHOLDER = re.compile(r"%\(\w+\)s")


def _catalog(locale: str):
    with (TRANSLATIONS_DIR / locale / "LC_MESSAGES" / "messages.po").open("rb") as f:
        return read_po(f, locale=locale)


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_catalogue_is_complete_with_the_same_placeholders(locale: str) -> None:
    problems = []
    for message in _catalog(locale):
        if not message.id:
            continue
        if not message.string or "fuzzy" in message.flags:
            problems.append(("untranslated", message.id))
        elif set(PLACEHOLDER.findall(str(message.id))) != set(PLACEHOLDER.findall(str(message.string))):
            problems.append(("placeholders", message.id))
    assert problems == []


def test_chinese_catalogue_is_really_chinese() -> None:
    untranslated = [m.id for m in _catalog("zh_CN") if m.id and m.string == m.id and re.search("[a-z]{3}", m.id)]
    assert untranslated == []


def test_catalogues_cover_every_string_in_the_code(tmp_path: Path) -> None:
    pot = tmp_path / "messages.pot"
    subprocess.run(  # noqa: S603 - our own babel, fixed arguments
        [sys.executable, "-m", "babel.messages.frontend", "-q", "extract", "-F", "babel.cfg", "-k", "_l",
         "-k", "lazy_gettext", "--no-location", "-o", str(pot), "."],
        cwd=ROOT, check=True,
    )  # fmt: skip
    with pot.open("rb") as f:
        wanted = {m.id for m in read_po(f) if m.id}
    for locale in ("zh_CN", "en"):
        have = {m.id for m in _catalog(locale) if m.id and m.string}
        assert sorted(map(str, wanted - have)) == [], f"missing in {locale}: run `make translations`"


def test_english_catalogue_gives_the_english_source_text() -> None:
    # English is the language the messages are written in; a different msgstr is a stale fuzzy match.
    assert [m.id for m in _catalog("en") if m.id and m.string != m.id] == []
