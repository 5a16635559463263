r"""The discretised continuum model: mode quadrature, time grid and the loss of a schedule.

The continuous-time PLRF dynamics

.. math::

    \dot c_k = -2\eta\lambda_k c_k + \frac{\eta^2}{m}\lambda_k\bigl(L + \sigma^2\bigr),

(or its *discrete-corrected* form, which reproduces the exact recursion's per-step contraction;
see :mod:`solvers.dynamics._continuum_kernels`), discretised so that the cost grows like ``log T``:
a time grid uniform near both ends and geometric in between (:func:`time_grid`), modes
``1..n_exact`` exactly and the rest in log-spaced Gauss-Legendre bins (:func:`mode_quadrature`).
:func:`build_problem` assembles both for a model and a horizon; :func:`continuum_loss` evaluates
a schedule on it. The optimal-control solver built on this model is
:func:`solvers.control.continuum.solve_continuum`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Literal

import numpy as np
from scipy.optimize import brentq

from theory import PLRFModel
from theory._checks import check_int, check_real

from ._continuum_kernels import forward, perturbed_gradients, value_and_grad
from ._grid_ends import _sliver, cell_lengths, two_ended_nodes

__all__ = [
    "ContinuumProblem",
    "FrontWarning",
    "ModeQuadrature",
    "build_problem",
    "cell_lengths",
    "continuum_loss",
    "grid_offsets",
    "mode_quadrature",
    "noiseless_constant_loss",
    "time_grid",
]

Dynamics = Literal["discrete", "continuous"]


#: Default geometric growth of the intervals (~10 intervals per e-fold of t or T - t).
DEFAULT_RATIO = 1.1
#: Default cap on an interval, as a fraction of T (resolves the bulk of an easy-phase schedule).
DEFAULT_MAX_INTERVAL = 0.01
#: Default substeps per interval: the L-coupling changes by O(ratio - 1) across an interval.
DEFAULT_SUBSTEPS = 2
#: Default number of modes kept exactly (midpoint-rule error of the bins ~ 1/(24 k0^2)).
DEFAULT_EXACT_MODES = 64
#: Default log-bins per decade of k and Gauss-Legendre nodes per bin.
DEFAULT_BINS_PER_DECADE = 4
DEFAULT_POINTS_PER_BIN = 4
#: Cost of one moved gradient of :meth:`ContinuumProblem.perturbed_grads` (a Hessian column) as a
#: fraction of a full gradient pass: 0.11-0.17 measured at J = 198-584 intervals, n = 228-316
#: mode nodes ((1.5, 3), (1.2, 4), (4, 3.5); benchmarks/results/longrun.md, 2026-11-30q).
COLUMN_WORK = 0.15
#: Longest horizon whose integer grid :func:`time_grid` returns as nodes alone: doubles represent
#: every integer, so every node and every offset ``T - t`` from the end, exactly only up to
#: ``2**53`` (~9.007e15). Beyond it :func:`grid_offsets` keeps each node's offset from its nearer
#: end exact (the nodes near ``T`` and their offsets ``T - t``, side by side).
INTEGER_GRID_T_MAX = 2**53
#: Upper bounds stay this fraction below the stability limit (the implicit solve is singular there).
STABILITY_MARGIN = 1e-3


class FrontWarning(RuntimeWarning):
    """The learned front ``k* ~ (2 tau)^(1/b)`` is close to ``n_modes``: truncation biases the loss."""


# -- modes -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ModeQuadrature:
    r"""Quadrature of the mode sum :math:`\sum_{k=1}^N g(k) \approx \sum_i w_i\, g(x_i)`.

    Attributes
    ----------
    x : ndarray, shape (n,)
        Nodes (``1..n_exact`` exactly, then Gauss-Legendre nodes in ``log k`` per bin).
    weight : ndarray, shape (n,)
        Weights (1 for exact modes).
    lam, c0, u : ndarray, shape (n,)
        ``x^-b``, ``x^-(a-b)`` and ``weight * lam`` (so ``L = u . c``).
    n_exact, n_bins, n_modes : int
    """

    x: np.ndarray
    weight: np.ndarray
    lam: np.ndarray
    c0: np.ndarray
    u: np.ndarray
    n_exact: int
    n_bins: int
    n_modes: int

    @property
    def size(self) -> int:
        return int(self.x.size)

    def sum(self, g: Callable[[np.ndarray], np.ndarray]) -> float:
        """Apply the rule to a vectorised ``g(k)``."""
        return float(self.weight @ g(self.x))


def mode_quadrature(
    model: PLRFModel,
    *,
    exact_modes: int = DEFAULT_EXACT_MODES,
    bins_per_decade: float = DEFAULT_BINS_PER_DECADE,
    points_per_bin: int = DEFAULT_POINTS_PER_BIN,
) -> ModeQuadrature:
    r"""Log-binned quadrature of the ``model.n_modes`` modes.

    Modes ``k <= exact_modes`` are kept exactly. The rest, ``k0 = exact_modes + 1 .. N``, are
    replaced by the midpoint-rule integral over ``[k0 - 1/2, N + 1/2]`` (error
    :math:`\approx -\tfrac1{24}[g']`, i.e. relative ``O(a^2/(24 k_0^2))`` for ``g ~ k^-a``),
    split into ``ceil(bins_per_decade * log10((N+1/2)/(k0-1/2)))`` equal bins in ``u = log x``,
    each with a ``points_per_bin``-point Gauss-Legendre rule in ``u`` (``dx = x du``). The
    summand of every mode sum of the dynamics is smooth in ``log k`` on the scale of the front,
    so the error is tiny; :func:`solve_continuum` estimates it by refinement.

    Examples
    --------
    The rule sums ``k^-3`` over a million modes to ``zeta(3) - sum_{k>N} k^-3``:

    >>> q = mode_quadrature(PLRFModel(a=3, b=2, n_modes=10**6))
    >>> bool(abs(q.sum(lambda k: k**-3.0) - 1.2020569031595942) < 1e-8)   # 7.2e-9 (default bins)
    True
    """
    if not isinstance(model, PLRFModel):
        raise TypeError(f"model must be a PLRFModel, got {type(model).__name__}")
    exact_modes = check_int("exact_modes", exact_modes, ge=1)
    bins_per_decade = check_real("bins_per_decade", bins_per_decade, gt=0)
    points_per_bin = check_int("points_per_bin", points_per_bin, ge=1)
    N = model.n_modes
    n_exact = min(N, exact_modes)
    xs = [np.arange(1, n_exact + 1, dtype=float)]
    ws = [np.ones(n_exact)]
    n_bins = 0
    if N > n_exact:
        lo, hi = math.log(n_exact + 0.5), math.log(N + 0.5)
        n_bins = max(1, math.ceil(bins_per_decade * (hi - lo) / math.log(10.0)))
        gx, gw = np.polynomial.legendre.leggauss(points_per_bin)
        edges = np.linspace(lo, hi, n_bins + 1)
        half = 0.5 * (edges[1:] - edges[:-1])
        mid = 0.5 * (edges[1:] + edges[:-1])
        uu = (mid[:, None] + half[:, None] * gx[None, :]).ravel()
        wu = (half[:, None] * gw[None, :]).ravel()
        xs.append(np.exp(uu))
        ws.append(wu * np.exp(uu))
    x = np.concatenate(xs)
    w = np.concatenate(ws)
    lam = x ** (-model.b)
    return ModeQuadrature(
        x=x,
        weight=w,
        lam=lam,
        c0=x ** (-(model.a - model.b)),
        u=w * lam,
        n_exact=n_exact,
        n_bins=n_bins,
        n_modes=N,
    )


# -- time grid -------------------------------------------------------------------------------


def time_grid(
    T: float,
    *,
    ratio: float = DEFAULT_RATIO,
    max_interval: float = DEFAULT_MAX_INTERVAL,
    min_interval: float = 1.0,
    integer: bool = True,
    anchor: float | None = None,
) -> np.ndarray:
    r"""Grid ``0 = t_0 < ... < t_J = T`` refined geometrically towards both ends.

    The distance ``d`` to the nearer end advances by ``max(min_interval, (ratio - 1) d)``,
    capped at ``max_interval * T``: unit steps while ``d < 1/(ratio - 1)``, then a geometric
    progression, so ``J ~ 2 log(T)/log(ratio) + 2/(ratio - 1)``: the cost grows like ``log T``.
    The nodes of :func:`grid_offsets` (an integer grid only up to :data:`INTEGER_GRID_T_MAX`,
    where the nodes alone still hold every offset ``T - t`` exactly; beyond it use
    :func:`grid_offsets`, which keeps the offsets beside the nodes).

    Parameters
    ----------
    T : float
        Horizon (``>= 1``).
    ratio : float
        Geometric growth ``> 1`` of the intervals.
    max_interval : float
        Largest interval as a fraction of ``T``, in ``(0, 1]``.
    min_interval : float
        Smallest interval (one step by default).
    integer : bool
        Round the nodes to integers (steps of the discrete recursion); needs integral ``T``.
    anchor : float, optional
        A distance from the end that the geometric part near the end passes through: its
        distances are ``anchor * ratio**k`` (from the first one a ``min_interval`` beyond the
        unit steps, up to the cap), not ``1/(ratio - 1) * ratio**k`` at every ``T``. Give the
        derived scale of a feature that moves with ``T`` (the hard window's width
        ``T^omega_0``): the cells then sit at the same place relative to it at every horizon,
        so its readout's discretisation error does not change with the grid's phase. Without
        it the phase advances by ``omega_0 log(sqrt(10))/log(ratio)`` cells a half-decade (8.46
        at (1.5, 3)): the hard window's lost time wobbled by +-2e-4 between half-decades, its
        local slopes by +-5e-4 (benchmarks/results/claims.md, 2026-12-01). The start keeps the
        unanchored progression.

    Returns
    -------
    ndarray, shape (J + 1,)

    Examples
    --------
    >>> time_grid(6.0).tolist()
    [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
    """
    if integer and check_real("T", T, ge=1) > INTEGER_GRID_T_MAX:
        raise ValueError(
            f"an integer grid needs T <= 2**53 = {INTEGER_GRID_T_MAX:.4g} (doubles hold every "
            f"integer node, and so every step count T - t, exactly only up to there), got "
            f"{T:.4g}; grid_offsets() keeps the offsets from the end beside the nodes"
        )
    return grid_offsets(
        T, ratio=ratio, max_interval=max_interval, min_interval=min_interval, integer=integer,
        anchor=anchor,
    )[0]  # fmt: skip


def grid_offsets(
    T: float,
    *,
    ratio: float = DEFAULT_RATIO,
    max_interval: float = DEFAULT_MAX_INTERVAL,
    min_interval: float = 1.0,
    integer: bool = True,
    anchor: float | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    r""":func:`time_grid`'s nodes ``t`` and their offsets ``rem = T - t`` from the end, each exact
    where it is small: an integer grid at any ``T``.

    The grid is built from the distances to the nearer end; a node near the start is its
    distance ``t``, a node near the end its distance ``rem`` (:func:`two_ended_nodes`), and the
    other coordinate is formed from it in doubles. Below :data:`INTEGER_GRID_T_MAX` both are
    exact on an integer grid (the nodes are :func:`time_grid`'s, ``rem`` is ``T - t``); beyond
    it ``T - rem`` of the last nodes rounds (spacing 16 at ``T = 1e17``: the last nodes'
    ``t`` coincide) while ``rem`` stays exact. Take the cells' lengths from
    :func:`cell_lengths`, the remaining steps from ``rem``, never ``T - t``.

    Returns
    -------
    t, rem : ndarray, shape (J + 1,)

    Examples
    --------
    >>> t, rem = grid_offsets(1e17)
    >>> rem[-4:].tolist(), bool(t[-1] == t[-2])     # exact steps at the end; t cannot tell them
    ([3.0, 2.0, 1.0, 0.0], True)
    >>> cell_lengths(t, rem)[-3:].tolist()
    [1.0, 1.0, 1.0]
    """
    T = check_real("T", T, ge=1)
    ratio = check_real("ratio", ratio, gt=1)
    max_interval = check_real("max_interval", max_interval, gt=0, le=1)
    min_interval = check_real("min_interval", min_interval, gt=0)
    if integer and T != round(T):
        raise ValueError(f"T must be an integer for an integer grid, got {T!r}")
    if anchor is not None:
        anchor = check_real("anchor", anchor, gt=0)
    half = 0.5 * T
    cap = max(max_interval * T, min_interval)
    d = _distances(half, ratio, cap, min_interval, None)
    e = d if anchor is None else _distances(half, ratio, cap, min_interval, anchor)
    if integer:
        # Round the distances, not the nodes: T - d rounded to a double first (spacing 0.125 at
        # T = 1e15) moved end nodes by a step from the start's mirror image (at d ~ 20 at 1e15,
        # steps of 2 at the end beyond 2**53); T - round(d) is exact below 2**53, and the end's
        # offsets round(e) are exact at any T.
        return two_ended_nodes(np.round(d), np.round(e), float(np.round(half)), T)
    nodes = np.unique(np.concatenate([d, [half], T - e[::-1]]))
    # merge a sliver next to the midpoint into its neighbour
    h = np.diff(nodes)
    if (i := _sliver(h)) is not None:
        nodes = np.delete(nodes, i + 1)
    return nodes, T - nodes


def _distances(
    half: float, ratio: float, cap: float, min_interval: float, anchor: float | None
) -> np.ndarray:
    """Distances from one end, strictly below ``half``: steps of ``max(min_interval,
    (ratio - 1) d)`` up to ``cap``; with ``anchor``, the geometric steps land on
    ``anchor * ratio**k`` (the next such point, at least ``min_interval`` on)."""
    log_ratio = math.log(ratio)
    d = [0.0]
    while d[-1] < half:
        x = d[-1]
        step = min(cap, max(min_interval, (ratio - 1.0) * x))
        if anchor is not None and min_interval < (ratio - 1.0) * x and step < cap:
            k = math.floor(math.log(x / anchor) / log_ratio + 1e-9) + 1  # next point above x
            step = min(cap, max(min_interval, anchor * ratio**k - x))
        d.append(x + step)
    return np.asarray(d[:-1])


# -- the discretised problem -----------------------------------------------------------------


@dataclass(frozen=True)
class ContinuumProblem:
    model: PLRFModel
    T: float
    t: np.ndarray
    h: np.ndarray
    quad: ModeQuadrature
    substeps: int
    dynamics: Dynamics
    upper: float
    #: the nodes' offsets ``T - t`` from the end, exact near it (:func:`grid_offsets`); ``None``
    #: for a grid given as nodes alone (``T - t`` then)
    rem: np.ndarray | None = None

    @property
    def discrete(self) -> bool:
        return self.dynamics == "discrete"

    @property
    def remaining(self) -> np.ndarray:
        """The steps left at the nodes, ``T - t``, exact near the end (:func:`grid_offsets`)."""
        return self.T - self.t if self.rem is None else self.rem

    @property
    def stability_limit(self) -> float:
        """The constant-rate stability limit on this problem's modes (``upper`` is it less
        :data:`STABILITY_MARGIN`, or ``eta_max`` below it)."""
        return _stability_limit(self.model, self.quad, self.dynamics)

    def loss_curve(self, eta: np.ndarray) -> tuple[np.ndarray, bool]:
        Ln = np.empty(self.t.size)
        q = self.quad
        _, ok = forward(
            q.lam, q.u, q.c0, eta, self.h, self.substeps, self.model.inv_batch,
            self.model.sigma**2, self.discrete, Ln,
        )  # fmt: skip
        return Ln, bool(ok)

    @cached_property
    def _workspace(self) -> tuple[np.ndarray, ...]:
        """Arrays :func:`value_and_grad` fills on every pass (allocated once per problem)."""
        J, n = self.h.size, self.quad.lam.size
        M = J * self.substeps
        return np.empty((M + 1, n)), np.empty(M + 1), np.empty((6, J, n)), np.empty(J)

    @cached_property
    def _column_workspace(self) -> tuple[np.ndarray, ...]:
        """The moved states, one interval's propagators and the base pass's gradient weights
        of :func:`perturbed_gradients`."""
        J, n = self.h.size, self.quad.lam.size
        M = J * self.substeps
        return np.empty((M + 1, n)), np.empty(M + 1), np.empty((6, n)), np.empty((M, n))

    def __getstate__(self) -> dict:
        skip = ("_workspace", "_column_workspace")
        return {k: v for k, v in self.__dict__.items() if k not in skip}

    def value_grad(self, eta: np.ndarray) -> tuple[float, np.ndarray, np.ndarray, bool]:
        Ln = np.empty(self.t.size)
        g = np.zeros(eta.size)
        q = self.quad
        LT, ok = value_and_grad(
            q.lam, q.u, q.c0, eta, self.h, self.substeps, self.model.inv_batch,
            self.model.sigma**2, self.discrete, Ln, g, *self._workspace,
        )  # fmt: skip
        return float(LT), g, Ln, bool(ok)

    def perturbed_grads(
        self, eta: np.ndarray, cols: np.ndarray, steps: np.ndarray, tail: bool = False
    ) -> tuple[float, np.ndarray, np.ndarray, bool]:
        """``L(T)`` at ``eta``, and ``L(T)`` and its gradient at ``eta + steps[i] e_cols[i]``
        for every ``i``: ``(L_T, L_moved (k,), G_moved (k, J), ok)``, each row exactly what
        :meth:`value_grad` returns at the moved schedule (NaN ``L_moved`` where it is unstable),
        for ``COLUMN_WORK`` of its cost each
        (:func:`~solvers.dynamics._continuum_kernels.perturbed_gradients`). With ``tail`` row
        ``i`` holds only the components from ``cols[i]`` on (the rest zero), for less: the
        columns of a symmetric Hessian need no more."""
        eta = np.ascontiguousarray(eta, dtype=float)
        if eta.shape != self.h.shape:
            raise ValueError(
                f"eta must have shape {self.h.shape} (one rate per interval), got {eta.shape}"
            )
        cols = np.ascontiguousarray(cols, dtype=np.int64)
        steps = np.ascontiguousarray(steps, dtype=float)
        if cols.shape != steps.shape or cols.ndim != 1:
            raise ValueError(
                f"cols and steps must be 1-d of one shape, got {cols.shape}, {steps.shape}"
            )
        if cols.size and not (0 <= cols.min() and cols.max() < eta.size):
            raise ValueError(
                f"cols must index the {eta.size} rates, got {cols.min()}..{cols.max()}"
            )
        L_moved = np.full(cols.size, np.nan)
        G = np.zeros((cols.size, eta.size))
        q = self.quad
        LT, ok = perturbed_gradients(
            q.lam, q.u, q.c0, eta, self.h, self.substeps,
            self.model.inv_batch, self.model.sigma**2, self.discrete, cols, steps, L_moved, G,
            bool(tail), *self._workspace, *self._column_workspace,
        )  # fmt: skip
        return float(LT), L_moved, G, bool(ok)

    def plateau_bias(self, T: float | None = None) -> float:
        """The noiseless loss after ``T`` (default: the problem's horizon) steps at the rate
        cap ``upper``: the bias of the plateau no schedule under the cap can undercut
        (:func:`noiseless_constant_loss`)."""
        return noiseless_constant_loss(self.quad, self.upper, self.T if T is None else T,
                                       self.dynamics)  # fmt: skip


def noiseless_constant_loss(
    quad: ModeQuadrature, eta: float, T: float, dynamics: Dynamics
) -> float:
    r"""The loss without noise after ``T`` steps at the constant rate ``eta``,
    :math:`\sum_k w_k \lambda_k c_k(0)\,\rho_k^{T}` on the quadrature ``quad``, with
    :math:`\rho_k = (1 - \eta\lambda_k)^2` for the discrete-corrected dynamics and
    :math:`e^{-2\eta\lambda_k}` for the continuous one.

    >>> q = mode_quadrature(PLRFModel(a=2, b=1.5, n_modes=1))
    >>> bool(abs(noiseless_constant_loss(q, 0.5, 3, "discrete") - 0.5**6) < 1e-15)
    True
    """
    x = eta * quad.lam
    log_rho = 2 * np.log1p(-x) if dynamics == "discrete" else -2 * x
    return float(quad.u @ (quad.c0 * np.exp(T * log_rho)))


def _stable_upper(model: PLRFModel, quad: ModeQuadrature, dynamics: Dynamics) -> float:
    """The solver's upper bound: ``min(eta_max, (1 - STABILITY_MARGIN) x`` the stability limit)."""
    return min(model.eta_max, (1.0 - STABILITY_MARGIN) * _stability_limit(model, quad, dynamics))


def _stability_limit(model: PLRFModel, quad: ModeQuadrature, dynamics: Dynamics) -> float:
    """Largest eta below which every constant rate is stable (for the binned modes)."""
    im = model.inv_batch
    lam, w = quad.lam, quad.weight
    if dynamics == "discrete":
        per_mode = 2.0 / ((1.0 + im) * lam.max())

        def S(e):
            den = 2.0 - (1.0 + im) * e * lam
            return float(np.sum(w * e * lam * im / den)) if (den > 0).all() else math.inf

    else:
        per_mode = math.inf

        def S(e):
            return 0.5 * e * im * float(np.sum(w * lam))

    hi = (
        per_mode * (1 - 1e-12)
        if math.isfinite(per_mode)
        else 2.0 / max(im * np.sum(w * lam), 1e-300)
    )
    if im == 0.0 or S(hi) < 1.0:
        limit = hi
    else:
        limit = brentq(lambda e: S(e) - 1.0, 0.0, hi, xtol=1e-14)
    return limit


def build_problem(
    model,
    T,
    grid,
    ratio,
    max_interval,
    substeps,
    dynamics,
    exact_modes,
    bins_per_decade,
    points_per_bin,
    anchor=None,
):
    if not isinstance(model, PLRFModel):
        raise TypeError(f"model must be a PLRFModel, got {type(model).__name__}")
    if dynamics not in ("discrete", "continuous"):
        raise ValueError(f"dynamics must be 'discrete' or 'continuous', got {dynamics!r}")
    T = check_real("T", T, ge=1)
    substeps = check_int("substeps", substeps, ge=1)
    rem = None
    if grid is None:
        integer = T == round(T)
        t, rem = grid_offsets(T, ratio=ratio, max_interval=max_interval, integer=integer,
                              anchor=anchor)  # fmt: skip
        h = cell_lengths(t, rem) if integer else np.diff(t)
    else:
        t = np.asarray(grid, dtype=float)
        if t.ndim != 1 or t.size < 2 or not np.all(np.isfinite(t)):
            raise ValueError(
                f"grid must be a finite 1-D array of at least 2 nodes, got shape {t.shape}"
            )
        if t[0] != 0 or not math.isclose(t[-1], T, rel_tol=1e-12) or np.any(np.diff(t) <= 0):
            raise ValueError(
                f"grid must increase strictly from 0 to T = {T:g}, got [{t[0]:g} .. {t[-1]:g}]"
            )
        h = np.diff(t)
    quad = mode_quadrature(
        model,
        exact_modes=exact_modes,
        bins_per_decade=bins_per_decade,
        points_per_bin=points_per_bin,
    )
    return ContinuumProblem(
        model, T, t, h, quad, substeps, dynamics, _stable_upper(model, quad, dynamics), rem
    )


def continuum_loss(
    model: PLRFModel,
    eta,
    t,
    *,
    dynamics: Dynamics = "discrete",
    substeps: int = DEFAULT_SUBSTEPS,
    exact_modes: int = DEFAULT_EXACT_MODES,
    bins_per_decade: float = DEFAULT_BINS_PER_DECADE,
    points_per_bin: int = DEFAULT_POINTS_PER_BIN,
) -> np.ndarray:
    """Loss ``L`` at the grid nodes ``t`` for ``eta`` piecewise constant on the intervals.

    Parameters
    ----------
    model : PLRFModel
    eta : array_like, shape (J,)
        Learning rate on ``[t_j, t_{j+1})``.
    t : array_like, shape (J + 1,)
        Grid from 0 to the horizon.

    Returns
    -------
    ndarray, shape (J + 1,)
        ``L(t_j)``; NaN from the first interval whose rate makes the implicit solve singular.
    """
    t = np.asarray(t, dtype=float)
    prob = build_problem(
        model, float(t[-1]), t, DEFAULT_RATIO, DEFAULT_MAX_INTERVAL, substeps, dynamics,
        exact_modes, bins_per_decade, points_per_bin,
    )  # fmt: skip
    eta = np.ascontiguousarray(eta, dtype=float)
    if eta.shape != prob.h.shape or not np.all(np.isfinite(eta)) or np.any(eta < 0):
        raise ValueError(
            f"eta must be finite, >= 0 and of shape {prob.h.shape}, got shape {eta.shape}"
        )
    return prob.loss_curve(eta)[0]
