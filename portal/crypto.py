"""Encryption at rest (AES-GCM), keyed hashes for look-ups, and signed expiring tokens."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import time
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

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
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class TokenSigner:
    """HMAC-signed tokens carrying a small payload and an expiry time."""

    def __init__(self, key: bytes, purpose: str) -> None:
        self._key = hmac.new(key, f"portal/token/{purpose}".encode(), hashlib.sha256).digest()

    def sign(self, payload: str, ttl_seconds: int, *, now: float | None = None) -> str:
        expires = int((time.time() if now is None else now) + ttl_seconds)
        body = _b64(f"{payload}|{expires}".encode())
        mac = _b64(hmac.new(self._key, body.encode(), hashlib.sha256).digest()[:18])
        return f"{body}.{mac}"

    def unsign(self, token: str, *, now: float | None = None) -> str | None:
        """The payload, or None when the token is forged, damaged or expired."""
        try:
            body, mac = token.split(".", 1)
            expected = _b64(hmac.new(self._key, body.encode(), hashlib.sha256).digest()[:18])
            if not hmac.compare_digest(mac, expected):
                return None
            payload, expires = _unb64(body).decode().rsplit("|", 1)
            if int(expires) < (time.time() if now is None else now):
                return None
        except (ValueError, UnicodeDecodeError):
            return None
        return payload
