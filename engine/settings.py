"""Settings: read once from the environment into a frozen object that is passed down."""
from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Mapping, TypedDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Settings:
    home: Path = Path("var")
    database_url: str = ""
    processes_dir: Path = PROJECT_ROOT / "processes"
    worker_enabled: bool = True
    scheduler_interval: float = 1.0
    secret_key: str = ""
    max_upload_bytes: int = 25 * 1024 * 1024
    max_pages: int = 100
    classification_rules: Path | None = None  # None: the rules shipped in capture/rules/
    # A running job's lease: its worker renews it every third of this (a heartbeat); a job whose lease ran out
    # had its worker die and runs again. A job that ran out its lease this many times is stopped (it kills workers).
    job_lock_seconds: float = 30.0
    job_max_crashes: int = 3
    celery_broker: str = ""  # e.g. redis://127.0.0.1:6379/0: push jobs to `caseworks worker` processes
    celery_queue: str = "caseworks"  # one per installation sharing a broker
    secure_cookies: bool = False  # always mark cookies Secure and send HSTS (TLS ends somewhere that does not say so)
    trusted_proxies: int = 0  # how many proxies in front set X-Forwarded-For/-Proto; 0: those headers are ignored
    rate_limit_storage: str = ""  # e.g. redis://127.0.0.1:6379/1; empty: the database itself
    login_limit_user: str = "5/minute"  # failed sign-ins per user name (moving window)
    login_limit_address: str = "30/minute"  # failed sign-ins per client address
    blobs: str = "local"  # where originals go: local (<home>/blobs) or s3
    s3_endpoint: str = ""  # http(s)://host:port of the S3/MinIO server (blobs=s3)
    s3_access_key: str = ""
    s3_secret_key: str = ""
    s3_bucket: str = "caseworks"
    s3_region: str = ""
    node_modules: Path | None = None  # the front-end libraries; None: the repository's node_modules
    default_phone_region: str = "GB"  # ISO country whose national phone numbers need no +code (07700 900104)
    # channels: where customers' links point, the mailbox read by `caseworks mail fetch`, the SMTP server
    public_url: str = "http://127.0.0.1:8000"  # CASEWORKS_PUBLIC_URL: the address customers open links at
    self_service_days: int = 60
    imap_host: str = ""
    imap_port: int = 993
    imap_user: str = ""
    imap_password: str = ""
    imap_ssl: bool = True
    imap_folder: str = "INBOX"
    imap_processed_folder: str = "Processed"
    imap_interval: float = 60.0  # seconds between fetches by the worker (0: only `caseworks mail fetch`)
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_security: str = "starttls"  # starttls, ssl or none
    mail_from: str = "Caseworks <caseworks@localhost>"

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.home / 'caseworks.db').resolve()}"

    @property
    def is_sqlite(self) -> bool:
        return self.effective_database_url.startswith("sqlite")

    @property
    def blob_dir(self) -> Path:
        return self.home / "blobs"

    def with_(self, **changes: Any) -> "Settings":
        return replace(self, **changes)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> "Settings":
        env = os.environ if environ is None else environ
        home = Path(env.get("CASEWORKS_HOME", "var"))
        return cls(
            home=home,
            database_url=env.get("CASEWORKS_DATABASE_URL", ""),
            processes_dir=Path(env.get("CASEWORKS_PROCESSES", str(PROJECT_ROOT / "processes"))),
            worker_enabled=env.get("CASEWORKS_WORKER", "inprocess") != "off",
            scheduler_interval=float(env.get("CASEWORKS_SCHEDULER_INTERVAL", "1.0")),
            secret_key=env.get("CASEWORKS_SECRET_KEY", ""),
            max_upload_bytes=int(float(env.get("CASEWORKS_MAX_UPLOAD_MB", "25")) * 1024 * 1024),
            max_pages=int(env.get("CASEWORKS_MAX_PAGES", "100")),
            job_lock_seconds=float(env.get("CASEWORKS_JOB_LOCK_SECONDS", "30")),
            job_max_crashes=int(env.get("CASEWORKS_JOB_MAX_CRASHES", "3")),
            secure_cookies=_flag(env.get("CASEWORKS_SECURE_COOKIES", "")),
            trusted_proxies=int(env.get("CASEWORKS_TRUSTED_PROXIES", "0")),
            rate_limit_storage=env.get("CASEWORKS_RATE_LIMIT_STORAGE", ""),
            login_limit_user=env.get("CASEWORKS_LOGIN_LIMIT_USER", "5/minute"),
            login_limit_address=env.get("CASEWORKS_LOGIN_LIMIT_ADDRESS", "30/minute"),
            celery_broker=env.get("CASEWORKS_CELERY_BROKER", ""),
            celery_queue=env.get("CASEWORKS_CELERY_QUEUE", "caseworks"),
            classification_rules=Path(env["CASEWORKS_CLASSIFICATION_RULES"])
            if env.get("CASEWORKS_CLASSIFICATION_RULES") else None,
            blobs=env.get("CASEWORKS_BLOBS", "local"),
            s3_endpoint=env.get("CASEWORKS_S3_ENDPOINT", ""),
            s3_access_key=env.get("CASEWORKS_S3_ACCESS_KEY", ""),
            s3_secret_key=env.get("CASEWORKS_S3_SECRET_KEY", ""),
            s3_bucket=env.get("CASEWORKS_S3_BUCKET", "caseworks"),
            s3_region=env.get("CASEWORKS_S3_REGION", ""),
            node_modules=Path(env["CASEWORKS_NODE_MODULES"]) if env.get("CASEWORKS_NODE_MODULES") else None,
            default_phone_region=env.get("CASEWORKS_PHONE_REGION", "GB").upper(),
            **_channel_settings(env),
        )


def _flag(value: str) -> bool:
    return value.strip().lower() in ("1", "true", "yes", "on")


class _ChannelSettings(TypedDict, total=False):
    public_url: str
    self_service_days: int
    imap_host: str
    imap_port: int
    imap_user: str
    imap_password: str
    imap_ssl: bool
    imap_folder: str
    imap_processed_folder: str
    imap_interval: float
    smtp_host: str
    smtp_port: int
    smtp_user: str
    smtp_password: str
    smtp_security: str
    mail_from: str


def _channel_settings(env: Mapping[str, str]) -> _ChannelSettings:
    """``CASEWORKS_PUBLIC_URL``, ``CASEWORKS_IMAP_*``, ``CASEWORKS_SMTP_*`` and ``CASEWORKS_MAIL_FROM``: only the
    ones set, so the others keep the defaults declared on ``Settings``."""
    def has(name: str) -> bool:
        return f"CASEWORKS_{name}" in env

    def get(name: str) -> str:
        return env[f"CASEWORKS_{name}"]

    out: _ChannelSettings = {}
    if has("PUBLIC_URL"):
        out["public_url"] = get("PUBLIC_URL").rstrip("/")
    if has("SELF_SERVICE_DAYS"):
        out["self_service_days"] = int(get("SELF_SERVICE_DAYS"))
    if has("IMAP_HOST"):
        out["imap_host"] = get("IMAP_HOST")
    if has("IMAP_PORT"):
        out["imap_port"] = int(get("IMAP_PORT"))
    if has("IMAP_USER"):
        out["imap_user"] = get("IMAP_USER")
    if has("IMAP_PASSWORD"):
        out["imap_password"] = get("IMAP_PASSWORD")
    if has("IMAP_SSL"):
        out["imap_ssl"] = _flag(get("IMAP_SSL"))
    if has("IMAP_FOLDER"):
        out["imap_folder"] = get("IMAP_FOLDER")
    if has("IMAP_PROCESSED_FOLDER"):
        out["imap_processed_folder"] = get("IMAP_PROCESSED_FOLDER")
    if has("IMAP_INTERVAL"):
        out["imap_interval"] = float(get("IMAP_INTERVAL"))
    if has("SMTP_HOST"):
        out["smtp_host"] = get("SMTP_HOST")
    if has("SMTP_PORT"):
        out["smtp_port"] = int(get("SMTP_PORT"))
    if has("SMTP_USER"):
        out["smtp_user"] = get("SMTP_USER")
    if has("SMTP_PASSWORD"):
        out["smtp_password"] = get("SMTP_PASSWORD")
    if has("SMTP_SECURITY"):
        out["smtp_security"] = get("SMTP_SECURITY")
    if has("MAIL_FROM"):
        out["mail_from"] = get("MAIL_FROM")
    return out
