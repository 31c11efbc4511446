"""Lineage and audits through the GraphQL API: ``register_training_run`` (which dataset versions a training
run used) and ``trace`` (where a file came from)."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Iterable, Mapping, Union

from .errors import BadInputError, NotFoundError, UsageError
from .lock import LOCK_NAME, Lock, read_lock
from .pull import PullResult, sha256_file
from .transport import Transport, api_url

_SHA_RE = re.compile(r"^[0-9a-f]{64}$")

DatasetRef = Union[str, os.PathLike, PullResult, Lock]

_REGISTER = """mutation($i: RegisterTrainingRunInput!) {
  registerTrainingRun(input: $i) {
    trainingRun { id name url metadata createdAt datasetVersions { id dataset manifestHash } }
    userErrors { field message code }
  }
}"""


def _version_of(d: DatasetRef) -> tuple[str, str | None, str]:
    """(dataset version global id, project global id or None, label for messages)."""
    if isinstance(d, PullResult):
        d = d.lock
    if isinstance(d, Lock):
        if not d.dataset_version_id:
            raise UsageError(f"the pull of {d.spec} did not record a dataset version id (an older server?); pass the id instead")
        return d.dataset_version_id, d.project_id, d.spec
    if isinstance(d, (str, os.PathLike)) and Path(d).is_dir():
        lock = read_lock(d)
        if lock is None:
            raise UsageError(f"{d} has no {LOCK_NAME}: is it a folder written by slicewise pull?")
        if not lock.complete:
            raise UsageError(f"{d}: the pull of {lock.spec} did not complete; finish it before registering a run on it")
        return _version_of(lock)
    if isinstance(d, str) and d and "/" not in d:
        return d, None, d
    raise UsageError(f"a dataset must be a pulled folder, a PullResult, a Lock or a DatasetVersion id, got {d!r}")


def register_training_run(
    datasets: DatasetRef | Iterable[DatasetRef],
    *,
    name: str,
    url: str | None = None,
    metadata: Mapping[str, object] | None = None,
    project_id: str | None = None,
    token: str | None = None,
    api: str | None = None,
) -> dict:
    """Record that a training run used these dataset versions (``registerTrainingRun``; needs a GENERATE
    token). ``datasets``: pulled folders (their ``slicewise.lock``), PullResults, or DatasetVersion ids
    (then ``project_id`` is needed). ``url`` links to the run (its tracker page); ``api`` is the API's base
    URL (default ``$SLICEWISE_API_URL``). ``metadata`` is any JSON object (hyper-parameters, git revision, the
    run's tracker URL...). Returns the run: ``{"id", "name", "url", "metadata", "createdAt",
    "datasetVersions": [{"id", "dataset", "manifestHash"}]}``."""
    items = [datasets] if isinstance(datasets, (str, os.PathLike, PullResult, Lock)) else list(datasets)
    if not items:
        raise UsageError("datasets must name at least one dataset version")
    if not isinstance(name, str) or not name.strip():
        raise UsageError(f"name must be a non-empty string, got {name!r}")
    versions = [_version_of(d) for d in items]
    projects = {p for _, p, _ in versions if p} | ({project_id} if project_id else set())
    if len(projects) != 1:
        raise UsageError(
            "the dataset versions must belong to one project; "
            + (f"they belong to {sorted(projects)}" if projects else "pass project_id= (the project's global id) with raw version ids")
        )
    t = Transport(api, token)
    data = t.graphql(
        _REGISTER,
        {"i": {"projectId": projects.pop(), "name": name, "url": url, "metadata": dict(metadata) if metadata is not None else None, "datasetVersionIds": [v for v, _, _ in versions]}},
        what="registerTrainingRun",
        mutation=True,
    )
    payload = data["registerTrainingRun"]
    errors = payload.get("userErrors") or []
    if errors:
        first = errors[0]
        msg = "registerTrainingRun: " + "; ".join(str(e.get("message")) for e in errors)  # the API's messages name field and value
        if first.get("code") == "NOT_FOUND":
            raise NotFoundError(msg)
        raise BadInputError(msg, user_errors=errors)
    return payload["trainingRun"]


def trace(path_or_sha256: str | os.PathLike[str], *, token: str | None = None, url: str | None = None, api: str | None = None) -> list[dict]:
    """Where a file came from (``traceFile``): for a file on disk (hashed here) or a sha256, every volume of
    the token's team holding it, each with its dataset versions, cohort, request (who, when), distribution
    version, requested and measured condition, seed, model (name, version, file hashes) and the worker's
    generation record."""
    p = Path(path_or_sha256)
    if p.is_file():
        sha = sha256_file(p)
    elif isinstance(path_or_sha256, str) and _SHA_RE.match(path_or_sha256):
        sha = path_or_sha256
    else:
        raise UsageError(f"{str(path_or_sha256)!r} is neither a file nor a sha256 (64 lowercase hex digits)")
    t = Transport(api_url(url, api), token)
    return t.graphql("query($s: String!) { traceFile(sha256: $s) }", {"s": sha}, what=f"traceFile({sha[:12]})")["traceFile"]


__all__ = ["register_training_run", "trace"]
