r"""The direct solver's optimise stage: which bounded quasi-Newton run, in which variables.

:func:`optimise` runs the one bounded driver :func:`~solvers.control._lbfgsb.minimize_box` on a
direct problem (:class:`~solvers.control._objective._Problem`) with the direct solver's
preconditioning and limits; :func:`choose_optimiser` picks what runs inside the driver's restarts
by the size of the problem: optlr's two-metric projected L-BFGS
(:mod:`solvers.control._projected_lbfgs`) up to :data:`PROJECTED_MAX_VARIABLES` variables,
SciPy's L-BFGS-B above. The choice depends on the problem only, never on what happens to be
imported.
"""

from __future__ import annotations

from ._lbfgsb import LbfgsbOptions, minimize_box
from ._objective import _Problem

__all__ = ["PROJECTED_MAX_VARIABLES", "choose_optimiser", "optimise"]

#: Smallest preconditioning scale, as a fraction of the box width: annealed rates reach
#: ~1e-4 eta_max at T = 1e5, and flooring their scale at SCALE_FLOOR made the last blocks
#: badly scaled (measured: >100 iterations on 32 blocks at T = 1e5).
PRECONDITION_FLOOR = 1e-6
#: Evaluation limit of an optimiser run per iteration of its budget.
MAXFUN_PER_ITERATION = 4
#: L-BFGS memory (correction pairs) of either optimiser.
LBFGS_MEMORY = 20
#: ``optimiser="auto"`` runs optlr's projected L-BFGS on problems of at most this many variables
#: and SciPy's L-BFGS-B above. Both cost O(m n) per iteration; the bound is the range over which
#: the two were compared (benchmarks/results/speed.md, 2026-12-01 speed14: 32 to 500 variables,
#: block and per-step rates, easy and hard phase, the rate cap binding or not), not a cost. Below
#: it the solve needs no import of scipy.optimize.
PROJECTED_MAX_VARIABLES = 512


def choose_optimiser(choice: str, n: int) -> str:
    """The run of :func:`~solvers.control._lbfgsb.minimize_box` for ``n`` variables: ``choice``,
    or for ``"auto"`` projected L-BFGS up to :data:`PROJECTED_MAX_VARIABLES` and L-BFGS-B above.

    Examples
    --------
    >>> choose_optimiser("auto", 100), choose_optimiser("auto", 1000), choose_optimiser("lbfgsb", 8)
    ('projected', 'lbfgsb', 'lbfgsb')
    """
    if choice != "auto":
        return choice
    return "projected" if n <= PROJECTED_MAX_VARIABLES else "lbfgsb"


def optimise(prob: _Problem, theta, tol, maxiter, restarts, progress, offset, optimiser):
    """Projected L-BFGS or L-BFGS-B (``optimiser``, see :func:`choose_optimiser`) with restarts
    from ``theta`` (:func:`~solvers.control._lbfgsb.minimize_box`); returns ``(f, theta,
    status, extra, kkt, iterations)``. ``progress`` counts iterations from ``offset``.

    Diagonal preconditioning: log L depends on the rates roughly through log(eta), so its
    Hessian diagonal scales like 1/eta_t^2 (measured: condition number ~2000 in box units, ~5
    after this scaling): each parameter is scaled by its distance to the lower bound, floored
    at ``PRECONDITION_FLOOR`` of the box width, refreshed at every restart.
    """
    report = None if progress is None else (lambda it, f: progress(offset + it, f))
    r = minimize_box(
        prob.fg, theta, prob.lo, prob.hi, scale=lambda th: prob.scale(th, PRECONDITION_FLOOR),
        kkt=prob.kkt, tol=tol, maxiter=maxiter, progress=report,
        options=LbfgsbOptions(
            restarts=restarts, maxcor=LBFGS_MEMORY, maxfun_per_iteration=MAXFUN_PER_ITERATION,
            optimiser=choose_optimiser(optimiser, theta.size),
        ),
    )  # fmt: skip
    return r.f, r.theta, r.status, r.message, r.kkt, r.iterations
