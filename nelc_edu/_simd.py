r"""SIMD-friendly primitives for the chain kernels: listing the ones of a 0/1 vector, and ``exp``.

Imported only by kernel modules (never by ``import nelc_edu``).

Listing the ones
----------------
The branch-free scalar loop

.. code-block:: python

    n = 0
    for i in range(N):
        idx[n] = i
        n += x[i]

costs about 0.7 cycle per pixel (0.27 µs of a 0.72 µs chain step at N = 784): LLVM does not
vectorise a loop whose store address depends on the previous iteration. AVX-512 has an
instruction for exactly this, ``vpcompressd`` ("pack the selected lanes to the front"),
which LLVM exposes as the target-independent intrinsic ``llvm.experimental.vector.compress``.
:func:`compress16` emits it through :func:`numba.extending.intrinsic`: 16 pixels per call,
the same indices in the same order as the scalar loop (the tests compare the two on every
length from 0 to 100, and at 127, 128, 129 and 784).

Where the CPU lacks AVX-512 (most laptops, Apple silicon), LLVM would lower the intrinsic to
one branch per lane, slower than the scalar loop, so :data:`HAS_COMPRESS` is False there and
the kernels keep the scalar loop (both paths are compiled and tested on every machine).
Numba's cache is keyed by the CPU, so a cached kernel never runs on the wrong machine.

``exp``
-------
Numba compiles ``np.exp`` of a scalar to a call into the C library: about 9 ns each,
scalar, and a call in the middle of a chain step (10 of them per latent draw were a third
of a step at N = 64). :func:`exp` is the textbook table method in plain float64 arithmetic,
which LLVM inlines and vectorises: with ``x = (64 m + j) ln2 / 64 + r``, ``|r| <= ln2 / 128``,

.. math:: e^x = 2^m \, 2^{j/64} \, e^r ,

``2^{j/64}`` from a table stored as a sum of two doubles (:data:`EXP_TABLE_HI` +
:data:`EXP_TABLE_LO`), ``e^r - 1`` from its degree-5 Taylor polynomial (truncation error
``|r|^6 / 720 < 4e-17``), ``2^m`` built from its bits. Within 1 ulp of NumPy's ``exp``
(equal in 95% of cases; the tests check both over the whole range), and the same bits on
every machine, since only IEEE additions, multiplications and table look-ups are involved
(no fused multiply-add: Numba does not contract without ``fastmath``).
"""

from __future__ import annotations

from . import _numba  # noqa: F401  (points NUMBA_CACHE_DIR somewhere writable first)

# isort: split
from decimal import Decimal, localcontext

import numpy as np
from llvmlite import binding as _llvm_binding
from llvmlite import ir
from numba import types
from numba.core import cgutils, errors
from numba.extending import intrinsic, register_jitable


def _host_has_compress() -> bool:
    try:
        features = _llvm_binding.get_host_cpu_features()
    except RuntimeError:  # pragma: no cover - llvmlite cannot read the features
        return False
    return all(features.get(f, False) for f in ("avx512f", "avx512vl", "avx512bw"))


HAS_COMPRESS: bool = _host_has_compress()
"""True when :func:`compress16` compiles to ``vpcompressd`` (AVX-512F/VL/BW)."""

LANES = 16


@intrinsic
def compress16(typingctx, x, start, idx, n):
    """``idx[n:n + m] = [i for i in range(start, start + 16) if x[i]]``; return ``n + m``.

    ``x`` is a contiguous uint8 array and ``idx`` a contiguous int64 array. All 16 lanes
    are stored at ``idx[n:n + 16]`` (those past the selected ones are scratch) and no
    bounds are checked: the caller guarantees ``start + 16 <= len(x)`` and
    ``n + 16 <= len(idx)``; listing a whole vector from ``n = start = 0`` keeps
    ``n <= start``, so ``len(idx) >= len(x)`` suffices.
    """
    if not (
        isinstance(x, types.Array)
        and x.dtype == types.uint8
        and x.ndim == 1
        and isinstance(idx, types.Array)
        and idx.dtype == types.int64
        and idx.ndim == 1
    ):
        return None
    if x.layout != "C" or idx.layout != "C":
        raise errors.TypingError(
            f"compress16 needs C-contiguous arrays, got {x} and {idx}: pass "
            "np.ascontiguousarray(...) (or a row of a C-contiguous 2-D array)"
        )
    sig = types.int64(x, types.int64, idx, types.int64)

    def codegen(context, builder, signature, args):
        x_val, start_val, idx_val, n_val = args
        x_arr = context.make_array(signature.args[0])(context, builder, x_val)
        idx_arr = context.make_array(signature.args[2])(context, builder, idx_val)
        i8, i32, i64 = ir.IntType(8), ir.IntType(32), ir.IntType(64)
        v_i8 = ir.VectorType(i8, LANES)
        v_i64 = ir.VectorType(i64, LANES)
        v_i1 = ir.VectorType(ir.IntType(1), LANES)
        # the 16 bytes x[start:start + 16] and their nonzero mask
        src = builder.bitcast(builder.gep(x_arr.data, [start_val]), v_i8.as_pointer())
        mask = builder.icmp_unsigned("!=", builder.load(src, align=1), ir.Constant(v_i8, None))
        # the 16 candidate indices start, ..., start + 15 as int32 (one 512-bit register)
        v_i32 = ir.VectorType(i32, LANES)
        splat = builder.insert_element(
            ir.Constant(v_i32, ir.Undefined), builder.trunc(start_val, i32), i32(0)
        )
        splat = builder.shuffle_vector(
            splat, ir.Constant(v_i32, ir.Undefined), ir.Constant(v_i32, None)
        )
        lanes = builder.add(splat, ir.Constant(v_i32, list(range(LANES))))
        # pack the selected ones to the front of the register (vpcompressd), widen to
        # int64 and store all 16 at idx[n]: the lanes past the selected ones are scratch,
        # overwritten by the next call (n + 16 <= start + 16 <= len(idx)). A compress
        # straight to memory (llvm.masked.compressstore) is microcoded on AMD Zen 4.
        compress = cgutils.get_or_insert_function(
            builder.module,
            ir.FunctionType(v_i32, [v_i32, v_i1, v_i32]),
            f"llvm.experimental.vector.compress.v{LANES}i32",
        )
        packed = builder.call(compress, [lanes, mask, ir.Constant(v_i32, None)])
        dst = builder.bitcast(builder.gep(idx_arr.data, [n_val]), v_i64.as_pointer())
        builder.store(builder.sext(packed, v_i64), dst, align=8)
        # n + popcount(mask)
        bits = ir.IntType(LANES)
        popcount = cgutils.get_or_insert_function(
            builder.module, ir.FunctionType(bits, [bits]), f"llvm.ctpop.i{LANES}"
        )
        count = builder.call(popcount, [builder.bitcast(mask, bits)])
        return builder.add(n_val, builder.zext(count, i64))

    return sig, codegen


@intrinsic
def _bits_as_float64(typingctx, bits):
    """Reinterpret the 64 bits of an int64 as a float64 (no conversion)."""
    if bits != types.int64:
        return None

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.DoubleType())

    return types.float64(types.int64), codegen


def _exp_constants():
    # ln 2 / 64 split as HI + LO, HI with 36 significant bits so that n * HI is exact for
    # |n| < 2**17 (|x| <= 709 gives |n| <= 65,472); the table 2**(j/64) as HI + LO doubles.
    with localcontext() as ctx:
        ctx.prec = 60
        ln2 = Decimal("0.693147180559945309417232121458176568075500134360255254120680009")
        step = ln2 / 64
        scale = Decimal(2) ** 42  # step ~ 2**-6.5: 36 bits above 2**-42
        hi = (step * scale).to_integral_value() / scale
        table = [Decimal(2) ** (Decimal(j) / 64) for j in range(64)]
        table_hi = np.array([float(t) for t in table])
        table_lo = np.array([float(t - Decimal(float(t))) for t in table])
        return float(hi), float(step - hi), float(1 / step), table_hi, table_lo


_LN2_64_HI, _LN2_64_LO, _INV_LN2_64, EXP_TABLE_HI, EXP_TABLE_LO = _exp_constants()
EXP_MIN = -708.0
"""Below this, :func:`exp` returns 0.0 (``np.exp`` returns subnormals down to -745)."""
EXP_MAX = 709.0
"""Largest argument :func:`exp` handles (``e**709 ~ 8.2e307``)."""
_C2, _C3, _C4, _C5 = 1.0 / 2.0, 1.0 / 6.0, 1.0 / 24.0, 1.0 / 120.0


@register_jitable(inline="always", error_model="numpy")
def exp(x):
    """``e**x`` within 1 ulp of ``np.exp`` for ``EXP_MIN <= x <= EXP_MAX``; 0.0 below.

    Branch-free and call-free, so a loop over it vectorises. Arguments above ``EXP_MAX``
    are treated as ``EXP_MAX`` (the kernels only pass ``x <= 0``).
    """
    xc = min(max(x, EXP_MIN), EXP_MAX)
    nf = np.floor(xc * _INV_LN2_64 + 0.5)
    n = np.int64(nf)
    r = (xc - nf * _LN2_64_HI) - nf * _LN2_64_LO
    r2 = r * r
    em1 = r + r2 * ((_C2 + r * _C3) + r2 * (_C4 + r * _C5))  # e**r - 1
    j = n & 63
    t = EXP_TABLE_HI[j]
    v = (t + (EXP_TABLE_LO[j] + t * em1)) * _bits_as_float64(((n >> 6) + 1023) << 52)
    return v * np.float64(x >= EXP_MIN)  # v is finite: times 0.0 is 0.0


__all__ = ["EXP_MAX", "EXP_MIN", "HAS_COMPRESS", "LANES", "compress16", "exp"]
