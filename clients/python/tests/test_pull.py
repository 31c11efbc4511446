"""slicewise.pull against the real API: verification, idempotence, repair, resume, pinning, folder safety."""

from __future__ import annotations

import hashlib
import io
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

import slicewise
from slicewise.pull import PART_PREFIX

CLIENT_DIR = Path(__file__).resolve().parents[1]


def sha(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def manifest_files(folder: Path) -> list[dict]:
    return json.loads((folder / "manifest.json").read_bytes())["files"]


def assert_folder_holds(folder: Path, version_hash: str) -> None:
    assert sha(folder / "manifest.json") == version_hash
    for f in manifest_files(folder):
        assert sha(folder / f["path"]) == f["sha256"], f["path"]
    leftovers = [n for d in ("images", "masks") for n in os.listdir(folder / d) if n.startswith(".")]
    assert leftovers == []


def file_requests(proxy) -> list[str]:
    """Relative paths of the volume files the client asked the proxy for (signed or token routes)."""
    paths = [e["path"].split("?", 1)[0] for e in proxy.log]
    return [p.rsplit("/files/", 1)[1] for p in paths if "/files/images/" in p or "/files/masks/" in p]


def run_cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "slicewise", *args], cwd=CLIENT_DIR, env={**os.environ, **(env or {})}, capture_output=True, text=True, timeout=120)


def test_pull_by_tag_verifies_every_file_and_records_the_version(stack, tmp_path):
    out = tmp_path / "v1"
    log = io.StringIO()
    r = slicewise.pull(stack.spec("v1"), out, token=stack.read_token, api=stack.url, progress_stream=log)
    assert r.manifest_sha256 == stack.v1_hash
    assert (r.files, r.downloaded, r.skipped, r.repaired, r.failures) == (6, 6, 0, 0, [])
    assert_folder_holds(out, stack.v1_hash)
    lock = slicewise.read_lock(out)
    assert lock.complete and lock.ref == "v1" and lock.manifest_sha256 == stack.v1_hash
    assert (lock.dataset_version_id, lock.project_id) == (stack.v1_id, stack.project_id)
    assert lock.pinned_spec == stack.spec(stack.v1_hash)
    # the canonical JSON written here is byte for byte what the server serves (its sha256 is the version)
    req = urllib.request.Request(f"{stack.url}/datasets/{stack.project}/main@v1/manifest.json", headers={"authorization": f"Bearer {stack.read_token}"})
    with urllib.request.urlopen(req) as res:
        assert res.read() == (out / "manifest.json").read_bytes()
    datalist = json.loads((out / "datalist.json").read_text())
    assert len(datalist["training"]) == 3
    for e in datalist["training"]:
        assert (out / e["image"]).is_file() and (out / e["label"]).is_file()
    for name in ("dataset_description.json", "prov.json", "croissant.json"):
        assert json.loads((out / name).read_text())
    text = log.getvalue()
    assert f"version {stack.v1_hash[:12]}" in text and "6 downloaded" in text and f"pin: {stack.spec(stack.v1_hash)}" in text


def test_a_rerun_downloads_nothing_and_corrupted_truncated_or_deleted_files_are_repaired(stack, proxy, tmp_path):
    out = tmp_path / "v1"
    slicewise.pull(stack.spec("v1"), out, token=stack.read_token, api=proxy.url, quiet=True)
    proxy.clear()
    again = slicewise.pull(stack.spec("v1"), out, token=stack.read_token, api=proxy.url, quiet=True)
    assert (again.downloaded, again.skipped) == (0, 6)
    assert file_requests(proxy) == []

    a, b, c = manifest_files(out)[:3]
    pa = out / a["path"]
    data = bytearray(pa.read_bytes())
    data[len(data) // 2] ^= 1
    pa.write_bytes(bytes(data))  # same size, wrong content
    with open(out / b["path"], "r+b") as fh:
        fh.truncate(5)
    (out / c["path"]).unlink()
    (out / "images" / f"{PART_PREFIX}left-by-another-client-1a2b3c").write_bytes(b"x")
    proxy.clear()
    log = io.StringIO()
    r = slicewise.pull(stack.spec("v1"), out, token=stack.read_token, api=proxy.url, progress_stream=log)
    assert (r.downloaded, r.repaired, r.skipped) == (3, 2, 3)
    assert sorted(file_requests(proxy)) == sorted(f["path"] for f in (a, b, c))
    assert f"repairing {a['path']}: sha256" in log.getvalue()
    assert f"repairing {b['path']}: size 5 bytes" in log.getvalue()
    assert_folder_holds(out, stack.v1_hash)


def test_a_dropped_connection_mid_file_resumes_with_a_range_request(stack, proxy, tmp_path):
    out = tmp_path / "v1"
    f = max(slicewise_files(stack), key=lambda f: f["bytes"])
    half = f["bytes"] // 2
    proxy.cut(f["path"], after_bytes=half)
    log = io.StringIO()
    r = slicewise.pull(stack.spec("v1"), out, token=stack.read_token, api=proxy.url, progress_stream=log)
    assert (r.downloaded, r.resumed, r.failures) == (6, 1, [])
    tries = proxy.requests_for(f["path"])
    assert [t["headers"].get("range") for t in tries] == [None, f"bytes={half}-"]
    assert tries[1]["headers"]["if-range"] == f'"{f["sha256"]}"' and tries[1]["status"] == 206
    assert f"retrying {f['path']}" in log.getvalue()
    assert_folder_holds(out, stack.v1_hash)


def slicewise_files(stack) -> list[dict]:
    req = urllib.request.Request(f"{stack.url}/datasets/{stack.project}/main@v1/manifest.json", headers={"authorization": f"Bearer {stack.read_token}"})
    with urllib.request.urlopen(req) as res:
        return json.loads(res.read())["files"]


def test_an_interrupted_pull_resumes_from_its_partial_file(stack, proxy, tmp_path):
    out = tmp_path / "v1"
    f = max(slicewise_files(stack), key=lambda f: f["bytes"])
    half = f["bytes"] // 2
    stalled = proxy.stall(f["path"], after_bytes=half)
    proc = subprocess.Popen(
        [sys.executable, "-m", "slicewise", "pull", stack.spec("v1"), "--out", str(out), "--api", proxy.url, "--token", stack.read_token],
        cwd=CLIENT_DIR,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    part = out / Path(f["path"]).parent / f"{PART_PREFIX}{Path(f['path']).name}"
    deadline = time.monotonic() + 60
    while not (part.exists() and part.stat().st_size >= half) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert part.exists() and part.stat().st_size == half, "the download never reached the stalled half"
    proc.send_signal(signal.SIGINT)  # Ctrl-C
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    assert "interrupted; run the same command again to resume" in err
    lock = slicewise.read_lock(out)
    assert lock is not None and not lock.complete
    with pytest.raises(slicewise.VerificationError, match="did not complete"):
        slicewise.load(out)
    assert part.stat().st_size == half  # kept for the next run

    stalled.release.set()
    proxy.clear()
    r = slicewise.pull(stack.spec("v1"), out, token=stack.read_token, api=proxy.url, quiet=True)
    assert r.resumed == 1 and r.failures == []
    tries = proxy.requests_for(f["path"])
    assert [(t["headers"].get("range"), t["status"]) for t in tries] == [(f"bytes={half}-", 206)]
    assert r.downloaded + r.skipped == 6
    assert slicewise.read_lock(out).complete
    assert_folder_holds(out, stack.v1_hash)


def test_a_hash_pins_the_version_and_a_folder_holding_another_version_is_refused(stack, tmp_path):
    a = tmp_path / "by-tag"
    r = slicewise.pull(stack.spec("v1"), a, token=stack.read_token, api=stack.url, quiet=True)
    pinned = r.lock.pinned_spec
    b = tmp_path / "by-hash"
    slicewise.pull(pinned, b, token=stack.read_token, api=stack.url, quiet=True)
    assert [sha(b / f["path"]) for f in manifest_files(b)] == [sha(a / f["path"]) for f in manifest_files(a)]

    stack.move_tag("v1", stack.v2_id)  # someone re-points v1 (audited)
    try:
        with pytest.raises(slicewise.FolderConflictError) as e:
            slicewise.pull(stack.spec("v1"), a, token=stack.read_token, api=stack.url, quiet=True)
        assert e.value.holds == stack.v1_hash and e.value.exit_code == 6
        assert f"holds version {stack.v1_hash[:12]}" in str(e.value)
        env = {"SLICEWISE_API_URL": stack.url, "SLICEWISE_TOKEN": stack.read_token}
        cli = run_cli("pull", stack.spec("v1"), "--out", str(a), "--quiet", env=env)
        assert cli.returncode == 6, cli.stderr
        assert_folder_holds(a, stack.v1_hash)  # untouched
        # the pin still gives exactly the old version
        again = slicewise.pull(pinned, a, token=stack.read_token, api=stack.url, quiet=True)
        assert (again.manifest_sha256, again.skipped) == (stack.v1_hash, 6)
        # replace=True turns the folder into what v1 now names
        moved = slicewise.pull(stack.spec("v1"), a, token=stack.read_token, api=stack.url, quiet=True, replace=True)
        assert moved.manifest_sha256 == stack.v2_hash and (moved.skipped, moved.downloaded) == (6, 2)
        assert_folder_holds(a, stack.v2_hash)
        assert slicewise.read_lock(a).ref == "v1"
    finally:
        stack.move_tag("v1", stack.v1_id)


def test_replacing_a_version_removes_the_files_the_new_one_lacks(stack, tmp_path):
    out = tmp_path / "v"
    slicewise.pull(stack.spec("v2"), out, token=stack.read_token, api=stack.url, quiet=True)
    r = slicewise.pull(stack.spec("v1"), out, token=stack.read_token, api=stack.url, quiet=True, replace=True)
    assert r.manifest_sha256 == stack.v1_hash and r.skipped == 6
    assert sorted(str(p.relative_to(out)) for p in out.glob("*/*.nii.gz")) == sorted(f["path"] for f in manifest_files(out))


def test_a_folder_with_other_files_is_refused_and_left_alone(stack, tmp_path):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("my own data")
    with pytest.raises(slicewise.FolderConflictError, match="not a pulled dataset version"):
        slicewise.pull(stack.spec("v1"), out, token=stack.read_token, api=stack.url, quiet=True)
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".slicewise-")) == ["notes.txt"]


def test_a_tampered_file_fails_naming_it_and_is_not_written(stack, proxy, tmp_path):
    out = tmp_path / "v1"
    f = slicewise_files(stack)[1]
    proxy.corrupt(f["path"])
    with pytest.raises(slicewise.VerificationError) as e:
        slicewise.pull(stack.spec("v1"), out, token=stack.read_token, api=proxy.url, quiet=True)
    assert [x.path for x in e.value.failures] == [f["path"]]
    assert "sha256 mismatch" in e.value.failures[0].reason
    assert not (out / f["path"]).exists()
    assert not slicewise.read_lock(out).complete
    env = {"SLICEWISE_API_URL": proxy.url, "SLICEWISE_TOKEN": stack.read_token}
    cli = run_cli("pull", stack.spec("v1"), "--out", str(out), "--quiet", env=env)
    assert cli.returncode == 1 and f["path"] in cli.stderr
    proxy.clear()  # the server is fixed: a re-run fetches only that file
    r = slicewise.pull(stack.spec("v1"), out, token=stack.read_token, api=proxy.url, quiet=True)
    assert (r.downloaded, r.skipped) == (1, 5)
    assert_folder_holds(out, stack.v1_hash)


def test_verify_names_a_damaged_file(stack, tmp_path):
    out = tmp_path / "v1"
    slicewise.pull(stack.spec("v1"), out, token=stack.read_token, url=stack.url, quiet=True)  # url= is api='s alias
    assert slicewise.verify(out).ok
    f = manifest_files(out)[4]
    with open(out / f["path"], "ab") as fh:
        fh.write(b"x")
    with pytest.raises(slicewise.VerificationError) as e:
        slicewise.verify(out)
    assert [x.path for x in e.value.failures] == [f["path"]]
    cli = run_cli("verify", str(out))
    assert cli.returncode == 1 and f"{f['path']}: size" in cli.stderr


def test_a_download_that_keeps_breaking_fails_by_name_and_keeps_its_partial_file(stack, proxy, tmp_path):
    out = tmp_path / "v1"
    f = max(slicewise_files(stack), key=lambda f: f["bytes"])
    proxy.cut(f["path"], after_bytes=100, times=float("inf"))
    with pytest.raises(slicewise.VerificationError) as e:
        slicewise.pull(stack.spec("v1"), out, token=stack.read_token, api=proxy.url, quiet=True, retries=1)
    assert [x.path for x in e.value.failures] == [f["path"]]
    assert "download interrupted after" in e.value.failures[0].reason and "gave up after 1 retries" in e.value.failures[0].reason
    assert e.value.result.downloaded == 5 and not (out / f["path"]).exists()
    part = out / Path(f["path"]).parent / f"{PART_PREFIX}{Path(f['path']).name}"
    assert part.stat().st_size >= 100  # kept: the next run continues from it


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_on_a_terminal_progress_rewrites_one_line(stack, tmp_path):
    tty = _Terminal()
    slicewise.pull(stack.spec("v1"), tmp_path / "v1", token=stack.read_token, api=stack.url, progress_stream=tty)
    text = tty.getvalue()
    assert "\r  6/6 files, 0.0" in text and "MB/s" in text and "\x1b[K" in text
    lines = text.split("\n")
    assert lines[0].startswith("slicewise: brain-mri/main@v1 = version") and lines[-2].startswith("slicewise: done: 6 downloaded")
    assert all("\r" in line for line in lines[1:-2])  # the progress line is rewritten in place, not repeated
    logs = io.StringIO()  # not a terminal: no carriage returns, no escape codes
    slicewise.pull(stack.spec("v1"), tmp_path / "v1", token=stack.read_token, api=stack.url, progress_stream=logs)
    assert "\r" not in logs.getvalue() and "\x1b" not in logs.getvalue()


def test_a_redirect_to_object_storage_is_followed_without_the_token_and_resumes_there(stack, proxy, tmp_path):
    out = tmp_path / "v1"
    f = max(slicewise_files(stack), key=lambda f: f["bytes"])
    half = f["bytes"] // 2
    proxy.redirect()  # as the API answers with S3 storage: 302 to a presigned URL on another origin
    proxy.cut(f["path"], after_bytes=half, host="localhost")
    r = slicewise.pull(stack.spec("v1"), out, token=stack.read_token, api=proxy.url, quiet=True)
    assert (r.downloaded, r.resumed, r.failures) == (6, 1, [])
    api = [e for e in proxy.log if e["headers"]["host"].startswith("127.0.0.1") and "/files/" in e["path"]]
    bucket = [e for e in proxy.log if e["headers"]["host"].startswith("localhost")]
    assert len(api) >= 6 and all(e["headers"].get("x-slicewise-accept-redirect") == "presigned" and e["status"] == 302 for e in api if "/images/" in e["path"] or "/masks/" in e["path"])
    assert len(bucket) == 7  # 6 files, one of them twice
    assert all("authorization" not in e["headers"] and "x-slicewise-accept-redirect" not in e["headers"] and "if-range" not in e["headers"] for e in bucket)
    assert [e["headers"].get("range") for e in bucket if e["path"].split("?")[0].endswith(f["path"])] == [None, f"bytes={half}-"]
    assert_folder_holds(out, stack.v1_hash)
