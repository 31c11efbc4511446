"""The sections of the model card (sbldm/model_card.py renders the whole card): each takes a part of metadata.json
or of an experiment's JSON and returns Markdown lines; numbers are formatted by `f`, never typed by hand."""
from __future__ import annotations


def f(v, nd=3):
    if v is None:
        return "n/a"
    if isinstance(v, float):
        return f"{v:.{nd}f}"
    return str(v)


TARGETS = dict(  # issue 14's targets for calibrated conditioning, held-out conditions
    generated_over_requested_volume_mean=("mean generated / requested volume", "in [0.9, 1.1]", lambda v: 0.9 <= v <= 1.1),
    volume_abs_rel_error_median=("median absolute relative volume error", "<= 0.20", lambda v: v <= 0.20),
    volume_abs_rel_error_p90=("p90 absolute relative volume error", "<= 0.50", lambda v: v <= 0.50),
    spearman_rho_volume=("Spearman rho, requested vs generated volume", ">= 0.85", lambda v: v >= 0.85),
    centroid_err_pct_fov_mean=("centroid error, % of FOV (mean)", "<= 3", lambda v: v <= 3.0),
    brain_outline_dice_mean=("brain-outline Dice vs coarse brain mask (mean)", ">= 0.80", lambda v: v >= 0.80),
)


SAMPLER_LABELS = dict(ddim="DDIM", ddpm="DDPM", dpmpp_2m="DPM-Solver++(2M)", unipc="UniPC (bh2, order 2)")


def met(v, check):
    return "n/a" if v is None else ("met" if check(v) else "**missed**")


def choice_section(meta, siblings):
    """Which model a user gets: purpose/default of this model against the other model folders, by measured metrics."""
    lines = ["## Which model a user gets", "",
             f"`purpose: \"{meta.get('purpose', 'n/a')}\"`, `default: {str(meta.get('default', False)).lower()}` in `metadata.json`. "
             "The platform offers the one model with `default: true` first and never offers a `test-fixture` in the web app. "
             "The choice follows the measured metrics of the model folders (same held-out conditions, uncalibrated unless "
             "the last column says otherwise):", "",
             "| model | purpose | default | UNet steps | rho volume | centroid err % FOV | brain Dice | generated / requested volume (calibrated) | s / volume |",
             "|---|---|---|---|---|---|---|---|---|"]
    for m in [meta] + [x for x in siblings if x["name"] != meta["name"]]:
        mm = m.get("metrics", {})
        a, b, sp = mm.get("conditioning_adherence", {}), mm.get("brain_outline_dice", {}), mm.get("sampling", {})
        cal = (m.get("calibration") or {}).get("effect", {}).get("held_out", {}).get("after")
        steps = m.get("training", {}).get("unet", {}).get("steps")
        ratio = (f(a["measured_volume_mean"] / a["requested_volume_mean"], 2) if a.get("requested_volume_mean") else "n/a")
        lines.append(f"| {m['name']} | {m.get('purpose', 'n/a')} | {str(m.get('default', False)).lower()} | "
                     f"{f'{steps:,}' if steps else 'n/a'} | {f(a.get('spearman_rho_volume'))} | {f(a.get('centroid_err_pct_fov_mean'), 1)} | "
                     f"{f(b.get('samples_vs_coarse_mean'))} | {ratio}"
                     + (f" ({f(cal['generated_over_requested_volume_mean'], 2)})" if cal else "")
                     + f" | {f(sp.get('wall_s_per_volume'), 1)} |")
    return lines + ["", "(generated / requested volume: ratio of the means without calibration; in brackets the mean of the "
                    "per-volume ratios with the declared calibration.)", ""]


def calibration_section(meta):
    cal = meta.get("calibration")
    if not cal:
        return []
    fo, eff = cal["fitted_on"], cal.get("effect", {}).get("held_out", {})
    sd = fo["sampler"]
    mp = cal["maps"]
    lines = ["## Condition calibration (`metadata.json` -> `calibration`)", "",
             f"Version {cal['version']}. {cal['method']}. Fitted on the TRAINING split only: {fo['n_conditions']} training conditions x "
             f"{fo['per_condition']} fed volumes ({fo['n_samples']} samples, fed / requested volume {fo['fed_scale_range'][0]}-"
             f"{fo['fed_scale_range'][1]}), sampled with {sd['sampler'].upper()} {sd['num_inference_steps']} steps, eta {sd['eta']}, "
             f"guidance {sd['guidance_scale']} (the sampler defaults), masks after `{fo['mask_postprocess']}`; UNet step "
             f"{fo['unet_step']:,}, code {str(fo['git_revision'])[:12]}.",
             "", f"Applied by the worker before the denoiser (`applyCalibration` of packages/conditioning, identical to "
             f"`sbldm/calibration.py`): {cal['application']}.", ""]
    for name, m in mp.items():
        lines += [f"Map `{name}` (requested -> fed): " + ", ".join(f"{f(r, 3)} -> {f(x, 3)}" for r, x in zip(m["requested"], m["fed"])) + "."]
    if cal.get("rules"):
        lines += ["", "Derived rules (so the fed vector stays one consistent tumour): "
                  + "; ".join(f"`{r['target']}` = requested x (fed / requested `{r['source']}`)^{f(r['exponent'], 3)}" for r in cal["rules"])
                  + ". Sphericity (scale-free) and the centroid are fed as requested."]
    if eff:
        bf, af = eff["before"], eff["after"]
        qp = eff.get("after_qc_passing") or {}
        lines += ["", f"Measured on {eff['n']} HELD-OUT conditions ({eff['conditions']}), same noise seeds before and after; "
                  "masks after the post-processing. `calibration.png`: requested vs generated volume, before and after, and the fit. "
                  f"Last column: the {qp.get('n', 'n/a')} volumes that pass the quality-control defaults (below) first time, an "
                  "estimate of what a team receives, since the worker regenerates failing volumes.", "",
                  "| quantity | before | after | target | after meets it | after, QC-passing |", "|---|---|---|---|---|---|"]
        for k, (label, goal, check) in TARGETS.items():
            lines.append(f"| {label} | {f(bf.get(k))} | {f(af.get(k))} | {goal} | {met(af.get(k), check)} | {f(qp.get(k))} |")
        lines += [f"| fraction of volumes with a tumour (>= 10 voxels) | {f(bf.get('fraction_with_tumour_ge10vox'), 2)} | "
                  f"{f(af.get('fraction_with_tumour_ge10vox'), 2)} | | | |", ""]
        rr = fo.get("residual_ratio")
        if rr:
            lines += [f"Why these targets are hard for this model: on the training-split fit samples the generated volume scatters "
                      f"around the fitted curve by a factor of {f(rr['p10'], 2)}-{f(rr['p90'], 2)} (p10-p90 of generated / curve, "
                      f"median {f(rr['median'], 2)}, mean {f(rr['mean'], 2)}): a monotone map removes the bias, not this spread"
                      + (", and the mean is pulled up by a few blobs many times the request" if rr["mean"] > 1.2 * rr["median"] else "")
                      + f". Fit statistic: `{fo.get('fit_method')}`"
                      + (" (the typical tumour gets the requested size; the QC volume tolerance regenerates the tail)."
                         if fo.get("fit_method") == "median" else "."), ""]
        lines += ["Per requested-size bin (voxel_volume, normalised):", "",
                  "| bin | n | ratio mean before | after | median abs rel error before | after | p90 before | after |",
                  "|---|---|---|---|---|---|---|---|"]
        for name, ab in af["by_size_bin"].items():
            bb = bf["by_size_bin"].get(name, {})
            rr = ab["requested_range"]
            lines.append(f"| {name} [{rr[0]}, {rr[1] if rr[1] is not None else 'max'}) | {ab['n']} | "
                         f"{f(bb.get('generated_over_requested_volume_mean'), 2)} | {f(ab['generated_over_requested_volume_mean'], 2)} | "
                         f"{f(bb.get('volume_abs_rel_error_median'), 2)} | {f(ab['volume_abs_rel_error_median'], 2)} | "
                         f"{f(bb.get('volume_abs_rel_error_p90'), 2)} | {f(ab['volume_abs_rel_error_p90'], 2)} |")
        lines += ["", "Per feature (normalised units): mean bias (measured - requested) and p95 of |measured - requested|:", "",
                  "| feature | bias before | bias after | p95 abs error before | after |", "|---|---|---|---|---|"]
        for name, fa in af["features"].items():
            fb = bf["features"].get(name, {})
            lines.append(f"| {name} | {f(fb.get('bias_mean'), 4)} | {f(fa['bias_mean'], 4)} | {f(fb.get('abs_err_p95'), 4)} | {f(fa['abs_err_p95'], 4)} |")
    return lines + [""]


def history_section(history):
    """Earlier calibration fits of this folder (calibration.json history): what each measured on held-out conditions."""
    if not history:
        return []
    lines = ["Earlier fits (replaced; same held-out conditions and noise):", "",
             "| version | fit | mean ratio | median ratio | median abs rel error | p90 | rho | centroid % FOV | small-bin ratio |",
             "|---|---|---|---|---|---|---|---|---|"]
    for h in history:
        a = h["held_out_after"]
        lines.append(f"| {h['version']} | {h['fit_method']} | {f(a.get('generated_over_requested_volume_mean'), 2)} | "
                     f"{f(a.get('generated_over_requested_volume_median'), 2)} | {f(a.get('volume_abs_rel_error_median'), 2)} | "
                     f"{f(a.get('volume_abs_rel_error_p90'), 2)} | {f(a.get('spearman_rho_volume'))} | {f(a.get('centroid_err_pct_fov_mean'), 1)} | "
                     f"{f(h.get('by_size_bin', {}).get('small'), 2)} |")
    return lines + [""]


def qc_section(meta):
    qc = meta.get("quality_control")
    if not qc:
        return []
    bo, it = qc["brain_outline"], qc["intensity"]
    lines = ["## Quality control defaults (`metadata.json` -> `quality_control`)", "",
             "What the worker checks on every generated volume (a cohort may override the tolerances); measured with "
             "`brainOutlineDice` / `inBrainPercentiles` of packages/conditioning (Python: `sbldm/qc.py`, parity fixture).", "",
             f"- tumour present: at least {qc['tumour_present']['min_voxels']} voxels after the mask post-processing;",
             f"- brain outline: Dice >= {bo['min_dice']} against `brain_mask` (image threshold {bo['image_threshold']}); basis: {bo['basis']};",
             f"- intensity percentiles {it['percentiles']} of the image in {it.get('region', 'brain_mask')} within " + ", ".join(f"[{f(lo, 3)}, {f(hi, 3)}]" for lo, hi in it["ranges"])
             + f"; basis: {it['basis']};",
             "- tolerances (|measured - requested|, normalised units; basis: p95 on held-out conditions after calibration): "
             + ", ".join(f"{k} {f(v['abs'], 4)}" for k, v in qc["tolerances"].items()) + "."]
    pr = qc.get("measured_pass_rate")
    if pr:
        lines += [f"- measured first-try pass rate on {pr['n']} held-out conditions after calibration: all checks {f(pr['all'], 2)} "
                  f"(tumour present {f(pr['tumour_present'], 2)}, tolerances {f(pr['tolerances_all'], 2)}, brain outline "
                  f"{f(pr['brain_outline'], 2)}, intensity {f(pr['intensity'], 2)}); a failing volume is regenerated with a derived seed."]
    return lines + [""]


def realism_rows(m):
    rl = m.get("realism")
    if not rl:
        return []
    w, c = rl["intensity_w1"], rl["continuity"]
    rows = [f"| intensity Wasserstein-1, generated vs real held-out (in coarse brain mask; pooled / per pair) | "
            f"{f(w['pooled'])} / {f(w['paired_mean'])} | lower; real vs real: {f(w.get('real_vs_real_halves'))} |"]
    for p in ("axial", "coronal", "sagittal"):
        rows.append(f"| continuity across {p} slices: mean |adjacent difference| generated / real | {f(c[p]['generated'], 4)} / "
                    f"{f(c[p]['real'], 4)} (ratio {f(c[p]['ratio'], 2)}) | ratio 1 |")
    rows.append(f"| axial roughness relative to in-plane, generated over real (> 1: slice striping) | {f(c['axial_over_inplane']['ratio'], 2)} | 1 |")
    return rows


def realism_section(doc):
    """experiments/realism.json (sbldm/realism_check.py): realism of what the worker delivers by default."""
    if not doc:
        return []
    sd = doc["sampler_defaults"]
    b = doc["brain_outline_dice"]
    return ["## Realism of what a team receives (default settings)", "",
            f"`python -m sbldm.realism_check` on the shipped weights: {doc['n']} held-out conditions, calibrated as the worker feeds them "
            f"(calibration v{doc.get('calibration_version')}), {SAMPLER_LABELS.get(sd['sampler'], sd['sampler'])} {sd['num_inference_steps']} steps, "
            f"guidance {sd['guidance_scale']}; real = the held-out phantoms whose features were requested.", "",
            "| quantity | value | reference |", "|---|---|---|",
            f"| brain-outline Dice vs coarse brain mask, generated / real | {f(b['generated_mean'])} / {f(b['real_mean'])} | goal >= 0.80 |",
            *realism_rows(dict(realism=doc["realism"])), ""]


def segmentation_section(seg):
    """The downstream experiment (sbldm/seg_experiment.py): held-out Dice per arm, mean and spread over seeds."""
    if not seg:
        return []
    sg, sy = seg["segmenter"], seg["synthetic"]
    lines = ["## Downstream: does synthetic data help segmentation? (the paper's experiment, in miniature)", "",
             f"A {sg['network']} ({sg['params']:,} parameters, {sg['grid']}), {sg['steps']} steps of batch {sg['batch']} per",
             f"training, {sg['loss']}; tumour Dice on {seg['held_out']['n']} held-out phantoms. Synthetic volumes: DDIM"
             f" {sy['sampler']['ddim_steps']} steps, guidance {sy['sampler']['guidance']}, UNet step {sy['unet_step']}, conditions ="
             f" {sy['conditions']}. `experiments/segmentation.png`; rerun with `python -m sbldm.seg_experiment`.", "",
             "| arm | real | synthetic | Dice mean over seeds | sd | per seed |", "|---|---|---|---|---|---|"]
    for a in seg["arms"]:
        lines.append(f"| {a['arm']} | {a['n_real']} | {a['n_synthetic']} | {f(a['dice_mean_over_seeds'])} | {f(a['dice_sd_over_seeds'])} | "
                     + ", ".join(f(s["dice_mean"]) for s in a["seeds"]) + " |")
    return lines + [""]


def sampler_study_section(study):
    """The quality-vs-calls study (sbldm/sampler_study.py): table, noise band, choices, recommendation."""
    if not study:
        return []
    ho, sw = study["held_out"], study["sweep"]
    band, nb = ho["noise_band"]["band"], ho["noise_band"]
    iv = sw["interval"]
    rec = study["recommended_sampler_defaults"]

    def name(st):
        label = {"ddim": "DDIM", "dpmpp_2m": "DPM-Solver++(2M)", "unipc": "UniPC"}[st["sampler"]]
        return f"{label} {st['steps']}"

    def interval(st):
        return "every step" if st["interval"] is None else f"[{st['interval'][0]}, {st['interval'][1]}]"

    lines = ["## Sampler study: quality against denoiser calls", "",
             f"`python -m sbldm.sampler_study` on the fp16 weights in `weights/`, {ho['conditions']['n']} held-out conditions (the first"
             f" {ho['conditions']['n']} of the evaluation above, same seed and subject streams, so DDIM 50 uses the same noise), guidance"
             f" {f(study['guidance_scale'], 1)}, {study['engine']}. A row is one [4, 64, 16, 16] latent through the denoiser; a guided"
             " call has two rows per volume (conditional and unconditional). 'vs DDIM 50': the difference to DDIM 50 from the same"
             " noise (mean |image difference| in the [-1, 1] range; tumour-mask Dice). For scale: two DDIM 50 samples of the same"
             f" condition from DIFFERENT noise differ by {f(nb['other_noise_image_mad'])} (mask Dice {f(nb['other_noise_mask_dice'], 2)}).", "",
             f"Within noise: |metric - DDIM 50| <= the range of that metric over DDIM 50 with seeds {', '.join(map(str, nb['seeds']))}"
             f" (rho {f(band['spearman_rho_volume'])}, centroid {f(band['centroid_err_pct_fov_mean'], 2)} % FOV, volume ratio"
             f" {f(band['volume_ratio'])}, brain Dice {f(band['brain_dice_mean'])}), and at most one tumour lost.", "",
             "| sampler, steps | spacing | guidance | calls | rows / volume | s / volume | rho | centroid % FOV | generated / requested volume"
             " | brain Dice | tumour present | vs DDIM 50: image | vs DDIM 50: mask Dice | within noise |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for x in sorted(ho["results"], key=lambda x: (x["setting"]["sampler"] != "ddim", x["setting"]["sampler"], x["setting"]["steps"],
                                                   x["setting"]["interval"] is not None)):
        st, mt = x["setting"], x["metrics"]
        is_ref = st["sampler"] == "ddim" and st["steps"] == 50 and st["interval"] is None
        lines.append(f"| {name(st)} | {st['spacing']} | {interval(st)} | {x['calls_per_volume']} | {x['rows_per_volume']:.0f} |"
                     f" {f(x['sample_s_per_volume'], 1)} | {f(mt['spearman_rho_volume'])} | {f(mt['centroid_err_pct_fov_mean'], 2)} |"
                     f" {f(mt['volume_ratio'], 2)} | {f(mt['brain_dice_mean'])} | {f(mt['fraction_with_tumour'], 2)} |"
                     + (" reference | reference | reference |" if is_ref else
                        f" {f(mt.get('image_mad_vs_ddim50'))} | {f(mt.get('mask_dice_vs_ddim50'), 2)} |"
                        f" {'yes' if x['all_within'] else 'no (' + ', '.join(k.split('_')[0] for k, v in x['within'].items() if not v) + ')'} |"))
    lines += ["",
              f"Choices made on {sw['conditions']['n']} TRAINING-split conditions before the held-out run: spacing of the multistep"
              f" solvers '{sw['chosen_spacing']}' (mean image difference to DDIM 50 at 10 steps: "
              + ", ".join(f"{k} {f(v['image_mad_vs_ddim50'])}" for k, v in sw["spacing"].items()) + "); guidance interval"
              f" [{iv['chosen'][0]}, {iv['chosen'][1]}] (candidates with DPM-Solver++(2M) {iv['steps']} steps; rows per volume and"
              " within the seed range of full guidance: "
              + ", ".join(f"[{c['interval'][0]}, {c['interval'][1]}] {c['rows_per_volume']:.0f} {'yes' if c['all_within'] else 'no'}" for c in iv["candidates"])
              + ").", "",
              f"Recommended (fewest rows within noise of DDIM 50): {rec['sampler']} {rec['num_inference_steps']} steps, spacing"
              f" '{rec['timestep_spacing']}', guidance {f(rec['guidance_scale'], 1)}"
              + (f" in [{rec['guidance_interval'][0]}, {rec['guidance_interval'][1]}]" if rec["guidance_interval"] else " at every step")
              + f": {ho['recommended_rows_per_volume']:.0f} rows per volume against {ho['ddim50_rows_per_volume']:.0f} for DDIM 50."
              " `experiments/sampler_study.png`: each metric against rows per volume, the grey band is DDIM 50 +- the seed range.", ""]
    if not iv.get("passed_paired_test", True):
        lines[-1:-1] = [f"No guidance interval passed the paired test on the training conditions (every candidate that drops the"
                        f" unconditional row somewhere changed the samples measurably against full guidance from the same noise),"
                        f" so no interval is chosen; the held-out 'interval' rows use [{iv['held_out_arm'][0]}, {iv['held_out_arm'][1]}],"
                        " the candidate with the fewest rows that stayed within the seed range and lost no tumour.", ""]
    if ho.get("not_run"):
        lines[-1:-1] = ["Not run (the study was finalised from the settings finished in the time available): "
                        + ", ".join(ho["not_run"]) + ".", ""]
    return lines
