"""Settings are read from the environment and refused at start-up when they are wrong."""

from __future__ import annotations

import pytest

from portal.config import Settings, SettingsError

KEYS = {"PORTAL_DATA_KEY": "11" * 32, "PORTAL_SECRET_KEY": "22" * 32}


def test_defaults_are_a_sqlite_file_and_the_development_outbox(tmp_path) -> None:
    settings = Settings.from_env({"PORTAL_INSTANCE_DIR": str(tmp_path)})
    assert settings.database_url == f"sqlite+aiosqlite:///{tmp_path / 'portal.db'}"
    assert settings.sms_gateway == "outbox"
    assert settings.dev_outbox_visible


def test_development_keys_are_generated_once_and_kept(tmp_path) -> None:
    first = Settings.from_env({"PORTAL_INSTANCE_DIR": str(tmp_path)})
    second = Settings.from_env({"PORTAL_INSTANCE_DIR": str(tmp_path)})
    assert first.data_key == second.data_key
    assert (tmp_path / "data.key").stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"PORTAL_ENV": "production"}, "PORTAL_DATA_KEY"),
        ({"PORTAL_ENV": "production", **KEYS}, "outbox"),
        ({"DATABASE_URL": "mysql://x", **KEYS}, "DATABASE_URL"),
        ({"PORTAL_DATA_KEY": "abc", "PORTAL_SECRET_KEY": "22" * 32}, "PORTAL_DATA_KEY"),
        ({"PORTAL_DATA_KEY": "11" * 32, "PORTAL_SECRET_KEY": "11" * 32}, "differ"),
        ({"SMS_PER_HOUR": "many", **KEYS}, "SMS_PER_HOUR"),
        ({"PORTAL_ENV": "staging", **KEYS}, "PORTAL_ENV"),
    ],
)
def test_bad_settings_fail_fast(tmp_path, env, message) -> None:
    with pytest.raises(SettingsError, match=message):
        Settings.from_env({"PORTAL_INSTANCE_DIR": str(tmp_path), **env})
