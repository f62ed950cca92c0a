"""Encryption at rest (AES-GCM), keyed hashes for look-ups, and sealed tokens for links."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM, AESSIV

_NONCE_BYTES = 12


class Cipher:
    """AES-256-GCM with a random nonce per message; the purpose is bound in as associated data."""

    def __init__(self, key: bytes) -> None:
        self._aead = AESGCM(key)
        self._hash_key = hmac.new(key, b"portal/keyed-hash/v1", hashlib.sha256).digest()

    def encrypt(self, plaintext: bytes, purpose: str) -> bytes:
        nonce = os.urandom(_NONCE_BYTES)
        return nonce + self._aead.encrypt(nonce, plaintext, purpose.encode())

    def decrypt(self, blob: bytes, purpose: str) -> bytes:
        return self._aead.decrypt(blob[:_NONCE_BYTES], blob[_NONCE_BYTES:], purpose.encode())

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
