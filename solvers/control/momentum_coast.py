r"""Heavy ball with coast-and-release: a few-parameter family on the exact per-step recursion.

The per-step heavy-ball optimum (benchmarks/results/momentum.md, 2026-12-01s15) coasts with its
friction on the cap (:math:`c_t = 1 - 10^{-7}`) and a tiny rate, so that the velocity integrates
the gradient, then *releases*: the rate climbs to the box's 2 over the coast's last steps and the
friction drops to near 0 (the velocity is reset). The largest release moves the slow modes by
:math:`0.57\,T` in one step. This module gives a family with that structure and nothing else:

* the **base** is the long-run heavy-ball family
  (:func:`solvers.control.momentum_longrun.longrun_controls`: rate plateau, constant friction
  :math:`\beta_0`, final annealing, ``knots`` log-time correction) sampled at every step;
* on it, ``coasts`` windows :math:`[s, e)` placed in relative time (self-similar in
  :math:`t/T`): :math:`s = T e^{p_0}`, :math:`e = s + (T - s)\,\sigma(p_1)`. Inside, the friction
  is on the cap and the rate is

  .. math::

      h_t = h_c + h_r \Bigl(\frac{d}{d + \mathrm{sp}(e - t)}\Bigr)^{\pi},\qquad
      h_c = e^{p_2},\ h_r = (2 - h_c)\,\sigma(p_3),\ d = (e - s)\,e^{p_4},\ \pi = e^{p_5},

  a floor and a power-law ramp that reaches :math:`h_c + h_r \le 2` at the end
  (:math:`\mathrm{sp}(y) = \log(1 + e^y)`, :math:`= e - t` to 1e-17 from 40 steps before it).
  Right after the window (one step) the friction is :math:`\sigma(p_6)` (the velocity reset).

Windows are smooth masks (logistic edges a quarter step wide, on half steps:
:math:`m(t) = \sigma(4(t - s + \tfrac12))\,\sigma(4(e - \tfrac12 - t))`, the reset
:math:`r(t) = \sigma(4(t - e + \tfrac12))\,\sigma(4(e + \tfrac12 - t))`), mixed linearly in the
rate and the friction (:math:`c = (1 - m - r)c_{\rm base} + m c_{\max} + r c_{\rm reset}`; a
mixture in :math:`\log(1 - c)` lets the cap's :math:`\log 10^{-7}` swamp the reset at the
window's soft edge, measured: :math:`c = 0.87`–0.89 where 0.05 was asked), so
:math:`\log L(T)` is differentiable in every parameter; its gradient is the per-step adjoint's
(:class:`~solvers.control._momentum_adjoint.MomentumWorkspace`) pulled back through the
parameters by complex steps. ``coasts = 0`` is the plain family on the same grid — the comparison
the gap is measured against.

Measured (benchmarks/results/momentum.md, 2026-12-01s16): one window holds 33–40 % of the
per-step optimum's gain over the plain family at T = 1e3–1e4; the per-step gain is a sequence of
~40 coast-release-cleanup cycles in steps, which a window in :math:`t/T` does not represent.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from types import SimpleNamespace

import numpy as np
from scipy.optimize import minimize

from theory import PLRFModel
from theory._checks import check_int

from ..dynamics.modes import ModeGrid
from .momentum_longrun import COMPLEX_STEP, longrun_controls, longrun_parameters
from .momentum_per_step import BETA_MAX, _workspace

__all__ = ["COAST_PARAMETERS", "CoastFamily", "CoastSolve", "coast_loss_and_gradient",
           "solve_coast"]  # fmt: skip

#: Parameters of one coast window (see the module docstring), with a start and bounds each.
COAST_PARAMETERS = ("log s/T", "logit span", "log h coast", "logit h release", "log ramp",
                    "log power", "logit c reset")  # fmt: skip
_COAST_START = (math.log(0.025), -0.9, math.log(3e-4), 0.0, math.log(0.05), math.log(1.5), -3.0)
_COAST_BOUNDS = ((math.log(1e-4), math.log(0.9)), (-8.0, 8.0), (math.log(1e-7), math.log(1.0)),
                 (-10.0, 10.0), (math.log(1e-4), math.log(2.0)), (math.log(0.25), math.log(6.0)),
                 (-10.0, 10.0))  # fmt: skip
#: Slope of the windows' logistic edges per step (a quarter step wide).
EDGE = 4.0
#: Value of the log loss for an unstable schedule (the optimiser steps back from it).
UNSTABLE = 50.0


def _sig(x):
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def _softplus(y):
    """``log(1 + e^y)`` (``y`` beyond 30: ``y``), complex-safe: the steps to a window's end,
    smoothed at the end so the ramp is differentiable there and flat after it."""
    big = np.real(y) > 30.0
    return np.where(big, y, np.log1p(np.exp(np.where(big, 0.0, y))))


@dataclass(frozen=True)
class CoastFamily:
    """The coast-and-release family of ``model`` at horizon ``T`` with ``coasts`` windows.

    Parameters: the long-run heavy-ball family's (``knots`` correction values) then
    :data:`COAST_PARAMETERS` per window.
    """

    model: PLRFModel
    T: int
    coasts: int = 1
    knots: int = 3

    def __post_init__(self) -> None:
        check_int("T", self.T, ge=2)
        check_int("coasts", self.coasts, ge=0)
        check_int("knots", self.knots, ge=0)

    @property
    def base_size(self) -> int:
        return len(longrun_parameters("heavy-ball", self.model, self.knots)[0])

    def names(self) -> tuple[str, ...]:
        base = longrun_parameters("heavy-ball", self.model, self.knots)[0]
        return base + tuple(f"{n} [{i}]" for i in range(self.coasts) for n in COAST_PARAMETERS)

    def bounds(self) -> tuple:
        base = longrun_parameters("heavy-ball", self.model, self.knots)[2]
        return tuple(base) + _COAST_BOUNDS * self.coasts

    def start(self, base=None) -> np.ndarray:
        """A start: ``base`` (or the family's default) and the default window repeated."""
        b = longrun_parameters("heavy-ball", self.model, self.knots)[1] if base is None else base
        return np.concatenate([np.asarray(b, float), np.tile(_COAST_START, self.coasts)])

    def coefficients(self, x) -> np.ndarray:
        r"""Per-step ``(alpha, gamma, beta, q)``, shape ``(4, T)``, of the parameters ``x``
        (complex ``x`` gives complex coefficients: the complex-step derivative)."""
        x = np.asarray(x)
        nb = self.base_size
        if x.shape != (len(self.names()),):
            raise ValueError(f"x must have {len(self.names())} entries, got shape {x.shape}")
        t = np.arange(self.T, dtype=float)
        grid = SimpleNamespace(midpoints=t, T=self.T, model=self.model)
        _, h, kappa, _ = longrun_controls("heavy-ball", x[:nb], grid, self.knots)
        c = (1.0 - kappa) * np.ones_like(t)
        h = h * np.ones_like(t)
        for i in range(self.coasts):
            p = x[nb + 7 * i : nb + 7 * (i + 1)]
            s = self.T * np.exp(p[0])
            e = s + (self.T - s) * _sig(p[1])
            hc = np.exp(p[2])
            hr = (2.0 - hc) * _sig(p[3])
            d = (e - s) * np.exp(p[4])
            ramp = hc + hr * (d / (d + _softplus(e - t))) ** np.exp(p[5])
            m = _sig(EDGE * (t - s + 0.5)) * _sig(EDGE * (e - 0.5 - t))  # steps s .. e - 1
            r = _sig(EDGE * (t - e + 0.5)) * _sig(EDGE * (e + 0.5 - t))  # step e (the reset)
            h = (1.0 - m) * h + m * ramp
            c = (1.0 - m - r) * c + m * BETA_MAX + r * _sig(p[6])
        zero, one = np.zeros_like(t), np.ones_like(t)
        return np.array([zero, h, c, one])


def coast_loss_and_gradient(grid: ModeGrid, fam: CoastFamily, x, ws=None):
    """``(log L(T), gradient in x)`` of the family on the per-step ``grid`` (exact recursion)."""
    x = np.asarray(x, dtype=float)
    ws = _workspace(grid, fam.T) if ws is None else ws
    co = fam.coefficients(x)
    f, g = ws(np.ascontiguousarray(co.real))
    if not math.isfinite(f):
        return UNSTABLE, np.zeros(x.size)
    out = np.empty(x.size)
    for i in range(x.size):
        xc = x.astype(complex)
        xc[i] += 1j * COMPLEX_STEP
        out[i] = float(np.sum(fam.coefficients(xc).imag * g)) / COMPLEX_STEP
    return float(f), out


@dataclass(frozen=True)
class CoastSolve:
    """A local optimum of the family: parameters, ``L(T)``, KKT residual (largest projected
    gradient component of ``log L``), evaluations and CPU seconds."""

    family: CoastFamily
    x: np.ndarray
    loss: float
    kkt: float
    evaluations: int
    cpu_seconds: float
    message: str = ""
    names: tuple = field(default=(), repr=False)


def _projected(x, g, bounds):
    lo, hi = (np.array([b[i] for b in bounds]) for i in (0, 1))
    pg = g.copy()
    pg[(x <= lo) & (g > 0)] = 0.0
    pg[(x >= hi) & (g < 0)] = 0.0
    return pg


def solve_coast(grid: ModeGrid, fam: CoastFamily, starts, *, maxiter: int = 400,
                tol: float = 1e-5) -> CoastSolve:  # fmt: skip
    """Minimise ``log L(T)`` over the family's parameters by L-BFGS-B from each row of
    ``starts`` (clipped into the bounds); the best local optimum."""
    bounds = fam.bounds()
    lo, hi = (np.array([b[i] for b in bounds]) for i in (0, 1))
    ws = _workspace(grid, fam.T)
    c0, n = time.process_time(), [0]

    def fg(x):
        n[0] += 1
        return coast_loss_and_gradient(grid, fam, x, ws)

    best = None
    for x0 in np.atleast_2d(np.asarray(starts, float)):
        r = minimize(fg, np.clip(x0, lo, hi), jac=True, method="L-BFGS-B", bounds=bounds,
                     options={"maxiter": maxiter, "maxcor": 30, "ftol": 1e-15, "gtol": tol})  # fmt: skip
        if best is None or r.fun < best.fun:
            best = r
    f, g = fg(best.x)
    kkt = float(np.abs(_projected(best.x, g, bounds)).max())
    return CoastSolve(fam, best.x, math.exp(f), kkt, n[0], time.process_time() - c0,
                      str(best.message), fam.names())  # fmt: skip
