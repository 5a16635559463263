r"""Long-horizon momentum dynamics: log-spaced time intervals and log-binned modes.

The general momentum update (:mod:`solvers.dynamics.momentum_forms`; EMA, heavy ball and the
dimension-adapted Nesterov form are special cases) with coefficients held constant on the
intervals of a grid refined geometrically towards both ends (:func:`solvers.dynamics.continuum.
time_grid`: ``~2 log T / log ratio`` intervals) and the modes of
:func:`solvers.dynamics.continuum.mode_quadrature` (exact leading modes, Gauss-Legendre bins in
``log k``). Each interval is propagated exactly in its number of steps by a matrix power
(:mod:`solvers.dynamics._momentum_interval_kernels`); the only approximation of the time
discretisation is the loss's feedback, taken linear in time across an interval (exact on the
unit intervals near ``t = 0``). The cost grows like ``log T``: ``T = 1e10`` costs about twice
``T = 1e5``.

A piecewise-constant schedule on the grid is an ordinary per-step schedule
(:meth:`MomentumGrid.expand`), so the exact recursion checks this solver directly
(``tests/test_momentum_longrun.py``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from theory import PLRFModel
from theory._checks import check_int, check_real

from ._momentum_interval_adjoint import interval_gradient
from ._momentum_interval_kernels import interval_forward
from .continuum import ModeQuadrature, mode_quadrature, time_grid

__all__ = ["MomentumGrid", "momentum_grid"]

#: Default geometric growth of the intervals (time-grid error ~ (ratio - 1)^2, measured).
DEFAULT_RATIO = 1.1
#: Largest interval as a fraction of T (resolves the final annealing).
DEFAULT_MAX_INTERVAL = 0.02
#: Modes kept exactly, log-bins per decade and Gauss-Legendre points per bin.
DEFAULT_EXACT_MODES = 32
DEFAULT_BINS_PER_DECADE = 4
DEFAULT_POINTS_PER_BIN = 3
#: Unit steps (exact recursion) up to this step: the early transients of a momentum schedule
#: (a loss spike of 10^4-10^5 while beta_t is small) are far from linear on an interval.
DEFAULT_UNIT_STEPS = 300


@dataclass(frozen=True)
class MomentumGrid:
    """Time intervals and mode quadrature of one horizon.

    Attributes
    ----------
    model : PLRFModel
    T : int
    t : ndarray, shape (J + 1,)
        Interval ends, integers from 0 to ``T``.
    steps : ndarray of int64, shape (J,)
        Steps per interval.
    quad : ModeQuadrature
    """

    model: PLRFModel
    T: int
    t: np.ndarray
    steps: np.ndarray
    quad: ModeQuadrature

    @property
    def midpoints(self) -> np.ndarray:
        """Mean step index of each interval (where a smooth schedule is sampled)."""
        return 0.5 * (self.t[:-1] + self.t[1:] - 1.0)

    def _coefficients(self, coefficients) -> list[np.ndarray]:
        arrs = [np.ascontiguousarray(c, dtype=float) for c in coefficients]
        if len(arrs) != 4 or any(c.shape != self.steps.shape for c in arrs):
            raise ValueError(
                f"coefficients must be 4 arrays of shape {self.steps.shape} (alpha, gamma, "
                f"kappa, q), got {[c.shape for c in arrs]}"
            )
        return arrs

    def loss(self, coefficients) -> tuple[np.ndarray, int]:
        r"""Loss at the interval ends for per-interval ``(alpha, gamma, kappa, q)``.

        Returns ``(L, fail)``: ``L`` has shape ``(J + 1,)``; ``fail`` is ``-1`` or the first
        interval where the loss stopped being finite (``L`` is NaN from there).
        """
        arrs = self._coefficients(coefficients)
        out = np.empty(self.t.size)
        q = self.quad
        with np.errstate(over="ignore", invalid="ignore"):
            fail = interval_forward(
                q.lam, q.u, q.c0, *arrs, self.steps, self.model.inv_batch,
                self.model.sigma**2, out,
            )  # fmt: skip
        return out, int(fail)

    def loss_gradient(self, coefficients) -> tuple[np.ndarray, np.ndarray, int]:
        r""":meth:`loss` and the gradient of the final loss :math:`L(T)` in the coefficients.

        Returns ``(L, grad, fail)``: ``grad`` has shape ``(4, J)``,
        :math:`\partial L(T)/\partial(\alpha_j, \gamma_j, \kappa_j, q_j)` by the adjoint of
        the interval kernel (:mod:`solvers.dynamics._momentum_interval_adjoint`; exact for this
        grid's loss, ~3-4 loss evaluations); zero when ``fail`` is not ``-1``.
        """
        arrs = self._coefficients(coefficients)
        out = np.empty(self.t.size)
        grad = np.empty((4, self.steps.size))
        q = self.quad
        with np.errstate(over="ignore", invalid="ignore"):
            fail = interval_gradient(
                q.lam, q.u, q.c0, *arrs, self.steps, self.model.inv_batch,
                self.model.sigma**2, out, grad,
            )  # fmt: skip
        return out, grad, int(fail)

    def expand(self, coefficients) -> tuple[np.ndarray, ...]:
        """Per-step ``(alpha, gamma, beta, q)`` of per-interval ``(alpha, gamma, kappa, q)``."""
        al, ga, ka, qq = (np.repeat(np.asarray(c, float), self.steps) for c in coefficients)
        return al, ga, 1.0 - ka, qq


def momentum_grid(
    model: PLRFModel,
    T: int,
    *,
    ratio: float = DEFAULT_RATIO,
    max_interval: float = DEFAULT_MAX_INTERVAL,
    exact_modes: int = DEFAULT_EXACT_MODES,
    bins_per_decade: float = DEFAULT_BINS_PER_DECADE,
    points_per_bin: int = DEFAULT_POINTS_PER_BIN,
    unit_steps: int = DEFAULT_UNIT_STEPS,
) -> MomentumGrid:
    """Build the :class:`MomentumGrid` of ``model`` at the horizon ``T``.

    Examples
    --------
    >>> g = momentum_grid(PLRFModel(a=1.3, b=2.75, n_modes=10**9), 10**8)
    >>> int(g.steps.sum()), bool(g.steps.size < 1000)   # 1e8 steps in 610 intervals
    (100000000, True)
    """
    if not isinstance(model, PLRFModel):
        raise TypeError(f"model must be a PLRFModel, got {type(model).__name__}")
    T = check_real("T", T, ge=2)
    if T != round(T) or T > 2**62:
        raise ValueError(f"T must be an integer number of steps below 2^62, got {T!r}")
    unit_steps = check_int("unit_steps", unit_steps, ge=0)
    t = time_grid(float(T), ratio=ratio, max_interval=max_interval, integer=True)
    head = float(min(unit_steps, T))
    t = np.concatenate([np.arange(head), t[t >= head]])
    quad = mode_quadrature(
        model, exact_modes=exact_modes, bins_per_decade=bins_per_decade,
        points_per_bin=points_per_bin,
    )  # fmt: skip
    steps = np.diff(t).astype(np.int64)
    if not math.isclose(float(steps.sum()), T):
        raise RuntimeError(f"grid steps sum to {steps.sum()}, not T = {T}")  # pragma: no cover
    return MomentumGrid(model, int(T), t, steps, quad)
