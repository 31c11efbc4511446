"""Seeded Gaussian noise shared with TypeScript: Philox4x32-10 + Box-Muller (twin of packages/sampler/src/rng.ts).

RNG (shared with TypeScript `packages/sampler/src/rng.ts`):
    Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC 2011), a
    counter-based generator: block b of a stream with key (k0, k1) is philox(counter=[b_lo, b_hi, 0, 0],
    key). Its 4 uint32 words give 4 uniforms u = (w + 0.5) * 2^-32 in (0, 1) and, by Box-Muller
    (pairs (u0, u1) and (u2, u3)), 4 normals: r = sqrt(-2 ln u_even), z = r cos(2 pi u_odd), r sin(2 pi u_odd).
    Normal number n of a stream is lane n % 4 of block n // 4, so the sequence does not depend on how
    it is chunked. The uint32 words are bit-exact across languages; the normals go through libm
    log/cos/sin, which may differ by an ulp of float64 between platforms (invisible after rounding to
    float32 except for rare 1-ulp float32 differences).
    fork(stream_id): child key = first two words of philox([id_lo, id_hi, 0, 0x666f726b ("fork")], key).
    It depends only on the parent key and the id, so (seed, subject) gives the same noise in any order.
    Seeds and stream ids are integers in [0, 2^53 - 1] (JavaScript's safe integers).
"""
from __future__ import annotations

import math
from typing import Optional, Sequence, Union

import numpy as np

__all__ = ["MAX_SAFE_INTEGER", "philox4x32_10", "PhiloxGaussian", "RngLike", "draw_noise"]

MAX_SAFE_INTEGER = 2**53 - 1
_M0 = np.uint64(0xD2511F53)
_M1 = np.uint64(0xCD9E8D57)
_W0 = 0x9E3779B9
_W1 = 0xBB67AE85
_MASK32 = np.uint64(0xFFFFFFFF)
_FORK_TAG = 0x666F726B  # "fork"
_TWO_PI = 2.0 * math.pi
_INV_2_32 = 2.0**-32


# ---------------------------------------------------------------------------------------------- RNG
def philox4x32_10(counters: np.ndarray, key: Sequence[int]) -> np.ndarray:
    """Philox4x32 with 10 rounds. counters: uint32 [N, 4]; key: two uint32. Returns uint32 [N, 4].

    Round (Salmon et al. 2011, Fig. 2): (hi0, lo0) = M0 * c0, (hi1, lo1) = M1 * c2,
    c' = [hi1 ^ c1 ^ k0, lo1, hi0 ^ c3 ^ k1, lo0]; the key is bumped by the Weyl constants
    (W0, W1) between rounds.
    """
    c = np.asarray(counters, dtype=np.uint32).reshape(-1, 4).astype(np.uint64)
    c0, c1, c2, c3 = c[:, 0], c[:, 1], c[:, 2], c[:, 3]
    k0, k1 = int(key[0]) & 0xFFFFFFFF, int(key[1]) & 0xFFFFFFFF
    for r in range(10):
        if r > 0:
            k0 = (k0 + _W0) & 0xFFFFFFFF
            k1 = (k1 + _W1) & 0xFFFFFFFF
        p0 = _M0 * c0  # < 2^64, exact in uint64
        p1 = _M1 * c2
        hi0, lo0 = p0 >> np.uint64(32), p0 & _MASK32
        hi1, lo1 = p1 >> np.uint64(32), p1 & _MASK32
        c0, c1, c2, c3 = hi1 ^ c1 ^ np.uint64(k0), lo1, hi0 ^ c3 ^ np.uint64(k1), lo0
    return np.stack([c0, c1, c2, c3], axis=1).astype(np.uint32)


def _check_safe_uint(name: str, value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an integer in [0, 2^53-1], got {value!r}")
    value = int(value)
    if value < 0 or value > MAX_SAFE_INTEGER:
        raise ValueError(f"{name} = {value} is outside [0, 2^53-1] (the range both Python and JavaScript represent exactly)")
    return value


class PhiloxGaussian:
    """Seeded standard-normal stream (Philox4x32-10 + Box-Muller). See the module docstring."""

    def __init__(self, seed: int = 0, *, _key: Optional[Sequence[int]] = None):
        if _key is not None:
            self.key = (int(_key[0]) & 0xFFFFFFFF, int(_key[1]) & 0xFFFFFFFF)
        else:
            seed = _check_safe_uint("seed", seed)
            self.key = (seed & 0xFFFFFFFF, seed >> 32)
        self.position = 0  # index of the next normal in this stream

    def fork(self, stream_id: int) -> "PhiloxGaussian":
        """Independent child stream; depends only on (this key, stream_id), not on the position."""
        stream_id = _check_safe_uint("stream_id", stream_id)
        ctr = np.array([[stream_id & 0xFFFFFFFF, stream_id >> 32, 0, _FORK_TAG]], dtype=np.uint32)
        words = philox4x32_10(ctr, self.key)[0]
        return PhiloxGaussian(_key=(int(words[0]), int(words[1])))

    def uint32_words(self, first_block: int, n_blocks: int) -> np.ndarray:
        """Raw words of blocks [first_block, first_block + n_blocks), flattened (4 per block)."""
        b = np.arange(first_block, first_block + n_blocks, dtype=np.uint64)
        ctr = np.zeros((n_blocks, 4), dtype=np.uint32)
        ctr[:, 0] = (b & _MASK32).astype(np.uint32)
        ctr[:, 1] = (b >> np.uint64(32)).astype(np.uint32)
        return philox4x32_10(ctr, self.key).reshape(-1)

    def normal64(self, n: int) -> np.ndarray:
        """Next n normals as float64 (advances the stream by n)."""
        n = int(n)
        if n < 0:
            raise ValueError(f"n = {n} must be >= 0")
        if n == 0:
            return np.zeros(0, dtype=np.float64)
        start = self.position
        first_block = start // 4
        last_block = (start + n - 1) // 4
        words = self.uint32_words(first_block, last_block - first_block + 1).astype(np.float64)
        u = (words + 0.5) * _INV_2_32  # exact: in (0, 1)
        u_even, u_odd = u[0::2], u[1::2]
        r = np.sqrt(-2.0 * np.log(u_even))
        theta = _TWO_PI * u_odd
        z = np.empty_like(u)
        z[0::2] = r * np.cos(theta)
        z[1::2] = r * np.sin(theta)
        off = start - first_block * 4
        self.position = start + n
        return z[off:off + n]

    def normal(self, n: int) -> np.ndarray:
        """Next n normals rounded to float32."""
        return self.normal64(n).astype(np.float32)


RngLike = Union[PhiloxGaussian, Sequence[PhiloxGaussian]]


def draw_noise(rng: RngLike, shape: Sequence[int]) -> np.ndarray:
    """Noise of `shape` [B, ...] (float32). A single rng fills the whole tensor in C order; a list of B
    rngs fills item b from rng[b], so a subject's noise does not depend on the rest of the batch."""
    shape = tuple(int(s) for s in shape)
    total = int(np.prod(shape))
    if isinstance(rng, PhiloxGaussian):
        return rng.normal(total).reshape(shape)
    rngs = list(rng)
    if len(rngs) != shape[0]:
        raise ValueError(f"got {len(rngs)} per-item rngs for a batch of {shape[0]}; pass one per batch item or a single rng")
    per_item = total // shape[0]
    return np.stack([r.normal(per_item) for r in rngs]).reshape(shape)
