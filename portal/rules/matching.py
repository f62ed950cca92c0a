"""Matching a registered person to a vacancy (§3.2 (1)): the reasons they fit, in the order they are told.

Plain text on both sides, compared case-free after trimming: the occupation matches when one of the person's
intention and the vacancy's post contains the other ("电工" and "维修电工"); a skill matches when the vacancy's
keyword appears in the person's skills or certificates. The county is a reason too, but never enough alone:
a match needs the occupation or a skill. The database query that lists candidates (services.vacancies) counts
the same reasons, so its ranking and this explanation agree."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TypeVar

OCCUPATION = "occupation"
LIVES_IN = "lives_in"  # the person lives in the vacancy's county
REGISTERED_IN = "registered_in"  # registered there, living elsewhere
SKILL = "skill"

# What separates the keywords staff type for a vacancy's skills: commas and enumeration marks of both widths,
# semicolons and spaces.
_SEPARATORS = re.compile(r"[,，、;；\s]+")
Who = TypeVar("Who")


@dataclass(frozen=True)
class Reason:
    kind: str  # OCCUPATION, LIVES_IN, REGISTERED_IN or SKILL
    person: str  # what the person said (their intention, the county code, the skill found)
    vacancy: str  # what the vacancy says (the post, the county code, the keyword)

    def as_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "person": self.person, "vacancy": self.vacancy}


@dataclass(frozen=True)
class Person:
    occupation_intention: str
    registration_county: str
    residence_county: str
    skills: str  # the form's skills and work experience
    certificates: str


@dataclass(frozen=True)
class Post:
    post: str
    county: str
    skills: tuple[str, ...]


def fold(text: str) -> str:
    return text.strip().casefold()


def keywords(text: str) -> list[str]:
    """The distinct keywords of a skills field as staff typed it, in their order."""
    seen: dict[str, str] = {}
    for word in _SEPARATORS.split(text.strip()):
        if word and fold(word) not in seen:
            seen[fold(word)] = word
    return list(seen.values())


def occupation_matches(intention: str, post: str) -> bool:
    wanted, offered = fold(intention), fold(post)
    return bool(wanted and offered) and (wanted in offered or offered in wanted)


def skills_found(person_text: Iterable[str], wanted: Iterable[str]) -> list[str]:
    """The vacancy's keywords that appear in any of the person's texts."""
    haystack = "\n".join(fold(text) for text in person_text)
    return [word for word in wanted if fold(word) and fold(word) in haystack]


def reasons(person: Person, post: Post) -> list[Reason]:
    """Why this person fits this post, or an empty list when they do not (neither occupation nor skill)."""
    found: list[Reason] = []
    if occupation_matches(person.occupation_intention, post.post):
        found.append(Reason(OCCUPATION, person.occupation_intention.strip(), post.post.strip()))
    skills = [Reason(SKILL, word, word) for word in skills_found((person.skills, person.certificates), post.skills)]
    if not found and not skills:
        return []
    found.extend(skills)
    if person.residence_county == post.county:
        found.append(Reason(LIVES_IN, person.residence_county, post.county))
    elif person.registration_county == post.county:
        found.append(Reason(REGISTERED_IN, person.registration_county, post.county))
    return found


def rank(candidates: Iterable[tuple[Who, list[Reason]]]) -> list[tuple[Who, list[Reason]]]:
    """Matches only, the most reasons first (a stable sort: equal counts keep their order)."""
    return sorted(((who, why) for who, why in candidates if why), key=lambda pair: -len(pair[1]))
