"""Configuration classes; every value can be set from the environment."""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _instance_dir() -> Path:
    path = Path(os.environ.get("EDUINNOV_INSTANCE_DIR", ROOT / "instance"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def load_or_create_secret_key(instance_dir: Path) -> str:
    """The secret key: from EDUINNOV_SECRET_KEY, else generated once and kept under ``instance/``."""
    key = os.environ.get("EDUINNOV_SECRET_KEY")
    if key:
        return key
    path = instance_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    key = secrets.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key


class Config:
    ENV_NAME = "development"
    TESTING = False

    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    MAX_CONTENT_LENGTH = int(os.environ.get("EDUINNOV_MAX_UPLOAD_MB", "20")) * 1024 * 1024
    ALLOWED_EVIDENCE_TYPES = (
        "application/pdf", "image/png", "image/jpeg", "image/gif", "image/webp",
        "application/zip",  # docx / xlsx are zip containers; checked further in achievements.evidence
    )
    # Evidence embedded in an evidence pack (PDF pages in the appendix, images): at most this many bytes in
    # all; files past the limit are left out and the pack lists them with the reason.
    PACK_EVIDENCE_MAX_BYTES = int(os.environ.get("EDUINNOV_PACK_EVIDENCE_MAX_MB", "50")) * 1024 * 1024

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = os.environ.get("EDUINNOV_SECURE_COOKIES", "0") == "1"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    REMEMBER_COOKIE_DURATION = timedelta(days=14)
    PERMANENT_SESSION_LIFETIME = timedelta(hours=12)
    WTF_CSRF_TIME_LIMIT = None  # tied to the session instead; a tired teacher's open form stays valid

    DEFAULT_LANGUAGE = "zh"  # users without a chosen language see Chinese
    BABEL_DEFAULT_LOCALE = "zh"
    # Every time shown (pages, exports, PDFs) is in this one display zone; stored times are UTC.
    BABEL_DEFAULT_TIMEZONE = os.environ.get("EDUINNOV_TIMEZONE", "Asia/Shanghai")
    LANGUAGES = ("zh", "en")

    LOGIN_MAX_FAILURES_PER_ACCOUNT = 5
    LOGIN_MAX_FAILURES_PER_ADDRESS = 20
    LOGIN_FAILURE_WINDOW = timedelta(minutes=15)
    # Number of reverse proxies in front of the app whose X-Forwarded-For/-Proto are trusted (0: none).
    # Behind one proxy set it to 1, or every visitor has the proxy's address and shares one login throttle.
    PROXY_HOPS = int(os.environ.get("EDUINNOV_PROXY_HOPS", "0"))
    PAGE_SIZE = 25
    # Roster accounts: how long an invitation link works, and the login domain of students without e-mail.
    INVITATION_DAYS = int(os.environ.get("EDUINNOV_INVITATION_DAYS", "14"))
    STUDENT_EMAIL_DOMAIN = os.environ.get("EDUINNOV_STUDENT_EMAIL_DOMAIN", "students.invalid")

    # Bounded waits on the database: past them a request answers 503 with Retry-After (core.web), never hangs.
    # SQLite: busy timeout (seconds waited for another writer's lock). PostgreSQL: connect_timeout, and
    # lock_timeout / statement_timeout set on every connection.
    DB_LOCK_TIMEOUT = float(os.environ.get("EDUINNOV_DB_LOCK_TIMEOUT", "5"))
    DB_STATEMENT_TIMEOUT = float(os.environ.get("EDUINNOV_DB_STATEMENT_TIMEOUT", "120"))
    DB_CONNECT_TIMEOUT = int(os.environ.get("EDUINNOV_DB_CONNECT_TIMEOUT", "5"))

    def __init__(self) -> None:
        self.INSTANCE_DIR = _instance_dir()
        self.SQLALCHEMY_DATABASE_URI = os.environ.get(
            "EDUINNOV_DATABASE_URL", f"sqlite:///{self.INSTANCE_DIR / 'eduinnov.sqlite3'}"
        )
        self.UPLOAD_DIR = Path(os.environ.get("EDUINNOV_UPLOAD_DIR", self.INSTANCE_DIR / "uploads"))
        # Where evidence files (and uploads waiting between preview and confirm) are kept: "local" (a folder
        # under UPLOAD_DIR, one machine) or "database" (the blob_chunks table, shared by every app server).
        self.EVIDENCE_STORE = os.environ.get("EDUINNOV_EVIDENCE_STORE", "local").strip().lower()
        self.SECRET_KEY = self.secret_key()

    def secret_key(self) -> str:
        return load_or_create_secret_key(self.INSTANCE_DIR)


class DevConfig(Config):
    pass


class ProductionConfig(Config):
    ENV_NAME = "production"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True

    def secret_key(self) -> str:
        key = os.environ.get("EDUINNOV_SECRET_KEY", "")
        if len(key) < 32:
            raise RuntimeError(
                "EDUINNOV_SECRET_KEY must be set to a random value of at least 32 characters in production."
            )
        return key


class TestConfig(Config):
    ENV_NAME = "testing"
    TESTING = True
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"  # fast hashing for tests only; production uses scrypt
    # Tests assert on the English source strings; tests/i18n checks the Chinese default and catalogue.
    DEFAULT_LANGUAGE = "en"
    LOGIN_MAX_FAILURES_PER_ACCOUNT = 5
    LOGIN_MAX_FAILURES_PER_ADDRESS = 20

    def __init__(self) -> None:
        super().__init__()
        self.SQLALCHEMY_DATABASE_URI = os.environ.get(
            "EDUINNOV_TEST_DATABASE_URL", f"sqlite:///{self.INSTANCE_DIR / 'test.sqlite3'}"
        )

    def secret_key(self) -> str:
        return secrets.token_hex(32)


def engine_options(config) -> dict:
    """SQLAlchemy engine options with the configured timeouts for the database in use."""
    options = dict(config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    connect_args = dict(options.get("connect_args") or {})
    uri = str(config.get("SQLALCHEMY_DATABASE_URI") or "")
    lock = float(config.get("DB_LOCK_TIMEOUT", 5))
    if uri.startswith("sqlite"):
        connect_args.setdefault("timeout", lock)
    elif uri.startswith("postgresql"):
        statement = float(config.get("DB_STATEMENT_TIMEOUT", 120))
        connect_args.setdefault("connect_timeout", int(config.get("DB_CONNECT_TIMEOUT", 5)))
        connect_args.setdefault("options", f"-c lock_timeout={int(lock * 1000)} "
                                           f"-c statement_timeout={int(statement * 1000)}")
        options.setdefault("pool_timeout", max(lock, 1.0) * 2)
    options["connect_args"] = connect_args
    return options


CONFIGS = {"development": DevConfig, "production": ProductionConfig, "testing": TestConfig}


def config_from_env() -> Config:
    """The configuration named by EDUINNOV_ENV (development by default)."""
    name = os.environ.get("EDUINNOV_ENV", "development")
    try:
        return CONFIGS[name]()
    except KeyError:
        raise RuntimeError(f"EDUINNOV_ENV must be one of {sorted(CONFIGS)}, not {name!r}") from None
