r"""Whether the values a scheme was fitted to determine its parameters.

A scheme of :mod:`~solvers.analysis.extrapolate` fits :math:`s_i = p + \sum_j c_j
x_i^{-\omega_j}` (``omega`` fixed or, for ``free omega``, fitted too) by least squares on a few
local slopes. Its parameters :math:`\theta` have the fit's own covariance
:math:`\hat\sigma^2 (J^\top J)^{-1}`, :math:`\hat\sigma^2 = \mathrm{RSS}/\nu`,
:math:`\nu` = values minus parameters, :math:`J` the Jacobian of the model at the fit. A parameter
is *determined* when its two-sided Student-t interval at :data:`DETERMINED_LEVEL` excludes zero:
:math:`|\theta_k| \ge t_{\nu}\, \mathrm{SE}(\theta_k)`. A scheme with no residual degrees of
freedom (:math:`\nu = 0`) determines nothing: its fit passes through its values exactly.

For two nested linear schemes the difference of their intercepts is proportional to the larger
one's extra amplitude, so "the extra amplitude is determined" and "the two intercepts differ by
more than their noise" are the same test.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

__all__ = ["DETERMINED_LEVEL", "is_determined", "t_ratios"]

#: Two-sided level of the test (0.95: the interval a verdict's ``z = 2`` stands for).
DETERMINED_LEVEL = 0.95
#: Singular values below this fraction of the largest (Jacobian with unit columns): the fit
#: cannot separate its parameters, so none of them is determined.
RANK_TOL = 1e-12


def t_ratios(J: np.ndarray, theta: np.ndarray, rss: float, dof: int) -> np.ndarray:
    r""":math:`|\theta_k| / \mathrm{SE}(\theta_k)` from the fit's own covariance (columns scaled to
    unit norm before the inversion: the correction columns :math:`x^{-\omega}` are 1e-7 at
    :math:`x = 10^{13}`); zeros without residual degrees of freedom or for a rank-deficient ``J``.

    >>> x = np.geomspace(1e3, 1e8, 6)
    >>> J = np.column_stack([np.ones(6), x**-0.5])
    >>> r = np.array([1e-4, -1e-4, 1e-4, -1e-4, 1e-4, -1e-4])
    >>> t = t_ratios(J, np.array([0.7, 2.0]), float(r @ r), 4)
    >>> bool(t[0] > 1e3), bool(t[1] > 10)
    (True, True)
    """
    J = np.asarray(J, float)
    theta = np.asarray(theta, float)
    norms = np.linalg.norm(J, axis=0)
    if dof <= 0 or not np.all(norms > 0) or not np.all(np.isfinite(J)):
        return np.zeros(theta.size)
    sv, vt = np.linalg.svd(J / norms, full_matrices=False)[1:]
    if sv[-1] <= RANK_TOL * sv[0]:
        return np.zeros(theta.size)
    cov = (vt.T / sv**2) @ vt * (rss / dof)
    se = np.sqrt(np.maximum(np.diag(cov), 0.0)) / norms
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(se > 0, np.abs(theta) / se, np.inf)


def is_determined(t: np.ndarray, dof: int, level: float = DETERMINED_LEVEL) -> bool:
    """Every ratio of ``t`` at least the two-sided Student-t quantile with ``dof`` degrees of
    freedom (``False`` for ``dof <= 0``; ``True`` for no ratios at all: nothing to determine).

    >>> is_determined(np.array([3.0]), 4), is_determined(np.array([3.0]), 2)  # t_4 2.78, t_2 4.30
    (True, False)
    """
    t = np.asarray(t, float)
    if t.size == 0:
        return True
    if dof <= 0:
        return False
    return bool(np.all(t >= stats.t.ppf(0.5 + level / 2, dof)))
