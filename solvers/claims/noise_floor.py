r"""The learned modes' noise floor divided out of xi's readout: the reduced problem, solved.

:func:`theory.noise_floor` derives the reduced problem that carries the floor: the learned modes
eliminated at their fixed point, the final loss is
:math:`B(U_0) + (\sigma^2/m)\int \varphi(\eta) K(2U)\,dt`, :math:`\varphi = \eta^2/(1 - S(\eta))`,
with the first integral :math:`(\sigma^2/m)K(2U)\psi(\eta) = \nu` and the start condition
:math:`B'(U_0) + (\sigma^2/m)K(2U_0)\varphi'(\eta_0) = 0`. :class:`ReducedOptimum` solves it
with the exact mode sums (the kernel :math:`K`, the bias slope :math:`B'` and
:math:`S(\eta) = \sum_k s(\eta k^{-b})`) for one horizon: ``U_0`` by root finding on the time
budget :math:`T = \int_0^{U_0} dU/\eta(U)`, the window's mean rate from the times to go. With
:math:`S = 0` (the layer alone, :mod:`theory._easy_layer`) the same solve gives the layer's
optimum; :func:`floor_factor` is the ratio of the two window means, what the floor does to the
mean rate at that horizon (all orders in :math:`S`, with the layer). xi's readout divides it
out beside the layer's factor (:func:`solvers.claims.easy_layer.divided_mean`).

Measured against the continuum optima at (4, 3.5) (benchmarks/results/claims.md, 2026-12-01x
(xi13)): the reduced problem's ``U_0`` is within 0.4 % of the optimum's at ``T = 1e7 .. 1e11``.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
import sympy as sp
from scipy.interpolate import CubicSpline
from scipy.optimize import brentq

from theory import PLRFModel, noise_floor
from theory._easy_layer import _FRONT_MAX, mode_sum

__all__ = [
    "FLOOR_S_MAX",
    "MIN_HORIZONS",
    "ReducedOptimum",
    "floor_exponent",
    "floor_factor",
    "floor_factors",
]

#: The reduced problem is solved where the floor's start value :math:`S(\eta_0)` is below this:
#: beyond it the learned modes' fixed point is not a small correction (and the start rate nears
#: the stability limit, which the reduced problem does not carry); there no factor is given.
FLOOR_S_MAX = 0.3
#: Fewest horizons with a factor for xi's readout to divide the floor (else it divides nothing).
MIN_HORIZONS = 6
#: Modes summed directly in :math:`S(\eta)` (its nonlinear part decays as :math:`k^{-2b}`).
_S_MODES = 20000
#: ln U range of the kernel's tabulated deviation from its power law (beyond: the power law).
_LNU_MIN = -12.0
_GL = np.polynomial.legendre.leggauss(12)


class ReducedOptimum:
    r"""The reduced problem at one model (with the floor, or ``floor=False``: :math:`S = 0`)."""

    def __init__(self, model: PLRFModel, floor: bool = True):
        fl = noise_floor()
        self.b, self.a = float(model.b), float(model.a)
        self.s2m = float(model.sigma) ** 2 / float(model.batch)
        self.n_modes, self.floor = float(model.n_modes), floor
        iota = self.iota = 1.0 / float(model.batch)
        x, im = fl.share_symbols
        self._share = sp.lambdify(x, fl.share.subs(im, iota), "numpy")
        self._psi = sp.lambdify(fl.symbols, fl.first_integral, "numpy")
        self._dphi = sp.lambdify(fl.symbols, fl.start_slope, "numpy")
        b = self.b
        self.q, self.kap = 2 - 1 / b, math.gamma(2 - 1 / b) / b
        self.u_front = _FRONT_MAX**b / 2  # K = its power law to 1e-12 beyond
        lu = np.linspace(_LNU_MIN, math.log(self.u_front), 800)
        dev = [math.log(mode_sum(b, 2 * b, 2 * math.exp(v), self.n_modes)
                        / (self.kap * (2 * math.exp(v)) ** -self.q)) for v in lu]  # fmt: skip
        self._dev = CubicSpline(lu, dev)
        self.k0 = mode_sum(b, 2 * b, 0.0, self.n_modes)
        self._table_S()

    def _table_S(self) -> None:
        """:math:`S(\\eta)/\\eta` tabulated up to where the fixed point's share is singular."""
        lam = np.arange(1, _S_MODES + 1, dtype=float) ** -self.b
        lin = float(self._share(1e-12)) / 1e-12  # s'(0)
        total = mode_sum(self.b, self.b, 0.0, self.n_modes)  # sum_k lambda_k (N modes)
        fl = noise_floor()
        x, im = fl.share_symbols
        den = sp.denom(sp.together(fl.share.subs(im, self.iota)))
        poles = [float(r) for r in sp.solve(den, x) if r.is_real and r > 0]
        x_max = 0.95 * min(poles, default=1.0)  # the fixed point's pole (stability), lambda_1 = 1
        ee = np.linspace(0.0, x_max, 1201)
        h = [lin * total]
        for e in ee[1:]:
            x = e * lam
            h.append(lin * total + float(np.sum(self._share(x) - lin * x)) / e)
        self._h = CubicSpline(ee, h)
        S = ee * np.asarray(h)
        self.eta_hi = float(ee[np.argmax(S > 0.9)]) if np.any(S > 0.9) else float(ee[-1])

    def kernel(self, U):
        """:math:`K(2U)`, exact (the tabulated deviation from the power law, or the law)."""
        U = np.maximum(np.asarray(U, float), 1e-300)
        lu = np.log(U)
        law = self.kap * (2 * U) ** -self.q
        inner = law * np.exp(self._dev(np.clip(lu, _LNU_MIN, math.log(self.u_front))))
        out = np.where(lu > math.log(self.u_front), law, inner)
        return np.where(lu < _LNU_MIN, self.k0, out)

    def S(self, e):
        """:math:`(S, dS/d\\eta)` at the rates ``e`` (zeros without the floor)."""
        e = np.asarray(e, float)
        if not self.floor:
            return 0 * e, 0 * e
        h = self._h(e)
        return e * h, h + e * self._h(e, 1)

    def _inverse(self, f, v):
        """The rates where the increasing ``f(eta, S, S1)`` equals ``v`` (bisection in log)."""
        v = np.asarray(v, float)
        lo, hi = np.full(v.shape, -60.0), np.full(v.shape, math.log(self.eta_hi))
        with np.errstate(all="ignore"):
            for _ in range(64):
                mid = 0.5 * (lo + hi)
                e = np.exp(mid)
                up = f(e, *self.S(e)) > v
                hi, lo = np.where(up, mid, hi), np.where(up, lo, mid)
            e = np.exp(0.5 * (lo + hi))
            for _ in range(2):  # Newton polish
                d = 1e-6 * e
                df = (f(e + d, *self.S(e + d)) - f(e - d, *self.S(e - d))) / (2 * d)
                e = e - (f(e, *self.S(e)) - v) / df
        return e

    def rate(self, U, nu):
        r"""The rate at remaining intrinsic time ``U`` on the extremal ``nu`` (first integral)."""
        return self._inverse(self._psi, nu / (self.s2m * self.kernel(U)))

    def time_to_go(self, U: float, nu: float) -> float:
        r""":math:`\int_0^U dU'/\eta`: Gauss-Legendre on ``[0, 1]`` and on panels of ``log U``."""
        x, w = _GL
        lo = min(U, 1.0)
        pts, wts = [lo * (x + 1) / 2], [lo * w / 2]
        if U > 1:
            span = math.log(U)
            n = max(1, math.ceil(span / 0.4))
            for i in range(n):
                s = span * (i + (x + 1) / 2) / n
                pts.append(np.exp(s))
                wts.append(np.exp(s) * w * span / (2 * n))
        pts, wts = np.concatenate(pts), np.concatenate(wts)
        return float(np.sum(wts / self.rate(pts, nu)))

    def start(self, U0: float) -> tuple[float, float]:
        """``(nu, eta_0)`` of the extremal that starts at ``U0`` (the start condition)."""
        g = self.s2m * float(self.kernel(U0))
        slope = 2 * mode_sum(self.b, self.a + self.b, 2 * U0, self.n_modes)  # -B'(U0)
        e0 = float(self._inverse(self._dphi, np.array([slope / g]))[0])
        return g * float(self._psi(e0, *self.S(e0))), e0

    def solve(self, T: float) -> tuple[float, float, float]:
        """``(U0, nu, eta_0)`` of the reduced optimum at horizon ``T``."""
        guess = (self.b / self.a) * math.log(T)

        def budget(lu: float) -> float:
            with np.errstate(all="ignore"):
                nu, _ = self.start(math.exp(lu))
                v = self.time_to_go(math.exp(lu), nu) - T
            return v if math.isfinite(v) else -T

        lu = brentq(budget, guess - 3.0, guess + 3.0, xtol=1e-13)
        nu, e0 = self.start(math.exp(lu))
        return math.exp(lu), nu, e0

    def window_mean(self, T: float, window: tuple[float, float]) -> tuple[float, float]:
        """The mean rate over ``t/T in window`` and the start value of ``S``."""
        U0, nu, e0 = self.solve(T)

        def U_at(s: float) -> float:
            def gap(lu):
                return self.time_to_go(math.exp(lu), nu) - (1 - s) * T

            return math.exp(brentq(gap, -40.0, math.log(U0), xtol=1e-14))

        mean = (U_at(window[0]) - U_at(window[1])) / ((window[1] - window[0]) * T)
        return mean, float(self.S(e0)[0])


@lru_cache(maxsize=8)
def _reduced(model: PLRFModel, floor: bool) -> ReducedOptimum:
    return ReducedOptimum(model, floor)


@lru_cache(maxsize=512)
def floor_factor(model: PLRFModel, T: float, window: tuple[float, float]) -> float:
    """What the noise floor does to the mean rate over ``t/T in window`` at horizon ``T``: the
    reduced optimum's window mean with the floor over that without it; ``nan`` where the
    floor's start value exceeds :data:`FLOOR_S_MAX` (or the reduced problem has no solution)."""
    try:
        on, s0 = _reduced(model, True).window_mean(float(T), window)
        if not s0 <= FLOOR_S_MAX:
            return math.nan
        off, _ = _reduced(model, False).window_mean(float(T), window)
    except ValueError:  # no root: the reduced problem does not reach this horizon
        return math.nan
    return on / off


def floor_factors(model: PLRFModel, sol: dict, Ts, window: tuple[float, float]) -> dict:
    """:func:`floor_factor` per horizon of a sweep, ``nan`` (the horizon left out) where it has
    none; ``{}`` (nothing divided) when fewer than :data:`MIN_HORIZONS` have one or any optimum
    does not end on the layer's floor (:func:`~solvers.claims.easy_layer.layer_epsilon` 0: not
    an optimum of this problem, e.g. a stand-in of the outer form)."""
    from .easy_layer import layer_epsilon

    if any(layer_epsilon(model, sol[T], T) == 0 for T in Ts):
        return {}
    out = {T: floor_factor(model, float(T), tuple(window)) for T in Ts}
    return out if sum(map(math.isfinite, out.values())) >= MIN_HORIZONS else {}


def floor_exponent(model: PLRFModel) -> float:
    """The floor's correction exponent at ``model`` (:attr:`theory.NoiseFloor.exponent`)."""
    from theory import symbols

    return float(noise_floor().exponent.subs({symbols.a: model.a, symbols.b: model.b}))


def divided_readout(model: PLRFModel, sol: dict, Ts, window: tuple[float, float]):
    """xi's readout of an optimum, ``readout(result, T)``: its mean rate over ``t/T in window``
    with the end-of-run layer (:func:`~solvers.claims.easy_layer.divided_mean`) and the floor
    (:func:`floor_factors`) divided out, ``nan`` at a horizon without a floor factor (left out
    of the fit); and the diagnostics: the factors, and the floor's exponent as removed from the
    fit's derived corrections where it was divided (``removed_omegas``)."""
    from .easy_layer import divided_mean

    fl = floor_factors(model, sol, Ts, window)

    def readout(res, T):
        return divided_mean(model, res, T, window) / fl.get(T, 1.0)

    diag = {"floor_factor": [fl.get(T, math.nan) for T in Ts]}
    return readout, {**diag, **({"removed_omegas": [floor_exponent(model)]} if fl else {})}
