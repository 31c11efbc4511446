"""The sampler study's bookkeeping (sbldm/sampler_study.py): aggregation, the noise band and the
within-noise rule. The study itself runs on a trained model (minutes to hours); see its docstring."""
from __future__ import annotations

import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
from sbldm.sampler_study import aggregate, band_of, setting, within  # noqa: E402


def _rows(meas, errs, dices, nonempty=None):
    nonempty = nonempty or [True] * len(meas)
    return [dict(measured_volume=v, centroid_err_vox=e, brain_dice=d, nonempty=n, image_mad_vs_ddim50=0.1,
                 mask_dice_vs_ddim50=0.9, latent_rel_rms_vs_ddim50=0.2)
            for v, e, d, n in zip(meas, errs, dices, nonempty)]


def test_aggregate_metrics():
    req = np.array([[0.1] + [0.5] * 8, [0.2] + [0.5] * 8, [0.3] + [0.5] * 8])
    agg = aggregate(req, _rows([0.2, 0.4, 0.3], [1.0, 3.0, None], [0.7, 0.8, 0.9], [True, True, False]), W=64)
    assert agg["n"] == 3
    assert abs(agg["spearman_rho_volume"] - 0.5) < 1e-12  # ranks (1, 3, 2) vs (1, 2, 3)
    assert abs(agg["centroid_err_pct_fov_mean"] - 2.0 / 64 * 100) < 1e-12  # empty masks have no centroid
    assert abs(agg["volume_ratio"] - 0.3 / 0.2) < 1e-12
    assert abs(agg["brain_dice_mean"] - 0.8) < 1e-12
    assert abs(agg["fraction_with_tumour"] - 2 / 3) < 1e-12
    assert agg["mask_dice_vs_ddim50"] == 0.9


def test_band_and_within_noise():
    seeds = [dict(spearman_rho_volume=0.80, centroid_err_pct_fov_mean=3.0, volume_ratio=1.9, brain_dice_mean=0.76),
             dict(spearman_rho_volume=0.86, centroid_err_pct_fov_mean=2.5, volume_ratio=2.0, brain_dice_mean=0.75),
             dict(spearman_rho_volume=0.83, centroid_err_pct_fov_mean=2.8, volume_ratio=1.8, brain_dice_mean=0.77)]
    band = band_of(seeds)
    assert np.allclose([band[k] for k in ("spearman_rho_volume", "centroid_err_pct_fov_mean", "volume_ratio", "brain_dice_mean")],
                       [0.06, 0.5, 0.2, 0.02])
    ref = dict(seeds[0], fraction_with_tumour=1.0)
    ok = within(dict(ref, spearman_rho_volume=0.75, fraction_with_tumour=29 / 30), ref, band, n=30)
    assert ok["spearman_rho_volume"] and ok["fraction_with_tumour"]
    bad = within(dict(ref, spearman_rho_volume=0.73, brain_dice_mean=0.73, fraction_with_tumour=28 / 30), ref, band, n=30)
    assert not bad["spearman_rho_volume"] and not bad["brain_dice_mean"] and not bad["fraction_with_tumour"]
    assert bad["centroid_err_pct_fov_mean"] and bad["volume_ratio"]


def test_setting_keys_name_the_settings():
    assert setting("unipc", 10, "trailing", (200, 999))["key"] == "unipc-10-trailing-200_999"
    assert setting("ddim", 50, "leading", None, "-seed1")["key"] == "ddim-50-leading-full-seed1"
