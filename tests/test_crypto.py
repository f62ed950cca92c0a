"""Encryption at rest, keyed hashes and signed tokens."""

from __future__ import annotations

import pytest
from cryptography.exceptions import InvalidTag

from portal.crypto import Cipher, TokenSigner

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


def test_signed_token_carries_its_payload_until_it_expires() -> None:
    signer = TokenSigner(KEY, "status-link")
    token = signer.sign("42", 60, now=1_000)
    assert signer.unsign(token, now=1_030) == "42"
    assert signer.unsign(token, now=1_061) is None


def test_token_from_another_key_or_purpose_is_refused() -> None:
    token = TokenSigner(KEY, "status-link").sign("42", 60)
    assert TokenSigner(bytes(32), "status-link").unsign(token) is None
    assert TokenSigner(KEY, "other").unsign(token) is None
    assert TokenSigner(KEY, "status-link").unsign(token + "x") is None
