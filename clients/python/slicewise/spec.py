"""``<project>/<dataset>@<tag-or-hash>`` and the API paths it maps to."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote

from .errors import UsageError

HASH_RE = re.compile(r"^[0-9a-f]{64}$")
# Non-empty, no '/', no control characters (percent-encoded on the wire).
_PART_RE = re.compile(r"^[^/\x00-\x1f\x7f]+$")


@dataclass(frozen=True)
class Spec:
    project: str
    """Project slug (or its global id)."""
    dataset: str
    ref: str
    """A tag (``v3``, ``latest``) or a manifest sha256 (64 lowercase hex: pins the exact content)."""

    @property
    def pinned(self) -> bool:
        return bool(HASH_RE.match(self.ref))

    def __str__(self) -> str:
        return f"{self.project}/{self.dataset}@{self.ref}"

    def with_ref(self, ref: str) -> "Spec":
        return Spec(self.project, self.dataset, ref)

    def path(self) -> str:
        """``/datasets/<project>/<dataset>@<ref>`` (percent-encoded)."""
        return f"/datasets/{quote(self.project, safe='')}/{quote(self.dataset, safe='')}@{quote(self.ref, safe='')}"


def file_path(relpath: str) -> str:
    """A manifest path (``images/x.nii.gz``) as URL path segments."""
    return "/".join(quote(s, safe="") for s in relpath.split("/"))


def parse_spec(spec: object) -> Spec:
    usage = f"expected <project>/<dataset>@<tag-or-hash>, e.g. brain-mri/glioma-train@v3, got {spec!r}"
    if isinstance(spec, Spec):
        return spec
    if not isinstance(spec, str) or not spec:
        raise UsageError(usage)
    at = spec.rfind("@")
    slash = spec.find("/")
    if at < 0 or slash < 0 or slash > at:
        raise UsageError(usage)
    parts = {"project": spec[:slash], "dataset": spec[slash + 1 : at], "tag-or-hash": spec[at + 1 :]}
    for name, v in parts.items():
        if not _PART_RE.match(v):
            raise UsageError(f"{name} {v!r} must be non-empty without '/' or control characters; {usage}")
    return Spec(parts["project"], parts["dataset"], parts["tag-or-hash"])
