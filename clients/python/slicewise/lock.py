"""``slicewise.lock``: what a pulled folder holds, for a training run to log and for the next pull to check.

JSON, written by both clients (Python and the Node CLI)::

    {"schema": "slicewise-lock/1", "spec": "brain-mri/glioma-train@v3", "project": "brain-mri",
     "dataset": "glioma-train", "ref": "v3", "manifestSha256": "<64 hex>", "datasetVersionId": "<global id>",
     "projectId": "<global id>", "api": "https://...", "files": 400, "bytes": 194400000,
     "complete": true, "pulledAt": "2026-12-07T10:00:00Z", "client": "slicewise-python/0.1.0"}

``manifestSha256`` is the version's identity: pulling ``<project>/<dataset>@<manifestSha256>`` gives exactly
these files again. ``complete`` is false while a pull is running or after one was interrupted.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from ._version import __version__
from .errors import VerificationError

LOCK_NAME = "slicewise.lock"
LOCK_SCHEMA = "slicewise-lock/1"


@dataclass
class Lock:
    spec: str
    project: str
    dataset: str
    ref: str
    manifest_sha256: str
    dataset_version_id: str | None
    project_id: str | None
    api: str
    files: int
    bytes: int
    complete: bool
    pulled_at: str
    client: str = f"slicewise-python/{__version__}"

    @property
    def pinned_spec(self) -> str:
        """``<project>/<dataset>@<manifest sha256>``: the reference that always gives exactly this version."""
        return f"{self.project}/{self.dataset}@{self.manifest_sha256}"

    def to_json(self) -> dict:
        d = asdict(self)
        return {
            "schema": LOCK_SCHEMA,
            "spec": d["spec"],
            "project": d["project"],
            "dataset": d["dataset"],
            "ref": d["ref"],
            "manifestSha256": d["manifest_sha256"],
            "datasetVersionId": d["dataset_version_id"],
            "projectId": d["project_id"],
            "api": d["api"],
            "files": d["files"],
            "bytes": d["bytes"],
            "complete": d["complete"],
            "pulledAt": d["pulled_at"],
            "client": d["client"],
        }


def now_iso() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def read_lock(folder: str | os.PathLike[str]) -> Lock | None:
    """The folder's lock, or None if it has none. A lock that is not valid JSON of this schema is an error."""
    p = Path(folder) / LOCK_NAME
    try:
        text = p.read_text("utf-8")
    except FileNotFoundError:
        return None
    try:
        j = json.loads(text)
        if j.get("schema") != LOCK_SCHEMA:
            raise ValueError(f"schema must be {LOCK_SCHEMA!r}, got {j.get('schema')!r}")
        return Lock(
            spec=str(j["spec"]),
            project=str(j["project"]),
            dataset=str(j["dataset"]),
            ref=str(j["ref"]),
            manifest_sha256=str(j["manifestSha256"]),
            dataset_version_id=j.get("datasetVersionId"),
            project_id=j.get("projectId"),
            api=str(j.get("api", "")),
            files=int(j.get("files", 0)),
            bytes=int(j.get("bytes", 0)),
            complete=bool(j.get("complete", False)),
            pulled_at=str(j.get("pulledAt", "")),
            client=str(j.get("client", "")),
        )
    except (ValueError, KeyError, TypeError, AttributeError) as e:
        raise VerificationError(f"{p}: not a valid {LOCK_NAME} ({e}); delete it and pull again") from None


def write_json_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".slicewise-part-{path.name}")
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


def write_lock(folder: str | os.PathLike[str], lock: Lock) -> None:
    write_json_atomic(Path(folder) / LOCK_NAME, (json.dumps(lock.to_json(), indent=2) + "\n").encode("utf-8"))
