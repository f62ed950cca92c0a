"""What a resident typed into a form, kept across a language switch so that the page comes back filled in.

The language buttons on a form page submit that form to /lang: the typed values are kept (encrypted, in
the session) for the page, which takes them back once when it is next drawn. Nothing is saved as an
answer, and nothing is checked: the page looks as it did, in the other language.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable
from typing import Any

from cryptography.exceptions import InvalidTag

from portal.crypto import Cipher

SESSION_KEY = "typed_form"
_PURPOSE = "typed-form"
# Passwords are never shown again, and the CSRF token is the page's own.
_NEVER_KEPT = ("password", "_csrf_token")
# More than any of the portal's forms holds: a bigger post keeps nothing rather than fill the store.
MAX_BYTES = 16 * 1024


def keep(session: dict[str, Any], cipher: Cipher, path: str, form: Iterable[tuple[str, Any]]) -> None:
    fields: dict[str, list[str]] = {}
    for name, value in form:
        if isinstance(value, str) and not any(word in name for word in _NEVER_KEPT):
            fields.setdefault(name, []).append(value)
    kept = json.dumps({"path": path, "fields": fields}, ensure_ascii=False).encode()
    if not fields or len(kept) > MAX_BYTES:
        session.pop(SESSION_KEY, None)
        return
    session[SESSION_KEY] = base64.b64encode(cipher.encrypt(kept, _PURPOSE)).decode()


def take(session: Any, cipher: Cipher, path: str) -> dict[str, list[str]] | None:
    """The values typed into the form of `path`, once; None when nothing was kept for it."""
    blob = session.get(SESSION_KEY) if isinstance(session, dict) else None
    if not blob:
        return None
    try:
        kept = json.loads(cipher.decrypt(base64.b64decode(blob), _PURPOSE))
    except (InvalidTag, ValueError, binascii.Error):
        session.pop(SESSION_KEY, None)
        return None
    if kept["path"] != path:
        return None
    session.pop(SESSION_KEY, None)
    fields: dict[str, list[str]] = kept["fields"]
    return fields
