r"""Moment recursion and Monte-Carlo of the general linear momentum update.

Every momentum form of :func:`theory.momentum_form` is the per-mode update (fresh minibatch
gradient ``g`` at the current weights)

.. math::

    v' = \beta v + q\,g, \qquad \Delta' = \Delta - \alpha\,g - \gamma\,v',

with per-step coefficients :math:`(\alpha_t, \gamma_t, \beta_t, q_t)`
(:func:`theory.general_momentum`): EMA momentum is :math:`(0, \eta, \beta, 1-\beta)`, heavy
ball :math:`(0, \eta, \beta, 1)`, the dimension-adapted Nesterov form :math:`(\eta, \zeta,
\beta, 1)`. Its exact second-moment closure is derived by :func:`theory.second_moment_closure`;
:func:`general_momentum_forward` is a compiled copy of it on a weighted mode grid (tested against
the lambdified closure), :func:`simulate_form` its wrapper, and :func:`monte_carlo_form` actual
minibatch SGD with the same update.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from theory import PLRFModel
from theory._checks import check_int

from ._kernels import record_step, start_record
from .modes import ModeGrid
from .montecarlo import gaussian_features, minibatch_gradient, seed_statistics

__all__ = ["general_momentum_forward", "monte_carlo_form", "simulate_form"]


@njit(cache=True)
def general_momentum_forward(
    lam, weight, c0, alpha, gamma, beta, q, inv_m, sigma2, t_record, loss_out
):  # pragma: no cover
    r"""Moment recursion of the general linear momentum update on a weighted mode grid.

    Per mode, with :math:`D = E[\Delta^2]`, :math:`X = E[\Delta v]`, :math:`V = E[v^2]`,
    :math:`G = E[g^2] = (1+\iota)\lambda^2 D + \iota\lambda(L + \sigma^2)` and
    :math:`s = \alpha + \gamma q` (the gradient's total weight in :math:`\Delta'`):

    .. math::

        V' &= \beta^2 V + 2\beta q\lambda X + q^2 G, \\
        X' &= \beta X + q\lambda D - \gamma\beta^2 V - (\gamma q + s)\beta\lambda X - s q G, \\
        D' &= D - 2\gamma\beta X - 2 s\lambda D + \gamma^2\beta^2 V + 2\gamma\beta s\lambda X + s^2 G,

    and :math:`L = \sum_j w_j \lambda_j D_j`. Returns ``(D, X, V, t_fail)``; ``t_fail`` is the
    first step whose loss is not finite (``-1`` if none) and ``loss_out`` gets the loss at the
    steps ``t_record``.
    """
    n = lam.shape[0]
    T = alpha.shape[0]
    D = c0.copy()
    X = np.zeros(n)
    V = np.zeros(n)
    L, j = start_record(weight * lam, D, t_record, loss_out)
    for t in range(T):
        al = alpha[t]
        ga = gamma[t]
        bt = beta[t]
        qq = q[t]
        s = al + ga * qq
        im = inv_m[t]
        noise = im * (L + sigma2)
        Ln = 0.0
        for k in range(n):
            lk = lam[k]
            Dk = D[k]
            Xk = X[k]
            Vk = V[k]
            G = (1.0 + im) * lk * lk * Dk + noise * lk
            Vn = bt * bt * Vk + 2.0 * bt * qq * lk * Xk + qq * qq * G
            Xn = (
                bt * Xk
                + qq * lk * Dk
                - ga * bt * bt * Vk
                - (ga * qq + s) * bt * lk * Xk
                - s * qq * G
            )
            Dn = (
                Dk
                - 2.0 * ga * bt * Xk
                - 2.0 * s * lk * Dk
                + ga * ga * bt * bt * Vk
                + 2.0 * ga * bt * s * lk * Xk
                + s * s * G
            )
            D[k] = Dn
            X[k] = Xn
            V[k] = Vn
            Ln += weight[k] * lk * Dn
        L = Ln
        j = record_step(L, t, j, t_record, loss_out, 1e300)
        if j < 0:
            return D, X, V, t + 1
    return D, X, V, -1


def simulate_form(grid: ModeGrid, coefficients, t_record=None) -> tuple[np.ndarray, np.ndarray]:
    """Loss of the coefficients ``(alpha, gamma, beta, q)`` at ``t_record`` (default: ``T``)."""
    alpha, gamma, bt, q = (np.ascontiguousarray(c, dtype=float) for c in coefficients)
    T = alpha.size
    t_rec = np.array([T]) if t_record is None else np.asarray(t_record, dtype=np.int64)
    out = np.empty(t_rec.size)
    m = grid.model
    inv_m = np.full(T, 0.0 if math.isinf(m.batch) else 1.0 / m.batch)
    with np.errstate(over="ignore", invalid="ignore"):
        general_momentum_forward(
            grid.lam, grid.weight, grid.c0, alpha, gamma, bt, q, inv_m, m.sigma**2, t_rec, out
        )
    return t_rec, out


# -- Monte-Carlo check -------------------------------------------------------------------------


def monte_carlo_form(
    model: PLRFModel, coefficients, *, seeds: int = 1000, seed: int = 0, t_record=None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""Actual minibatch SGD with the general momentum update on Gaussian features.

    Runs ``seeds`` independent trainings (vectorised) of
    :math:`v \leftarrow \beta v + q g`, :math:`w \leftarrow w - \alpha g - \gamma v` with fresh
    batches of ``model.batch`` samples and returns ``(t_record, mean loss, standard error)``;
    the loss of one run is :math:`\sum_k\lambda_k\Delta_k^2` (the expectation the moment
    recursion computes).
    """
    if not isinstance(model, PLRFModel):
        raise TypeError(f"model must be a PLRFModel, got {type(model).__name__}")
    seeds = check_int("seeds", seeds, ge=2)
    alpha, gamma, bt, q = (np.asarray(c, dtype=float) for c in coefficients)
    T = alpha.size
    t_rec = np.array([0, T]) if t_record is None else np.asarray(t_record, dtype=np.int64)
    m = check_int("model.batch", model.batch, ge=1)
    data = gaussian_features(model)
    rng = np.random.default_rng(seed)
    delta = np.tile(data.delta0, (seeds, 1))
    v = np.zeros_like(delta)
    mean, sem = np.full(t_rec.size, np.nan), np.full(t_rec.size, np.nan)

    def record(j):
        mean[j], sem[j] = seed_statistics(delta, data.lam)

    j = 0
    if t_rec[0] == 0:
        record(0)
        j = 1
    for t in range(T):
        g = minibatch_gradient(data, rng, delta, m)
        v = bt[t] * v + q[t] * g
        delta = delta - alpha[t] * g - gamma[t] * v
        if j < t_rec.size and t_rec[j] == t + 1:
            record(j)
            j += 1
    return t_rec, mean, sem
