"""``slicewise.torch.Dataset``: a pulled version as ``(image, mask, conditions)`` tensors (needs torch, nibabel
and numpy: ``pip install './clients/python[torch]'``).

Shapes (channel first, as MONAI's ``LoadImage`` + ``EnsureChannelFirst`` give them): ``image`` and ``mask``
``[1, X, Y, Z]`` float32 in the NIfTI file's voxel order (i, j, k); ``conditions`` ``[9]`` float32 in
``slicewise.FEATURE_NAMES`` order (normalised model units). A DataLoader batches them to ``[B, 1, X, Y, Z]``
and ``[B, 9]``. Only paths are held, so it works with ``num_workers > 0``.
"""

from __future__ import annotations

import os
from typing import Callable, Sequence

try:
    import nibabel
    import numpy as np
    import torch
    from torch.utils.data import Dataset as _TorchDataset
except ImportError as e:  # pragma: no cover - depends on the environment
    raise ImportError(f"slicewise.torch needs torch, numpy and nibabel ({e}); install them, e.g. pip install './clients/python[torch]'") from e

from .datalist import load
from .errors import UsageError

Sample = tuple["torch.Tensor", "torch.Tensor", "torch.Tensor"]


class Dataset(_TorchDataset):
    """``Dataset(folder)`` or ``Dataset(entries)`` (from ``slicewise.load``).

    ``conditions``: ``"requested"`` (default: what generation was asked for) or ``"measured"`` (the
    features measured on the generated mask). ``transform``: optional callable on the ``(image, mask,
    conditions)`` tuple (augmentations). ``check``: passed to ``slicewise.load`` for a folder.
    """

    def __init__(
        self,
        source: str | os.PathLike[str] | Sequence[dict],
        *,
        conditions: str = "requested",
        transform: Callable[[Sample], Sample] | None = None,
        check: str = "size",
    ) -> None:
        if conditions not in ("requested", "measured"):
            raise UsageError(f"conditions must be 'requested' or 'measured', got {conditions!r}")
        self.entries = list(source) if not isinstance(source, (str, os.PathLike)) else load(source, check=check)
        self.conditions = conditions
        self.transform = transform

    def __len__(self) -> int:
        return len(self.entries)

    def __getitem__(self, i: int) -> Sample:
        e = self.entries[i]
        image = np.asarray(nibabel.load(e["image"]).get_fdata(dtype=np.float32))  # [X, Y, Z]
        mask = np.asarray(nibabel.load(e["label"]).dataobj, dtype=np.float32)  # [X, Y, Z], 0/1
        sample = (
            torch.from_numpy(np.ascontiguousarray(image))[None],  # [1, X, Y, Z]
            torch.from_numpy(np.ascontiguousarray(mask))[None],
            torch.tensor(e[self.conditions], dtype=torch.float32),  # [9]
        )
        return self.transform(sample) if self.transform else sample
