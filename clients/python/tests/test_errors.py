"""Typed errors, retries with backoff (5xx, resets, 429 + Retry-After) and the CLI's exit codes."""

from __future__ import annotations

import io
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

import slicewise

CLIENT_DIR = Path(__file__).resolve().parents[1]


def run_cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "slicewise", *args], cwd=CLIENT_DIR, env={**os.environ, **(env or {})}, capture_output=True, text=True, timeout=120)


def test_http_errors_are_typed_with_status_code_and_request_id(stack, tmp_path):
    out = tmp_path / "x"
    with pytest.raises(slicewise.AuthenticationError) as e:
        slicewise.pull(stack.spec("v1"), out, token="swt_not-a-real-token", api=stack.url, quiet=True)
    assert (e.value.status, e.value.exit_code, e.value.code) == (401, 3, "UNAUTHENTICATED")
    assert "Unknown API token" in str(e.value) and e.value.request_id
    with pytest.raises(slicewise.AuthenticationError, match="no token given"):
        slicewise.pull(stack.spec("v1"), out, token="", api=stack.url, quiet=True)
    # another team's token: the project does not exist for it
    with pytest.raises(slicewise.NotFoundError, match='project "brain-mri" was not found'):
        slicewise.pull(stack.spec("v1"), out, token=stack.other_team_token, api=stack.url, quiet=True)
    with pytest.raises(slicewise.NotFoundError, match=r"main@v9 was not found") as e:
        slicewise.pull(stack.spec("v9"), out, token=stack.read_token, api=stack.url, quiet=True)
    assert e.value.status == 404 and e.value.exit_code == 3
    with pytest.raises(slicewise.NotFoundError):
        slicewise.pull(stack.spec("0" * 64), out, token=stack.read_token, api=stack.url, quiet=True)
    assert not out.exists()  # nothing was written for any of these


def test_bad_arguments_are_usage_errors_before_anything_is_sent(tmp_path):
    for spec in ("no-dataset", "a/b", "/b@c", "a/b@"):
        with pytest.raises(slicewise.UsageError, match="expected <project>/<dataset>@<tag-or-hash>"):
            slicewise.pull(spec, tmp_path / "x", api="http://127.0.0.1:9")
    with pytest.raises(slicewise.UsageError, match="workers must be an integer in 1..64, got 0"):
        slicewise.pull("a/b@c", tmp_path / "x", workers=0, api="http://127.0.0.1:9")
    with pytest.raises(slicewise.UsageError, match="api must be an http"):
        slicewise.pull("a/b@c", tmp_path / "x", api="ftp://example.org")
    with pytest.raises(slicewise.UsageError, match="name two different APIs"):
        slicewise.pull("a/b@c", tmp_path / "x", url="http://127.0.0.1:9", api="http://127.0.0.1:10")
    assert not (tmp_path / "x").exists()


def test_server_errors_and_connection_resets_are_retried(stack, proxy, tmp_path):
    files = None
    proxy.respond("/manifest.json", 503, body=b'{"error":"overloaded"}', times=2)
    log = io.StringIO()
    r = slicewise.pull(stack.spec("v1"), tmp_path / "a", token=stack.read_token, api=proxy.url, progress_stream=log)
    assert r.failures == []
    assert [e["status"] for e in proxy.requests_for("/manifest.json")] == [503, 503, 200]
    assert "retrying manifest of brain-mri/main@v1" in log.getvalue() and "server answered 503" in log.getvalue()

    proxy.clear()
    files = [e for e in (tmp_path / "a" / "images").iterdir()]
    victim = f"images/{files[0].name}"
    proxy.reset(victim, times=2)
    r = slicewise.pull(stack.spec("v1"), tmp_path / "b", token=stack.read_token, api=proxy.url, quiet=True)
    assert r.failures == [] and r.downloaded == 6
    assert [e["status"] for e in proxy.requests_for(victim)] == ["reset", "reset", 200]

    proxy.clear()
    proxy.respond("/manifest.json", 502, times=10)
    with pytest.raises(slicewise.ServerError, match="server answered 502") as e:
        slicewise.pull(stack.spec("v1"), tmp_path / "c", token=stack.read_token, api=proxy.url, quiet=True, retries=2)
    assert e.value.exit_code == 4 and len(proxy.requests_for("/manifest.json")) == 3


def test_rate_limiting_waits_for_retry_after_then_gives_a_typed_error(stack, proxy, tmp_path):
    proxy.respond("/manifest.json", 429, headers={"retry-after": "1"}, body=b'{"error":"slow down"}')
    t0 = time.monotonic()
    r = slicewise.pull(stack.spec("v1"), tmp_path / "a", token=stack.read_token, api=proxy.url, quiet=True)
    assert time.monotonic() - t0 >= 1.0 and r.failures == []

    proxy.clear()
    proxy.respond("/manifest.json", 429, headers={"retry-after": "1"}, body=b'{"error":"slow down"}', times=10)
    with pytest.raises(slicewise.RateLimitedError, match="429 rate limited: slow down; retry after 1 s") as e:
        slicewise.pull(stack.spec("v1"), tmp_path / "b", token=stack.read_token, api=proxy.url, quiet=True, retries=1)
    assert (e.value.retry_after, e.value.exit_code, e.value.status) == (1.0, 5, 429)

    proxy.clear()
    proxy.respond("/manifest.json", 429, headers={"retry-after": "3600"}, times=10)
    t0 = time.monotonic()
    with pytest.raises(slicewise.RateLimitedError) as e:
        slicewise.pull(stack.spec("v1"), tmp_path / "c", token=stack.read_token, api=proxy.url, quiet=True)
    assert e.value.retry_after == 3600 and time.monotonic() - t0 < 5  # reported, not slept on
    env = {"SLICEWISE_API_URL": proxy.url, "SLICEWISE_TOKEN": stack.read_token}
    cli = run_cli("pull", stack.spec("v1"), "--out", str(tmp_path / "d"), "--quiet", env=env)
    assert cli.returncode == 5 and "retry after 3600 s" in cli.stderr


def test_a_refused_connection_is_a_network_error(tmp_path):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nobody listens there now
    with pytest.raises(slicewise.NetworkError, match="ConnectionRefusedError") as e:
        slicewise.pull("p/d@v1", tmp_path / "x", api=f"http://127.0.0.1:{port}", token="t", quiet=True, retries=1)
    assert e.value.exit_code == 4
    cli = run_cli("pull", "p/d@v1", "--out", str(tmp_path / "x"), "--api", f"http://127.0.0.1:{port}", "--quiet")
    assert cli.returncode == 4 and "network error" in cli.stderr


def test_cli_exit_codes_for_usage_auth_and_success(stack, tmp_path):
    assert run_cli("pull", "nodataset", "--out", str(tmp_path / "a")).returncode == 2
    assert run_cli("pull", stack.spec("v1")).returncode == 2  # --out missing
    bad = run_cli("pull", stack.spec("v1"), "--out", str(tmp_path / "a"), "--api", stack.url, "--token", "swt_nope")
    assert bad.returncode == 3 and "401 unauthorised" in bad.stderr
    ok = run_cli("pull", stack.spec("v1"), "--out", str(tmp_path / "a"), "--api", stack.url, "--token", stack.read_token)
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.strip() == stack.spec(stack.v1_hash)  # stdout: the pinned reference, for scripts
