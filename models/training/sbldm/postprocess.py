"""Mask post-processing declared in a model's metadata (volume.channels[mask].postprocess) and applied by
both this pipeline's evaluation and the platform worker (packages/conditioning largestComponent).

Every training tumour is ONE 6-connected component (sbldm/phantoms.py), so scattered islands in a generated
mask are sampling artefacts, not anatomy: they inflate the measured volume and blur the features. The
worker therefore keeps the largest 6-connected component (face neighbours). Ties go to the component whose
first voxel comes first in C order ([D, H, W], W fastest) - scipy.ndimage.label numbers components in that
order and argmax takes the first maximum; the TypeScript implementation does the same.
"""
from __future__ import annotations

import numpy as np
from scipy import ndimage as ndi

MASK_POSTPROCESS = dict(op="largest_component", connectivity=6,
                        note="keep the largest 6-connected component of the thresholded mask (training tumours are one "
                             "component); ties: first in C order")


def largest_component(mask):
    """bool/uint8 [D,H,W] -> (bool mask with only the largest 6-connected component, number of components)."""
    m = np.asarray(mask) > 0
    lab, n = ndi.label(m)  # default structure: face connectivity (6 in 3D)
    if n <= 1:
        return m, n
    sizes = ndi.sum(m, lab, index=np.arange(1, n + 1))
    return lab == 1 + int(np.argmax(sizes)), n
