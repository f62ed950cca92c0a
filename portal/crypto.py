"""Encryption at rest (AES-GCM), keyed hashes for look-ups, and sealed tokens for links."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
from collections.abc import Sequence
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM, AESSIV

_NONCE_BYTES = 12
# A value written under the key ring starts with this byte and its key's id; values written before the ring
# are the bare nonce and ciphertext. A bare value's random nonce begins like a ring value's prefix once in
# 2**72, and is then still read correctly (see Cipher.decrypt).
RING_FORMAT = b"\x01"
KEY_ID_BYTES = 8
_PREFIX_BYTES = len(RING_FORMAT) + KEY_ID_BYTES


def key_id(key: bytes) -> bytes:
    """A key's public name: says which key a value or a backup needs, and gives nothing of the key away."""
    return hmac.new(key, b"portal/key-id", hashlib.sha256).digest()[:KEY_ID_BYTES]


def lookup_key_of(data_key: bytes) -> bytes:
    """The keyed-hash key as the portal has always derived it from its first data key. It does not rotate
    with the data key: the hashes of tracking codes and texted codes cannot be computed again, since only
    their hashes are kept."""
    return hmac.new(data_key, b"portal/keyed-hash/v1", hashlib.sha256).digest()


class Cipher:
    """AES-256-GCM with a random nonce per message under the current data key; the purpose is bound in as
    associated data. Older keys of the ring stay readable, so that `portal keys rotate` can move the values
    written under them while the portal runs."""

    def __init__(self, key: bytes, old_keys: Sequence[bytes] = (), *, lookup_key: bytes | None = None) -> None:
        self.key_id = key_id(key)
        self.prefix = RING_FORMAT + self.key_id
        self._aead = AESGCM(key)
        self._ring = {key_id(k): AESGCM(k) for k in (key, *old_keys)}
        self._hash_key = lookup_key if lookup_key is not None else lookup_key_of(key)

    def encrypt(self, plaintext: bytes, purpose: str) -> bytes:
        nonce = os.urandom(_NONCE_BYTES)
        return self.prefix + nonce + self._aead.encrypt(nonce, plaintext, purpose.encode())

    def decrypt(self, blob: bytes, purpose: str) -> bytes:
        """The plaintext, under whichever key of the ring `blob` was written; InvalidTag when none reads it."""
        aad = purpose.encode()
        named = self._ring.get(blob[1:_PREFIX_BYTES]) if blob[:1] == RING_FORMAT else None
        if named is not None:
            body = blob[_PREFIX_BYTES:]
            try:
                return named.decrypt(body[:_NONCE_BYTES], body[_NONCE_BYTES:], aad)
            except InvalidTag:
                pass  # a value from before the ring whose random nonce happens to begin like a key's id
        # Written before values named their key: under whichever key was current then.
        for aead in self._ring.values():
            try:
                return aead.decrypt(blob[:_NONCE_BYTES], blob[_NONCE_BYTES:], aad)
            except InvalidTag:
                continue
        raise InvalidTag

    def is_current(self, blob: bytes) -> bool:
        """Whether `blob` was written under the current key (what key rotation leaves every value as)."""
        return blob.startswith(self.prefix)

    def encrypt_json(self, value: Any, purpose: str) -> bytes:
        return self.encrypt(json.dumps(value, ensure_ascii=False).encode(), purpose)

    def decrypt_json(self, blob: bytes, purpose: str) -> Any:
        return json.loads(self.decrypt(blob, purpose))

    def keyed_hash(self, value: str, purpose: str) -> str:
        """Deterministic, so equal inputs can be found; useless without the key."""
        return hmac.new(self._hash_key, f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    # Strict: a character outside the alphabet makes it a different token, not the same one with noise.
    return base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_", validate=True)


class SealedTokens:
    """Tokens whose payload is encrypted and authenticated (AES-SIV): nobody without the key can read or
    change what they carry. Deterministic on purpose: one payload always gives the same token, so a link
    built from it stays the same (and its QR code can be drawn once)."""

    def __init__(self, key: bytes, purpose: str) -> None:
        # AES-SIV takes a double-length key: 64 bytes for AES-256.
        self._aead = AESSIV(hmac.new(key, f"portal/sealed-token/{purpose}".encode(), hashlib.sha512).digest())
        self._purpose = purpose.encode()

    def seal(self, payload: bytes) -> str:
        return _b64(self._aead.encrypt(payload, [self._purpose]))

    def open(self, token: str) -> bytes | None:
        """The payload, or None when the token is forged, damaged or made for another purpose or key."""
        try:
            return self._aead.decrypt(_unb64(token), [self._purpose])
        except (InvalidTag, ValueError):  # ValueError: not base64, not ASCII, or too short
            return None
