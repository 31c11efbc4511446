"""``pull``: fetch a dataset version into a folder, verifying every file's size and sha256 while it streams.

1. GET ``/datasets/<project>/<dataset>@<ref>/manifest.json`` with the token. The version hash is the sha256 of
   the manifest's canonical JSON; it must equal the requested hash (``@<sha256>``) and the server's
   ``x-manifest-sha256``. A tag is resolved to that hash here, once: every file is then fetched from that
   exact version (a tag moved during the pull cannot mix two versions).
2. The folder must be new, empty, or hold the same version (``slicewise.lock``); a folder holding another
   version is refused (FolderConflictError) unless ``replace=True``.
3. Every file (``workers`` in parallel, largest first) is skipped if present with the right size and
   sha256, else downloaded to ``.slicewise-part-<name>`` beside it, hashed while written, and renamed into
   place only if size and sha256 match. An interrupted download keeps its partial file and continues with
   an HTTP Range request (``If-Range`` on the file's sha256); connection failures, 5xx and 429 are retried
   with backoff. Files are fetched through the signed links the manifest response hands out (no database
   work per file on the server), or with the token by version hash from servers that do not sign; a
   redirect to presigned object storage (S3) is followed without the token.
4. The derived documents (``datalist.json``, ``dataset_description.json``, ``prov.json``,
   ``croissant.json``) are written, and ``slicewise.lock`` is marked complete.

Re-running the same pull is how to resume or repair: verified files are not downloaded again.
"""

from __future__ import annotations

import json
import os
import time
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from .canonical import canonical_bytes
from .download import Downloader, _Stopped
from .errors import FileFailure, FolderConflictError, SlicewiseError, UsageError, VerificationError
from .folder import (  # noqa: F401 (PART_PREFIX, check_local, sha256_file: re-exported, callers import them from here)
    PART_PREFIX,
    FolderLock,
    check_local,
    clear_other_version,
    clear_stale_parts,
    folder_version,
    inside,
    read_manifest_file,
    sha256_file,
)
from .lock import LOCK_NAME, Lock, now_iso, read_lock, write_json_atomic, write_lock
from .manifest import ManifestFile, manifest_sha256
from .progress import Progress
from .spec import Spec, parse_spec
from .transport import RetryPolicy, Transport, api_url

DOCUMENTS = ("datalist.json", "dataset_description.json", "prov.json", "croissant.json")


@dataclass
class PullResult:
    folder: Path
    lock: Lock
    files: int
    downloaded: int = 0
    skipped: int = 0
    """Already present and verified."""
    repaired: int = 0
    """Present but wrong (size or sha256), downloaded again."""
    resumed: int = 0
    """Continued from a partial download (HTTP Range)."""
    bytes_downloaded: int = 0
    seconds: float = 0.0
    failures: list[FileFailure] = field(default_factory=list)

    @property
    def manifest_sha256(self) -> str:
        return self.lock.manifest_sha256

    @property
    def dataset_version_id(self) -> str | None:
        return self.lock.dataset_version_id

    @property
    def mb_per_s(self) -> float:
        return self.bytes_downloaded / 1e6 / self.seconds if self.seconds > 0 else 0.0


class _Puller(Downloader):
    def __init__(self, spec: Spec, out: Path, transport: Transport, progress_stream: TextIO | None, quiet: bool, workers: int, replace: bool) -> None:
        super().__init__(spec, transport, progress_stream, quiet)
        self.out = out
        self.workers = workers
        self.replace = replace

    def one(self, f: ManifestFile, result: PullResult) -> None:
        if self.stop.is_set():
            raise _Stopped()
        dest = inside(self.out, f.path)
        why = check_local(dest, f)
        if why is None:
            with self.count_lock:
                result.skipped += 1
            self.progress.file_done(f.bytes)
            return
        if why != "missing":
            self.say(f"repairing {f.path}: {why}")
            with self.count_lock:
                result.repaired += 1
        self.fetch_file(f, dest, result)

    # -- documents ----------------------------------------------------------------------------------------

    def fetch_documents(self, manifest: dict) -> None:
        for name in DOCUMENTS:
            target, signed, _ = self.file_target(name)
            try:
                body, _res = self.t.get_bytes(target, name, auth=not signed)
            except SlicewiseError as e:
                if e.status != 404:
                    raise
                if name == "datalist.json":
                    body = (json.dumps({"training": [{"image": v["image"], "label": v["mask"]} for v in manifest["volumes"]]}, indent=2) + "\n").encode()
                else:
                    self.say(f"note: the server does not serve {name}; not written")
                    continue
            write_json_atomic(self.out / name, body)

    # -- the whole pull -----------------------------------------------------------------------------------

    def run(self) -> PullResult:
        t0 = time.monotonic()
        manifest, files, msha, headers = self.fetch_manifest(self.spec)
        self.msha = msha
        self.set_signed(headers)
        if self.out.exists() and not self.out.is_dir():
            raise FolderConflictError(f"{self.out} exists and is not a folder", folder=str(self.out))
        self.out.mkdir(parents=True, exist_ok=True)
        with FolderLock(self.out, self.say):
            old = read_lock(self.out)
            holds = folder_version(self.out, old)
            if holds is not None and holds != msha:
                if not self.replace:
                    raise FolderConflictError(
                        f"{self.out} holds version {holds[:12]}" + (f" ({old.spec})" if old else "")
                        + f", not {self.spec} = {msha[:12]}; pull into another folder, or pass replace=True (--replace) "
                        f"to turn it into {msha[:12]} (files {holds[:12]} has and {msha[:12]} lacks are deleted)",
                        folder=str(self.out),
                        holds=holds,
                    )
                removed = clear_other_version(self.out, files)
                self.say(f"slicewise: replacing version {holds[:12]} in {self.out} ({removed} of its files removed)")
            total = sum(f.bytes for f in files)
            lock = Lock(
                spec=str(self.spec),
                project=self.spec.project,
                dataset=self.spec.dataset,
                ref=self.spec.ref,
                manifest_sha256=msha,
                dataset_version_id=headers.get("x-dataset-version-id") or (old.dataset_version_id if old and old.manifest_sha256 == msha else None),
                project_id=headers.get("x-project-id") or (old.project_id if old and old.manifest_sha256 == msha else None),
                api=self.t.api,
                files=len(files),
                bytes=total,
                complete=False,
                pulled_at=now_iso(),
            )
            write_lock(self.out, lock)
            (self.out / "images").mkdir(exist_ok=True)
            (self.out / "masks").mkdir(exist_ok=True)
            write_json_atomic(self.out / "manifest.json", canonical_bytes(manifest))
            clear_stale_parts(self.out, files)
            if not self.quiet:
                self.say(f"slicewise: {self.spec} = version {msha[:12]}: {len(files)} files, {total / 1e6:.1f} MB -> {self.out}")
            self.progress = Progress(len(files), total, stream=self.stream, enabled=not self.quiet)
            result = PullResult(folder=self.out, lock=lock, files=len(files))
            order = sorted(files, key=lambda f: -f.bytes)  # largest first: the last stragglers are small
            pool = ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="slicewise-pull")
            try:
                futures = [pool.submit(self.one, f, result) for f in order]
                done, _ = wait(futures, return_when=FIRST_EXCEPTION)
                first_error = next((fu.exception() for fu in futures if fu.done() and fu.exception() is not None and not isinstance(fu.exception(), _Stopped)), None)
                if first_error is not None:
                    self.abort()
                    wait(futures)
                    raise first_error
            except BaseException:
                self.abort()
                pool.shutdown(wait=True, cancel_futures=True)
                raise
            finally:
                pool.shutdown(wait=True)
                self.t.close()
            self.progress.finish()
            self.fetch_documents(manifest)
            result.seconds = time.monotonic() - t0
            if not result.failures:
                lock.complete = True
                write_lock(self.out, lock)
        verdict = "FAILED" if result.failures else "done"
        if not self.quiet:
            self.stream.write(
                f"slicewise: {verdict}: {result.downloaded} downloaded ({result.bytes_downloaded / 1e6:.1f} MB, {result.mb_per_s:.1f} MB/s), "
                f"{result.skipped} already verified, {result.repaired} repaired, {result.resumed} resumed, {len(result.failures)} failed, "
                f"in {result.seconds:.1f} s; pin: {lock.pinned_spec}\n"
            )
        if result.failures:
            raise VerificationError(
                f"verification FAILED for {len(result.failures)} of {result.files} files (not written; re-run to retry): "
                + "; ".join(x.reason for x in result.failures[:5]),
                failures=result.failures,
                result=result,
            )
        return result


def pull(
    spec: str | Spec,
    out: str | os.PathLike[str],
    *,
    token: str | None = None,
    url: str | None = None,
    api: str | None = None,
    workers: int = 8,
    replace: bool = False,
    quiet: bool = False,
    progress_stream: TextIO | None = None,
    retries: int = 4,
    timeout_s: float = 60.0,
) -> PullResult:
    """Pull ``<project>/<dataset>@<tag-or-hash>`` into ``out`` and verify every file (see the module docstring).

    ``token`` defaults to ``$SLICEWISE_TOKEN``, ``url`` (alias ``api``) to ``$SLICEWISE_API_URL`` (or
    http://127.0.0.1:4000).
    Returns a PullResult whose ``lock`` records the version (also written to ``<out>/slicewise.lock``).
    Raises VerificationError (files named) if any file did not verify, FolderConflictError if ``out`` holds
    another version, and the typed HTTP errors of :mod:`slicewise.errors`.
    """
    s = parse_spec(spec)
    if not isinstance(workers, int) or isinstance(workers, bool) or not 1 <= workers <= 64:
        raise UsageError(f"workers must be an integer in 1..64, got {workers!r}")
    if not isinstance(retries, int) or isinstance(retries, bool) or not 0 <= retries <= 20:
        raise UsageError(f"retries must be an integer in 0..20, got {retries!r}")
    if out is None or str(out) == "":
        raise UsageError("out must name a folder, got an empty value")
    t = Transport(api_url(url, api), token, timeout_s=timeout_s, retry=RetryPolicy(retries=retries))
    p = _Puller(s, Path(out).absolute(), t, progress_stream, quiet, workers, replace)
    t.on_retry = p.say
    return p.run()


@dataclass
class VerifyResult:
    folder: Path
    manifest_sha256: str
    files: int
    failures: list[FileFailure]

    @property
    def ok(self) -> bool:
        return not self.failures


def verify(folder: str | os.PathLike[str], *, ref: str | None = None, workers: int = 4) -> VerifyResult:
    """Re-check a pulled folder offline: its manifest against ``slicewise.lock`` (and ``ref`` if it is a
    sha256), and every file's size and sha256. Raises VerificationError naming each bad file."""
    root = Path(folder).absolute()
    mpath = root / "manifest.json"
    manifest, files = read_manifest_file(root)
    msha = manifest_sha256(manifest)
    lock = read_lock(root)
    if lock is not None and lock.manifest_sha256 != msha:
        raise VerificationError(f"{mpath}: sha256 {msha} is not the version {root / LOCK_NAME} records ({lock.manifest_sha256})")
    if ref and len(ref) == 64 and ref != msha:
        raise VerificationError(f"{mpath}: sha256 {msha} is not the requested version {ref}")
    failures: list[FileFailure] = []
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        for f, why in zip(files, pool.map(lambda f: check_local(inside(root, f.path), f), files)):
            if why is not None:
                failures.append(FileFailure(f.path, why))
    result = VerifyResult(root, msha, len(files), failures)
    if failures:
        raise VerificationError(
            f"verification FAILED for {len(failures)} of {len(files)} files in {root}: " + "; ".join(f"{x.path}: {x.reason}" for x in failures[:5]),
            failures=failures,
            result=result,
        )
    return result
