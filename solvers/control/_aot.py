r"""The direct solver's two kernels compiled ahead of time: a solve that never imports numba.

numba's dispatcher costs a fresh process about 0.6 s CPU before the first pass of any kernel,
cached or not: ``import numba`` (0.27 s) and, on the first call, its ~250 typing and lowering
registries and the compilation of its runtime (0.35 s) — seven times the whole solve of the
study's problem (0.08 s; ``benchmarks/results/speed.md``). An extension module compiled by
``numba.pycc`` from the same functions of :mod:`solvers.control._adjoint` imports in under a
millisecond and needs neither numba nor LLVM at run time.

``python -m solvers.control._aot`` builds it (a C compiler is needed; about 8 s CPU) as
``_adjoint_aot`` next to this file. :func:`kernels` returns it only while its key — a hash of
``_adjoint.py`` and of the CPU's instruction-set flags it was compiled for — matches the
current ones, and otherwise the njit kernels of :mod:`solvers.control._adjoint`, so a stale or
foreign build is never run and a missing one only costs time. Both compute the same
arithmetic: ``tests/test_aot.py`` holds the compiled kernels to the njit ones. The compiled
functions do not check their arguments (a strided array is read as contiguous, a float32 one
crashes the process): :class:`solvers.control._objective._Workspace`, their only caller, hands
them contiguous float64 arrays of its own shapes.
"""

from __future__ import annotations

import functools
import hashlib
import os
import platform
import sys
import tempfile
import warnings
from pathlib import Path
from types import ModuleType

__all__ = ["EXTENSION", "build", "build_key", "kernels"]

#: Name of the compiled extension module (in this package).
EXTENSION = "_adjoint_aot"
#: The source compiled into it.
SOURCE = Path(__file__).with_name("_adjoint.py")
#: Where the CPU's instruction-set flags are read (Linux); elsewhere the build is generic.
CPUINFO = Path("/proc/cpuinfo")


def _cpu_flags() -> str:
    """The CPU's instruction-set flags (of its first core), or ``""`` where they cannot be read."""
    try:
        with CPUINFO.open() as fh:  # read up to the first flags line only (one per core follows)
            for line in fh:
                if line.startswith(("flags", "Features")):
                    return " ".join(sorted(line.split(":", 1)[1].split()))
    except OSError:
        pass
    return ""


def build_key(source: bytes | None = None, flags: str | None = None) -> int:
    """A 63-bit hash of the kernels' source and the CPU flags a build is (or was) made for."""
    source = SOURCE.read_bytes() if source is None else source
    flags = _cpu_flags() if flags is None else flags
    h = hashlib.blake2b(
        source + b"\0" + flags.encode() + platform.machine().encode(), digest_size=8
    )
    return int.from_bytes(h.digest(), "little") >> 1


@functools.cache
def kernels() -> ModuleType:
    """The module whose ``forward_checkpointed`` and ``adjoint_gradient`` the solver calls:
    the compiled extension when it is built for this source and CPU, else the njit kernels."""
    try:
        from . import _adjoint_aot as compiled
    except ImportError:  # not built (or built for another Python / NumPy ABI)
        compiled = None
    if compiled is not None and getattr(compiled, "build_key", lambda: None)() == build_key():
        return compiled
    from . import _adjoint

    return _adjoint


def build(directory: Path | None = None) -> Path:
    """Compile the two kernels into the extension :data:`EXTENSION` in ``directory`` (default:
    this package); returns its path. The file appears atomically (compiled elsewhere, then
    renamed), so a process importing it meanwhile sees the old build or none."""
    with warnings.catch_warnings():
        # pycc has been "pending deprecation" since numba 0.57 with no replacement yet
        warnings.simplefilter("ignore")
        from numba.pycc import CC

    from . import _adjoint

    flags = _cpu_flags()
    key = build_key(flags=flags)
    directory = Path(__file__).parent if directory is None else Path(directory)
    cc = CC(EXTENSION)
    # the host's instruction sets when the key can name them (the key then refuses other CPUs)
    cc.target_cpu = "host" if flags else ""
    v, m = "f8[::1]", "f8[:, ::1]"
    fwd, adj = _adjoint.forward_checkpointed, _adjoint.adjoint_gradient

    # thin wrappers: the calls compile the dispatchers with their own fastmath flags, which an
    # export of their Python functions would drop (measured 2.5x slower per pass)
    @cc.export("forward_checkpointed", f"{v}({v}, {v}, {v}, {v}, f8, i8, {m}, {v}, {v})")
    def forward_checkpointed(lam, c0, eta, inv_m, s2, stride, ckpt, loss, logscale):
        return fwd(lam, c0, eta, inv_m, s2, stride, ckpt, loss, logscale)

    @cc.export("adjoint_gradient", f"void({v}, {v}, {v}, f8, i8, {m}, {v}, {v}, {m}, {v}, {v})")
    def adjoint_gradient(lam, eta, inv_m, s2, stride, ckpt, loss, logscale, buf, g_eta, g_im):
        adj(lam, eta, inv_m, s2, stride, ckpt, loss, logscale, buf, g_eta, g_im)

    @cc.export("build_key", "i8()")
    def build_key_():
        return key

    with tempfile.TemporaryDirectory(dir=directory) as tmp:
        cc.output_dir = tmp
        cc.compile()
        target = directory / cc.output_file
        os.replace(Path(tmp, cc.output_file), target)
    return target


if __name__ == "__main__":  # pragma: no cover
    print(f"built {build()}", file=sys.stderr)
