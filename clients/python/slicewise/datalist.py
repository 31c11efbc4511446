"""``load(folder)``: a pulled version as MONAI datalist entries, for any framework."""

from __future__ import annotations

import math
import os
from pathlib import Path

from .errors import FileFailure, UsageError, VerificationError
from .lock import LOCK_NAME, read_lock
from .folder import read_manifest_file
from .manifest import manifest_sha256

#: The nine tumour features of a condition vector, in order (normalised model units; paper: Kebaili et al. 2024).
FEATURE_NAMES = ("voxel_volume", "surface_area", "sphericity", "x", "y", "z", "w", "h", "d")


def _vector(condition: object) -> list[float]:
    """A condition's 9-vector (``{"vector": [...]}`` as the worker records it); NaN where there is none."""
    v = condition.get("vector") if isinstance(condition, dict) else None
    if isinstance(v, list) and len(v) == len(FEATURE_NAMES) and all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in v):
        return [float(x) for x in v]
    return [math.nan] * len(FEATURE_NAMES)


def load(folder: str | os.PathLike[str], *, check: str = "size") -> list[dict]:
    """The volumes of a pulled folder as MONAI datalist entries (``monai.data.Dataset(data=...)`` takes them as
    they are; so does any ``torch.utils.data.Dataset``). One dict per volume, in manifest order::

        {"image": "/abs/folder/images/<cohort>-sub-0007_image.nii.gz",   # absolute, normalised
         "label": "/abs/folder/masks/<cohort>-sub-0007_mask.nii.gz",
         "requested": [9 floats],     # the condition asked for (FEATURE_NAMES order, normalised units)
         "measured": [9 floats],      # the same features measured on the generated mask (NaN if absent)
         "provenance_id": "<volume id>",  # key of the provenance record (slicewise.trace(entry["image"]))
         "cohort_id": "...", "subject_index": 7, "image_sha256": "...", "label_sha256": "..."}

    ``check``: ``"size"`` (default) makes sure every file is present with its manifest size (a stat per
    file), ``"sha256"`` re-hashes every file (slicewise.verify), ``"none"`` skips the files. The manifest
    always has to match ``slicewise.lock``, and a pull that did not complete is refused.
    """
    if check not in ("size", "sha256", "none"):
        raise UsageError(f"check must be 'size', 'sha256' or 'none', got {check!r}")
    root = Path(folder).absolute()
    mpath = root / "manifest.json"
    lock = read_lock(root)
    if lock is not None and not lock.complete:
        raise VerificationError(f"{root}: the pull of {lock.spec} did not complete ({root / LOCK_NAME}); run the pull again to finish it")
    manifest, files = read_manifest_file(root)
    if lock is not None and manifest_sha256(manifest) != lock.manifest_sha256:
        raise VerificationError(f"{mpath} is not the version {root / LOCK_NAME} records ({lock.manifest_sha256}); pull again")
    if check == "sha256":
        from .pull import verify

        verify(root)
    elif check == "size":
        failures = []
        for f in files:
            try:
                size = (root / f.path).stat().st_size
            except FileNotFoundError:
                failures.append(FileFailure(f.path, "missing"))
                continue
            if size != f.bytes:
                failures.append(FileFailure(f.path, f"size {size} bytes, manifest says {f.bytes}"))
        if failures:
            raise VerificationError(
                f"{len(failures)} of {len(files)} files in {root} are missing or the wrong size ("
                + "; ".join(f"{x.path}: {x.reason}" for x in failures[:5])
                + "); run the pull again to repair them",
                failures=failures,
            )
    sha = {f.path: f.sha256 for f in files}
    return [
        {
            "image": os.path.normpath(root / v["image"]),
            "label": os.path.normpath(root / v["mask"]),
            "requested": _vector(v.get("requestedCondition")),
            "measured": _vector(v.get("measuredCondition")),
            "provenance_id": v["id"],
            "cohort_id": v.get("cohortId"),
            "subject_index": v.get("subjectIndex"),
            "image_sha256": sha[v["image"]],
            "label_sha256": sha[v["mask"]],
        }
        for v in manifest["volumes"]
    ]
