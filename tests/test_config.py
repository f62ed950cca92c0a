"""Settings are read from the environment and refused at start-up when they are wrong."""

from __future__ import annotations

import pytest

from portal.config import Settings, SettingsError

KEYS = {"PORTAL_DATA_KEY": "11" * 32, "PORTAL_SECRET_KEY": "22" * 32, "AUDIT_KEY": "33" * 32}


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
        ({"PORTAL_ENV": "production", "PORTAL_DATA_KEY": "11" * 32, "PORTAL_SECRET_KEY": "22" * 32}, "AUDIT_KEY"),
        ({"PORTAL_ENV": "production", **KEYS}, "BASE_URL"),
        ({"PORTAL_ENV": "production", "BASE_URL": "https://jy.example.cn", **KEYS}, "outbox"),
        ({"PORTAL_ENV": "production", "BASE_URL": "http://jy.example.cn", **KEYS}, "https"),
        ({"BASE_URL": "jy.example.cn", **KEYS}, "BASE_URL"),
        ({"TRUSTED_PROXIES": "10.0.0.1, nginx", **KEYS}, "TRUSTED_PROXIES"),
        ({"AUDIT_KEY": "22" * 32, **{k: v for k, v in KEYS.items() if k != "AUDIT_KEY"}}, "differ"),
        ({"DATABASE_URL": "mysql://x", **KEYS}, "DATABASE_URL"),
        ({"PORTAL_DATA_KEY": "abc", "PORTAL_SECRET_KEY": "22" * 32}, "PORTAL_DATA_KEY"),
        ({"PORTAL_DATA_KEY": "11" * 32, "PORTAL_SECRET_KEY": "11" * 32}, "differ"),
        ({"SMS_PER_HOUR": "many", **KEYS}, "SMS_PER_HOUR"),
        ({"PORTAL_ENV": "staging", **KEYS}, "PORTAL_ENV"),
        ({"PASSWORD_HASH_PROFILE": "weak", **KEYS}, "PASSWORD_HASH_PROFILE"),
        (
            {"PORTAL_ENV": "production", "BASE_URL": "https://jy.example.cn", "PASSWORD_HASH_PROFILE": "fast", **KEYS},
            "PASSWORD_HASH_PROFILE must be strong in production",
        ),
    ],
)
def test_bad_settings_fail_fast(tmp_path, env, message) -> None:
    with pytest.raises(SettingsError, match=message):
        Settings.from_env({"PORTAL_INSTANCE_DIR": str(tmp_path), **env})


def test_trusted_proxies_take_addresses_and_networks(tmp_path) -> None:
    settings = Settings.from_env({"PORTAL_INSTANCE_DIR": str(tmp_path), "TRUSTED_PROXIES": "127.0.0.1, 10.1.0.0/16"})
    assert [str(n) for n in settings.trusted_proxies.networks] == ["127.0.0.1/32", "10.1.0.0/16"]
    assert "10.1.200.3" in settings.trusted_proxies
    assert "10.2.0.1" not in settings.trusted_proxies
    assert "not an address" not in settings.trusted_proxies
    assert not Settings.from_env({"PORTAL_INSTANCE_DIR": str(tmp_path)}).trusted_proxies


def test_passwords_are_hashed_strongly_unless_a_test_suite_asks_otherwise(tmp_path) -> None:
    assert Settings.from_env({"PORTAL_INSTANCE_DIR": str(tmp_path)}).password_hash_profile == "strong"
    fast = Settings.from_env({"PORTAL_INSTANCE_DIR": str(tmp_path), "PASSWORD_HASH_PROFILE": "fast"})
    assert fast.password_hash_profile == "fast"
