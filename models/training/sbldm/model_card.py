"""Render the model card README.md of a model folder from its metadata.json (numbers are never typed by hand).

Usage (from models/training):
  /usr/bin/python3 -m sbldm.model_card <model-folder>
  /usr/bin/python3 -m sbldm.model_card <model-folder> --add-variant <other-model-folder> --label NAME
      records the other folder's training and metrics as <model-folder>/variants/NAME.json (a variant trained
      and evaluated with `run.py unet/evaluate`, e.g. the paper-faithful conditioning), then re-renders: the
      card gets a table comparing the shipped model with every recorded variant.
"""
from __future__ import annotations

import argparse
import glob
import json
import os
import shutil


def f(v, nd=3):
    if v is None:
        return "n/a"
    if isinstance(v, float):
        return f"{v:.{nd}f}"
    return str(v)


def variant_summary(meta, label):
    """What a comparison needs from a model folder's metadata: how its UNet was trained, and its metrics."""
    m, tr = meta["metrics"], meta["training"]
    keep = ("conditioning_adherence", "conditioning_adherence_raw_masks", "brain_outline_dice", "size_sweep", "sampling",
            "realism")
    return dict(label=label, name=meta["name"], variant=tr["unet"]["variant"], unet=tr["unet"],
                vae=tr["vae"], metrics={k: m[k] for k in keep if k in m})


def variant_table(meta, variants):
    """Markdown rows comparing this model with recorded variants (what each documented choice buys)."""
    if not variants:
        return []
    rows = [variant_summary(meta, "this model")] + variants

    def col(v):
        a = v["metrics"].get("conditioning_adherence", {})
        b = v["metrics"].get("brain_outline_dice", {})
        raw = v["metrics"].get("conditioning_adherence_raw_masks")
        sw = v["metrics"].get("size_sweep", {})
        meas = sw.get("measured") or []
        mono = all(y > x for x, y in zip(meas, meas[1:])) if meas else None
        u = v["unet"]
        st = v["metrics"].get("sampling", {}).get("settings", {})
        rl = v["metrics"].get("realism")
        w1 = f(rl["intensity_w1"]["pooled"]) if rl else "n/a"
        cont = ("/".join(f(rl["continuity"][p]["ratio"], 2) for p in ("axial", "coronal", "sagittal")) if rl else "n/a")
        return [f"{v['label']}: variant '{v['variant']}'", f"{u['config']}, {u['steps']:,} steps, {u['wall_s'] / 60:.0f} min",
                (f"guidance {f(st.get('guidance_scale'), 1)}" + (" (off)" if st.get('guidance_scale') == 1.0 else "")) if st else "n/a",
                f(a.get("spearman_rho_volume")) + (f" ({f(raw.get('spearman_rho_volume'))})" if raw else ""),
                f(a.get("centroid_err_pct_fov_mean"), 1),
                f(a.get("fraction_with_tumour"), 2), f(b.get("samples_vs_coarse_mean")), w1, cont,
                "n/a" if mono is None else ("yes" if mono else "no") + " (" + ", ".join(f(x, 2) for x in meas) + ")"]

    head = ["model", "UNet training", "sampling", "rho volume (raw masks)", "centroid err % FOV", "tumour present", "brain Dice",
            "intensity W1", "continuity ax/cor/sag (gen/real)", "size sweep monotone"]
    lines = ["What each choice buys: other trainings of the same pipeline, evaluated on the same held-out conditions",
             "with the same metrics. Variant 'paper' is the paper-faithful conditioning (the 9-vector added to the time",
             "embedding only, no guidance); 'spatial' adds our spatial condition channel, tumour-weighted loss and",
             "classifier-free guidance. All rows use the same VAE and the mask post-processing; rho in brackets is",
             "measured before it. Realism columns: Wasserstein-1 between in-brain intensity distributions of generated and",
             "real held-out volumes (lower is better), and the mean difference between adjacent axial / coronal / sagittal",
             "slices, generated over real (1 = like real). Uncalibrated conditions (fed = requested) in every row.", "",
             "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(col(v)) + " |" for v in rows]
    return lines + [""]


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


def render(meta, variants=None, segmentation=None, siblings=None, calibration_doc=None, sampler_study=None, realism_doc=None):
    m = meta["metrics"]
    tr = meta["training"]
    vae = m["vae_held_out"]
    adh = m.get("conditioning_adherence", {})
    br = m.get("brain_outline_dice", {})
    sw = m.get("size_sweep", {})
    samp = m.get("sampling", {})
    sd = meta["sampler_defaults"]
    par = m.get("onnx_parity")
    lines = [
        f"# {meta['name']}: slice-based latent diffusion on brain-tumour phantoms ({meta.get('purpose', 'demo')} model"
        + (", the platform's default)" if meta.get("default") else ")"),
        "",
        ("**The platform's production (default) model, trained on PHANTOMS only. Not for clinical or research use on "
         "patients.**" if meta.get("purpose") == "production" else
         "**A phantom-trained DEMO model. Not for clinical or research use on patients.**") + " It was trained on",
        f"{tr['n_train']} synthetic volumes derived from two real T1 brains (Colin27 and an ITK example subject) with",
        "simulated tumours, on 2 shared CPU cores; it shows that the platform runs the paper's model end to end, not",
        "that it produces realistic MRI. To train the paper's model on BraTS, see `models/training/README.md`",
        "(`run.py prepare --brats DIR`, then `vae`, `unet`, `export`, `evaluate`).",
        "",
        "Method: Kebaili et al., \"3D MRI Synthesis with Slice-Based Latent Diffusion Models\", ISBI 2024: a 2D VAE",
        "encodes every axial slice of [image, mask]; a 3D UNet denoises the stack of slice latents, conditioned on",
        "9 tumour features. Our documented additions: a spatial condition channel, a tumour-weighted loss and",
        "classifier-free guidance (see `metadata.json` -> `conditioning`).",
        "",
        "## Contract",
        "",
        f"- volume {meta['volume']['shape_dhw']} `[D, H, W]`, image and mask in [-1, 1] (mask threshold 0), RAS;",
        f"  latent {meta['latent']['stacked_shape_cdhw']} `[C, D, h, w]`, scale factor {f(meta['latent']['scale_factor'], 4)}.",
        "- graphs: `encoder.onnx`, `decoder.onnx`, `denoiser.onnx` (opset 17, dynamic batch), inputs/outputs in `metadata.json`.",
    ]
    arch = meta["graphs"]["denoiser"].get("architecture")
    if arch:
        u = arch["unet"]
        lines += [f"- denoiser: UNet channels {u['ch']}, {u['n_res']} residual block(s) per level, "
                  f"{'(2+1)D: 1x3x3 then 3x1x1' if u.get('conv') == '2+1d' else '3x3x3'} convolutions; the graph runs it in slice "
                  "layout with 2D convolutions only (numerically the 3D UNet, see parity)."]
    lines += [
        f"- sampler defaults: {SAMPLER_LABELS.get(sd['sampler'], sd['sampler'])} {sd['num_inference_steps']} steps, eta {sd['eta']} (DDIM only), guidance scale {sd['guidance_scale']},"
        f"{' guidance interval ' + str(sd['guidance_interval']) + ',' if sd.get('guidance_interval') else ''}"
        f" timestep spacing '{sd['timestep_spacing']}'.",
        f"- ONNX vs PyTorch parity: " + (f"max abs diff {par['worst']:.2e} ({par['runtime']})" if par else "see parity.json (not measured here)"),
        "",
        "## Training",
        "",
        f"- VAE: {tr['vae']['params']:,} parameters, {tr['vae']['steps']} steps of {tr['vae']['batch']} slices"
        + (f", then {ft['steps']} decoder-only fine-tune steps (encoder frozen, so the latents did not change; half of each"
           f" batch from tumour slices; BCE + soft Dice on the mask channel)" if (ft := tr['vae'].get('decoder_finetune')) else "")
        + f", {tr['vae']['wall_s'] / 60:.0f} min in all.",
        f"- UNet: {tr['unet']['params']:,} parameters ({tr['unet']['config']}, variant '{tr['unet']['variant']}'),"
        f" {tr['unet']['steps']} steps of batch {tr['unet']['batch']}, {tr['unet']['wall_s'] / 60:.0f} min, AdamW {tr['unet']['lr']}, EMA {tr['unet']['ema']}.",
        f"- hardware: {tr['hardware']}; code revision {tr['git_revision'][:12]}.",
        "",
        "## Measured (held-out phantoms: separate seeds, same two source brains)",
        "",
    ]
    if samp:
        st = samp["settings"]
        lines += [f"Generated samples below used DDIM {st['num_inference_steps']} steps, eta {st['eta']}, guidance scale "
                  f"{st['guidance_scale']}, EMA weights, PyTorch; conditions = the features of held-out phantoms"
                  + (f"; masks after the declared post-processing ({adh['postprocess']})." if adh.get("postprocess") else "."), ""]
    lines += [
        "| quantity | value | goal |",
        "|---|---|---|",
        f"| VAE image PSNR (dB, range [-1,1]) mean / min | {f(vae['psnr_db_mean'], 1)} / {f(vae['psnr_db_min'], 1)} | >= 30 |",
        f"| VAE image SSIM mean | {f(vae['ssim_mean'])} | |",
        f"| VAE mask Dice mean / median / min | {f(vae['dice_mean'])} / {f(vae['dice_median'])} / {f(vae['dice_min'])} | >= 0.95 |",
    ]
    vr = m.get("vae_mask_volume_ratio")
    if vr:
        lines += [f"| VAE alone: decoded / true tumour voxels, mean / median (n = {vr['n']}) | {f(vr['mean'], 2)} / {f(vr['median'], 2)} | 1 |"]
    if adh:
        lines += [
            f"| Spearman rho, requested vs generated tumour volume (n = {adh['n']}) | {f(adh['spearman_rho_volume'])} | >= 0.8 |",
            f"| centroid error, voxels mean / median | {f(adh['centroid_err_vox_mean'], 1)} / {f(adh['centroid_err_vox_median'], 1)} | |",
            f"| centroid error, % of FOV mean / median | {f(adh['centroid_err_pct_fov_mean'], 1)} / {f(adh['centroid_err_pct_fov_median'], 1)} | <= 10 |",
            f"| fraction of samples with a tumour (>= 1 voxel / >= 10 voxels) | {f(adh['fraction_with_tumour'], 2)} / {f(adh['fraction_with_tumour_ge10vox'], 2)} | >= 0.95 |",
            f"| mean requested / generated voxel_volume | {f(adh['requested_volume_mean'])} / {f(adh['measured_volume_mean'])} | |",
        ]
        raw = m.get("conditioning_adherence_raw_masks")
        if raw and adh.get("postprocess"):
            lines += [f"| before the mask post-processing ({adh['postprocess']}; raw masks had {f(adh['raw_components_median'], 0)} components"
                      f" median): rho / centroid % FOV / mean generated voxel_volume | {f(raw['spearman_rho_volume'])} /"
                      f" {f(raw['centroid_err_pct_fov_mean'], 1)} / {f(raw['measured_volume_mean'])} | |"]
    if br:
        lines += [
            f"| brain-outline Dice, samples vs coarse brain mask (mean / min) | {f(br['samples_vs_coarse_mean'])} / {f(br['samples_vs_coarse_min'])} | >= 0.8 |",
            f"| same, real held-out phantoms vs coarse brain mask | {f(br['real_phantoms_vs_coarse_mean'])} | reference |",
            f"| brain-outline Dice, sample vs the real phantom with the same condition | {f(br['sample_vs_real_phantom_mean'])} | |",
        ]
    lines += realism_rows(m)
    if samp:
        lines += [f"| sampling wall time per volume ({samp['engine']}, {samp['threads']} thread{'s' if samp['threads'] != 1 else ''}, incl. decode) | {f(samp['wall_s_per_volume'], 1)} s | |"]
    lines += [""]
    if sw:
        lines += ["Size sweep at a fixed position " + str(sw["position_xyz"]) + " (same noise): requested voxel_volume "
                  + ", ".join(f(v, 2) for v in sw["requested"]) + " -> generated " + ", ".join(f(v, 2) for v in sw["measured"]) + ".", ""]
    lines += calibration_section(meta)
    lines += history_section((calibration_doc or {}).get("history"))
    lines += qc_section(meta)
    lines += choice_section(meta, siblings or [])
    lines += variant_table(meta, variants or [])
    lines += [
        "Brain outline = largest connected component of (image > -0.7), holes filled.",
        "",
        "Pictures: `samples.png` (generated, requested vs measured volume), `real_phantoms.png` (held-out phantoms",
        "for comparison), `size_sweep.png`; rows axial / coronal / sagittal through the tumour, mask outlined in red."
        + ("".join(f" `variants/{v['label']}_samples.png`: the same conditions and noise with the '{v['label']}' weights." for v in (variants or [])
                   if v.get("samples_png")) if variants else ""),
        "",
    ]
    lines += segmentation_section(segmentation)
    lines += sampler_study_section(sampler_study)
    lines += realism_section(realism_doc)
    lines += [
        "## Files",
        "",
        "- `encoder.onnx`, `decoder.onnx`, `denoiser.onnx`, `metadata.json`, `parity.json` (fixed inputs + PyTorch outputs)",
        "- `weights/vae_fp16.pt`, `weights/unet_ema_fp16.pt`: fp16 PyTorch state dicts (to inspect or fine-tune; `run.py restore"
        " --from-model` rebuilds a resumable work folder from them)",
        "- `NOTICE`: Colin27 (MNI) notice; the phantoms, hence the weights, derive from it.",
    ]
    if variants:
        lines += ["- `variants/*.json`: training and metrics of the other trainings in the comparison table"]
    if meta.get("calibration"):
        lines += ["- `calibration.json` (the calibration and QC blocks, the fit and every held-out measurement), `calibration.png`"]
    if segmentation:
        lines += ["- `experiments/segmentation.json`, `experiments/segmentation.png`: the downstream segmentation experiment"]
    if sampler_study:
        lines += ["- `experiments/sampler_study.json`, `experiments/sampler_study.png`: the sampler study (quality against denoiser calls)"]
    if realism_doc:
        lines += ["- `experiments/realism.json`: realism at the default settings (`python -m sbldm.realism_check`)"]
    lines += [
        "",
        "## Limitations",
        "",
        "- trained on phantoms from TWO subjects: the anatomy has little variety, and the images are T1-weighted with a",
        "  FLAIR-like bright tumour, not FLAIR as in the paper;",
        f"- UNDERTRAINED: {tr['unet']['steps']:,} UNet steps of batch {tr['unet']['batch']} ({tr['unet']['wall_s'] / 60:.0f} min on 2 CPU cores);",
        "  the paper's scale is hundreds of thousands of steps on a GPU. Samples have a brain-like outline and slice",
        "  striping; size ordering and position follow the condition"
        + ("; tumour size is corrected by the declared condition calibration (section above, with its measured"
           " residual errors)." if meta.get("calibration") else ", size calibration does not: generated tumour"
           " masks are larger than requested (table).")
        + ("" if meta.get("calibration") else
           " The VAE alone is close to size-neutral (its decoded / true volume ratio is in the table), so the rest"
           " is the UNet: it needs many more steps." if vae["dice_mean"] >= 0.95 else
           " Part of that is the VAE (its own decoded / true volume ratio is in the table; its mask Dice is below"
           " goal), part is the UNet."),
        "  `run.py restore --from-model <this folder>` rebuilds a resumable work folder from `weights/` (fp16 state",
        "  dicts of the exported weights), then `run.py unet --resume` continues training;",
        "- small networks: samples are blurry, slice-wise decoding shows striping in",
        "  coronal/sagittal views (also noted by the paper's authors);",
        "- features are computed on the 64^3 model grid in voxel units; one voxel is about 3 mm of the source anatomy",
        "  (metadata declares a nominal 1 mm spacing, as the paper's voxel-unit features do).",
        "",
    ]
    return "\n".join(lines)


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


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("folder")
    p.add_argument("--add-variant", help="another evaluated model folder to record as a variant of this one")
    p.add_argument("--label", help="the variant's name (file variants/LABEL.json)")
    a = p.parse_args(argv)
    with open(os.path.join(a.folder, "metadata.json")) as fh:
        meta = json.load(fh)
    if a.add_variant:
        if not a.label:
            p.error("--add-variant needs --label")
        with open(os.path.join(a.add_variant, "metadata.json")) as fh:
            other = json.load(fh)
        os.makedirs(os.path.join(a.folder, "variants"), exist_ok=True)
        summary = variant_summary(other, a.label)
        pic = os.path.join(a.add_variant, "samples.png")
        if os.path.exists(pic):  # the other weights' samples (same held-out conditions and noise) next to ours
            shutil.copyfile(pic, os.path.join(a.folder, "variants", f"{a.label}_samples.png"))
            summary["samples_png"] = f"variants/{a.label}_samples.png"
        with open(os.path.join(a.folder, "variants", f"{a.label}.json"), "w") as fh:
            json.dump(summary, fh, indent=1)
    variants = []
    for path in sorted(glob.glob(os.path.join(a.folder, "variants", "*.json"))):
        with open(path) as fh:
            variants.append(json.load(fh))
    seg_path = os.path.join(a.folder, "experiments", "segmentation.json")
    seg = json.load(open(seg_path)) if os.path.exists(seg_path) else None
    siblings = []  # the other model folders next to this one: the model-choice table compares them
    for mp in sorted(glob.glob(os.path.join(os.path.dirname(os.path.abspath(a.folder)), "*", "metadata.json"))):
        if os.path.samefile(os.path.dirname(mp), a.folder):
            continue
        with open(mp) as fh:
            siblings.append(json.load(fh))
    cal_path = os.path.join(a.folder, "calibration.json")
    cal_doc = json.load(open(cal_path)) if os.path.exists(cal_path) else None
    study_path = os.path.join(a.folder, "experiments", "sampler_study.json")
    study = json.load(open(study_path)) if os.path.exists(study_path) else None
    realism_path = os.path.join(a.folder, "experiments", "realism.json")
    realism_doc = json.load(open(realism_path)) if os.path.exists(realism_path) else None
    with open(os.path.join(a.folder, "README.md"), "w") as fh:
        fh.write(render(meta, variants, seg, siblings, cal_doc, study, realism_doc))


if __name__ == "__main__":
    main()
