"""A process package as uploaded: a zip of one process folder, read defensively into ``{path: bytes}``.

Why so careful: the zip comes over HTTP from a person's browser or a script. Member names may try to
escape the folder (``../``, absolute paths, symlinks), the declared sizes may lie, and a few kilobytes
can inflate to gigabytes. Nothing is written to disk; every member is read with a hard cap, and each
refusal says what was wrong in words the designer can act on.
"""
from __future__ import annotations

import io
import stat
import zipfile
from dataclasses import dataclass
from pathlib import PurePosixPath

from engine.bpmn.loader import is_source
from engine.errors import ValidationFailed


class PackageRefused(ValidationFailed):
    """The upload is not a process package we will read (not a zip, hostile, or too large)."""

    code = "package_refused"


class PackageTooLarge(PackageRefused):
    code = "package_too_large"


@dataclass(frozen=True)
class PackageLimits:
    max_zip_bytes: int = 10 * 1024 * 1024
    max_members: int = 500
    max_file_bytes: int = 5 * 1024 * 1024
    max_total_bytes: int = 20 * 1024 * 1024


def read_package(raw: bytes, limits: PackageLimits = PackageLimits()) -> tuple[dict[str, bytes], str]:
    """The process files of a zip (``process.json``, ``.bpmn``, ``.dmn``, ``.json``), relative to the folder,
    and the folder's name when the zip holds one top-level folder (as "compress folder" makes)."""
    if len(raw) > limits.max_zip_bytes:
        raise PackageTooLarge(f"the package is {len(raw) // 1024} KB; at most {limits.max_zip_bytes // 1024} KB")
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
    except (zipfile.BadZipFile, ValueError) as err:
        raise PackageRefused("the upload is not a zip file: zip the process folder (process.json, .bpmn, "
                             ".dmn and forms/) and upload that") from err
    with archive:
        members = [m for m in archive.infolist() if not m.is_dir()]
        if len(members) > limits.max_members:
            raise PackageRefused(f"the package holds {len(members)} files; at most {limits.max_members}")
        names = [_safe_name(m) for m in members]
        prefix = _common_folder(names)
        files: dict[str, bytes] = {}
        total = 0
        for member, name in zip(members, names, strict=True):
            name = name[len(prefix):] if prefix else name
            if not is_source(name):
                continue  # README.md, images, editor files: not part of the process
            data = _read_capped(archive, member, limits.max_file_bytes, name)
            total += len(data)
            if total > limits.max_total_bytes:
                raise PackageTooLarge(f"the package unpacks to more than {limits.max_total_bytes // (1024 * 1024)} MB")
            files[name] = data
    if "process.json" not in files:
        raise PackageRefused("the package has no process.json at its top (or in its one top-level folder)",
                             details={"files": sorted(files)})
    return files, prefix.rstrip("/")


def _safe_name(member: zipfile.ZipInfo) -> str:
    """The member's path, refused if it could land outside the folder (zip slip) or is a link."""
    name = member.filename.replace("\\", "/")
    mode = member.external_attr >> 16
    if stat.S_ISLNK(mode):
        raise PackageRefused(f"the package holds a symbolic link ('{member.filename}'); links are not allowed")
    path = PurePosixPath(name)
    if name.startswith("/") or (len(name) > 1 and name[1] == ":") or ".." in path.parts or "\0" in name:
        raise PackageRefused(f"the package holds a path that leaves its folder ('{member.filename}')")
    return path.as_posix()


def _common_folder(names: list[str]) -> str:
    """'claim/' when every member sits in the one folder 'claim' and there is no top-level process.json."""
    if "process.json" in names or not names:
        return ""
    tops = {n.split("/", 1)[0] for n in names}
    if len(tops) == 1 and all("/" in n for n in names):
        return next(iter(tops)) + "/"
    return ""


def _read_capped(archive: zipfile.ZipFile, member: zipfile.ZipInfo, cap: int, name: str) -> bytes:
    """Read at most ``cap`` bytes, whatever the header claims (why: a zip bomb declares a small size)."""
    if member.file_size > cap:
        raise PackageTooLarge(f"'{name}' is {member.file_size // 1024} KB unpacked; a file may be at most "
                              f"{cap // 1024} KB")
    try:
        with archive.open(member) as handle:
            data = handle.read(cap + 1)
    except (zipfile.BadZipFile, NotImplementedError, RuntimeError, OSError) as err:
        raise PackageRefused(f"'{name}' cannot be unpacked: {err}") from err
    if len(data) > cap:
        raise PackageTooLarge(f"'{name}' unpacks to more than {cap // 1024} KB")
    return data


def build_package(files: dict[str, bytes]) -> bytes:
    """Zip a process's files (``caseworks processes deploy`` sends a folder this way; tests too)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(files):
            archive.writestr(name, files[name])
    return buffer.getvalue()
