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

from .model_card_sections import (
    SAMPLER_LABELS,
    calibration_section,
    choice_section,
    f,
    history_section,
    qc_section,
    realism_rows,
    realism_section,
    sampler_study_section,
    segmentation_section,
)


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
