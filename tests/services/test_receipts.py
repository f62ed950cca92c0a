"""Status tokens: opaque, the same all day for one application, working until the end of their last day."""

from __future__ import annotations

from portal.crypto import SealedTokens
from portal.services.receipts import DAY, registration_id_from, status_token

TOKENS = SealedTokens(bytes(range(32)), "status-link")
MIDNIGHT = (1_800_000_000 // DAY) * DAY  # a day boundary (UTC)


def test_status_token_is_the_same_all_day_and_changes_the_next() -> None:
    morning = status_token(TOKENS, 42, 30, now=MIDNIGHT)
    evening = status_token(TOKENS, 42, 30, now=MIDNIGHT + DAY - 1)
    tomorrow = status_token(TOKENS, 42, 30, now=MIDNIGHT + DAY)
    assert morning == evening
    assert tomorrow != morning
    assert status_token(TOKENS, 43, 30, now=MIDNIGHT) != morning


def test_status_token_works_until_the_end_of_its_last_day() -> None:
    token = status_token(TOKENS, 42, 30, now=MIDNIGHT + 3600)
    assert registration_id_from(TOKENS, token, now=MIDNIGHT + 30 * DAY) == 42
    assert registration_id_from(TOKENS, token, now=MIDNIGHT + 31 * DAY - 1) == 42
    assert registration_id_from(TOKENS, token, now=MIDNIGHT + 31 * DAY) is None


def test_a_token_sealed_for_something_else_is_not_a_status_token() -> None:
    assert registration_id_from(TOKENS, TOKENS.seal(b"42"), now=MIDNIGHT) is None
    assert registration_id_from(SealedTokens(bytes(32), "status-link"), status_token(TOKENS, 42, 30)) is None
