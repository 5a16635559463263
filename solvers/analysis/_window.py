r"""The window-sensitivity scheme of :mod:`~solvers.analysis.extrapolate` on a long window.

``derived (short)`` fits the primary's model on its fewest values plus one: on the hard window's
12-15-value windows (``span``) that is 4-5 values and 1 degree of freedom, and its distance from
the primary is noise (t = 0.17-1.24 against the difference's standard error at (3.5, 4),
(2.5, 3.2), (2.5, 3): ``benchmarks/results/claims.md``, 2026-12-01s16 (window16) §4).

With ``window="half"`` it is replaced by ``derived (half)``: the same model on the last half of the
primary's window (at least its terms plus two values), whose difference ``d`` from the primary is
compared with that difference's standard error :math:`\mathrm{se} = \hat\sigma_p \lVert r_h - r_p
\rVert` (the two intercepts' weights on the whole sequence, :math:`\hat\sigma_p` the primary's
residual s.d.). A *significant* window effect, :math:`|d| > t_{0.975,\nu}\,\mathrm{se}` (``nu``
the primary's degrees of freedom), counts :math:`|d|`; otherwise the scheme counts ``se``: the
bias a window effect below detection can leave (protocol
``benchmarks/results/window_2026-12-03/PROTOCOL_v4.md``).
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

from ._determined import DETERMINED_LEVEL

__all__ = ["WINDOWS", "window_slice", "window_term"]

#: The window-sensitivity schemes (:class:`~solvers.analysis.extrapolate.ExtrapolationOptions`).
WINDOWS = ("short", "half")


def window_slice(n: int, m: int, terms: int, window: str) -> slice:
    """The window-sensitivity scheme's values of a sequence of ``n`` whose primary window has the
    last ``m`` values and ``terms`` derived terms: the last ``terms + 2`` (``"short"``) or the
    last ``max(ceil(m / 2), terms + 2)`` (``"half"``).

    >>> window_slice(15, 14, 2, "short"), window_slice(15, 14, 2, "half")
    (slice(11, 15, None), slice(8, 15, None))
    >>> window_slice(10, 6, 1, "half")   # a 6-value window: the short scheme's 3 values
    slice(7, 10, None)
    """
    k = terms + 2 if window == "short" else max(math.ceil(m / 2), terms + 2)
    return slice(max(0, n - k), n)


def _embed(row: np.ndarray, sl: slice, n: int) -> np.ndarray:
    out = np.zeros(n)
    out[sl] = row
    return out


def window_term(f, p, n: int) -> float:
    r"""What ``derived (half)`` (``f``) counts in the spread beside the primary ``p`` (both with
    ``value``, ``row`` (intercept weights on ``sl``), ``sl``, ``fit`` and ``det`` = (t ratios,
    degrees of freedom)) on a sequence of ``n`` values: ``|d|`` when significant, else its
    standard error.

    >>> from types import SimpleNamespace as F
    >>> row = np.full(4, 0.25)
    >>> p = F(value=0.5, row=row, sl=slice(0, 4), fit=0.01 * 0.5, det=(np.zeros(0), 3))
    >>> h = F(value=0.51, row=np.array([0.5, 0.5]), sl=slice(2, 4))   # se = 0.01 * 0.5
    >>> far = F(value=0.52, row=h.row, sl=h.sl)   # 0.02 > t_3 * se = 0.0159: significant
    >>> round(window_term(h, p, 4), 4), round(window_term(far, p, 4), 4)
    (0.005, 0.02)
    """
    d = abs(f.value - p.value)
    norm_p = math.sqrt(float(p.row @ p.row))
    if not (p.fit > 0) or norm_p == 0:
        return d  # an exactly determined primary: no noise to compare with
    sigma = p.fit / norm_p  # the primary's residual s.d.
    se = sigma * float(np.linalg.norm(_embed(f.row, f.sl, n) - _embed(p.row, p.sl, n)))
    dof = int(p.det[1]) if p.det is not None else 0
    if dof < 1 or se == 0:
        return d
    crit = float(stats.t.ppf(0.5 + DETERMINED_LEVEL / 2, dof))
    return d if d > crit * se else se
