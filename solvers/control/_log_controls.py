r"""Per-step momentum controls in logarithmic variables: the friction as :math:`\log(1 - \beta)`,
optionally the rates as :math:`\log \eta` too.

Where an optimum holds :math:`1 - \beta` at 1e-7 .. 1e-3 over thousands of steps, the loss is
nearly flat in :math:`\beta` and the moves it wants are decades of :math:`1 - \beta`: steps of
many units in friction-value units, a few in :math:`z = \log(1 - \beta)`
(benchmarks/results/momentum.md, 2026-11-30k §2). The bounds :math:`0 \le \beta \le`
``BETA_MAX`` become :math:`\log(1 - \mathrm{BETA\_MAX}) \le z \le 0`: the friction cap is no
longer a wall at distance 1e-7 from the point.

With ``log_rates`` the rates are :math:`p = \log \eta` as well (bounds
:math:`\log(\mathrm{RATE\_FLOOR}\, w) \le p \le \log \eta_{\max}`, ``w`` the box width). For
heavy ball :math:`(h_t, c_t)` the pair :math:`(p_t, z_t) = (\log h_t, \log(1 - c_t))` is a chart
of the effective rate :math:`g_t = h_t/(1 - c_t)`: :math:`\log g_t = p_t - z_t`, a linear map
(so a Newton step in :math:`(\log g, z)` is the same step), in which heavy ball's box
:math:`h_t \le \eta_{\max}`, :math:`c_t \le` ``BETA_MAX`` stays a box (in :math:`(\log g, z)` it
is :math:`\log g + z \le \log \eta_{\max}`, not one). The one change to the problem is the
floor :math:`\eta \ge \mathrm{RATE\_FLOOR}\, w` in place of :math:`\eta \ge 0`.

Chain rule: :math:`\partial x/\partial y = \mp e^{y}` and :math:`\partial^2 x/\partial y^2 =
\partial x/\partial y` on every transformed entry (:math:`x = 1 - e^{z}` or :math:`x = e^{p}`),
so the Hessian's diagonal in :math:`y` is :math:`h (\partial x/\partial y)^2 + g\,
\partial x/\partial y` there.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ._lbfgsb import BoxResult

__all__ = ["RATE_FLOOR", "VALUE_SCALE_FLOOR", "LogControls"]

#: Floor of the value scaling, as a fraction of the box width: a control at its lower bound
#: keeps a finite scale (the run could not leave the bound otherwise).
VALUE_SCALE_FLOOR = 1e-6
#: Lower bound of a rate in ``log_rates`` variables, as a fraction of its box width (``log 0``
#: is not a bound): far below the converged heavy-ball optima's rates (>= 4e-4 of the width,
#: T = 1e3 - 3e3); unconverged 1e4 end points do hold rates at 0 (benchmarks/results/momentum.md,
#: 2026-12-01p), which this chart cannot represent.
RATE_FLOOR = 1e-12


@dataclass(frozen=True)
class LogControls:
    """The flattened controls ``x`` (bounds ``lo``, ``hi``) as ``y``: the entries ``is_beta``
    as ``log(1 - x)``, the other entries as ``log x`` if ``log_rates`` (their ``lo`` must be 0),
    else unchanged."""

    lo: np.ndarray
    hi: np.ndarray
    is_beta: np.ndarray
    log_rates: bool = False
    is_rate: np.ndarray = field(init=False)

    def __post_init__(self):
        is_rate = ~self.is_beta if self.log_rates else np.zeros_like(self.is_beta)
        if np.any(self.lo[is_rate] != 0.0):
            raise ValueError("log_rates needs rates with lower bound 0")
        object.__setattr__(self, "is_rate", is_rate)

    def _put(self, x: np.ndarray, beta_values, rate_values) -> np.ndarray:
        out = np.array(x, dtype=float)
        out[self.is_beta] = beta_values
        out[self.is_rate] = rate_values
        return out

    @property
    def _floor(self) -> np.ndarray:
        return RATE_FLOOR * (self.hi - self.lo)[self.is_rate]

    @property
    def ylo(self) -> np.ndarray:
        return self._put(self.lo, np.log1p(-self.hi[self.is_beta]), np.log(self._floor))

    @property
    def yhi(self) -> np.ndarray:
        return self._put(self.hi, np.log1p(-self.lo[self.is_beta]), np.log(self.hi[self.is_rate]))

    def to_x(self, y: np.ndarray) -> np.ndarray:
        return self._put(y, -np.expm1(y[self.is_beta]), np.exp(y[self.is_rate]))

    def to_y(self, x: np.ndarray) -> np.ndarray:
        x = np.clip(x, self.lo, self.hi)
        rates = np.log(np.maximum(x[self.is_rate], self._floor))
        return self._put(x, np.log1p(-x[self.is_beta]), rates)

    def _dxdy(self, y: np.ndarray) -> np.ndarray:
        return self._put(np.ones_like(y), -np.exp(y[self.is_beta]), np.exp(y[self.is_rate]))

    def objective(self, fg):
        """``fg`` in ``y``: the gradient by the chain rule ``g dx/dy``."""

        def fgy(y):
            f, g = fg(self.to_x(y))
            return f, (None if g is None else g * self._dxdy(y))

        return fgy

    def diagonal(self, diag):
        """The Hessian's diagonal in ``y`` from ``diag(x) -> (h, g)`` in the controls:
        ``h (dx/dy)^2 + g d^2x/dy^2`` (``d^2x/dy^2 = dx/dy`` on the transformed entries)."""
        logged = self.is_beta | self.is_rate

        def diag_y(y):
            h, g = diag(self.to_x(y))
            d1 = self._dxdy(y)
            return h * d1 * d1 + np.where(logged, g * d1, 0.0), g * d1

        return diag_y

    def kkt(self, kkt):
        """The caller's KKT measure (in the controls) of a point and gradient in ``y``."""
        return lambda y, gy: kkt(self.to_x(y), gy / self._dxdy(y))

    def scale(self, y: np.ndarray) -> np.ndarray:
        """Untransformed rates in units of their own size (floored at ``VALUE_SCALE_FLOOR`` of
        the box), every logarithmic variable in 1."""
        width = self.yhi - self.ylo
        rate = np.clip(y - self.ylo, VALUE_SCALE_FLOOR * width, width)
        return np.where(self.is_beta | self.is_rate, 1.0, rate)

    def result(self, r: BoxResult) -> BoxResult:
        """``r`` (in ``y``) with its point and gradient in the controls."""
        x = self.to_x(r.theta)
        g = None if r.g is None else r.g / self._dxdy(r.theta)
        return BoxResult(x, r.f, g, r.kkt, r.status, r.message, r.iterations, r.runs)
