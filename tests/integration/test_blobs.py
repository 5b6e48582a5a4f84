"""Blob stores keep originals by SHA-256, unaltered: the local folder and a real S3-protocol server.

The S3 server is moto's standalone server (a MinIO server binary is not in the registries this project
reaches); it speaks the S3 HTTP protocol with SigV4 on loopback, and the minio client talks to it as to MinIO.
"""
from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

import pytest
from moto.server import ThreadedMotoServer

from engine.blobs import BlobNotFound, LocalBlobStore, S3BlobStore, S3Config, open_store
from engine.settings import Settings
from tests.live import free_port


@pytest.fixture(scope="module")
def s3_endpoint():
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture(params=["local", "s3"])
def store(request, tmp_path, s3_endpoint):
    if request.param == "local":
        return LocalBlobStore(tmp_path / "blobs")
    bucket = f"cw-{os.urandom(4).hex()}"
    return S3BlobStore(S3Config(s3_endpoint, "testing", "testing-secret", bucket, "us-east-1"))


def test_put_is_content_addressed_and_idempotent(store):
    data = b"%PDF-1.7 claim form " + os.urandom(64)
    key = store.put(data)
    assert key == hashlib.sha256(data).hexdigest()
    assert store.put(data) == key
    assert store.exists(key) and store.get(key) == data
    other = store.put(b"another document")
    assert other != key and store.get(other) == b"another document"


def test_missing_or_malformed_keys_are_not_found(store):
    with pytest.raises(BlobNotFound):
        store.get("0" * 64)
    assert not store.exists("0" * 64)
    with pytest.raises(BlobNotFound):
        store.get("../../etc/passwd")


def test_local_originals_are_read_only_and_leave_no_partial_files(tmp_path):
    store = LocalBlobStore(tmp_path / "blobs")
    key = store.put(b"original")
    path = tmp_path / "blobs" / key[:2] / key[2:4] / key
    assert not (path.stat().st_mode & stat.S_IWUSR)
    assert [p.name for p in path.parent.iterdir()] == [key]


def _store(tmp_path, env):  # type: ignore[no-untyped-def]
    return open_store(Settings.from_env({"CASEWORKS_HOME": str(tmp_path), **env}))


def test_configuration_from_environment(tmp_path, s3_endpoint):
    assert isinstance(_store(tmp_path, {}), LocalBlobStore)
    s3 = _store(tmp_path, {"CASEWORKS_BLOBS": "s3", "CASEWORKS_S3_ENDPOINT": s3_endpoint,
                           "CASEWORKS_S3_ACCESS_KEY": "a", "CASEWORKS_S3_SECRET_KEY": "b",
                           "CASEWORKS_S3_BUCKET": "from-env", "CASEWORKS_S3_REGION": "us-east-1"})
    assert isinstance(s3, S3BlobStore) and s3.get(s3.put(b"x")) == b"x"
    with pytest.raises(ValueError, match="CASEWORKS_S3_ENDPOINT"):
        _store(tmp_path, {"CASEWORKS_BLOBS": "s3"})
    with pytest.raises(ValueError, match="local' or 's3"):
        _store(tmp_path, {"CASEWORKS_BLOBS": "ftp"})
    assert Path(tmp_path / "blobs") == _store(tmp_path, {}).root  # type: ignore[attr-defined]
