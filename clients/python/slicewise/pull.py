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

import hashlib
import http.client
import json
import os
import sys
import threading
import time
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from .canonical import canonical_bytes
from .errors import FileFailure, FolderConflictError, SlicewiseError, UsageError, VerificationError
from .lock import LOCK_NAME, Lock, now_iso, read_lock, write_json_atomic, write_lock
from .manifest import ManifestFile, manifest_sha256, parse_manifest
from .progress import Progress
from .spec import Spec, file_path, parse_spec
from .transport import RetryPolicy, Transport, api_url

PART_PREFIX = ".slicewise-part-"
DOCUMENTS = ("datalist.json", "dataset_description.json", "prov.json", "croissant.json")
_CHUNK_BYTES = 1 << 20  # reading local files
_READ_BYTES = 256 << 10  # most bytes taken from a socket at once
# A signed link is refreshed this long before it expires (clocks differ a little).
_SIGNED_MARGIN_S = 60


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


class _Mismatch(Exception):
    """The bytes received are not the file the manifest describes (never retried from the same bytes)."""


class _Interrupted(Exception):
    """The body ended early or the connection failed mid-file: retried, continuing from the partial file."""


class _Stopped(Exception):
    pass


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    buf = bytearray(_CHUNK_BYTES)
    mv = memoryview(buf)
    with open(path, "rb", buffering=0) as f:
        while n := f.readinto(mv):
            h.update(mv[:n])
    return h.hexdigest()


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


def _inside(root: Path, rel: str) -> Path:
    p = (root / rel).resolve()
    if root.resolve() not in p.parents:
        raise VerificationError(f"path {rel!r} would be written outside {root}")
    return p


class _FolderLock:
    """An advisory lock on the folder for the duration of a pull, so that several processes pulling into one
    shared folder (every rank of a distributed job, say) take turns: the first pulls, the others then find
    the files verified. No-op where ``fcntl`` is missing (Windows)."""

    def __init__(self, folder: Path, note) -> None:
        self.path = folder / ".slicewise-pull.lock"
        self.note = note
        self.fh = None

    def __enter__(self) -> "_FolderLock":
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


class _Puller:
    def __init__(self, spec: Spec, out: Path, transport: Transport, progress_stream: TextIO | None, quiet: bool, workers: int, replace: bool) -> None:
        self.spec = spec
        self.out = out
        self.t = transport
        self.stream = progress_stream or sys.stderr
        self.quiet = quiet
        self.workers = workers
        self.replace = replace
        self.stop = threading.Event()
        self.count_lock = threading.Lock()
        self.active: set = set()  # responses being read, aborted on stop
        self.signed_lock = threading.Lock()
        self.signed: tuple[str, float] | None = None  # (URL template, expires at, epoch s)
        self.progress: Progress | None = None

    def abort(self) -> None:
        """Stop the workers now: in-flight downloads are cut (their partial files stay for the next run)."""
        self.stop.set()
        with self.count_lock:
            for res in list(self.active):
                res.abort()

    def say(self, text: str) -> None:
        if self.progress is not None:
            self.progress.note(text)
        elif not self.quiet:
            self.stream.write(text + "\n")
            self.stream.flush()

    # -- manifest ----------------------------------------------------------------------------------------

    def fetch_manifest(self, ref_spec: Spec) -> tuple[dict, list[ManifestFile], str, dict[str, str | None]]:
        body, res = self.t.get_bytes(f"{ref_spec.path()}/manifest.json", f"manifest of {ref_spec}")
        try:
            value = json.loads(body)
        except ValueError as e:
            raise VerificationError(f"manifest.json from {res.url} is not JSON: {e}") from None
        manifest, files = parse_manifest(value, f"manifest.json from {res.url}")
        msha = manifest_sha256(manifest)
        announced = res.header("x-manifest-sha256")
        if announced and announced != msha:
            raise VerificationError(f"manifest.json: sha256 {msha} does not match the server's x-manifest-sha256 {announced} (tampered or corrupted manifest)")
        if self.spec.pinned and msha != self.spec.ref:
            raise VerificationError(f"manifest.json: sha256 {msha} does not match the requested version {self.spec.ref} (tampered or wrong manifest)")
        headers = {k: res.header(k) for k in ("x-dataset-version-id", "x-project-id", "x-signed-files-url", "x-signed-files-expires")}
        return manifest, files, msha, headers

    def set_signed(self, headers: dict[str, str | None]) -> None:
        tpl, exp = headers.get("x-signed-files-url"), headers.get("x-signed-files-expires")
        if tpl and "{path}" in tpl and tpl.startswith("/") and exp and exp.isdigit():
            self.signed = (tpl, float(exp))

    def refresh_signed(self, used: str | None) -> None:
        """A fresh signed link (the old one expired): the manifest again, which must be the same version."""
        with self.signed_lock:
            if self.signed is not None and self.signed[0] != used:
                return  # another worker refreshed it meanwhile
            _, _, msha, headers = self.fetch_manifest(self.spec.with_ref(self.msha))
            if msha != self.msha:
                raise VerificationError(f"the server now serves version {msha} under {self.msha}")
            self.set_signed(headers)

    def file_target(self, rel: str) -> tuple[str, bool, str | None]:
        """(path, signed?, template used) for one file of the version."""
        s = self.signed
        if s is not None and time.time() > s[1] - _SIGNED_MARGIN_S:
            self.refresh_signed(s[0])
            s = self.signed
        if s is not None:
            return s[0].replace("{path}", file_path(rel)), True, s[0]
        return f"{self.spec.with_ref(self.msha).path()}/files/{file_path(rel)}", False, None

    # -- folder -------------------------------------------------------------------------------------------

    def check_folder(self, lock: Lock | None) -> str | None:
        """The version the folder holds (None: new or empty); refuses a folder holding other things."""
        if lock is not None:
            return lock.manifest_sha256
        m = self.out / "manifest.json"
        if m.is_file():
            try:
                return manifest_sha256(json.loads(m.read_bytes()))
            except (ValueError, SlicewiseError):
                pass
        other = sorted(n for n in os.listdir(self.out) if not n.startswith(".slicewise-"))
        if other:
            raise FolderConflictError(
                f"{self.out} holds files that are not a pulled dataset version ({', '.join(other[:5])}{', ...' if len(other) > 5 else ''}); "
                "pull into a new or empty folder",
                folder=str(self.out),
            )
        return None

    def clear_other_version(self, files: list[ManifestFile]) -> int:
        """For replace=True: remove the old version's files that the new one does not list."""
        keep = {f.path for f in files}
        removed = 0
        for sub in ("images", "masks"):
            d = self.out / sub
            if not d.is_dir():
                continue
            for name in os.listdir(d):
                if f"{sub}/{name}" not in keep:
                    (d / name).unlink()
                    removed += 1
        return removed

    # -- one file -----------------------------------------------------------------------------------------

    def fetch_file(self, f: ManifestFile, dest: Path, result: PullResult) -> None:
        part = dest.with_name(PART_PREFIX + dest.name)
        credit = [0]  # this run's bytes of this file, as reported to the progress display
        from_partial = part.exists() and part.stat().st_size > 0
        restarted = False
        attempt = 0
        signed_refreshed = False
        while True:
            if self.stop.is_set():
                raise _Stopped()
            try:
                self._download_once(f, part, credit)
            except _Mismatch as e:
                part.unlink(missing_ok=True)
                self.progress.add_bytes(-credit[0])
                credit[0] = 0
                if from_partial and not restarted:
                    # the kept prefix may have been the bad part: once more from the first byte
                    restarted, from_partial = True, False
                    self.say(f"retrying {f.path} from the start: {e}")
                    continue
                dest.unlink(missing_ok=True)  # a bad local copy must not stay where training would read it
                with self.count_lock:
                    result.failures.append(FileFailure(f.path, str(e)))
                self.say(f"FAILED {e}")
                self.progress.file_done(0)
                return
            except _Interrupted as e:
                if self.stop.is_set():
                    raise _Stopped() from None
                from_partial = part.exists() and part.stat().st_size > 0
                if attempt >= self.t.retry.retries:
                    # like a mismatch, this file fails by name and the others go on; its partial file stays
                    reason = f"{f.path}: {e}; gave up after {attempt} retries (re-run to continue from the partial file)"
                    self.progress.add_bytes(-credit[0])
                    with self.count_lock:
                        result.failures.append(FileFailure(f.path, reason))
                    self.say(f"FAILED {reason}")
                    self.progress.file_done(0)
                    return
                delay = self.t.retry.delay_s(attempt)
                attempt += 1
                self.say(f"retrying {f.path} in {delay:.1f} s ({attempt}/{self.t.retry.retries}): {e}")
                time.sleep(delay)
                continue
            except SlicewiseError as e:
                if e.status == 401 and self.signed is not None and not signed_refreshed:
                    signed_refreshed = True  # the signed link expired: a fresh one, once
                    self.refresh_signed(self.signed[0])
                    continue
                raise
            os.replace(part, dest)
            with self.count_lock:
                result.downloaded += 1
                result.bytes_downloaded += credit[0]
                result.resumed += 1 if from_partial else 0
            self.progress.file_done(max(0, f.bytes - credit[0]))
            return

    def _download_once(self, f: ManifestFile, part: Path, credit: list[int]) -> int:
        """One request for ``f`` into ``part`` (continuing it if it holds a prefix). Returns the byte count."""
        have = part.stat().st_size if part.exists() else 0
        h = hashlib.sha256()
        if have > f.bytes:
            part.unlink()
            have = 0
        elif have > 0:
            h = _hash_prefix(part)
            if have == f.bytes:
                if h.hexdigest() == f.sha256:
                    return have
                raise _Mismatch(f"{f.path}: the partial download has the full size but sha256 {h.hexdigest()}, manifest says {f.sha256}")
        # with S3 storage the API may answer with a presigned URL: the bytes then come from the bucket, and are
        # verified against the manifest exactly as when they come through the API
        headers = {"x-slicewise-accept-redirect": "presigned", **({"range": f"bytes={have}-", "if-range": f'"{f.sha256}"'} if have else {})}

        def open_once():
            target, signed, _ = self.file_target(f.path)
            res = self.t.open_following("GET", target, headers=headers, auth=not signed)
            if res.status not in (200, 206):
                raise self.t.error_for(res, f.path)
            return res

        res = self.t.retrying(open_once, f.path)
        with self.count_lock:
            self.active.add(res)
        try:
            if res.status == 206:
                cr = res.header("content-range") or ""
                if not cr.startswith(f"bytes {have}-") or not cr.endswith(f"/{f.bytes}"):
                    raise _Mismatch(f"{f.path}: the server answered a resume from byte {have} with content-range {cr!r}")
                mode = "ab"
            else:
                if have:  # the server sent the whole file instead: start over
                    self.progress.add_bytes(-credit[0])
                    credit[0] = 0
                have = 0
                h = hashlib.sha256()
                mode = "wb"
            length = res.header("content-length")
            if length is not None and length.isdigit() and have + int(length) != f.bytes:
                raise _Mismatch(f"{f.path}: the server announces {have + int(length)} bytes, the manifest records {f.bytes}")
            n = have
            with open(part, mode, buffering=0) as fh:
                while True:
                    if self.stop.is_set():
                        raise _Stopped()
                    try:
                        # what has arrived (one socket read): each piece is on disk as soon as it is here,
                        # so an interruption loses nothing already received
                        chunk = res.read1(_READ_BYTES)
                    except (OSError, http.client.HTTPException) as e:
                        raise _Interrupted(f"download interrupted after {n} of {f.bytes} bytes: {type(e).__name__}: {e}") from None
                    if not chunk:
                        if self.stop.is_set():
                            raise _Stopped()
                        break
                    k = len(chunk)
                    n += k
                    if n > f.bytes:
                        raise _Mismatch(f"{f.path}: the server sent more than the {f.bytes} bytes the manifest records")
                    h.update(chunk)
                    fh.write(chunk)
                    credit[0] += k
                    self.progress.add_bytes(k)
            if n < f.bytes:
                raise _Interrupted(f"download interrupted after {n} of {f.bytes} bytes (truncated)")
            got = h.hexdigest()
            if got != f.sha256:
                raise _Mismatch(f"{f.path}: sha256 mismatch: downloaded {got}, the manifest records {f.sha256} (tampered or corrupted file)")
            return n
        except BaseException:
            res.discard()
            raise
        finally:
            with self.count_lock:
                self.active.discard(res)
            res.close()

    def one(self, f: ManifestFile, result: PullResult) -> None:
        if self.stop.is_set():
            raise _Stopped()
        dest = _inside(self.out, f.path)
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
        with _FolderLock(self.out, self.say):
            old = read_lock(self.out)
            holds = self.check_folder(old)
            if holds is not None and holds != msha:
                if not self.replace:
                    raise FolderConflictError(
                        f"{self.out} holds version {holds[:12]}" + (f" ({old.spec})" if old else "")
                        + f", not {self.spec} = {msha[:12]}; pull into another folder, or pass replace=True (--replace) "
                        f"to turn it into {msha[:12]} (files {holds[:12]} has and {msha[:12]} lacks are deleted)",
                        folder=str(self.out),
                        holds=holds,
                    )
                removed = self.clear_other_version(files)
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
            # temp files of the Node CLI or of other versions: not resumable here
            keep_parts = {PART_PREFIX + Path(f.path).name for f in files}
            for sub in (self.out, self.out / "images", self.out / "masks"):
                for name in os.listdir(sub):
                    if name.startswith(PART_PREFIX) and name not in keep_parts:
                        (sub / name).unlink(missing_ok=True)
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


def _hash_prefix(part: Path) -> "hashlib._Hash":
    h = hashlib.sha256()
    buf = bytearray(_CHUNK_BYTES)
    mv = memoryview(buf)
    with open(part, "rb", buffering=0) as fh:
        while n := fh.readinto(mv):
            h.update(mv[:n])
    return h


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
    try:
        value = json.loads(mpath.read_bytes())
    except FileNotFoundError:
        raise VerificationError(f"{mpath}: no manifest; pull first") from None
    except ValueError as e:
        raise VerificationError(f"{mpath} is not JSON: {e}") from None
    manifest, files = parse_manifest(value, str(mpath))
    msha = manifest_sha256(manifest)
    lock = read_lock(root)
    if lock is not None and lock.manifest_sha256 != msha:
        raise VerificationError(f"{mpath}: sha256 {msha} is not the version {root / LOCK_NAME} records ({lock.manifest_sha256})")
    if ref and len(ref) == 64 and ref != msha:
        raise VerificationError(f"{mpath}: sha256 {msha} is not the requested version {ref}")
    failures: list[FileFailure] = []
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        for f, why in zip(files, pool.map(lambda f: check_local(_inside(root, f.path), f), files)):
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
