"""Fixtures: the real platform (``stack.ts``: PostgreSQL, the API, a generation worker, two published versions),
started once per test run, and a fault-injecting proxy in front of it per test."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]
sys.path.insert(0, str(HERE.parent))  # the package from this checkout, installed or not
sys.path.insert(0, str(HERE))

from faultproxy import FaultProxy  # noqa: E402

STACK_TIMEOUT_S = float(os.environ.get("SLICEWISE_STACK_TIMEOUT_S", "300"))


@dataclass
class Stack:
    url: str
    project: str
    project_id: str
    dataset: str
    v1_id: str
    v1_hash: str
    v2_id: str
    v2_hash: str
    read_token: str
    write_token: str
    other_team_token: str
    storage_dir: str

    def spec(self, ref: str) -> str:
        return f"{self.project}/{self.dataset}@{ref}"

    def gql(self, query: str, variables: dict | None = None, token: str | None = None) -> dict:
        req = urllib.request.Request(
            f"{self.url}/graphql",
            data=json.dumps({"query": query, "variables": variables or {}}).encode(),
            headers={"content-type": "application/json", "authorization": f"Bearer {token or self.read_token}"},
        )
        with urllib.request.urlopen(req) as r:
            body = json.loads(r.read())
        if body.get("errors"):
            raise AssertionError(f"GraphQL errors: {body['errors']}")
        return body["data"]

    def move_tag(self, tag: str, version_id: str) -> None:
        d = self.gql("mutation($v: ID!, $n: String!) { moveDatasetTag(datasetVersionId: $v, name: $n) { userErrors { message } } }", {"v": version_id, "n": tag}, self.write_token)
        assert d["moveDatasetTag"]["userErrors"] == []


@pytest.fixture(scope="session")
def stack():
    node = os.environ.get("SLICEWISE_NODE") or shutil.which("node")
    assert node, "the Python client's tests start the real API with Node: put node on PATH or set SLICEWISE_NODE"
    log = tempfile.NamedTemporaryFile("w+", prefix="slicewise-pytest-stack-", suffix=".log", delete=False)
    env = {**os.environ, "TSX_TSCONFIG_PATH": str(REPO / "apps/api/tsconfig.json")}
    proc = subprocess.Popen([node, "--import", "tsx", str(HERE / "stack.ts")], cwd=REPO, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, text=True)
    line: list[str] = []
    reader = threading.Thread(target=lambda: line.append(proc.stdout.readline()), daemon=True)
    reader.start()
    reader.join(STACK_TIMEOUT_S)
    if not line or not line[0].strip():
        proc.kill()
        log.seek(0)
        raise RuntimeError(f"the test stack did not start within {STACK_TIMEOUT_S:.0f} s (exit {proc.poll()}):\n{log.read()[-4000:]}")
    j = json.loads(line[0])
    try:
        yield Stack(
            url=j["url"],
            project=j["project"],
            project_id=j["projectId"],
            dataset=j["dataset"],
            v1_id=j["versions"]["v1"]["id"],
            v1_hash=j["versions"]["v1"]["manifestHash"],
            v2_id=j["versions"]["v2"]["id"],
            v2_hash=j["versions"]["v2"]["manifestHash"],
            read_token=j["readToken"],
            write_token=j["writeToken"],
            other_team_token=j["otherTeamToken"],
            storage_dir=j["storageDir"],
        )
    finally:
        proc.stdin.close()  # the stack tears itself down when its stdin closes
        try:
            proc.wait(90)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
        os.unlink(log.name)


@pytest.fixture
def proxy(stack):
    p = FaultProxy(stack.url)
    yield p
    p.close()


@pytest.fixture(scope="session")
def pulled_v2(stack, tmp_path_factory):
    """A folder holding v2 (4 volumes), pulled once for the read-only tests (load, torch)."""
    import slicewise

    out = tmp_path_factory.mktemp("pulled") / "v2"
    slicewise.pull(stack.spec("v2"), out, token=stack.read_token, api=stack.url, quiet=True)
    return out
