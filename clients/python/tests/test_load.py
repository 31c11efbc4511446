"""slicewise.load: MONAI datalist entries with conditions and provenance, from a pulled folder."""

from __future__ import annotations

import json
import math
import os
import shutil

import pytest

import slicewise


def test_load_gives_monai_datalist_entries_with_conditions_and_provenance(pulled_v2):
    entries = slicewise.load(pulled_v2)
    manifest = json.loads((pulled_v2 / "manifest.json").read_bytes())
    assert len(entries) == len(manifest["volumes"]) == 4
    for e, v in zip(entries, manifest["volumes"]):
        assert e["image"] == str(pulled_v2 / v["image"]) and os.path.isfile(e["image"])
        assert e["label"] == str(pulled_v2 / v["mask"]) and os.path.isfile(e["label"])
        assert e["requested"] == v["requestedCondition"]["vector"] and len(e["requested"]) == len(slicewise.FEATURE_NAMES)
        assert e["measured"] == v["measuredCondition"]["vector"]
        assert all(math.isfinite(x) for x in e["requested"] + e["measured"])
        assert e["provenance_id"] == v["id"] and e["subject_index"] == v["subjectIndex"]
        # MONAI's load_decathlon_datalist joins "image"/"label" under base_dir: absolute paths stay as they are
        assert os.path.normpath(os.path.join("/some/base", e["image"])) == e["image"]
    # the same image/label pairs as the datalist.json MONAI would read from the folder
    datalist = json.loads((pulled_v2 / "datalist.json").read_text())["training"]
    assert [(str(pulled_v2 / d["image"]), str(pulled_v2 / d["label"])) for d in datalist] == [(e["image"], e["label"]) for e in entries]
    assert slicewise.load(pulled_v2, check="sha256") == entries


def test_load_refuses_a_folder_with_missing_or_truncated_files(pulled_v2, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(pulled_v2, copy)
    files = json.loads((copy / "manifest.json").read_bytes())["files"]
    (copy / files[0]["path"]).unlink()
    with open(copy / files[1]["path"], "r+b") as fh:
        fh.truncate(10)
    with pytest.raises(slicewise.VerificationError) as e:
        slicewise.load(copy)
    assert {(f.path, f.reason.split(" ")[0]) for f in e.value.failures} == {(files[0]["path"], "missing"), (files[1]["path"], "size")}
    assert len(slicewise.load(copy, check="none")) == 4
    with pytest.raises(slicewise.UsageError, match="check must be"):
        slicewise.load(copy, check="fast")
    with pytest.raises(slicewise.VerificationError, match="no manifest"):
        slicewise.load(tmp_path)
