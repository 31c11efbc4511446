"""Condition calibration (sbldm/calibration.py) and QC measurements (sbldm/qc.py) against the parity fixtures shared
with TypeScript (packages/conditioning/fixtures/{calibration,qc}.json), plus the monotone fit of sbldm/calibrate.py."""
from __future__ import annotations

import json
import os
import sys

import numpy as np
import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
TRAINING = os.path.dirname(HERE)
REPO = os.path.normpath(os.path.join(TRAINING, "..", ".."))
sys.path.insert(0, TRAINING)
sys.path.insert(0, os.path.join(REPO, "packages", "conditioning", "scripts"))

from gen_fixtures import rle_decode, rle_encode  # noqa: E402
from sbldm.calibration import CalibrationError, apply_calibration, validate_calibration  # noqa: E402
from sbldm.qc import brain_from_image, brain_outline_dice, in_brain_percentiles, percentiles_linear  # noqa: E402

FIX = os.path.join(REPO, "packages", "conditioning", "fixtures")


def _load(name):
    with open(os.path.join(FIX, name)) as fh:
        return json.load(fh)


CAL = _load("calibration.json")
QC = _load("qc.json")


@pytest.mark.parametrize("case", CAL["cases"], ids=lambda c: c["name"])
def test_calibration_matches_fixture(case):
    r = apply_calibration(case["requested"], CAL["calibrations"][case["calibration"]], CAL["featureNames"])
    assert r["fed"] == case["fed"]  # the generator is this function: any change to it must regenerate the fixture
    assert r["clamped"] == case["clamped"] and r["unchanged_reason"] == case["unchangedReason"]
    assert [a["feature"] for a in r["applied"]] == case["appliedFeatures"]


@pytest.mark.parametrize("case", CAL["invalid"], ids=lambda c: c["name"])
def test_invalid_calibration_names_the_field(case):
    issues = validate_calibration(case["calibration"], CAL["featureNames"])
    assert any(i.startswith(case["issue_path"] + ":") for i in issues), issues
    with pytest.raises(CalibrationError):
        apply_calibration([0.3] * 9, case["calibration"], CAL["featureNames"])


def test_calibration_is_monotone_in_the_requested_volume():
    cal = CAL["calibrations"]["volume_with_similar_shape_rules"]
    base = [0.3, 0.4, 0.8, 0.5, 0.5, 0.5, 0.4, 0.4, 0.4]
    fed = [apply_calibration([v] + base[1:], cal, CAL["featureNames"])["fed"][0] for v in np.linspace(0.001, 1.2, 200)]
    assert np.all(np.diff(fed) >= 0)


def test_rules_keep_a_similar_shape():
    cal = CAL["calibrations"]["volume_with_similar_shape_rules"]
    v = [0.3, 0.4, 0.8, 0.5, 0.5, 0.5, 0.4, 0.3, 0.2]
    f = apply_calibration(v, cal, CAL["featureNames"])["fed"]
    ratio = f[0] / v[0]
    assert ratio < 1
    np.testing.assert_allclose(f[1] / v[1], ratio ** (2 / 3), rtol=1e-12)
    np.testing.assert_allclose(np.array(f[6:]) / np.array(v[6:]), ratio ** (1 / 3), rtol=1e-12)
    assert f[2:6] == v[2:6]  # sphericity (scale-invariant) and centroid stay as requested


def test_vector_errors_name_the_allowed_shape():
    cal = CAL["calibrations"]["volume_with_similar_shape_rules"]
    with pytest.raises(CalibrationError, match="vector: must be 9 finite numbers"):
        apply_calibration([0.1, 0.2], cal, CAL["featureNames"])


@pytest.mark.parametrize("case", QC["cases"], ids=lambda c: c["name"])
def test_qc_measurements_match_fixture(case):
    shape = tuple(case["shapeDhw"])
    img = np.asarray(case["image"], np.float32).reshape(shape)
    brain = rle_decode(case["brainMaskRle"], shape).astype(bool)
    assert rle_encode(brain_from_image(img, case["threshold"])) == case["outlineRle"]
    assert brain_outline_dice(img, brain, case["threshold"]) == case["dice"]
    assert in_brain_percentiles(img, brain, QC["percentiles"]) == case["percentiles"]
    tumour = rle_decode(case["tumourMaskRle"], shape)
    assert in_brain_percentiles(img, brain, QC["percentiles"], exclude_mask=tumour) == case["percentilesWithoutTumour"]


def test_percentiles_equal_numpy_linear():
    x = np.random.default_rng(0).normal(size=1001)
    p = [0, 1, 5, 33.3, 50, 95, 100]
    np.testing.assert_allclose(percentiles_linear(x, p), np.percentile(x, p), rtol=0, atol=1e-12)


def test_brain_outline_dice_matches_evaluate_definition():
    """evaluate.py's brain Dice is qc.brain_outline_dice: the same function object is used there."""
    from sbldm import evaluate, qc

    assert evaluate.brain_from_image is qc.brain_from_image


def test_pav_is_the_isotonic_least_squares_fit():
    from sbldm.calibrate import pav

    np.testing.assert_allclose(pav([1, 3, 2, 4], [1, 1, 1, 1]), [1, 2.5, 2.5, 4])
    np.testing.assert_allclose(pav([5, 1, 1], [1, 1, 2]), [2, 2, 2])  # weighted pool: (5 + 1 + 2) / 4
    y = pav(np.random.default_rng(1).normal(size=50), np.ones(50))
    assert np.all(np.diff(y) >= 0)


def test_fit_volume_map_inverts_a_known_inflation():
    """A model that makes tumours 2x the fed volume (with noise): the map must feed about half the request."""
    from sbldm.calibrate import fit_volume_map

    rng = np.random.default_rng(0)
    fed = np.exp(rng.uniform(np.log(0.01), np.log(0.6), 400))
    gen = 2.0 * fed * np.exp(rng.normal(0, 0.1, 400))
    fit = fit_volume_map(fed, gen, n_bins=12)
    cal = dict(format="slicewise-condition-calibration", version=1, space="normalised", method="test",
               interpolation="linear", extrapolation="clamp", empty_condition="unchanged", fitted_on={},
               maps=dict(voxel_volume=dict(requested=fit["requested"], fed=fit["fed"])), rules=[])
    assert validate_calibration(cal, CAL["featureNames"]) == []
    for r in (0.1, 0.3, 0.6):
        f = apply_calibration([r, 0.3, 0.8, 0.5, 0.5, 0.5, 0.3, 0.3, 0.3], cal, CAL["featureNames"])["fed"][0]
        assert abs(f / r - 0.5) < 0.08, (r, f)


def test_scaled_vector_keeps_the_shape_similar_and_inside_the_training_range():
    from sbldm.calibrate import scaled_vector

    v = np.array([0.4, 0.5, 0.8, 0.3, 0.6, 0.5, 0.4, 0.3, 0.2])
    f = scaled_vector(v, 0.125, 0.01, 1.0)
    np.testing.assert_allclose(f[0], 0.05)
    np.testing.assert_allclose(f[1], 0.5 * 0.25)
    np.testing.assert_allclose(f[6:], v[6:] * 0.5)
    assert list(f[2:6]) == list(v[2:6])
    assert scaled_vector(v, 0.001, 0.01, 1.0)[0] == 0.01 and scaled_vector(v, 5, 0.01, 1.0)[0] == 1.0


def test_realism_metrics_see_striping_and_blur():
    from sbldm.realism import realism_metrics

    rng = np.random.default_rng(0)
    real = [rng.normal(0, 0.3, (8, 8, 8)).astype(np.float32) for _ in range(4)]
    region = np.ones((8, 8, 8), bool)
    same = realism_metrics(real, real, region)
    assert same["intensity_w1"]["pooled"] == 0.0
    assert abs(same["continuity"]["axial"]["ratio"] - 1) < 1e-12
    striped = [r + np.where(np.arange(8)[:, None, None] % 2 == 0, 0.5, -0.5).astype(np.float32) for r in real]
    s = realism_metrics(striped, real, region)["continuity"]
    assert s["axial"]["ratio"] > 1.5 and abs(s["coronal"]["ratio"] - 1) < 1e-6 and s["axial_over_inplane"]["ratio"] > 1.5
    blurred = [0.2 * r for r in real]
    b = realism_metrics(blurred, real, region)
    assert all(b["continuity"][p]["ratio"] < 0.3 for p in ("axial", "coronal", "sagittal"))
    assert b["intensity_w1"]["pooled"] > 0.1


def test_restore_refuses_data_that_is_not_the_models_training_data():
    from sbldm.restore import RestoreError, check_data_matches

    meta = dict(conditioning=dict(normalisation=dict(max_voxel_count=14205.0, max_surface_area=4376.99)),
                training=dict(n_train=720))
    feat = np.zeros((3, 9))
    feat[:, 0], feat[:, 1] = [100, 14205, 5000], [10, 4376.99, 20]
    check_data_matches(meta, feat)  # the same maxima: accepted
    feat[1, 0] = 14000
    with pytest.raises(RestoreError, match="max_voxel_count is 14000.0, the model's metadata says 14205.0"):
        check_data_matches(meta, feat)


def test_a_tumour_covering_the_brain_leaves_no_tissue_and_fails_every_percentile():
    brain = np.zeros((4, 4, 4), bool)
    brain[1:3, 1:3, 1:3] = True
    img = np.zeros((4, 4, 4), np.float32)
    out = in_brain_percentiles(img, brain, [5, 50, 95], exclude_mask=brain.astype(np.uint8))
    assert len(out) == 3 and all(np.isnan(v) for v in out)
    with pytest.raises(ValueError, match="empty set"):
        in_brain_percentiles(img, np.zeros((4, 4, 4), bool), [50])  # an empty brain mask is still an error
