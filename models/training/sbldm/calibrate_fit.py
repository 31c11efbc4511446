"""Calibration step 3 (see sbldm/calibrate.py): the monotone fit of generated against fed tumour volume, and the
fed vectors the fit is measured on (requested volume scaled, the similar-shape rules applied to the rest)."""
from __future__ import annotations

import numpy as np


def pav(y, w):
    """Isotonic (non-decreasing) least-squares fit of y with weights w: pool adjacent violators.
    -> fitted values, one per input."""
    blocks = []  # [mean, weight, count]
    for yi, wi in zip(map(float, y), map(float, w)):
        blocks.append([yi, wi, 1])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            m2, w2, c2 = blocks.pop()
            m1, w1, c1 = blocks.pop()
            blocks.append([(m1 * w1 + m2 * w2) / (w1 + w2), w1 + w2, c1 + c2])
    out = []
    for m, _, c in blocks:
        out += [m] * c
    return np.asarray(out)


FIT_METHODS = {
    "median": ("isotonic regression (pool-adjacent-violators, weighted by bin counts) of the log median generated "
               "voxel_volume at the median fed voxel_volume over equal-count bins of training-split samples, inverted at "
               "the bin knots: the MEDIAN generated / requested volume ratio becomes 1"),
    "mean_corrected": ("the 'median' curve scaled by the mean ratio of every sample's generated volume to it, inverted at "
                       "the bin knots: the MEAN generated / requested volume ratio becomes 1"),
    "mean": ("isotonic regression (pool-adjacent-violators, weighted by bin counts) of the mean generated on the mean fed "
             "voxel_volume over equal-count bins of training-split samples, inverted at the bin knots"),
}


def fit_volume_map(fed, generated, n_bins=14, method="median"):
    """fed, generated: voxel_volume per calibration sample -> dict(requested=[...], fed=[...], bins=[...], ...).
    Knots: fed = the bin's fed volume (median; mean for 'mean'), requested = the fitted generated volume there
    (strictly increasing after merging bins that the isotonic fit pooled).
    Why 'median' is the default (measured on the training-split samples of sbldm-phantom-64-fast): generated volumes
    scatter around the fitted curve with a heavy right tail (generated / curve: median 0.98, mean 1.76): a few samples
    are blobs several times the request. Arithmetic bin means ('mean', the first fit) follow those blobs and the
    isotonic fit pools most bins (4 knots, small requests all clamped); matching the mean ('mean_corrected') would
    shrink the typical tumour to about 57% of the request. 'median' makes the typical tumour the requested size; the
    QC volume tolerance regenerates the tail."""
    if method not in FIT_METHODS:
        raise ValueError(f"fit method must be one of {', '.join(FIT_METHODS)}, got {method!r}")
    fed, generated = np.asarray(fed, np.float64), np.asarray(generated, np.float64)
    order = np.argsort(fed, kind="stable")
    groups = [g for g in np.array_split(order, n_bins) if len(g)]
    cnt = np.array([len(g) for g in groups], np.float64)
    scale = 1.0
    if method == "mean":
        x = np.array([fed[g].mean() for g in groups])
        y = np.array([generated[g].mean() for g in groups])
        yf = pav(y, cnt)
    else:
        x = np.array([np.median(fed[g]) for g in groups])
        y = np.array([np.median(generated[g]) for g in groups])
        yf = np.exp(pav(np.log(np.maximum(y, 1e-6)), cnt))
    curve = np.interp(fed, x, yf)  # piecewise linear in fed, clamped at the end bins
    resid = generated / curve  # generated = curve(fed) * r: the spread the calibration cannot remove
    if method == "mean_corrected":
        scale = float(np.mean(resid))
        yf = yf * scale
    knots_r, knots_f, knots_n = [], [], []
    for xi, yi, ni in zip(x, yf, cnt):
        yi = round(float(yi), 6)  # knots are written with 6 decimals: compare what is written
        if knots_r and yi <= knots_r[-1]:  # pooled by PAV: merge into one knot at the pooled fed value
            n0 = knots_n[-1]
            knots_f[-1] = (knots_f[-1] * n0 + xi * ni) / (n0 + ni)
            knots_n[-1] = n0 + ni
        else:
            knots_r.append(yi)
            knots_f.append(float(xi))
            knots_n.append(float(ni))
    bins = [dict(fed=float(a), generated=float(b), fitted=float(c), n=int(d)) for a, b, c, d in zip(x, y, yf, cnt)]
    return dict(requested=knots_r, fed=[round(v, 6) for v in knots_f], knot_counts=[int(v) for v in knots_n], bins=bins,
                method=method, scale=scale,
                residual_ratio=dict(mean=float(resid.mean()), median=float(np.median(resid)),
                                    p10=float(np.percentile(resid, 10)), p90=float(np.percentile(resid, 90)),
                                    note="generated / fitted curve at the fed volume, training-split samples: the spread "
                                         "that remains after calibration; mean > median = a right tail of very large blobs"))


def scaled_vector(v, s, v_min, v_max):
    """The requested vector v with its volume scaled by s (clipped to [v_min, v_max]) and the similar-shape rules."""
    f = np.array(v, np.float64)
    vol = float(np.clip(v[0] * s, v_min, v_max))
    ratio = vol / v[0]
    f[0] = vol
    f[1] = v[1] * ratio ** (2.0 / 3.0)
    f[6:9] = np.asarray(v[6:9]) * ratio ** (1.0 / 3.0)
    return f
