"""Blob storage for document originals: content-addressed by SHA-256, written once, never altered.

Two backends behind one protocol: a local folder (the embedded default, under the Caseworks home) and an
S3 bucket through the ``minio`` client (MinIO, or any S3-protocol server). The key of a blob is its
SHA-256, so storing the same bytes twice stores them once, and a key always names the same bytes.
"""
from __future__ import annotations

import hashlib
import io
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol
from urllib.parse import urlparse

from minio import Minio
from minio.error import S3Error

from engine.settings import Settings


class BlobNotFound(Exception):
    pass


class BlobStore(Protocol):
    def put(self, data: bytes) -> str:
        """Store the bytes (if new) and return their SHA-256 key."""

    def get(self, key: str) -> bytes: ...

    def exists(self, key: str) -> bool: ...


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _check_key(key: str) -> str:
    if len(key) != 64 or any(c not in "0123456789abcdef" for c in key):
        raise BlobNotFound(f"not a blob key: {key!r}")
    return key


class LocalBlobStore:
    """``<root>/ab/cd/<sha256>``; written to a temporary file, fsynced, then renamed into place, so a crash
    never leaves a partial blob under its key."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        key = _check_key(key)
        return self.root / key[:2] / key[2:4] / key

    def put(self, data: bytes) -> str:
        key = sha256(data)
        path = self._path(key)
        if path.exists():
            return key
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".incoming-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, path)
            os.chmod(path, 0o444)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return key

    def get(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError as err:
            raise BlobNotFound(f"blob {key} is missing from {self.root}") from err

    def exists(self, key: str) -> bool:
        return self._path(key).exists()


@dataclass(frozen=True)
class S3Config:
    endpoint: str  # http(s)://host:port
    access_key: str
    secret_key: str
    bucket: str = "caseworks"
    region: str | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> "S3Config":
        given = {"CASEWORKS_S3_ENDPOINT": settings.s3_endpoint, "CASEWORKS_S3_ACCESS_KEY": settings.s3_access_key,
                 "CASEWORKS_S3_SECRET_KEY": settings.s3_secret_key}
        missing = [name for name, value in given.items() if not value]
        if missing:
            raise ValueError(f"CASEWORKS_BLOBS=s3 needs {', '.join(missing)}")
        return cls(settings.s3_endpoint, settings.s3_access_key, settings.s3_secret_key, settings.s3_bucket,
                   settings.s3_region or None)


class S3BlobStore:
    """Objects ``originals/<sha256>`` in one bucket, created on first use."""

    def __init__(self, config: S3Config) -> None:
        url = urlparse(config.endpoint)
        self.bucket = config.bucket
        self.client = Minio(url.netloc, access_key=config.access_key, secret_key=config.secret_key,
                            secure=url.scheme == "https", region=config.region)
        self._bucket_ready = False

    def _ensure_bucket(self) -> None:
        if self._bucket_ready:
            return
        if not self.client.bucket_exists(self.bucket):
            try:
                self.client.make_bucket(self.bucket)
            except S3Error as err:
                if err.code not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                    raise
        self._bucket_ready = True

    @staticmethod
    def _name(key: str) -> str:
        return f"originals/{_check_key(key)}"

    def put(self, data: bytes) -> str:
        key = sha256(data)
        self._ensure_bucket()
        if not self.exists(key):
            self.client.put_object(self.bucket, self._name(key), io.BytesIO(data), len(data),
                                   content_type="application/octet-stream", metadata={"sha256": key})
        return key

    def get(self, key: str) -> bytes:
        self._ensure_bucket()
        try:
            response = self.client.get_object(self.bucket, self._name(key))
        except S3Error as err:
            if err.code == "NoSuchKey":
                raise BlobNotFound(f"blob {key} is missing from bucket {self.bucket}") from err
            raise
        try:
            data = response.read()
        finally:
            response.close()
            response.release_conn()
        if sha256(data) != key:
            raise BlobNotFound(f"blob {key} in bucket {self.bucket} does not match its hash")
        return data

    def exists(self, key: str) -> bool:
        self._ensure_bucket()
        try:
            self.client.stat_object(self.bucket, self._name(key))
            return True
        except S3Error as err:
            if err.code in ("NoSuchKey", "NoSuchObject", "ResourceNotFound"):
                return False
            raise


def open_store(settings: Settings) -> BlobStore:
    """The configured store: ``CASEWORKS_BLOBS=local`` (default, ``<home>/blobs``) or ``s3``."""
    if settings.blobs == "local":
        return LocalBlobStore(settings.blob_dir)
    if settings.blobs == "s3":
        return S3BlobStore(S3Config.from_settings(settings))
    raise ValueError(f"CASEWORKS_BLOBS must be 'local' or 's3', not {settings.blobs!r}")
