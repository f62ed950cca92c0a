"""Settings: one object built from environment variables and validated at start-up."""

from __future__ import annotations

import ipaddress
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_INSTANCE_DIR = PROJECT_ROOT / "instance"
# The argon2 profile production requires (see portal.services.passwords.PASSWORD_HASH_PROFILES).
STRONG_HASHING = "strong"


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


def _key(env: dict[str, str], name: str, development_file: Path, production: bool) -> bytes:
    """A key from the environment; in development, generated once into the instance folder."""
    if name in env:
        return _hex_key(name, env[name])
    if production:
        raise SettingsError(f"{name} is required in production")
    return _read_or_create_key(development_file)


def _hex_key(name: str, raw: str) -> bytes:
    try:
        key = bytes.fromhex(raw.strip())
    except ValueError as exc:
        raise SettingsError(f"{name} must be 64 hex characters") from exc
    if len(key) != 32:
        raise SettingsError(f"{name} must be 64 hex characters (32 bytes)")
    return key


class TrustedProxies:
    """The addresses and networks of the reverse proxies whose X-Forwarded-For is believed."""

    def __init__(self, raw: str = "") -> None:
        try:
            self.networks = tuple(
                ipaddress.ip_network(part.strip(), strict=False) for part in raw.split(",") if part.strip()
            )
        except ValueError as exc:
            raise SettingsError(f"TRUSTED_PROXIES must list addresses or networks, not {raw!r}") from exc

    def __bool__(self) -> bool:
        return bool(self.networks)

    def __contains__(self, address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in network for network in self.networks)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TrustedProxies) and other.networks == self.networks

    def __hash__(self) -> int:
        return hash(self.networks)


def _base_url(raw: str, production: bool) -> str:
    url = raw.strip().rstrip("/")
    if not url.startswith(("http://", "https://")) or "?" in url or "#" in url:
        raise SettingsError("BASE_URL must be an absolute http(s) address, like https://jy.zhanjiang.gov.cn")
    if production and not url.startswith("https://"):
        raise SettingsError("BASE_URL must use https in production")
    return url


@dataclass(frozen=True)
class Settings:
    environment: str
    database_url: str
    redis_url: str | None
    redis_prefix: str
    data_key: bytes = field(repr=False)
    secret_key: bytes = field(repr=False)
    # The audit log's MAC key: kept out of the database, so that database access alone cannot forge entries.
    audit_key: bytes = field(repr=False)
    audit_checkpoint_file: Path
    audit_seal_seconds: float
    # Reverse proxies whose X-Forwarded-For is believed; any other peer is the client itself.
    trusted_proxies: TrustedProxies
    # Links that leave the site (the receipt's QR code) are built from this, never from the Host header.
    base_url: str
    sms_gateway: str
    social_insurance: str
    status_link_days: int
    login_attempts_per_15min: int
    sms_per_hour: int
    secure_cookies: bool
    jobs_every_minutes: int
    log_level: str
    # Working days staff have to give a first answer to a service request (§4.3), and requests one account
    # may file in a day.
    request_answer_days: int = 1
    requests_per_day: int = 10
    # Public notices (§5.2): working days a notice is up by default, days after it closes that its entries stay
    # readable (then only its summary), and working days the county has to answer an objection.
    notice_working_days: int = 5
    notice_retention_days: int = 365
    objection_answer_days: int = 10
    # Working days a person has to state their side in a credit case (§5.3).
    credit_statement_days: int = 5
    # Objections one address may file in an hour, and notice pages it may read in a minute.
    objections_per_hour: int = 5
    notice_pages_per_minute: int = 120
    # Objection attachments: kept here, outside the web root, never served publicly.
    attachment_dir: Path = Path("instance/attachments")
    # argon2id's cost: `strong` (the default, and the only one production takes) or `fast` for test suites.
    password_hash_profile: str = STRONG_HASHING

    @property
    def is_production(self) -> bool:
        return self.environment == "production"

    @property
    def dev_outbox_visible(self) -> bool:
        return self.sms_gateway == "outbox" and not self.is_production

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = dict(os.environ if env is None else env)
        environment = env.get("PORTAL_ENV", "development")
        if environment not in {"development", "test", "production"}:
            raise SettingsError("PORTAL_ENV must be development, test or production")
        instance = Path(env.get("PORTAL_INSTANCE_DIR", str(DEFAULT_INSTANCE_DIR)))
        production = environment == "production"

        database_url = env.get("DATABASE_URL") or f"sqlite+aiosqlite:///{instance / 'portal.db'}"
        if not database_url.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise SettingsError("DATABASE_URL must start with sqlite+aiosqlite:// or postgresql+asyncpg://")

        data_key = _key(env, "PORTAL_DATA_KEY", instance / "data.key", production)
        secret_key = _key(env, "PORTAL_SECRET_KEY", instance / "secret.key", production)
        audit_key = _key(env, "AUDIT_KEY", instance / "audit.key", production)
        if len({secret_key, data_key, audit_key}) != 3:
            raise SettingsError("PORTAL_SECRET_KEY, PORTAL_DATA_KEY and AUDIT_KEY must all differ")
        if production and "BASE_URL" not in env:
            raise SettingsError("BASE_URL is required in production")
        base_url = _base_url(env.get("BASE_URL", "http://127.0.0.1:8000"), production)

        password_hash_profile = env.get("PASSWORD_HASH_PROFILE", STRONG_HASHING)
        if password_hash_profile not in {STRONG_HASHING, "fast"}:
            raise SettingsError("PASSWORD_HASH_PROFILE must be strong or fast")
        if production and password_hash_profile != STRONG_HASHING:
            raise SettingsError("PASSWORD_HASH_PROFILE must be strong in production")

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
            audit_key=audit_key,
            audit_checkpoint_file=Path(env.get("AUDIT_CHECKPOINT_FILE") or instance / "audit-checkpoints.jsonl"),
            audit_seal_seconds=_int("AUDIT_SEAL_SECONDS", env.get("AUDIT_SEAL_SECONDS", "2")),
            trusted_proxies=TrustedProxies(env.get("TRUSTED_PROXIES", "")),
            base_url=base_url,
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
            password_hash_profile=password_hash_profile,
            request_answer_days=_int("REQUEST_ANSWER_DAYS", env.get("REQUEST_ANSWER_DAYS", "1"), minimum=1),
            requests_per_day=_int("REQUESTS_PER_DAY", env.get("REQUESTS_PER_DAY", "10"), minimum=1),
            notice_working_days=_int("NOTICE_WORKING_DAYS", env.get("NOTICE_WORKING_DAYS", "5"), minimum=1),
            notice_retention_days=_int("NOTICE_RETENTION_DAYS", env.get("NOTICE_RETENTION_DAYS", "365"), minimum=1),
            objection_answer_days=_int("OBJECTION_ANSWER_DAYS", env.get("OBJECTION_ANSWER_DAYS", "10"), minimum=1),
            credit_statement_days=_int("CREDIT_STATEMENT_DAYS", env.get("CREDIT_STATEMENT_DAYS", "5"), minimum=1),
            objections_per_hour=_int("OBJECTIONS_PER_HOUR", env.get("OBJECTIONS_PER_HOUR", "5"), minimum=1),
            notice_pages_per_minute=_int(
                "NOTICE_PAGES_PER_MINUTE", env.get("NOTICE_PAGES_PER_MINUTE", "120"), minimum=1
            ),
            attachment_dir=Path(env.get("ATTACHMENT_DIR") or instance / "attachments"),
        )
