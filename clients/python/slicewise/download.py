"""The network side of a pull: the version's manifest, the signed links to its files, and one file's download
(verified while it streams, resumed with HTTP Range, retried with backoff). See pull.py for the whole pull."""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from .errors import FileFailure, SlicewiseError, VerificationError
from .folder import PART_PREFIX, hash_file
from .manifest import ManifestFile, manifest_sha256, parse_manifest
from .progress import Progress
from .spec import Spec, file_path
from .transport import Transport

if TYPE_CHECKING:
    from .pull import PullResult

_READ_BYTES = 256 << 10  # most bytes taken from a socket at once
# A signed link is refreshed this long before it expires (clocks differ a little).
_SIGNED_MARGIN_S = 60


class _Mismatch(Exception):
    """The bytes received are not the file the manifest describes (never retried from the same bytes)."""


class _Interrupted(Exception):
    """The body ended early or the connection failed mid-file: retried, continuing from the partial file."""


class _Stopped(Exception):
    pass


class Downloader:
    """Fetches the files of one dataset version (``spec``) through ``transport``, from any number of threads."""

    def __init__(self, spec: Spec, transport: Transport, progress_stream: TextIO | None, quiet: bool) -> None:
        self.spec = spec
        self.t = transport
        self.stream = progress_stream or sys.stderr
        self.quiet = quiet
        self.stop = threading.Event()
        self.count_lock = threading.Lock()
        self.active: set = set()  # responses being read, aborted on stop
        self.signed_lock = threading.Lock()
        self.signed: tuple[str, float] | None = None  # (URL template, expires at, epoch s)
        self.progress: Progress | None = None
        self.msha = ""  # the version's manifest sha256, once fetched

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
            h = hash_file(part)
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
