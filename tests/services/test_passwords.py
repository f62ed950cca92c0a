"""The one password hasher: argon2id at full cost unless the settings choose the test suite's profile."""

from __future__ import annotations

from portal.services.passwords import PasswordHashing


def test_the_strong_profile_is_argon2id_at_the_librarys_default_cost() -> None:
    stored = PasswordHashing("strong").hash("green tea at dawn")
    assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$")


def test_a_hash_verifies_under_either_profile_and_a_weaker_one_is_marked_for_rehashing() -> None:
    strong, fast = PasswordHashing("strong"), PasswordHashing("fast")
    cheap = fast.hash("green tea at dawn")
    assert strong.verify(cheap, "green tea at dawn")
    assert not strong.verify(cheap, "green tea at dusk")
    assert strong.needs_rehash(cheap)
    assert not fast.needs_rehash(cheap)


def test_no_stored_hash_never_verifies() -> None:
    assert not PasswordHashing("fast").verify(None, "")
    assert not PasswordHashing("fast").verify("not a hash", "anything")
