"""A dataset version's manifest as the client reads it back: structural checks (what ``parseManifest`` in
``@slicewise/datasets`` checks) and its identity, the sha256 of its canonical JSON."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .canonical import canonical_bytes, sha256_hex
from .errors import VerificationError

MANIFEST_SCHEMA_V1 = "slicewise-dataset-manifest/1"
# /2 (quality control per volume, the QC waiver, the adherence summary): the same files/volumes layout as /1
MANIFEST_SCHEMA_V2 = "slicewise-dataset-manifest/2"
MANIFEST_SCHEMAS = (MANIFEST_SCHEMA_V1, MANIFEST_SCHEMA_V2)
MANIFEST_SCHEMA = MANIFEST_SCHEMA_V2  # what the platform writes today
SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
# Only the layout the platform writes: a manifest can never make a client write outside its folder.
_SAFE_PATH_RE = re.compile(r"^(images|masks)/[A-Za-z0-9_][A-Za-z0-9._-]*$")


@dataclass(frozen=True)
class ManifestFile:
    path: str
    kind: str
    sha256: str
    bytes: int
    volume_id: str


def is_safe_path(p: object) -> bool:
    return isinstance(p, str) and bool(_SAFE_PATH_RE.match(p)) and ".." not in p


def _is_count(v: object) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and v >= 0


def parse_manifest(value: object, where: str = "manifest.json") -> tuple[dict, list[ManifestFile]]:
    """Check a manifest read back from JSON; raises VerificationError naming the first bad field."""

    def bad(msg: str) -> VerificationError:
        return VerificationError(f"{where} is not a valid dataset manifest: {msg}")

    if not isinstance(value, dict):
        raise bad("it must be a JSON object")
    if value.get("schema") not in MANIFEST_SCHEMAS:
        raise bad(f"schema must be one of {', '.join(map(repr, MANIFEST_SCHEMAS))}, got {value.get('schema')!r}")
    for key in ("files", "volumes", "cohorts"):
        if not isinstance(value.get(key), list):
            raise bad(f"{key} must be an array")
    files: list[ManifestFile] = []
    seen: set[str] = set()
    for i, f in enumerate(value["files"]):
        at = f"files[{i}]"
        if not isinstance(f, dict) or not is_safe_path(f.get("path")):
            raise bad(f"{at}.path must be images/<name> or masks/<name> with [A-Za-z0-9._-] characters, got {f.get('path') if isinstance(f, dict) else f!r}")
        p = f["path"]
        if p in seen:
            raise bad(f"{at}.path {p} appears twice")
        seen.add(p)
        if not isinstance(f.get("sha256"), str) or not SHA256_RE.match(f["sha256"]):
            raise bad(f"{at} ({p}).sha256 must be 64 lowercase hex characters, got {f.get('sha256')!r}")
        if not _is_count(f.get("bytes")):
            raise bad(f"{at} ({p}).bytes must be a non-negative integer, got {f.get('bytes')!r}")
        files.append(ManifestFile(path=p, kind=str(f.get("kind", "")), sha256=f["sha256"], bytes=f["bytes"], volume_id=str(f.get("volumeId", ""))))
    for i, v in enumerate(value["volumes"]):
        if not isinstance(v, dict) or v.get("image") not in seen or v.get("mask") not in seen:
            raise bad(f"volumes[{i}] ({v.get('id') if isinstance(v, dict) else v!r}) refers to a file that files does not list")
    return value, files


def manifest_sha256(manifest: dict) -> str:
    """A version's identity: sha256 (lowercase hex) of the manifest's canonical JSON bytes."""
    return sha256_hex(canonical_bytes(manifest))
