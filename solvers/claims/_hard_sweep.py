"""The hard phase's optimal-sweep options, in one place: the sweep of a validation run
(:func:`~solvers.claims.validate.continuum_context`) and the re-solves of its optima on a refined
grid (:func:`~solvers.claims.easy_layer.grid_error`) use the same ones, so a refined re-solve
changes the grid and nothing else."""

from __future__ import annotations

from theory import PLRFModel

__all__ = ["HARD_POINTS_PER_BIN", "HARD_SWEEP_TOL", "hard_sweep_options", "window_width_exponent"]

#: KKT tolerance of the hard-phase optimal sweep (the solver's default is 1e-6). The window's
#: shape is weakly determined by the loss: at (1.2, 4), T = 3.16e11 .. 1e13, optima converged to
#: 1e-7 .. 6e-7 read lost times 3-14 % off (the window's local slopes fell 0.614 -> 0.52 where
#: the same optima re-solved to 1e-9 read 0.612 -> 0.609), each within its own step error; the
#: re-solves cost ~1.5 s a horizon (benchmarks/results/claims.md, 2026-11-30q). 1e-9 was not
#: enough past 1e13 there: the 1e14 optimum (KKT 6.4e-10) read its lost time 1.3e-3 off (its
#: step error 2.3e-3) and the window 0.600 +- 0.048; at 1e-11 the slopes are smooth, the window
#: reads 0.599 +- 0.006, and the sweep reaches the same 3.16e14 for less CPU (claims.md,
#: 2026-12-01a).
HARD_SWEEP_TOL = 1e-11

#: Gauss-Legendre nodes per log-bin of the hard sweep's mode quadrature (the solver's default is
#: 4). The 4-point rule's error in a window readout moves with the learning front,
#: :math:`k \sim T^{1/b}`: ``1/b`` decades of ``k`` per decade of ``T``, i.e. one of the quadrature's
#: 4 bins per decade at ``b = 4``, so along the half-decade sweep it alternates. At (3.5, 4),
#: ``T = 1e11 .. 1e13``, re-solving the optima with 8 nodes moves their lost time by +1.0e-4,
#: +3.6e-4, +1.7e-5, +2.5e-4, -1.5e-5 (the loss by a steady 6e-5): the local slopes' decrements
#: 11.1, 19.7, 10.2 (1e-4) become 16.3, 14.7, 14.5. 6 nodes read the lost time within 6.5e-6 of
#: 8 (benchmarks/results/claims.md, 2026-12-01s18 (win18)).
HARD_POINTS_PER_BIN = 6


def window_width_exponent(model: PLRFModel) -> float:
    r"""The hard window's derived width exponent :math:`\omega_0` at ``model``'s ``(a, b)``
    (``anneal_window_exponent`` of :func:`theory.derive_scaling_laws`): the scale the hard
    sweep's time grid is anchored to near the end (``ContinuumOptions.anchor_exponent``)."""
    from theory import derive_scaling_laws

    law = derive_scaling_laws().hard["anneal_window_exponent"].expr
    return float(law.subs(model.subs()))


def hard_sweep_options(model: PLRFModel) -> dict:
    """The solver options the hard sweep sets unless given (none in the easy phase): the
    polishing Newton step, :data:`HARD_SWEEP_TOL`, the grid anchored to the window and the mode
    quadrature's :data:`HARD_POINTS_PER_BIN`."""
    if not model.a <= model.b:
        return {}
    return {"polish": True, "tol": HARD_SWEEP_TOL, "anchor_exponent": window_width_exponent(model),
            "points_per_bin": HARD_POINTS_PER_BIN}  # fmt: skip
