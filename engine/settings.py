"""Settings: read once from the environment into a frozen object that is passed down."""
from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Mapping

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
    extra: Mapping[str, str] = field(default_factory=dict)
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

    def with_(self, **changes: object) -> "Settings":
        return replace(self, **changes)  # type: ignore[arg-type]

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
            extra={k: v for k, v in env.items() if k.startswith("CASEWORKS_")},
            **_channel_settings(env),
        )


def _flag(value: str) -> bool:
    return value.strip().lower() in ("1", "true", "yes", "on")


def _channel_settings(env: Mapping[str, str]) -> dict[str, object]:
    """``CASEWORKS_PUBLIC_URL``, ``CASEWORKS_IMAP_*``, ``CASEWORKS_SMTP_*`` and ``CASEWORKS_MAIL_FROM``."""
    got = {
        "public_url": env.get("CASEWORKS_PUBLIC_URL"),
        "self_service_days": env.get("CASEWORKS_SELF_SERVICE_DAYS"),
        "imap_host": env.get("CASEWORKS_IMAP_HOST"), "imap_port": env.get("CASEWORKS_IMAP_PORT"),
        "imap_user": env.get("CASEWORKS_IMAP_USER"), "imap_password": env.get("CASEWORKS_IMAP_PASSWORD"),
        "imap_ssl": env.get("CASEWORKS_IMAP_SSL"), "imap_folder": env.get("CASEWORKS_IMAP_FOLDER"),
        "imap_processed_folder": env.get("CASEWORKS_IMAP_PROCESSED_FOLDER"),
        "imap_interval": env.get("CASEWORKS_IMAP_INTERVAL"),
        "smtp_host": env.get("CASEWORKS_SMTP_HOST"), "smtp_port": env.get("CASEWORKS_SMTP_PORT"),
        "smtp_user": env.get("CASEWORKS_SMTP_USER"), "smtp_password": env.get("CASEWORKS_SMTP_PASSWORD"),
        "smtp_security": env.get("CASEWORKS_SMTP_SECURITY"), "mail_from": env.get("CASEWORKS_MAIL_FROM"),
    }
    types = {name: type(getattr(Settings, name)) for name in got}
    out: dict[str, object] = {}
    for name, raw in got.items():
        if raw is None:
            continue
        kind = types[name]
        out[name] = _flag(raw) if kind is bool else kind(raw.rstrip("/") if name == "public_url" else raw)
    return out
