r"""Heavy ball on the friction cap: the derived growth of the fed-back noise, on a mode grid.

:func:`theory.derive_cap_growth` derives, for a coast (friction ``c = 1``) at frozen rate ``h``,
the Malthusian root :math:`z_*(h)` of the loss's renewal equation and its growth per unit
integrated rate :math:`\kappa(h) = \ln z_*(h)/h`, with the small-rate limit
:math:`\kappa_0 = \iota\rho_*/2`. This module evaluates them on a :class:`ModeGrid` and turns them
into what a coast with a varying rate profile ``h_t`` is predicted to do:

* :meth:`FrozenGrowth.log_growth` — :math:`\sum_t \ln z_*(h_t)`, the growth of the fed-back noise
  if each step grew it at its frozen root (adiabatic in the rate), plus the adiabatic factor
  :math:`\tfrac12\ln(h_{\rm end}/h_{\rm start})` a mode's energy follows;
* :meth:`FrozenGrowth.slope` — its derivative per unit :math:`H = \sum_t h_t` when every rate of
  the coast is scaled by one factor at fixed length (the causal test of 2026-12-01s16 §2):
  :math:`\sum_t h_t\,\tfrac{d}{dh}\ln z_*(h_t) / \sum_t h_t` (the adiabatic factor does not move).

The roots are mpmath's (``theory``); a table of :math:`\kappa` on a log grid of rates is
interpolated by a cubic spline in :math:`\ln h` (:math:`\kappa` is smooth and monotone there).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.interpolate import CubicSpline

from theory import cap_growth_rate, small_rate_growth

from .modes import ModeGrid

__all__ = ["FrozenGrowth", "cap_growth_curve", "frozen_growth"]

#: Rates below this are in the small-rate limit to ~1e-4 relative (kappa(1e-4) - kappa_0 = 5e-5
#: relative at the study's grid): the table starts here and holds kappa_0's neighbourhood.
SMALL_RATE = 1e-5


def cap_growth_curve(grid: ModeGrid, rates) -> np.ndarray:
    r""":math:`\kappa(h)` at each of ``rates`` (shape of ``rates``) on ``grid``."""
    r = np.asarray(rates, dtype=float)
    io = grid.model.inv_batch
    flat = [cap_growth_rate(grid.lam, grid.weight, float(h), io) for h in r.ravel()]
    return np.array(flat).reshape(r.shape)


@dataclass(frozen=True)
class FrozenGrowth:
    r"""The frozen-rate growth of the fed-back noise on one grid.

    Attributes
    ----------
    rates, kappa : ndarray
        The table: :math:`\kappa(h)` at ``rates``.
    kappa0 : float
        The small-rate limit :math:`\iota\rho_*/2`.
    """

    rates: np.ndarray
    kappa: np.ndarray
    kappa0: float

    def _spline(self) -> CubicSpline:
        return CubicSpline(np.log(self.rates), self.kappa)

    def log_z(self, h) -> np.ndarray:
        r""":math:`\ln z_*(h) = h\,\kappa(h)`; rates below the table take :math:`\kappa_0`."""
        h = np.asarray(h, dtype=float)
        if np.any(h > self.rates[-1]):
            raise ValueError(f"rates above the table's {self.rates[-1]!r}: {h.max()!r}")
        lo = h < self.rates[0]
        k = np.where(lo, self.kappa0, self._spline()(np.log(np.maximum(h, self.rates[0]))))
        return h * k

    def log_growth(self, h) -> tuple[float, float]:
        r"""``(sum_t ln z_*(h_t), 1/2 ln(h_end / h_start))`` of a coast's rates ``h``."""
        h = np.asarray(h, dtype=float)
        return float(self.log_z(h).sum()), 0.5 * math.log(h[-1] / h[0])

    def slope(self, h) -> float:
        r""":math:`d\ln(\text{growth})/dH` at fixed length: :math:`\sum_t h_t (\ln z_*)'(h_t)/H`."""
        h = np.asarray(h, dtype=float)
        sp = self._spline()
        x = np.log(np.maximum(h, self.rates[0]))
        k = np.where(h < self.rates[0], self.kappa0, sp(x))
        dk = np.where(h < self.rates[0], 0.0, sp(x, 1))  # d kappa / d ln h
        # d/dh [h kappa(h)] = kappa + dkappa/dln h
        return float((h * (k + dk)).sum() / h.sum())


def frozen_growth(grid: ModeGrid, top: float = 3.0, points: int = 40) -> FrozenGrowth:
    """The :class:`FrozenGrowth` table of ``grid`` on ``points`` log-spaced rates up to ``top``."""
    rates = np.geomspace(SMALL_RATE, top, points)
    return FrozenGrowth(rates, cap_growth_curve(grid, rates),
                        small_rate_growth(grid.lam, grid.weight, grid.model.inv_batch))  # fmt: skip
