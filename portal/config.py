"""Settings: one object built from environment variables and validated at start-up."""

from __future__ import annotations

import ipaddress
import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from portal.crypto import Cipher

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_INSTANCE_DIR = PROJECT_ROOT / "instance"
# The argon2 profile production requires (see portal.services.passwords.PASSWORD_HASH_PROFILES).
STRONG_HASHING = "strong"


class SettingsError(ValueError):
    """Settings the portal cannot start with: every problem found (`problems`), not the first one only."""

    def __init__(self, *problems: str) -> None:
        super().__init__("; ".join(problems))
        self.problems = list(problems)


T = TypeVar("T")


class _Problems:
    """What is wrong with the settings, collected so that the operator sees all of it at once."""

    def __init__(self) -> None:
        self.found: list[str] = []

    def add(self, problem: str) -> None:
        self.found.append(problem)

    def read(self, parse: Callable[[], T], fallback: T) -> T:
        try:
            return parse()
        except SettingsError as exc:
            self.found.extend(exc.problems)
            return fallback


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


def _minutes(name: str, raw: str) -> float:
    """Minutes, a fraction allowed (`0.05` is 3 seconds: the test suites' schedules)."""
    try:
        value = float(raw)
    except ValueError as exc:
        raise SettingsError(f"{name} must be a number of minutes, not {raw!r}") from exc
    if not 0 <= value < float("inf"):
        raise SettingsError(f"{name} must be 0 (off) or a positive number of minutes")
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


def _old_keys(raw: str) -> tuple[bytes, ...]:
    return tuple(_hex_key("PORTAL_OLD_DATA_KEYS", part) for part in raw.split(",") if part.strip())


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


# /metrics answers these addresses by default: the machine itself, where a local Prometheus or agent scrapes.
DEFAULT_METRICS_ALLOW = "127.0.0.1/32,::1"
# A bearer token shorter than this is too easy to guess.
METRICS_TOKEN_MIN_LENGTH = 16


class AllowedAddresses:
    """The addresses and networks a setting lets in (METRICS_ALLOW)."""

    def __init__(self, raw: str = "", name: str = "METRICS_ALLOW") -> None:
        try:
            self.networks = tuple(
                ipaddress.ip_network(part.strip(), strict=False) for part in raw.split(",") if part.strip()
            )
        except ValueError as exc:
            raise SettingsError(f"{name} must list addresses or networks, not {raw!r}") from exc

    def __contains__(self, address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped  # a dual-stack socket's form of an IPv4 client
        return any(ip in network for network in self.networks)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, AllowedAddresses) and other.networks == self.networks

    def __hash__(self) -> int:
        return hash(self.networks)


def _metrics_dir(raw: str) -> Path | None:
    """prometheus_client's multiprocess folder: read by the library itself at import, checked here at start-up."""
    if not raw:
        return None
    path = Path(raw)
    if not path.is_dir():
        raise SettingsError("PROMETHEUS_MULTIPROC_DIR must be an existing folder")
    return path


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
    jobs_every_minutes: float
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
    # A read replica for the statistics pages (their figures are taken once a month, so a replica's lag of seconds
    # shows nothing stale); empty: they read the primary like every other page.
    statistics_database_url: str = ""
    # Objections one address may file in an hour, and notice pages it may read in a minute.
    objections_per_hour: int = 5
    notice_pages_per_minute: int = 120
    # Objection attachments: kept here, outside the web root, never served publicly.
    attachment_dir: Path = Path("instance/attachments")
    # Seconds a public page (home, policies, notices) is answered whole from memory to visitors without a session;
    # 0 draws every request (the default in tests, which change what those pages show between requests).
    public_page_seconds: int = 10
    # argon2id's cost: `strong` (the default, and the only one production takes) or `fast` for test suites.
    password_hash_profile: str = STRONG_HASHING
    # Data keys before data_key: still read, never written, until `portal keys rotate` has moved their values.
    old_data_keys: tuple[bytes, ...] = field(default=(), repr=False)
    # The keyed-hash key of look-ups (PORTAL_LOOKUP_KEY); None: derived from data_key, as before any rotation.
    lookup_key: bytes | None = field(default=None, repr=False)
    # /metrics: for these addresses (the client as TRUSTED_PROXIES tell it), or anywhere with METRICS_TOKEN as
    # a bearer token; 404 for anyone else.
    metrics_allow: AllowedAddresses = field(default_factory=lambda: AllowedAddresses(DEFAULT_METRICS_ALLOW))
    metrics_token: str = field(default="", repr=False)
    # Set when several worker processes share their metrics through files there (PROMETHEUS_MULTIPROC_DIR).
    metrics_dir: Path | None = None
    # One JSON object per log line: production's default (LOG_FORMAT=json or text chooses).
    log_json: bool = False

    @property
    def is_production(self) -> bool:
        return self.environment == "production"

    @property
    def dev_outbox_visible(self) -> bool:
        return self.sms_gateway == "outbox" and not self.is_production

    def cipher(self) -> Cipher:
        """Encryption under the data key ring, with the look-up key that does not rotate."""
        return Cipher(self.data_key, self.old_data_keys, lookup_key=self.lookup_key)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """The settings, or SettingsError with every problem found."""
        settings, problems = cls.read_env(os.environ if env is None else env)
        if settings is None or problems:
            raise SettingsError(*problems)
        return settings

    @classmethod
    def read_env(cls, env: Mapping[str, str]) -> tuple[Settings | None, list[str]]:
        """Every problem, and the settings as far as they could be read: a wrong value stands in for each bad
        one (an empty key), so that `portal check` can go on to try the database. None when a problem stops
        the reading."""
        problems = _Problems()
        try:
            settings = cls._read(dict(env), problems)
        except SettingsError as exc:
            problems.found.extend(exc.problems)
            return None, problems.found
        return settings, problems.found

    @classmethod
    def _read(cls, env: dict[str, str], problems: _Problems) -> Settings:
        environment = env.get("PORTAL_ENV", "development")
        if environment not in {"development", "test", "production"}:
            raise SettingsError("PORTAL_ENV must be development, test or production")
        instance = Path(env.get("PORTAL_INSTANCE_DIR", str(DEFAULT_INSTANCE_DIR)))
        production = environment == "production"

        database_url = env.get("DATABASE_URL") or f"sqlite+aiosqlite:///{instance / 'portal.db'}"
        if not database_url.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            problems.add("DATABASE_URL must start with sqlite+aiosqlite:// or postgresql+asyncpg://")
        statistics_database_url = env.get("STATISTICS_DATABASE_URL", "").strip()
        if statistics_database_url and not statistics_database_url.startswith(
            ("sqlite+aiosqlite://", "postgresql+asyncpg://")
        ):
            problems.add("STATISTICS_DATABASE_URL must start with sqlite+aiosqlite:// or postgresql+asyncpg://")

        data_key = problems.read(lambda: _key(env, "PORTAL_DATA_KEY", instance / "data.key", production), b"")
        secret_key = problems.read(lambda: _key(env, "PORTAL_SECRET_KEY", instance / "secret.key", production), b"")
        audit_key = problems.read(lambda: _key(env, "AUDIT_KEY", instance / "audit.key", production), b"")
        keys = [key for key in (secret_key, data_key, audit_key) if key]
        if len(set(keys)) != len(keys):
            problems.add("PORTAL_SECRET_KEY, PORTAL_DATA_KEY and AUDIT_KEY must all differ")
        no_keys: tuple[bytes, ...] = ()
        old_data_keys = problems.read(lambda: _old_keys(env.get("PORTAL_OLD_DATA_KEYS", "")), no_keys)
        if set(old_data_keys) & set(keys):
            problems.add("PORTAL_OLD_DATA_KEYS must not hold PORTAL_DATA_KEY, PORTAL_SECRET_KEY or AUDIT_KEY")
        lookup_key: bytes | None = None
        if "PORTAL_LOOKUP_KEY" in env:
            lookup_key = problems.read(lambda: _hex_key("PORTAL_LOOKUP_KEY", env["PORTAL_LOOKUP_KEY"]), None)
        elif old_data_keys:
            # Derived from the data key otherwise, it would change with it, and no ID number would be found.
            problems.add("PORTAL_LOOKUP_KEY is required with PORTAL_OLD_DATA_KEYS (`portal keys lookup-key` "
                         "with the first data key prints it)")  # fmt: skip
        base_url = ""
        if production and "BASE_URL" not in env:
            problems.add("BASE_URL is required in production")
        else:
            base_url = problems.read(lambda: _base_url(env.get("BASE_URL", "http://127.0.0.1:8000"), production), "")

        password_hash_profile = env.get("PASSWORD_HASH_PROFILE", STRONG_HASHING)
        if password_hash_profile not in {STRONG_HASHING, "fast"}:
            problems.add("PASSWORD_HASH_PROFILE must be strong or fast")
        if production and password_hash_profile != STRONG_HASHING:
            problems.add("PASSWORD_HASH_PROFILE must be strong in production")

        sms_gateway = env.get("SMS_GATEWAY", "outbox")
        if sms_gateway not in {"outbox"}:
            problems.add("SMS_GATEWAY must be 'outbox' (the only gateway built so far)")
        if production and sms_gateway == "outbox":
            problems.add("the development SMS outbox cannot be used in production")
        social_insurance = env.get("SOCIAL_INSURANCE", "simulator")
        if social_insurance not in {"simulator"}:
            problems.add("SOCIAL_INSURANCE must be 'simulator' (the only adapter built so far)")

        log_level = env.get("LOG_LEVEL", "INFO").upper()
        if log_level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            problems.add("LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR")
        log_format = env.get("LOG_FORMAT", "json" if production else "text").strip().lower()
        if log_format not in {"json", "text"}:
            problems.add("LOG_FORMAT must be json or text")
        metrics_token = env.get("METRICS_TOKEN", "").strip()
        if metrics_token and len(metrics_token) < METRICS_TOKEN_MIN_LENGTH:
            problems.add(f"METRICS_TOKEN must be at least {METRICS_TOKEN_MIN_LENGTH} characters")

        def whole(name: str, default: str, minimum: int = 0) -> int:
            return problems.read(lambda: _int(name, env.get(name, default), minimum=minimum), int(default))

        return cls(
            environment=environment,
            database_url=database_url,
            statistics_database_url=statistics_database_url,
            redis_url=env.get("REDIS_URL") or None,
            redis_prefix=env.get("REDIS_PREFIX", "portal"),
            data_key=data_key,
            secret_key=secret_key,
            audit_key=audit_key,
            old_data_keys=old_data_keys,
            lookup_key=lookup_key,
            audit_checkpoint_file=Path(env.get("AUDIT_CHECKPOINT_FILE") or instance / "audit-checkpoints.jsonl"),
            audit_seal_seconds=whole("AUDIT_SEAL_SECONDS", "2"),
            trusted_proxies=problems.read(lambda: TrustedProxies(env.get("TRUSTED_PROXIES", "")), TrustedProxies()),
            base_url=base_url,
            sms_gateway=sms_gateway,
            social_insurance=social_insurance,
            status_link_days=whole("STATUS_LINK_DAYS", "30", minimum=1),
            login_attempts_per_15min=whole("LOGIN_ATTEMPTS_PER_15MIN", "10", minimum=1),
            sms_per_hour=whole("SMS_PER_HOUR", "5", minimum=1),
            secure_cookies=problems.read(
                lambda: _bool("SECURE_COOKIES", env.get("SECURE_COOKIES", "true" if production else "false")), True
            ),
            log_level=log_level,
            jobs_every_minutes=problems.read(
                lambda: _minutes("JOBS_EVERY_MINUTES", env.get("JOBS_EVERY_MINUTES", "0")), 0.0
            ),
            password_hash_profile=password_hash_profile,
            request_answer_days=whole("REQUEST_ANSWER_DAYS", "1", minimum=1),
            requests_per_day=whole("REQUESTS_PER_DAY", "10", minimum=1),
            notice_working_days=whole("NOTICE_WORKING_DAYS", "5", minimum=1),
            notice_retention_days=whole("NOTICE_RETENTION_DAYS", "365", minimum=1),
            objection_answer_days=whole("OBJECTION_ANSWER_DAYS", "10", minimum=1),
            credit_statement_days=whole("CREDIT_STATEMENT_DAYS", "5", minimum=1),
            objections_per_hour=whole("OBJECTIONS_PER_HOUR", "5", minimum=1),
            notice_pages_per_minute=whole("NOTICE_PAGES_PER_MINUTE", "120", minimum=1),
            attachment_dir=Path(env.get("ATTACHMENT_DIR") or instance / "attachments"),
            public_page_seconds=whole("PUBLIC_PAGE_SECONDS", "0" if environment == "test" else "10"),
            metrics_allow=problems.read(
                lambda: AllowedAddresses(env.get("METRICS_ALLOW", DEFAULT_METRICS_ALLOW)), AllowedAddresses()
            ),
            metrics_token=metrics_token,
            metrics_dir=problems.read(lambda: _metrics_dir(env.get("PROMETHEUS_MULTIPROC_DIR", "").strip()), None),
            log_json=log_format == "json",
        )
