"""The local side of a pull: hashing and checking files on disk, paths kept inside the folder, the folder's
advisory lock, and what a folder may hold before a pull writes into it. No network."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from .errors import FolderConflictError, SlicewiseError, VerificationError
from .lock import Lock
from .manifest import ManifestFile, manifest_sha256, parse_manifest

PART_PREFIX = ".slicewise-part-"
_CHUNK_BYTES = 1 << 20  # reading local files


def hash_file(path: Path) -> "hashlib._Hash":
    """sha256 of a file's bytes (the hash object, so a partial download can be continued from it)."""
    h = hashlib.sha256()
    buf = bytearray(_CHUNK_BYTES)
    mv = memoryview(buf)
    with open(path, "rb", buffering=0) as f:
        while n := f.readinto(mv):
            h.update(mv[:n])
    return h


def sha256_file(path: Path) -> str:
    return hash_file(path).hexdigest()


def check_local(path: Path, f: ManifestFile) -> str | None:
    """None if ``path`` holds exactly this file; else why not ("missing", a size or sha256 mismatch)."""
    try:
        st = path.stat()
    except FileNotFoundError:
        return "missing"
    if not path.is_file():
        return "not a regular file"
    if st.st_size != f.bytes:
        return f"size {st.st_size} bytes, manifest says {f.bytes}"
    got = sha256_file(path)
    if got != f.sha256:
        return f"sha256 {got}, manifest says {f.sha256}"
    return None


def inside(root: Path, rel: str) -> Path:
    p = (root / rel).resolve()
    if root.resolve() not in p.parents:
        raise VerificationError(f"path {rel!r} would be written outside {root}")
    return p


class FolderLock:
    """An advisory lock on the folder for the duration of a pull, so that several processes pulling into one
    shared folder (every rank of a distributed job, say) take turns: the first pulls, the others then find
    the files verified. No-op where ``fcntl`` is missing (Windows)."""

    def __init__(self, folder: Path, note) -> None:
        self.path = folder / ".slicewise-pull.lock"
        self.note = note
        self.fh = None

    def __enter__(self) -> "FolderLock":
        try:
            import fcntl
        except ImportError:
            return self
        self.fh = open(self.path, "a")
        try:
            fcntl.flock(self.fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self.note(f"slicewise: another pull is writing {self.path.parent}; waiting for it to finish")
            fcntl.flock(self.fh, fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc) -> None:
        if self.fh is not None:
            self.fh.close()  # closing releases the lock; the file stays (removing it would race a waiter)


def read_manifest_file(root: Path) -> tuple[dict, list[ManifestFile]]:
    """The manifest a pulled folder holds, parsed and checked (VerificationError if missing or malformed)."""
    mpath = root / "manifest.json"
    try:
        value = json.loads(mpath.read_bytes())
    except FileNotFoundError:
        raise VerificationError(f"{mpath}: no manifest; pull the dataset version into {root} first") from None
    except ValueError as e:
        raise VerificationError(f"{mpath} is not JSON: {e}") from None
    return parse_manifest(value, str(mpath))


def folder_version(out: Path, lock: Lock | None) -> str | None:
    """The version the folder holds (None: new or empty); refuses a folder holding other things."""
    if lock is not None:
        return lock.manifest_sha256
    m = out / "manifest.json"
    if m.is_file():
        try:
            return manifest_sha256(json.loads(m.read_bytes()))
        except (ValueError, SlicewiseError):
            pass
    other = sorted(n for n in os.listdir(out) if not n.startswith(".slicewise-"))
    if other:
        raise FolderConflictError(
            f"{out} holds files that are not a pulled dataset version ({', '.join(other[:5])}{', ...' if len(other) > 5 else ''}); "
            "pull into a new or empty folder",
            folder=str(out),
        )
    return None


def clear_other_version(out: Path, files: list[ManifestFile]) -> int:
    """For replace=True: remove the old version's files that the new one does not list."""
    keep = {f.path for f in files}
    removed = 0
    for sub in ("images", "masks"):
        d = out / sub
        if not d.is_dir():
            continue
        for name in os.listdir(d):
            if f"{sub}/{name}" not in keep:
                (d / name).unlink()
                removed += 1
    return removed


def clear_stale_parts(out: Path, files: list[ManifestFile]) -> None:
    """Temp files of the Node CLI or of other versions: not resumable here."""
    keep_parts = {PART_PREFIX + Path(f.path).name for f in files}
    for sub in (out, out / "images", out / "masks"):
        for name in os.listdir(sub):
            if name.startswith(PART_PREFIX) and name not in keep_parts:
                (sub / name).unlink(missing_ok=True)
