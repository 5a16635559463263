r"""Parametrisations of the direct solver: maps from optimisation parameters to per-step controls.

A :class:`Parametrisation` turns parameters :math:`\theta` in a box into the per-step controls of
the recursion (the rate :math:`\eta_t`, and optionally the inverse batch size :math:`1/m_t`) and
pulls the per-step gradients of :math:`\log L(T)` back to :math:`\theta` (a vector-Jacobian
product). :class:`StepRate` (one rate per step), :class:`BlockRate` (piecewise constant) and
:class:`BatchBudget` (rate and batch size under a sample budget) are the built-in ones; the
smoothness penalty of :func:`~solvers.control.solve_direct` wraps any of them.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod

import numpy as np

from theory._checks import check_int, check_real

#: Default geometric growth of the control blocks (about 4 blocks per e-fold of t or T - t).
DEFAULT_RATIO = 1.3
#: Default cap on a block, as a fraction of T.
DEFAULT_MAX_BLOCK = 0.05

__all__ = ["BatchBudget", "BlockRate", "Parametrisation", "StepRate", "block_edges"]


class Parametrisation(ABC):
    r"""Map from optimisation parameters :math:`\theta` (in a box) to per-step controls.

    Subclasses define ``T``, ``n_params``, the box (``lower``, ``upper``), :meth:`controls`
    and its vector-Jacobian product :meth:`vjp`. This is the extension point for new controls:
    a parametrisation returns every control it sets (``"eta"`` always; ``"inv_batch"`` when it
    sets the batch size) and pulls back the matching gradients.
    """

    T: int
    n_params: int

    @property
    @abstractmethod
    def lower(self) -> np.ndarray: ...

    @property
    @abstractmethod
    def upper(self) -> np.ndarray: ...

    @abstractmethod
    def controls(self, theta: np.ndarray) -> dict[str, np.ndarray]:
        """Per-step controls, each of shape ``(T,)``: ``"eta"`` and optionally ``"inv_batch"``."""

    @abstractmethod
    def vjp(self, theta: np.ndarray, grads: dict[str, np.ndarray]) -> np.ndarray:
        """Pull back per-step gradients (same keys as :meth:`controls`) to ``theta``."""

    @abstractmethod
    def from_eta(self, eta: np.ndarray) -> np.ndarray:
        """Parameters whose rate schedule approximates ``eta`` (used for initial guesses)."""

    def penalty(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        """Extra objective term and its gradient (default none)."""
        return 0.0, np.zeros_like(theta)

    def describe(self) -> dict:
        return {"kind": type(self).__name__, "n_params": self.n_params}


class StepRate(Parametrisation):
    """One learning rate per step (full resolution), ``0 <= eta_t <= eta_max``."""

    def __init__(self, T: int, eta_max: float) -> None:
        self.T = check_int("T", T, ge=1)
        self.eta_max = check_real("eta_max", eta_max, gt=0)
        self.n_params = self.T

    @property
    def lower(self) -> np.ndarray:
        return np.zeros(self.n_params)

    @property
    def upper(self) -> np.ndarray:
        return np.full(self.n_params, self.eta_max)

    def controls(self, theta):
        return {"eta": theta}

    def vjp(self, theta, grads):
        return grads["eta"]

    def from_eta(self, eta):
        return np.clip(eta, 0.0, self.eta_max)


class BlockRate(Parametrisation):
    """Learning rate piecewise constant on ``K`` blocks of steps.

    The blocks are (nearly) equal by default; ``edges`` (``K + 1`` increasing integers from 0
    to ``T``) sets them explicitly.
    """

    def __init__(self, T: int, K: int, eta_max: float, *, edges=None) -> None:
        self.T = check_int("T", T, ge=1)
        K = check_int("K", K, ge=1)
        if K > self.T:
            raise ValueError(f"K (number of blocks) must be <= T = {self.T}, got {K}")
        self.eta_max = check_real("eta_max", eta_max, gt=0)
        self.n_params = K
        if edges is None:
            self.edges = np.linspace(0, self.T, K + 1).round().astype(np.int64)
        else:
            e = np.asarray(edges)
            if (
                e.shape != (K + 1,)
                or not np.issubdtype(e.dtype, np.integer)
                or e[0] != 0
                or e[-1] != self.T
                or np.any(np.diff(e) < 1)
            ):
                raise ValueError(
                    f"edges must be K + 1 = {K + 1} strictly increasing integers from 0 to "
                    f"T = {self.T}, got {edges!r}"
                )
            self.edges = e.astype(np.int64)
        self.index = np.repeat(np.arange(K), np.diff(self.edges))

    @property
    def lower(self):
        return np.zeros(self.n_params)

    @property
    def upper(self):
        return np.full(self.n_params, self.eta_max)

    def controls(self, theta):
        return {"eta": theta[self.index]}

    def vjp(self, theta, grads):
        return np.add.reduceat(grads["eta"], self.edges[:-1])

    def from_eta(self, eta):
        s = np.add.reduceat(np.asarray(eta, dtype=float), self.edges[:-1])
        return np.clip(s / np.diff(self.edges), 0.0, self.eta_max)

    def describe(self):
        return {**super().describe(), "K": self.n_params}


class BatchBudget(Parametrisation):
    r"""Joint learning rate and batch size under a sample budget :math:`\sum_t m_t = D`.

    .. math::

        m_t = m_{\min} + (D - T m_{\min})\,\frac{w_t}{\sum_s w_s},\qquad 0 \le w_t \le 1,

    so the budget holds exactly and :math:`m_t \ge m_{\min}` for every parameter in the box.
    An upper bound ``m_max`` is enforced by the quadratic penalty
    :math:`\mu\sum_t (\max(0, m_t - m_{\max})/m_{\max})^2`. The rate is any rate
    parametrisation (per step by default); ``theta = (rate parameters, w)``.
    """

    def __init__(
        self,
        rate: Parametrisation,
        budget: float,
        *,
        m_min: float = 1.0,
        m_max: float = math.inf,
        penalty_weight: float = 1e3,
    ) -> None:
        if not isinstance(rate, Parametrisation):
            raise TypeError(f"rate must be a Parametrisation, got {type(rate).__name__}")
        self.rate = rate
        self.T = rate.T
        self.m_min = check_real("m_min", m_min, ge=1)
        self.m_max = check_real("m_max", m_max, ge=self.m_min, allow_inf=True)
        self.budget = check_real("budget", budget, ge=self.T * self.m_min)
        if self.budget > self.T * self.m_max:
            raise ValueError(
                f"budget must be <= T * m_max = {self.T * self.m_max:g}, got {budget!r}"
            )
        self.penalty_weight = check_real("penalty_weight", penalty_weight, ge=0)
        self.n_params = rate.n_params + self.T

    @property
    def lower(self):
        return np.concatenate([self.rate.lower, np.zeros(self.T)])

    @property
    def upper(self):
        return np.concatenate([self.rate.upper, np.ones(self.T)])

    def _split(self, theta):
        return theta[: self.rate.n_params], theta[self.rate.n_params :]

    def batch(self, theta: np.ndarray) -> np.ndarray:
        """Batch sizes ``m_t``, shape ``(T,)``."""
        _, w = self._split(theta)
        W = max(float(w.sum()), np.finfo(float).tiny)
        return self.m_min + (self.budget - self.T * self.m_min) * w / W

    def controls(self, theta):
        r, _ = self._split(theta)
        return {**self.rate.controls(r), "inv_batch": 1.0 / self.batch(theta)}

    def _pull_m(self, theta, g_m):
        _, w = self._split(theta)
        W = max(float(w.sum()), np.finfo(float).tiny)
        R = self.budget - self.T * self.m_min
        return R / W * (g_m - float(g_m @ w) / W)

    def vjp(self, theta, grads):
        r, _ = self._split(theta)
        m = self.batch(theta)
        g_w = self._pull_m(theta, -grads["inv_batch"] / m**2)
        return np.concatenate([self.rate.vjp(r, grads), g_w])

    def penalty(self, theta):
        r, _ = self._split(theta)
        p_r, g_r = self.rate.penalty(r)
        g = np.concatenate([g_r, np.zeros(self.T)])
        if math.isinf(self.m_max) or self.penalty_weight == 0:
            return p_r, g
        m = self.batch(theta)
        excess = np.maximum(m - self.m_max, 0.0) / self.m_max
        g[self.rate.n_params :] = self._pull_m(theta, 2 * self.penalty_weight * excess / self.m_max)
        return p_r + self.penalty_weight * float(excess @ excess), g

    def from_eta(self, eta):
        return np.concatenate([self.rate.from_eta(eta), np.full(self.T, 0.5)])

    def describe(self):
        return {
            **super().describe(),
            "rate": self.rate.describe(),
            "budget": self.budget,
            "m_min": self.m_min,
            "m_max": self.m_max,
        }


class _Smoothed(Parametrisation):
    r"""Adds :math:`\mu\sum_t(\eta_{t+1}-\eta_t)^2/\eta_{\max}^2` to a rate parametrisation."""

    def __init__(self, inner: Parametrisation, weight: float, eta_max: float) -> None:
        self.inner, self.weight, self.eta_max = inner, weight, eta_max
        self.T, self.n_params = inner.T, inner.n_params

    lower = property(lambda self: self.inner.lower)
    upper = property(lambda self: self.inner.upper)

    def controls(self, theta):
        return self.inner.controls(theta)

    def vjp(self, theta, grads):
        return self.inner.vjp(theta, grads)

    def from_eta(self, eta):
        return self.inner.from_eta(eta)

    def penalty(self, theta):
        p, g = self.inner.penalty(theta)
        eta = self.inner.controls(theta)["eta"]
        d = np.diff(eta) / self.eta_max
        g_eta = np.zeros(self.T)
        g_eta[1:] += 2 * self.weight * d / self.eta_max
        g_eta[:-1] -= 2 * self.weight * d / self.eta_max
        return p + self.weight * float(d @ d), g + self.inner.vjp(theta, {"eta": g_eta})

    def describe(self):
        return {**self.inner.describe(), "smoothness": self.weight}


def block_edges(
    T: int, *, ratio: float = DEFAULT_RATIO, max_block: float = DEFAULT_MAX_BLOCK
) -> np.ndarray:
    """Integer block edges ``0 = t_0 < ... < t_K = T``: unit blocks at both ends, geometric between.

    Thin wrapper of :func:`solvers.time_grid` (its integer grid), so that both the start and the
    final annealing are resolved with ``O(log T)`` blocks.
    """
    from ..dynamics.continuum import time_grid

    T = check_int("T", T, ge=1)
    ratio = check_real("ratio", ratio, gt=1)
    max_block = check_real("max_block", max_block, gt=0, le=1)
    edges = np.unique(np.round(time_grid(float(T), ratio=ratio, max_interval=max_block)))
    return edges.astype(np.int64)
