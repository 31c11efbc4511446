"""Apply a model's condition calibration (metadata.json `calibration`): requested feature vector -> the vector fed
to the denoiser. Reference implementation; packages/conditioning/src/calibration.ts is the same algorithm, checked
against packages/conditioning/fixtures/calibration.json (scripts/gen_calibration_fixtures.py) by vitest and pytest.

Why: a model's generated tumours are not the size it was asked for (sbldm-phantom-64-fast made tumours ~1.9x the
requested volume); `calibrate` (sbldm/calibrate.py) measures the monotone relation requested -> generated on
TRAINING-split conditions and inverts it, so feeding `fed` yields about `requested`.

The block (space "normalised": values in the model's normalised feature units, conditioning.feature_names):
  format "slicewise-condition-calibration", version (int, bumped on every refit), method, fitted_on, effect
  maps:  { <feature>: { requested: [r_0 < r_1 < ... < r_k] (strictly increasing, k >= 1), fed: [f_0 <= ... <= f_k] } }
  rules: [ { target, op: "scale_by_ratio_power", source, exponent } ]   (applied in order, after the maps)
  interpolation "linear", extrapolation "clamp", empty_condition "unchanged"
Application, per requested vector v (finite numbers, one per feature name):
  1. if v[voxel_volume] == 0 (no tumour: the empty / null condition) the vector is returned unchanged;
  2. every mapped feature: fed = piecewise-linear interpolation between the knots; below r_0 -> f_0, above
     r_k -> f_k (clamped); segment search: the first i with x <= r_{i+1}; t = (x - r_i) / (r_{i+1} - r_i);
     fed = f_i + t * (f_{i+1} - f_i)  (float64, this exact expression in both languages);
  3. every rule, in order: fed[target] = v[target] * (fed[source] / v[source]) ** exponent  (the source must be
     mapped, the target must not be; v[source] > 0 is guaranteed by step 1 for voxel_volume). With exponents
     2/3 (surface area) and 1/3 (extents) a rule scales the requested tumour like a similar shape of the fed
     volume: sphericity and centroid stay as requested, so the fed vector stays internally consistent;
  4. features with neither a map nor a rule pass unchanged.
"""
from __future__ import annotations

import math

CALIBRATION_FORMAT = "slicewise-condition-calibration"
RULE_OPS = ("scale_by_ratio_power",)
EMPTY_FEATURE = "voxel_volume"


class CalibrationError(ValueError):
    """Invalid calibration block or input vector; the message names the field, the value and what is allowed."""


def _finite(x):
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def validate_calibration(cal, feature_names):
    """Returns a list of issues ("path: message"); empty when valid. Mirrors packages/models validateCalibration."""
    issues = []
    if not isinstance(cal, dict):
        return [f"calibration: must be an object, got {cal!r:.60}"]
    if cal.get("format") != CALIBRATION_FORMAT:
        issues.append(f"calibration.format: must be {CALIBRATION_FORMAT!r}, got {cal.get('format')!r}")
    v = cal.get("version")
    if not (isinstance(v, int) and not isinstance(v, bool) and v >= 1):
        issues.append(f"calibration.version: must be an integer >= 1, got {v!r}")
    if cal.get("space") != "normalised":
        issues.append(f"calibration.space: must be 'normalised', got {cal.get('space')!r}")
    for k, allowed in (("interpolation", "linear"), ("extrapolation", "clamp"), ("empty_condition", "unchanged")):
        if cal.get(k) != allowed:
            issues.append(f"calibration.{k}: must be {allowed!r}, got {cal.get(k)!r}")
    maps = cal.get("maps")
    if not isinstance(maps, dict) or not maps:
        issues.append(f"calibration.maps: must be a non-empty object of feature -> knots, got {maps!r:.60}")
        maps = {}
    for name, m in maps.items():
        p = f"calibration.maps.{name}"
        if name not in feature_names:
            issues.append(f"{p}: unknown feature {name!r}, allowed: {', '.join(feature_names)}")
        if not isinstance(m, dict):
            issues.append(f"{p}: must be an object with 'requested' and 'fed', got {m!r:.60}")
            continue
        r, f = m.get("requested"), m.get("fed")
        if not (isinstance(r, list) and len(r) >= 2 and all(_finite(x) for x in r)):
            issues.append(f"{p}.requested: must be an array of >= 2 finite numbers, got {r!r:.80}")
            continue
        if not (isinstance(f, list) and len(f) == len(r) and all(_finite(x) for x in f)):
            issues.append(f"{p}.fed: must be an array of {len(r)} finite numbers (one per requested knot), got {f!r:.80}")
            continue
        for i in range(1, len(r)):
            if not r[i] > r[i - 1]:
                issues.append(f"{p}.requested[{i}]: knots must be strictly increasing, got {r[i]} after {r[i - 1]}")
                break
        for i in range(1, len(f)):
            if f[i] < f[i - 1]:
                issues.append(f"{p}.fed[{i}]: must be non-decreasing (a monotone map), got {f[i]} after {f[i - 1]}")
                break
    rules = cal.get("rules", [])
    if not isinstance(rules, list):
        issues.append(f"calibration.rules: must be an array, got {rules!r:.60}")
        rules = []
    for i, rule in enumerate(rules):
        p = f"calibration.rules[{i}]"
        if not isinstance(rule, dict):
            issues.append(f"{p}: must be an object, got {rule!r:.60}")
            continue
        if rule.get("op") not in RULE_OPS:
            issues.append(f"{p}.op: must be one of {', '.join(RULE_OPS)}, got {rule.get('op')!r}")
        tgt, src = rule.get("target"), rule.get("source")
        if tgt not in feature_names:
            issues.append(f"{p}.target: must be a feature name ({', '.join(feature_names)}), got {tgt!r}")
        elif tgt in maps:
            issues.append(f"{p}.target: {tgt!r} already has a map; a feature is either mapped or derived")
        if src not in maps:
            issues.append(f"{p}.source: must be a mapped feature ({', '.join(maps) or 'none'}), got {src!r}")
        if not _finite(rule.get("exponent")):
            issues.append(f"{p}.exponent: must be a finite number, got {rule.get('exponent')!r}")
    if maps and EMPTY_FEATURE not in feature_names:
        issues.append(f"calibration: the model's features must include {EMPTY_FEATURE!r} (empty-condition rule)")
    return issues


def interpolate(x, requested, fed):
    """Piecewise-linear between knots, clamped outside. -> (value, clamped: bool)."""
    if x <= requested[0]:
        return float(fed[0]), x < requested[0]
    k = len(requested) - 1
    if x >= requested[k]:
        return float(fed[k]), x > requested[k]
    i = 0
    while not x <= requested[i + 1]:
        i += 1
    t = (x - requested[i]) / (requested[i + 1] - requested[i])
    return fed[i] + t * (fed[i + 1] - fed[i]), False


def apply_calibration(vector, calibration, feature_names):
    """-> dict(fed=[float], requested=[float], applied=[{feature, requested, fed, via}], clamped=[feature],
    unchanged_reason=None | 'empty_condition', version=int). Raises CalibrationError on a bad block or vector."""
    issues = validate_calibration(calibration, feature_names)
    if issues:
        raise CalibrationError("; ".join(issues))
    if len(vector) != len(feature_names) or not all(_finite(x) for x in vector):
        raise CalibrationError(f"vector: must be {len(feature_names)} finite numbers ({', '.join(feature_names)}), "
                               f"got {list(vector)!r:.120}")
    req = [float(x) for x in vector]
    fed = list(req)
    out = dict(fed=fed, requested=req, applied=[], clamped=[], unchanged_reason=None, version=calibration["version"])
    idx = {n: i for i, n in enumerate(feature_names)}
    if req[idx[EMPTY_FEATURE]] == 0:
        out["unchanged_reason"] = "empty_condition"
        return out
    for name, m in calibration["maps"].items():
        i = idx[name]
        fed[i], clamped = interpolate(req[i], m["requested"], m["fed"])
        out["applied"].append(dict(feature=name, requested=req[i], fed=fed[i], via="map"))
        if clamped:
            out["clamped"].append(name)
    for rule in calibration.get("rules", []):
        t, s = idx[rule["target"]], idx[rule["source"]]
        if req[s] == 0:  # only reachable for a source other than voxel_volume: no ratio, leave the target
            continue
        fed[t] = req[t] * (fed[s] / req[s]) ** rule["exponent"]
        out["applied"].append(dict(feature=rule["target"], requested=req[t], fed=fed[t], via="rule"))
    return out
