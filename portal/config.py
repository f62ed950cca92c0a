"""Settings: one object built from environment variables and validated at start-up."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_INSTANCE_DIR = PROJECT_ROOT / "instance"


class SettingsError(ValueError):
    """A setting has a value the portal cannot start with."""


def _bool(name: str, raw: str) -> bool:
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off", ""}:
        return False
    raise SettingsError(f"{name} must be true or false, not {raw!r}")


def _int(name: str, raw: str, *, minimum: int = 0) -> int:
    try:
        value = int(raw)
    except ValueError as exc:
        raise SettingsError(f"{name} must be a whole number, not {raw!r}") from exc
    if value < minimum:
        raise SettingsError(f"{name} must be at least {minimum}")
    return value


def _read_or_create_key(path: Path) -> bytes:
    """Development keys live in a file created on first run (and ignored by git)."""
    if path.exists():
        key = bytes.fromhex(path.read_text().strip())
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        key = secrets.token_bytes(32)
        path.write_text(key.hex())
        path.chmod(0o600)
    if len(key) != 32:
        raise SettingsError(f"the key in {path} must be 32 bytes (64 hex characters)")
    return key


def _hex_key(name: str, raw: str) -> bytes:
    try:
        key = bytes.fromhex(raw.strip())
    except ValueError as exc:
        raise SettingsError(f"{name} must be 64 hex characters") from exc
    if len(key) != 32:
        raise SettingsError(f"{name} must be 64 hex characters (32 bytes)")
    return key


@dataclass(frozen=True)
class Settings:
    environment: str
    database_url: str
    redis_url: str | None
    redis_prefix: str
    data_key: bytes = field(repr=False)
    secret_key: bytes = field(repr=False)
    sms_gateway: str
    social_insurance: str
    status_link_days: int
    login_attempts_per_15min: int
    sms_per_hour: int
    secure_cookies: bool
    jobs_every_minutes: int
    log_level: str

    @property
    def is_production(self) -> bool:
        return self.environment == "production"

    @property
    def dev_outbox_visible(self) -> bool:
        return self.sms_gateway == "outbox" and not self.is_production

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if env is None else env)
        environment = env.get("PORTAL_ENV", "development")
        if environment not in {"development", "test", "production"}:
            raise SettingsError("PORTAL_ENV must be development, test or production")
        instance = Path(env.get("PORTAL_INSTANCE_DIR", str(DEFAULT_INSTANCE_DIR)))
        production = environment == "production"

        database_url = env.get("DATABASE_URL") or f"sqlite+aiosqlite:///{instance / 'portal.db'}"
        if not database_url.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise SettingsError("DATABASE_URL must start with sqlite+aiosqlite:// or postgresql+asyncpg://")

        if "PORTAL_DATA_KEY" in env:
            data_key = _hex_key("PORTAL_DATA_KEY", env["PORTAL_DATA_KEY"])
        elif production:
            raise SettingsError("PORTAL_DATA_KEY is required in production")
        else:
            data_key = _read_or_create_key(instance / "data.key")
        if "PORTAL_SECRET_KEY" in env:
            secret_key = _hex_key("PORTAL_SECRET_KEY", env["PORTAL_SECRET_KEY"])
        elif production:
            raise SettingsError("PORTAL_SECRET_KEY is required in production")
        else:
            secret_key = _read_or_create_key(instance / "secret.key")
        if secret_key == data_key:
            raise SettingsError("PORTAL_SECRET_KEY and PORTAL_DATA_KEY must differ")

        sms_gateway = env.get("SMS_GATEWAY", "outbox")
        if sms_gateway not in {"outbox"}:
            raise SettingsError("SMS_GATEWAY must be 'outbox' (the only gateway built so far)")
        if production and sms_gateway == "outbox":
            raise SettingsError("the development SMS outbox cannot be used in production")
        social_insurance = env.get("SOCIAL_INSURANCE", "simulator")
        if social_insurance not in {"simulator"}:
            raise SettingsError("SOCIAL_INSURANCE must be 'simulator' (the only adapter built so far)")

        log_level = env.get("LOG_LEVEL", "INFO").upper()
        if log_level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise SettingsError("LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR")

        return cls(
            environment=environment,
            database_url=database_url,
            redis_url=env.get("REDIS_URL") or None,
            redis_prefix=env.get("REDIS_PREFIX", "portal"),
            data_key=data_key,
            secret_key=secret_key,
            sms_gateway=sms_gateway,
            social_insurance=social_insurance,
            status_link_days=_int("STATUS_LINK_DAYS", env.get("STATUS_LINK_DAYS", "30"), minimum=1),
            login_attempts_per_15min=_int(
                "LOGIN_ATTEMPTS_PER_15MIN", env.get("LOGIN_ATTEMPTS_PER_15MIN", "10"), minimum=1
            ),
            sms_per_hour=_int("SMS_PER_HOUR", env.get("SMS_PER_HOUR", "5"), minimum=1),
            secure_cookies=_bool("SECURE_COOKIES", env.get("SECURE_COOKIES", "true" if production else "false")),
            log_level=log_level,
            jobs_every_minutes=_int("JOBS_EVERY_MINUTES", env.get("JOBS_EVERY_MINUTES", "0")),
        )
