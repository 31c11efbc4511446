"""Slicewise client: pull a dataset version of synthetic brain MRI volumes (with tumour masks), verify it, load
it into PyTorch or MONAI, and record which version a training run used.

    import slicewise
    result = slicewise.pull("brain-mri/glioma-train@v3", out="data/glioma-v3")   # token: $SLICEWISE_TOKEN
    files = slicewise.load("data/glioma-v3")       # MONAI datalist entries, with conditions
    slicewise.register_training_run("data/glioma-v3", name="unet-baseline", metadata={"lr": 1e-3})

Standard library only; ``slicewise.torch`` needs torch, numpy and nibabel.
"""

from ._version import __version__
from .datalist import FEATURE_NAMES, load
from .errors import (
    AuthenticationError,
    BadInputError,
    FileFailure,
    FolderConflictError,
    ForbiddenError,
    GraphQLError,
    NetworkError,
    NotFoundError,
    RateLimitedError,
    ServerError,
    SlicewiseError,
    UsageError,
    VerificationError,
)
from .lineage import register_training_run, trace
from .lock import Lock, read_lock
from .manifest import manifest_sha256
from .pull import PullResult, VerifyResult, pull, verify
from .spec import Spec, parse_spec

__all__ = [
    "__version__",
    "FEATURE_NAMES",
    "AuthenticationError",
    "BadInputError",
    "FileFailure",
    "FolderConflictError",
    "ForbiddenError",
    "GraphQLError",
    "Lock",
    "NetworkError",
    "NotFoundError",
    "PullResult",
    "RateLimitedError",
    "ServerError",
    "SlicewiseError",
    "Spec",
    "UsageError",
    "VerificationError",
    "VerifyResult",
    "load",
    "manifest_sha256",
    "parse_spec",
    "pull",
    "read_lock",
    "register_training_run",
    "trace",
    "verify",
]
