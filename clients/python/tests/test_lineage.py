"""register_training_run and trace against the real API."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import slicewise

CLIENT_DIR = Path(__file__).resolve().parents[1]


def test_a_training_run_is_registered_against_the_pulled_version(stack, tmp_path):
    out = tmp_path / "v1"
    slicewise.pull(stack.spec("v1"), out, token=stack.read_token, api=stack.url, quiet=True)
    run = slicewise.register_training_run(out, name="unet-baseline", url="https://tracker.example.org/runs/1", metadata={"lr": 0.001, "steps": 5}, token=stack.write_token, api=stack.url)
    assert run["name"] == "unet-baseline" and run["metadata"] == {"lr": 0.001, "steps": 5}
    assert [(v["id"], v["manifestHash"]) for v in run["datasetVersions"]] == [(stack.v1_id, stack.v1_hash)]
    # lineage both ways: the version knows the run
    d = stack.gql("query($v: ID!) { datasetVersion(id: $v) { trainingRuns { id name url } } }", {"v": stack.v1_id})
    assert {"id": run["id"], "name": "unet-baseline", "url": "https://tracker.example.org/runs/1"} in d["datasetVersion"]["trainingRuns"]
    # two folders of the same project in one run, through the CLI
    out2 = tmp_path / "v2"
    slicewise.pull(stack.spec("v2"), out2, token=stack.read_token, api=stack.url, quiet=True)
    cli = subprocess.run(
        [sys.executable, "-m", "slicewise", "register-run", str(out), str(out2), "--name", "both", "--metadata", '{"seed": 1}'],
        cwd=CLIENT_DIR,
        env={**os.environ, "SLICEWISE_API_URL": stack.url, "SLICEWISE_TOKEN": stack.write_token},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert cli.returncode == 0, cli.stderr
    assert sorted(v["manifestHash"] for v in json.loads(cli.stdout)["datasetVersions"]) == sorted([stack.v1_hash, stack.v2_hash])


def test_registering_needs_a_generate_token_and_valid_input(stack, tmp_path):
    out = tmp_path / "v1"
    slicewise.pull(stack.spec("v1"), out, token=stack.read_token, api=stack.url, quiet=True)
    with pytest.raises(slicewise.ForbiddenError) as e:
        slicewise.register_training_run(out, name="r", token=stack.read_token, api=stack.url)
    assert e.value.exit_code == 3 and e.value.code == "FORBIDDEN"
    with pytest.raises(slicewise.BadInputError, match='url = "not a url": must be a URL') as e:
        slicewise.register_training_run(out, name="r", url="not a url", token=stack.write_token, api=stack.url)
    assert e.value.user_errors[0]["field"] == ["input", "url"] and e.value.exit_code == 2
    with pytest.raises(slicewise.UsageError, match="has no slicewise.lock"):
        slicewise.register_training_run(tmp_path, name="r", token=stack.write_token, api=stack.url)
    with pytest.raises(slicewise.UsageError, match="name must be a non-empty string"):
        slicewise.register_training_run(out, name=" ", token=stack.write_token, api=stack.url)


def test_trace_answers_where_a_pulled_file_came_from(stack, tmp_path):
    out = tmp_path / "v1"
    slicewise.pull(stack.spec("v1"), out, token=stack.read_token, api=stack.url, quiet=True)
    entry = slicewise.load(out)[0]
    hits = slicewise.trace(entry["image"], token=stack.read_token, url=stack.url)
    assert len(hits) == 1
    h = hits[0]
    assert h["file"] == {"sha256": entry["image_sha256"], "kind": "image", "volumeId": entry["provenance_id"], "subjectIndex": entry["subject_index"]}
    assert {v["manifestHash"] for v in h["datasetVersions"]} == {stack.v1_hash, stack.v2_hash}
    assert h["cohort"]["seed"] == "1234" and h["model"]["name"] == "tiny-random"
    assert h["condition"]["requested"]["vector"] == entry["requested"]
    assert h["generation"]  # the worker's record: worker, execution provider, timings
    assert slicewise.trace(entry["label_sha256"], token=stack.read_token, api=stack.url)[0]["file"]["kind"] == "mask"
    with pytest.raises(slicewise.NotFoundError):
        slicewise.trace(entry["image"], token=stack.other_team_token, api=stack.url)
    with pytest.raises(slicewise.NotFoundError):
        slicewise.trace("f" * 64, token=stack.read_token, api=stack.url)
    with pytest.raises(slicewise.UsageError, match="neither a file nor a sha256"):
        slicewise.trace(str(tmp_path / "missing.nii.gz"), token=stack.read_token, api=stack.url)
    cli = subprocess.run(
        [sys.executable, "-m", "slicewise", "trace", entry["image"], "--api", stack.url, "--token", stack.read_token],
        cwd=CLIENT_DIR, capture_output=True, text=True, timeout=60,
    )
    assert cli.returncode == 0 and "model tiny-random" in cli.stdout and "seed 1234" in cli.stdout
