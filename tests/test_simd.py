"""Tests of nelc_edu._simd: the vectorisable exp and the AVX-512 compress, against NumPy."""

from __future__ import annotations

import numpy as np
import pytest

from nelc_edu import _simd
from nelc_edu._numba import njit
from nelc_edu.models import _chain_kernels as kern


@njit(error_model="numpy")
def _exp_all(x, out):
    for i in range(x.shape[0]):
        out[i] = _simd.exp(x[i])


def _ulps(a, b):
    return np.abs(a - b) / np.spacing(np.abs(b))


def test_exp_is_within_one_ulp_of_numpy_over_its_range():
    rng = np.random.default_rng(0)
    x = np.concatenate(
        [
            rng.uniform(_simd.EXP_MIN, _simd.EXP_MAX, 400_000),
            rng.uniform(-30.0, 0.0, 400_000),  # where softmax arguments live
            rng.uniform(-1e-3, 1e-3, 100_000),
            # every table entry, and the edges of the reduced range |r| <= ln 2 / 128
            np.arange(-64 * 20, 64 * 20) * (np.log(2) / 64),
            np.arange(-64 * 20, 64 * 20) * (np.log(2) / 64) + np.log(2) / 128,
            [0.0, -0.0, 1e-300, -1e-300, _simd.EXP_MIN, _simd.EXP_MAX, 1.0, -1.0],
        ]
    )
    out = np.empty_like(x)
    _exp_all(x, out)
    expect = np.exp(x)
    assert _ulps(out, expect).max() <= 1.0
    assert np.mean(out == expect) > 0.9  # mostly the same bits as the C library's exp
    _exp_all(np.array([0.0, np.log(2.0), 10 * np.log(2.0)]), out[:3])
    np.testing.assert_array_equal(out[:3], [1.0, 2.0, 1024.0])  # exact where e**x is a power of 2


def test_exp_below_its_range_is_zero_and_never_nan():
    x = np.array([_simd.EXP_MIN - 1e-9, -709.0, -745.0, -1e6, -np.inf])
    out = np.full_like(x, np.nan)
    _exp_all(x, out)
    np.testing.assert_array_equal(out, 0.0)


def test_exp_is_monotone_on_a_fine_grid():
    x = np.linspace(-40.0, 0.0, 2_000_001)
    out = np.empty_like(x)
    _exp_all(x, out)
    assert np.all(np.diff(out) >= 0.0)


def test_exp_table_is_two_to_the_j_over_64():
    j = np.arange(64)
    total = _simd.EXP_TABLE_HI + _simd.EXP_TABLE_LO
    np.testing.assert_allclose(total, 2.0 ** (j / 64), rtol=2e-16)
    # the low parts carry the rounding error of the high parts, so they are tiny
    assert np.all(np.abs(_simd.EXP_TABLE_LO) <= np.spacing(_simd.EXP_TABLE_HI))


@njit
def _compress_all(x, idx):
    # compress16 on every full block, then the scalar tail: the same split as on_indices,
    # but used unconditionally (LLVM lowers the intrinsic correctly on any CPU)
    n = 0
    start = 0
    stop = x.shape[0] - x.shape[0] % 16
    while start < stop:
        n = _simd.compress16(x, start, idx, n)
        start += 16
    return kern.on_indices_scalar(x, idx, start, n)


@pytest.mark.parametrize("density", [0.0, 0.14, 0.5, 1.0])
def test_listing_the_ones_matches_flatnonzero(density):
    rng = np.random.default_rng(int(density * 100))
    for N in [*range(0, 101), 127, 128, 129, 784]:
        x = (rng.random(N) < density).astype(np.uint8)
        expect = np.flatnonzero(x)
        for lister in (_compress_all, kern.on_indices, kern.on_indices_scalar):
            idx = np.full(N, -1, dtype=np.int64)
            n = lister(x, idx)
            assert n == expect.size
            np.testing.assert_array_equal(idx[:n], expect)


def test_compress_writes_nothing_past_the_length_of_x():
    # compress16 stores 16 lanes at idx[n], n <= start: scratch past the selected ones,
    # never past idx[start + 15] < len(x)
    x = np.zeros(32, dtype=np.uint8)
    x[[3, 17, 31]] = 1
    idx = np.full(48, -1, dtype=np.int64)
    n = _compress_all(x, idx)
    assert n == 3
    np.testing.assert_array_equal(idx[:3], [3, 17, 31])
    np.testing.assert_array_equal(idx[32:], -1)


def test_compress_refuses_a_non_contiguous_row():
    from numba.core.errors import TypingError

    x = np.zeros((32, 2), dtype=np.uint8)[:, 0]
    with pytest.raises(TypingError, match="C-contiguous"):
        _compress_all(x, np.empty(32, dtype=np.int64))


def test_kernels_without_avx512_give_the_same_chains(tmp_path):
    """The scalar listing path (every CPU without AVX-512) runs the same chains.

    In a subprocess with its own Numba cache, ``HAS_COMPRESS`` is switched off before the
    kernels are compiled; their trajectories must equal the NumPy reference's.
    """
    import os
    import subprocess
    import sys

    code = """
import numpy as np
import nelc_edu._simd as simd
simd.HAS_COMPRESS = False
from nelc_edu.models import _chain_kernels as kern
from nelc_edu.models.chains import decoder_probs, run_chains
assert kern.HAS_COMPRESS is False
rng = np.random.default_rng(5)
K, N = 10, 150
W, c = rng.normal(0, 1, (K, N)), rng.normal(0, 0.5, K)
U, b = rng.normal(0, 1, (N, K)), rng.normal(0, 0.5, N)
P = decoder_probs(U, b)
z0 = np.arange(6) % K
a = run_chains(P, W, c, z0, 3, 8, record_visible=True)
r = run_chains(P, W, c, z0, 3, 8, record_visible=True, backend="numpy")
for u, v in zip(a, r, strict=True):
    np.testing.assert_array_equal(u, v)
print("ok")
"""
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path))
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=600
    )
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr[-2000:]
