"""The Python canonical JSON is byte for byte @slicewise/datasets' (the version hash depends on it): checked
against the TypeScript implementation on tricky numbers, strings and key orders."""

from __future__ import annotations

import json
import math
import os
import random
import shutil
import struct
import subprocess
from pathlib import Path

import pytest

from slicewise.canonical import CanonicalJsonError, canonical_json, js_number
from slicewise.manifest import manifest_sha256, parse_manifest

REPO = Path(__file__).resolve().parents[3]


def node_canonical(value_json: str) -> str:
    node = os.environ.get("SLICEWISE_NODE") or shutil.which("node")
    script = "import { canonicalJson } from '@slicewise/datasets'; import fs from 'node:fs'; process.stdout.write(canonicalJson(JSON.parse(fs.readFileSync(0, 'utf8'))));"
    r = subprocess.run([node, "--import", "tsx", "--input-type=module", "-e", script], cwd=REPO, input=value_json.encode(), capture_output=True, timeout=60)
    assert r.returncode == 0, r.stderr.decode()
    return r.stdout.decode("utf-8")


def test_numbers_strings_and_key_order_match_the_typescript_canonical_json():
    rng = random.Random(7)
    doubles = [struct.unpack("<d", struct.pack("<Q", rng.getrandbits(64)))[0] for _ in range(3000)]
    doubles = [d for d in doubles if math.isfinite(d)]
    doubles += [rng.uniform(-1e6, 1e6) for _ in range(1000)] + [rng.uniform(0, 1) * 10 ** rng.randint(-12, 25) for _ in range(1000)]
    edge = [0.0, -0.0, 1.0, -1.5, 1e21, 1e20, 123456789012345680000.0, 1e-7, 1.5e-7, 1e-6, 0.1 + 0.2, 5e-324, 1.7976931348623157e308, 2.0**53, 2**53 + 1, 2**64, -(2**70), 12, 0]
    strings = ["plain", 'quote " backslash \\ slash /', "\b\f\n\r\t", "".join(chr(c) for c in range(32)), "\x7f é ñ 中文 \u2028 \u2029", "\ud83d\ude00 emoji", "lone \ud800 surrogate", ""]
    keys = {"b": 1, "a": 2, "B": 3, "é": 4, "\ud83d\ude00": 5, "\uffff": 6, "aa": 7, "": 8, "10": 9, "9": 10}
    value = {"numbers": doubles + edge, "strings": strings, "keys": keys, "nested": [{"z": [True, False, None]}, {"y": {"x": []}}]}
    # json.dumps keeps lone surrogates as \ud800 escapes, which JSON.parse reads back as the same code unit
    text = json.dumps(value)
    assert canonical_json(json.loads(text)) == node_canonical(text)


def test_manifest_hash_is_independent_of_key_order_and_refuses_what_json_cannot_hold():
    m = {"schema": "slicewise-dataset-manifest/1", "projectId": "p", "cohorts": [], "volumes": [], "files": [], "totals": {"bytes": 0, "files": 0, "volumes": 0}}
    reordered = dict(reversed(list(m.items())))
    assert manifest_sha256(m) == manifest_sha256(reordered)
    assert js_number(1.0) == "1" and js_number(-0.0) == "0" and js_number(1e-7) == "1e-7"
    with pytest.raises(CanonicalJsonError, match=r"\$.x: number nan is not finite"):
        canonical_json({"x": float("nan")})
    with pytest.raises(CanonicalJsonError, match="set cannot be written"):
        canonical_json({"x": {1, 2}})


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda m: m["files"][0].update(path="images/../../etc/passwd"), "files\\[0\\].path must be images/<name>"),
        (lambda m: m["files"][0].update(path="/etc/passwd"), "files\\[0\\].path must be images/<name>"),
        (lambda m: m["files"][0].update(sha256="XYZ"), "sha256 must be 64 lowercase hex"),
        (lambda m: m["files"][0].update(bytes=True), "bytes must be a non-negative integer"),
        (lambda m: m["files"].append(dict(m["files"][0])), "appears twice"),
        (lambda m: m.update(schema="other/1"), "schema must be"),
        (lambda m: m["volumes"][0].update(image="images/unknown.nii.gz"), "refers to a file that files does not list"),
    ],
)
def test_a_malformed_or_hostile_manifest_is_refused(change, message):
    from slicewise.errors import VerificationError

    m = {
        "schema": "slicewise-dataset-manifest/1",
        "cohorts": [],
        "files": [
            {"path": "images/a_image.nii.gz", "sha256": "0" * 64, "bytes": 3, "kind": "image", "volumeId": "v"},
            {"path": "masks/a_mask.nii.gz", "sha256": "1" * 64, "bytes": 3, "kind": "mask", "volumeId": "v"},
        ],
        "volumes": [{"id": "v", "image": "images/a_image.nii.gz", "mask": "masks/a_mask.nii.gz"}],
    }
    parse_manifest(m)
    change(m)
    with pytest.raises(VerificationError, match=message):
        parse_manifest(m)
