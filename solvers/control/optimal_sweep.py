"""Optimal schedules over a horizon sweep with the continuum solver, continued and cached on disk.

:func:`optimal_continuum_sweep` is :func:`~solvers.continuum_sweep` (each horizon warm-started
from the previous two) with every solved horizon stored in a :class:`~solvers._cache.DiskCache`,
keyed by the model, the horizon, the solver options and the source of the solver modules: an
interrupted sweep resumes where it stopped, and a validation run reads what a long background
run computed.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from pathlib import Path

from theory import PLRFModel
from theory._checks import check_real

from .._cache import DiskCache
from ..dynamics import _continuum_kernels
from ..dynamics.continuum import FrontWarning
from . import continuum as _continuum
from .continuum import ContinuumResult, solve_continuum

__all__ = ["optimal_continuum_sweep"]


def optimal_continuum_sweep(
    model: PLRFModel,
    Ts: Sequence[float],
    *,
    cache_dir: str | Path | None = None,
    progress: bool = False,
    **options,
) -> list[ContinuumResult]:
    """Continuum-optimal schedules at every horizon of ``Ts`` (ascending order of solution).

    Parameters
    ----------
    model : PLRFModel
    Ts : sequence of float
    cache_dir : path, optional
        Directory of the on-disk cache (``None``: no cache).
    progress : bool
        Print one line per solved horizon (long sweeps).
    **options
        Options of :func:`~solvers.solve_continuum` (not ``initial``).

    Returns
    -------
    list of ContinuumResult, in the order of ``Ts``. A :class:`FrontWarning` raised while solving
    is kept in the result's ``warnings`` rather than repeated.
    """
    if "initial" in options:
        raise TypeError("optimal_continuum_sweep() warm-starts itself; 'initial' is not accepted")
    Ts = [check_real("Ts[i]", T, ge=1) for T in Ts]
    cache = DiskCache(cache_dir)
    done: list[ContinuumResult] = []
    out: dict[float, ContinuumResult] = {}
    for T in sorted(set(Ts)):
        init = done[-2:] or None

        def compute(T=T, init=init):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", FrontWarning)
                return solve_continuum(model, T, initial=init, **options)

        r = cache.get_or_compute(
            "continuum-optimum", {"model": model, "T": float(T), "options": options}, compute,
            depends_on=[_continuum, _continuum_kernels],
        )  # fmt: skip
        if progress:
            print(
                f"T={T:.4g} L={r.final_loss:.6g} success={r.success} kkt={r.kkt_residual:.2g} "
                f"seconds={r.seconds:.1f}", flush=True,
            )  # fmt: skip
        done.append(r)
        out[T] = r
    return [out[T] for T in Ts]
