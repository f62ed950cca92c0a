"""Encryption at rest, keyed hashes and sealed tokens."""

from __future__ import annotations

import base64

import pytest
from cryptography.exceptions import InvalidTag

from portal.crypto import Cipher, SealedTokens

KEY = bytes(range(32))


def test_encrypted_value_round_trips_and_differs_each_time() -> None:
    cipher = Cipher(KEY)
    a = cipher.encrypt(b"440802199001010016", "id")
    b = cipher.encrypt(b"440802199001010016", "id")
    assert a != b
    assert cipher.decrypt(a, "id") == b"440802199001010016"


def test_tampered_or_misused_ciphertext_is_refused() -> None:
    cipher = Cipher(KEY)
    blob = bytearray(cipher.encrypt(b"secret", "id"))
    blob[-1] ^= 1
    with pytest.raises(InvalidTag):
        cipher.decrypt(bytes(blob), "id")
    with pytest.raises(InvalidTag):
        cipher.decrypt(cipher.encrypt(b"secret", "id"), "registration-draft")


def test_keyed_hash_is_stable_per_key_and_purpose() -> None:
    one, other = Cipher(KEY), Cipher(bytes(32))
    assert one.keyed_hash("x", "id") == one.keyed_hash("x", "id")
    assert one.keyed_hash("x", "id") != other.keyed_hash("x", "id")
    assert one.keyed_hash("x", "id") != one.keyed_hash("x", "phone")


def test_sealed_token_carries_its_payload_unreadably_and_the_same_each_time() -> None:
    tokens = SealedTokens(KEY, "status-link")
    token = tokens.seal(b"registration 42")
    assert tokens.seal(b"registration 42") == token
    assert tokens.open(token) == b"registration 42"
    assert b"registration" not in base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))


def test_sealed_token_from_another_key_or_purpose_or_damaged_is_refused() -> None:
    token = SealedTokens(KEY, "status-link").seal(b"42")
    assert SealedTokens(bytes(32), "status-link").open(token) is None
    assert SealedTokens(KEY, "other").open(token) is None
    damaged = token[:5] + ("B" if token[5] == "A" else "A") + token[6:]
    for bad in (damaged, token + "!", "", "令牌", "A" * 40):
        assert SealedTokens(KEY, "status-link").open(bad) is None
