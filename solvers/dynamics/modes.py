r"""Mode grids for long horizons: exact leading modes plus a log-binned tail, and the closed-form
loss of a constant rate.

docs/theory.md §1: truncating the spectrum at ``n_modes`` drops the unlearned tail and biases fitted
exponents. A :class:`ModeGrid` keeps modes ``k <= exact`` one by one and groups the rest of
``k <= n_modes`` into geometric bins of ratio ``ratio``; bin ``j`` holds :math:`w_j` modes,
represented by one mode :math:`\kappa_j` chosen to keep the bin's bias mass exactly,
:math:`w_j \kappa_j^{-a} = \sum_{k \in j} k^{-a}` (Hurwitz zeta differences). The recursion of
docs/theory.md §1 is then run with the weighted loss

.. math::

    L(t) = \sum_j w_j \lambda_j c_j(t),\qquad
    c_j(t+1) = D_j c_j(t) + \tfrac{\eta^2}{m}\lambda_j \bigl(L(t) + \sigma^2\bigr),

with :math:`D_j = 1 - 2\eta\lambda_j + (1 + 1/m)\eta^2\lambda_j^2` — identical to
:func:`solvers.simulate` when every weight is one.

For a constant rate the recursion is linear and time-invariant, :math:`c' \mapsto A c' + f`
with the symmetric :math:`A = \mathrm{diag}(D) + g v v^\top` in the variables
:math:`c'_j = \sqrt{w_j} c_j`, :math:`v_j = \sqrt{w_j}\lambda_j`, :math:`g = \eta^2/m`. One
eigendecomposition of :math:`B = I - A = Q\,\mathrm{diag}(\beta)\,Q^\top` — from its secular
equation, to relative accuracy (:mod:`solvers.dynamics._secular`) — gives the loss at every
horizon at once,

.. math::

    L(T) = v^\top Q\Bigl[(1-\beta)^T Q^\top c'(0)
           + \frac{1 - (1-\beta)^T}{\beta} Q^\top f\Bigr],

at a cost independent of ``T`` (:func:`constant_rate_loss`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq
from scipy.special import zeta

from theory import PLRFModel
from theory._checks import check_int, check_real

from ._kernels import weighted_forward
from ._secular import secular_modes
from .recursion import as_batch_schedule, as_schedule

#: Loss beyond which a run counts as blown up (the next steps overflow to inf).
OVERFLOW_LOSS = 1e300

__all__ = [
    "ModeGrid",
    "constant_rate_loss",
    "grid_final_loss",
    "grid_stability_limit",
    "tail_source_model",
]

#: Default number of leading modes kept exactly (the learned front stays below it for the
#: horizons of the tests; beyond it the binned tail carries the unlearned mass).
DEFAULT_EXACT_MODES = 256
#: Default ratio of successive bin edges: ~10 bins per e-fold; relative binning error ~1e-6 (tested).
DEFAULT_BIN_RATIO = 1.1


@dataclass(frozen=True)
class ModeGrid:
    r"""Modes of a :class:`theory.PLRFModel` as (eigenvalue, initial error, multiplicity).

    Attributes
    ----------
    model : PLRFModel
    lam, c0, weight : ndarray, shape (n_states,)
        :math:`\lambda_j`, :math:`c_j(0)`, :math:`w_j` (1 for exact modes).
    exact : int
        Number of leading modes kept one by one.
    ratio : float
        Bin-edge ratio of the tail (1 means no binning).
    """

    model: PLRFModel
    lam: np.ndarray
    c0: np.ndarray
    weight: np.ndarray
    exact: int
    ratio: float

    @classmethod
    def from_model(
        cls,
        model: PLRFModel,
        *,
        exact: int = DEFAULT_EXACT_MODES,
        ratio: float = DEFAULT_BIN_RATIO,
    ) -> ModeGrid:
        """Exact modes ``1..min(exact, n_modes)``, then geometric bins up to ``n_modes``.

        Examples
        --------
        The bins keep the total bias mass :math:`\\sum_{k \\le N} k^{-a}`:

        >>> g = ModeGrid.from_model(PLRFModel(a=2, b=1.5, n_modes=10**6), exact=10)
        >>> bool(abs(g.initial_loss - float(sum(k**-2.0 for k in range(1, 10**6 + 1)))) < 1e-12)
        True
        """
        if not isinstance(model, PLRFModel):
            raise TypeError(f"model must be a PLRFModel, got {type(model).__name__}")
        exact = check_int("exact", exact, ge=1)
        ratio = check_real("ratio", ratio, gt=1)
        N = model.n_modes
        K0 = min(exact, N)
        k = np.arange(1, K0 + 1, dtype=float)
        lam = [k ** (-model.b)]
        c0 = [k ** (-(model.a - model.b))]
        w = [np.ones(K0)]
        if N > K0:
            edges = [K0 + 1]
            while edges[-1] <= N:
                edges.append(max(edges[-1] + 1, math.floor(edges[-1] * ratio)))
            edges[-1] = N + 1
            lo = np.asarray(edges[:-1], dtype=float)
            hi = np.asarray(edges[1:], dtype=float)
            cnt = hi - lo
            mass = zeta(model.a, lo) - zeta(model.a, hi)  # sum_{lo <= k < hi} k^-a
            kap = (mass / cnt) ** (-1.0 / model.a)
            lam.append(kap ** (-model.b))
            c0.append(kap ** (-(model.a - model.b)))
            w.append(cnt)
        return cls(model, np.concatenate(lam), np.concatenate(c0), np.concatenate(w), K0, ratio)

    @property
    def n_states(self) -> int:
        return int(self.lam.size)

    @property
    def initial_loss(self) -> float:
        """:math:`L(0) = \\sum_j w_j\\lambda_j c_j(0)`."""
        return float(np.sum(self.weight * self.lam * self.c0))


def tail_source_model(model: PLRFModel) -> PLRFModel:
    r"""``model`` with the loss of the modes it lacks in its noise source,
    :math:`\sigma^2 \to \sigma^2 + c_N`, :math:`c_N = \sum_{k>N} k^{-a}` (``model.tail_loss``,
    the floor of ``theory``'s "finite mode count" correction). Those modes are unlearned (after
    :math:`\int\eta` of intrinsic time they keep all but :math:`2 N^{-b}\int\eta` of their
    loss; the noise they receive is :math:`\eta^2\lambda_k^2` per unit source), and the
    recursion is affine in the source, so this model's loss plus :math:`c_N` is the infinite
    model's (``tests/test_unlearned_tail.py``: 1e-12 relative at (1.2, 4), ``N = 1e4``, against
    ``N = 1e15``). A :class:`ModeGrid` sums the modes ``k <= N`` exactly and the continuum
    quadrature integrates ``[k0 - 1/2, N + 1/2]``, which differs from :math:`c_N` by
    :math:`O(N^{-a-2})`.

    Near ``a = 1`` the tail is a slowly growing share of the loss, :math:`(k_*/N)^{a-1}`, and
    steepens its local exponent by about that share times the exponent: at (1.2, 4) with the
    default run's ``N = 8e18`` by 3.8e-5 at ``T = 1e13``, the size of the hard loss's interval
    (``benchmarks/results/claims.md``, 2026-12-01s19 lead). Loss-exponent claims add it back.
    """
    return model.replace(sigma=math.sqrt(model.sigma**2 + model.tail_loss))


def grid_final_loss(grid: ModeGrid, eta, *, record=None) -> tuple[float, np.ndarray | None]:
    """Run the weighted recursion for schedule ``eta`` (shape ``(T,)``) at the model's batch.

    Returns ``(L(T), losses at record)``; ``L(T) = inf`` if the loss blew up.
    """
    eta = as_schedule(eta)
    T = eta.size
    inv_m = as_batch_schedule(grid.model.batch, T)
    t_rec = np.array([T], dtype=np.int64) if record is None else np.asarray(record, np.int64)
    if t_rec[-1] != T:
        t_rec = np.append(t_rec, T)
    out = np.empty(t_rec.size)
    _, fail = weighted_forward(
        grid.lam, grid.weight, grid.c0, eta, inv_m, grid.model.sigma**2, t_rec, out
    )
    # a loss past 1e300 has blown up even if it has not yet overflowed to inf
    final = math.inf if fail >= 0 or out[-1] > OVERFLOW_LOSS else float(out[-1])
    return final, (None if record is None else out)


def _noise_sum(grid: ModeGrid, eta: float) -> float:
    im = grid.model.inv_batch
    den = 2.0 - (1.0 + im) * eta * grid.lam
    if (den <= 0).any():
        return math.inf
    return float(np.sum(grid.weight * eta * grid.lam * im / den))


def grid_stability_limit(grid: ModeGrid) -> float:
    """Largest stable constant rate of the weighted recursion (same criterion as
    :func:`solvers.stability_limit`: every :math:`D_j < 1` and :math:`S(\\eta) < 1`)."""
    im = grid.model.inv_batch
    per_mode = 2.0 / ((1.0 + im) * grid.lam.max())
    hi = per_mode * (1 - 1e-15)
    if im == 0.0 or _noise_sum(grid, hi) < 1.0:
        return per_mode
    return float(brentq(lambda e: _noise_sum(grid, e) - 1.0, 0.0, hi, xtol=1e-14))


def constant_rate_loss(grid: ModeGrid, eta: float, T) -> np.ndarray:
    """Excess loss ``L(T)`` of the constant rate ``eta`` at every horizon in ``T``, exactly.

    Parameters
    ----------
    grid : ModeGrid
    eta : float
        Constant learning rate (> 0).
    T : int or array_like of int
        Horizons.

    Returns
    -------
    ndarray, shape of ``T``
        ``inf`` if the rate is at or above :func:`grid_stability_limit`.
    """
    eta = check_real("eta", eta, gt=0)
    Ts = np.asarray(T, dtype=float)
    if (Ts < 0).any() or (Ts != np.round(Ts)).any():
        raise ValueError(f"T must be non-negative integers, got {T!r}")
    if eta >= grid_stability_limit(grid):
        return np.full(Ts.shape, math.inf)
    im = grid.model.inv_batch
    lam, w = grid.lam, grid.weight
    g = im * eta * eta
    d = lam * (2.0 * eta - (1.0 + im) * eta * eta * lam)  # 1 - D_j
    mass = w * lam * grid.c0  # v_j (sqrt(w_j) c_j(0)): each bin's bias mass
    if g > 0:
        # relative accuracy for the small eigenvalues (a dense eigensolver loses it: _secular)
        beta, bias, noise = secular_modes(d, w * lam * lam, mass, g)
        noise = noise * (g * grid.model.sigma**2)
    else:
        beta, bias, noise = d, mass, np.zeros_like(d)
    pos = beta < 1
    logmod = np.where(pos, np.log1p(-np.where(pos, beta, 0.0)), np.log(np.abs(1.0 - beta)))
    x = np.multiply.outer(Ts, logmod)  # T log|1 - beta|, shape T.shape + (n,)
    odd_negative = np.multiply.outer(Ts % 2 == 1, ~pos)  # (1 - beta)^T < 0
    powT = np.where(odd_negative, -np.exp(x), np.exp(x))
    # (1 - (1 - beta)^T)/beta = -expm1(T log(1 - beta))/beta, -> T as beta -> 0
    with np.errstate(divide="ignore", invalid="ignore"):
        geo = np.where(
            np.abs(beta) > 1e-300,
            np.where(odd_negative, 1.0 + np.exp(x), -np.expm1(x)) / beta,
            Ts[..., None] if Ts.ndim else Ts,
        )
    return (powT * bias).sum(-1) + (geo * noise).sum(-1)
