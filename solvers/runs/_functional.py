r"""The PLRF loss functional of a whole learning-rate schedule, mapped onto real training runs.

The theory's continuum dynamics, with the optimiser's rate :math:`\eta_t` mapped to an intrinsic
rate :math:`s\eta_t^p` by a fitted scale :math:`s` and power :math:`p` (model time
:math:`\tau(t) = s\sum_{i<t}\eta_i^p`; :math:`p = 1` is plain SGD, where the model's rate is the
optimiser's; for AdamW the map is not known to be linear, and the llm-curves fits prefer
:math:`p < 1`, ``benchmarks/results/fit.md``). Below, :math:`\eta` stands for :math:`\eta^p`:

.. math::

    \dot c_k = -2 s\eta\lambda_k c_k + s\eta^2\lambda_k\,(\nu + \gamma E), \qquad
    E(t) = \sum_k \lambda_k c_k(t), \qquad L(t) = L_\infty + E(t),

with :math:`\lambda_k = k^{-b}`, :math:`\lambda_k c_k(0) = A k^{-a}`. The noise spectrum
(``LossParams.theta``, :math:`\theta`): the forcing of mode :math:`k` is
:math:`s\eta^2\lambda_k^\theta(\nu + \gamma E)`; :math:`\theta = 1` (the default) is the
PLRF, whose noise has the Hessian's spectrum; :math:`\theta < 1` puts more noise in the slow
modes (a stationary noise loss :math:`\nu\eta\sum_k\lambda_k^\theta/2`), so an anneal's gain
grows with its length (``benchmarks/results/fit.md``, 2026-11-30g). Below :math:`\theta = 1`
for brevity. Without feedback
(:math:`\gamma = 0`, the default for real runs) the excess loss splits into a bias and a
noise convolution with the same kernel,

.. math::

    E(t) = A\sum_k k^{-a} e^{-2\lambda_k\tau(t)}
         + \nu\sum_k \lambda_k \int_0^t s\,\eta(u)^2\lambda_k e^{-2\lambda_k(\tau(t)-\tau(u))}\,du,

linear in :math:`(A, \nu)`, which the fit exploits. The PLRF model of :mod:`theory` is the case
:math:`s = A = 1`, :math:`\nu = \sigma^2/m`, :math:`\gamma = 1/m` (its continuous-time
limit), which is how the tests hold this functional against ``solvers.simulate``.

The norm map (``LossParams.norm0`` set): AdamW with decoupled weight decay :math:`\lambda` on
scale-invariant weights (every weight matrix followed by a normalisation) moves the weights'
direction, not their scale, and its update has a size set by the rate alone (Adam normalises
the gradient). With the update orthogonal to the weights, of unit squared norm per step, the
squared norm obeys :math:`N_{i+1} = (1 - \lambda\eta_i)^2 N_i + \eta_i^2` and the angular
(intrinsic) rate is :math:`\eta_i/\sqrt{N_i}`, :math:`\tau(t) = s\sum_{i<t}\eta_i/\sqrt{N_i}`
(:func:`intrinsic_rates`). At equilibrium :math:`N^* \approx \eta/(2\lambda)` and the rate is
:math:`\sqrt{2\lambda\eta}` (the power map with :math:`p = 1/2`); the norm relaxes on its own
time scale :math:`1/(2\lambda\eta)` steps (5000 at :math:`\eta = 10^{-3}`, :math:`\lambda =
0.1`), so an anneal faster than that lowers the rate as :math:`\eta` itself (:math:`p = 1`).
:math:`N_0` (``norm0``, in units of the squared update) is the norm at step 0.

Evaluation: the mode sum uses the project's log-binned mode quadrature (``mode_quadrature``;
exact modes ``1..16``, 3-point Gauss-Legendre rules on 3 bins per decade of ``log k`` beyond,
88 nodes for :math:`N = 10^9`); time is a grid of a few hundred nodes per run (:func:`run_grid`) on which
:math:`\eta` enters through its exact sums :math:`\sum\eta` and :math:`\sum\eta^2` per interval;
the decay is exact and the forcing is integrated exactly for a rate linear in model time
across the interval, with the interval's mean :math:`\sum\eta^2/\sum\eta` (exact total
noise) and its change from first to last step (so fast modes follow the rate at the end). Cost: ``intervals x nodes`` exponentials per schedule.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
from numba import njit

from theory import PLRFModel
from theory._checks import check_int, check_real

from ..dynamics.continuum import mode_quadrature

__all__ = [
    "LossParams", "RunGrid", "condense", "intrinsic_rates", "loss_curve", "loss_parts",
    "mode_nodes", "mode_nodes_at", "model_grid", "rate_scale", "resolve_rate_map", "run_grid", "weight_decay_ref",
]  # fmt: skip

#: Default number of modes: far beyond the front of any run here (the infinite-N model in all
#: but name; the frozen modes beyond the front add a constant that L_inf absorbs).
DEFAULT_MODES = 10**9
#: Default number of uniform grid intervals per run (plus geometric ones at the start).
DEFAULT_GRID = 200
#: Mode rule of the fits (exact modes, bins per decade, points per bin): 88 nodes for 1e9
#: modes, within 3e-5 (relative, excess loss) of the solvers' default 180-node rule on
#: WSD schedules with (a, b) from (1.3, 1.2) to (4, 6); twice as fast.
FIT_RULE = (16, 3, 3)
#: Geometric grid nodes over the first decades of a run (warmup and early decay of the bias).
DEFAULT_LOG_NODES = 60
#: Largest rate power: beyond 2 the intrinsic rate of a 1e-3 optimiser rate is below 1e-6 s.
MAX_POWER = 2.0


@dataclass(frozen=True)
class LossParams:
    """Parameters of the functional.

    Attributes
    ----------
    L_inf : float
        Irreducible loss.
    A : float
        Bias amplitude (``lambda_k c_k(0) = A k^-a``), > 0.
    s : float
        Model time per unit of ``lr * step``, > 0.
    nu : float
        Noise level (loss per unit rate at stationarity ~ ``nu * eta * sum lambda_k / 2``), >= 0.
    a, b : float
        Source and capacity exponents, > 1.
    gain : float
        Feedback of the excess loss into the noise (``1/m`` for the PLRF model; 0 for real runs).
    p : float
        Power of the map from the optimiser's rate to the model's: ``s * lr**p`` (1: SGD).
        A grid passed to :func:`loss_parts` must be condensed with ``power=p``.
    norm0 : float or None
        None: the power map ``s * lr**p``. A number: the norm map (module docstring), the
        squared weight norm at step 0 in units of the squared update (``p`` must be 1); grids
        come from :func:`model_grid` with the run's weight decay.
    theta : float
        Exponent of the noise spectrum: mode ``k``'s forcing ``~ lambda_k**theta`` (1: the
        PLRF's, the Hessian's spectrum), > 0.
    """

    L_inf: float
    A: float
    s: float
    nu: float
    a: float
    b: float
    gain: float = 0.0
    p: float = 1.0
    norm0: float | None = None
    theta: float = 1.0

    def __post_init__(self):
        check_real("L_inf", self.L_inf)
        check_real("A", self.A, ge=0)
        check_real("s", self.s, gt=0)
        check_real("nu", self.nu, ge=0)
        check_real("a", self.a, gt=1)
        check_real("b", self.b, gt=1)
        check_real("gain", self.gain, ge=0)
        check_real("p", self.p, gt=0, le=MAX_POWER)
        check_real("theta", self.theta, gt=0)
        if self.norm0 is not None:
            check_real("norm0", self.norm0, gt=0)
            if self.p != 1:
                raise ValueError(f"p must be 1 with the norm map (norm0 set), got {self.p!r}")

    @property
    def phase(self) -> str:
        """``easy`` iff ``a > b``."""
        return "easy" if self.a > self.b else "hard"

    def replace(self, **changes) -> LossParams:
        return replace(self, **changes)


@dataclass(frozen=True)
class RunGrid:
    """A schedule condensed onto a time grid: per-interval sums of ``eta`` and ``eta^2``.

    Attributes
    ----------
    t : ndarray of int, shape (J + 1,)
        Grid nodes (steps), from 0 to the horizon, including every requested step.
    s1, s2 : ndarray, shape (J,)
        ``sum eta`` and ``sum eta^2`` over the steps of each interval.
    de : ndarray, shape (J,)
        Rate at the last step of each interval minus the rate at its first.
    power : float
        The sums are of ``eta**power`` (the rate power ``p`` of :class:`LossParams`).
    norm0 : float or None
        Set when the sums are of the norm map's rates (:func:`model_grid`) from this ``norm0``.
    """

    t: np.ndarray
    s1: np.ndarray
    s2: np.ndarray
    de: np.ndarray
    power: float = 1.0
    norm0: float | None = None

    def index(self, steps) -> np.ndarray:
        """Positions of ``steps`` among the nodes (each must be a node)."""
        idx = np.searchsorted(self.t, steps)
        if np.any(idx >= self.t.size) or np.any(self.t[np.minimum(idx, self.t.size - 1)] != steps):
            raise ValueError("steps must be nodes of the grid (pass them to run_grid)")
        return idx


def run_grid(
    eta, steps=(), *, n_grid: int = DEFAULT_GRID, n_log: int = DEFAULT_LOG_NODES, power: float = 1.0
) -> RunGrid:
    """Condense a per-step schedule ``eta`` (shape (T,)) onto a grid holding ``steps``.

    Nodes: ``n_grid`` uniform intervals, ``n_log`` geometric nodes over ``1..T`` and every step
    in ``steps`` (which must lie in ``0..T``). Sums over intervals are exact; they are of
    ``eta**power`` (the rate power of the :class:`LossParams` the grid is for).
    """
    eta = np.asarray(eta, dtype=float)
    if eta.ndim != 1 or eta.size == 0 or not np.all(np.isfinite(eta)) or np.any(eta < 0):
        raise ValueError(
            f"eta must be a non-empty 1-d array of finite rates >= 0, shape {eta.shape}"
        )
    T = eta.size
    n_grid = check_int("n_grid", n_grid, ge=1)
    steps = np.asarray(steps, dtype=int).ravel()
    if steps.size and (steps.min() < 0 or steps.max() > T):
        raise ValueError(f"steps must lie in 0..{T}, got {steps.min()}..{steps.max()}")
    nodes = np.concatenate([
        np.rint(np.linspace(0, T, n_grid + 1)),
        np.rint(np.geomspace(1, T, max(n_log, 2))) if T > 1 else [],
        steps,
    ]).astype(int)  # fmt: skip
    return condense(eta, np.unique(np.clip(nodes, 0, T)), power)


def condense(eta: np.ndarray, t: np.ndarray, power: float = 1.0, log_eta=None) -> RunGrid:
    """The :class:`RunGrid` of ``eta**power`` on the nodes ``t`` (increasing, from 0 to T).

    Used to re-condense a schedule at another rate power on the same nodes (the fit's ``p``).
    One pass over the steps (:func:`_condense`), summing in step order within each interval.
    ``log_eta`` is ``log(eta)`` if the caller holds it (a fit re-condenses at many powers).
    """
    power = check_real("power", power, gt=0, le=MAX_POWER)
    eta = np.asarray(eta, dtype=float)
    if log_eta is None:
        with np.errstate(divide="ignore"):
            log_eta = np.log(eta)
    t = np.asarray(t, dtype=np.int64)
    s1, s2, de = (np.empty(t.size - 1) for _ in range(3))
    _condense(eta, log_eta, t, float(power), s1, s2, de)
    return RunGrid(t, s1, s2, de, float(power))


@njit(cache=True)
def _condense(eta, log_eta, t, power, s1, s2, de):  # pragma: no cover
    """Per interval ``[t_j, t_j+1)``: sums of ``r = eta**power`` and ``r**2``, last minus first ``r``.

    A step whose rate equals the previous step's reuses its power (constant stretches cost one).
    """
    prev = -1.0
    r = 0.0
    for j in range(t.shape[0] - 1):
        a = 0.0
        b = 0.0
        first = 0.0
        for i in range(t[j], t[j + 1]):
            e = eta[i]
            if e != prev:
                r = e if power == 1.0 else (math.exp(power * log_eta[i]) if e > 0.0 else 0.0)
                prev = e
            if i == t[j]:
                first = r
            a += r
            b += r * r
        s1[j] = a
        s2[j] = b
        de[j] = r - first


@njit(cache=True)
def _norm_rates(eta, decay, norm0, out):  # pragma: no cover
    n = norm0
    for i in range(eta.shape[0]):
        out[i] = eta[i] / math.sqrt(n)
        shrink = 1.0 - decay * eta[i]
        n = shrink * shrink * n + eta[i] * eta[i]


def intrinsic_rates(eta, weight_decay: float, norm0: float) -> np.ndarray:
    r"""Per-step angular rates :math:`\eta_i/\sqrt{N_i}` of the norm map (module docstring).

    ``eta`` and ``sqrt(norm0)`` in the same units (the result is unchanged if both are scaled).

    >>> r = intrinsic_rates(np.full(200000, 1e-3), 0.1, 1e-3 / 0.2)  # starts at equilibrium
    >>> bool(abs(r[-1] / np.sqrt(2 * 0.1 * 1e-3) - 1) < 1e-4)
    True
    """
    check_real("weight_decay", weight_decay, gt=0)
    check_real("norm0", norm0, gt=0)
    eta = np.asarray(eta, dtype=float)
    out = np.empty(eta.size)
    _norm_rates(eta, float(weight_decay), float(norm0), out)
    return out


def model_grid(eta, t, params: LossParams, weight_decay=None, log_eta=None, unit=1.0) -> RunGrid:
    """The grid of ``eta`` on the nodes ``t`` for ``params``' map from the rate to model time.

    The power map: :func:`condense` at ``params.p``. The norm map: the sums of
    :func:`intrinsic_rates` divided by ``unit`` (``weight_decay`` required, > 0), marked with
    ``params.norm0``.
    """
    if params.norm0 is None:
        return condense(eta, t, params.p, log_eta)
    if weight_decay is None or not weight_decay > 0:
        raise ValueError(
            f"weight_decay must be > 0 for the norm map (norm0 = {params.norm0:g}), got "
            f"{weight_decay!r} (the runs' metadata need a weight_decay column)"
        )
    r = intrinsic_rates(eta, weight_decay, params.norm0) / unit
    return replace(condense(r, t, 1.0), norm0=params.norm0)


def rate_scale(p: float, ref: float, wd_ref: float | None) -> float:
    """Intrinsic rate at the reference rate, the unit of the optimiser's ``s'``: ``ref**p``
    (power map) or ``sqrt(2 wd_ref ref)`` (the norm map's equilibrium rate)."""
    return ref**p if wd_ref is None else float(np.sqrt(2 * wd_ref * ref))


def weight_decay_ref(runs) -> float:
    """The norm map's reference weight decay: the geometric mean of the runs' ``weight_decay``."""
    wd = [r.meta.get("weight_decay") for r in runs]
    for r, w in zip(runs, wd, strict=True):
        if not isinstance(w, (int, float)) or not w > 0:
            raise ValueError(
                f"runs: run {r.id!r} has weight_decay {w!r}; the norm map needs a "
                "weight_decay > 0 in the runs' metadata"
            )
    return float(np.exp(np.mean(np.log(wd))))


def resolve_rate_map(rate_map: str, runs) -> str:
    """``rate_map`` with ``auto`` resolved (:class:`FitOptions`)."""
    if rate_map != "auto":
        return rate_map
    adamw = all(
        "adamw" in str(r.meta.get("opt", "")).lower()
        and isinstance(r.meta.get("weight_decay"), (int, float)) and r.meta["weight_decay"] > 0
        for r in runs
    )  # fmt: skip
    return "norm" if adamw else "power"


def mode_nodes(n_modes: int = DEFAULT_MODES, rule=FIT_RULE) -> tuple[np.ndarray, np.ndarray]:
    """Nodes ``x`` and weights ``w`` of the log-binned mode quadrature of ``n_modes`` modes.

    ``rule`` is ``(exact_modes, bins_per_decade, points_per_bin)`` of ``mode_quadrature``.
    The rule does not depend on ``(a, b)``: ``sum_k g(k) ~ sum_i w_i g(x_i)``.
    """
    n_modes = check_int("n_modes", n_modes, ge=1)
    exact, bins, points = rule
    q = mode_quadrature(
        PLRFModel(a=2.0, b=2.0, n_modes=n_modes),
        exact_modes=exact, bins_per_decade=bins, points_per_bin=points,
    )  # fmt: skip
    return q.x, q.weight


def mode_nodes_at(n: float, n_max: int = DEFAULT_MODES, rule=FIT_RULE):
    r"""The rule of :func:`mode_nodes` for a real mode count ``n`` in ``[1, n_max]``, smooth in ``n``.

    The exact modes ``k <= k0`` weigh :math:`\min(1, \max(0, n - k + 1))` (mode ``k`` is in
    from ``n = k - 1`` to ``n = k``: at integer ``n`` exactly the first ``n``), the rest the
    midpoint integral over :math:`[k_0 + \tfrac12, n + \tfrac12]` in the number of bins of
    ``n_max`` (fixed, so the nodes move continuously with ``n``; empty for ``n <= k0``). A fit
    can then vary the mode count like any other parameter (``FitOptions.mode_law``).
    """
    n = float(np.clip(n, 1.0, n_max))
    exact, bins, points = rule
    k = np.arange(1, exact + 1, dtype=float)
    w_exact = np.clip(n - k + 1.0, 0.0, 1.0)
    lo, top = math.log(exact + 0.5), math.log(max(n, exact) + 0.5)
    n_bins = max(1, math.ceil(bins * (math.log(n_max + 0.5) - lo) / math.log(10.0)))
    gx, gw = np.polynomial.legendre.leggauss(points)
    edges = np.linspace(lo, top, n_bins + 1)
    half, mid = 0.5 * np.diff(edges), 0.5 * (edges[1:] + edges[:-1])
    u = (mid[:, None] + half[:, None] * gx[None, :]).ravel()
    wu = (half[:, None] * gw[None, :]).ravel()
    return np.concatenate([k, np.exp(u)]), np.concatenate([w_exact, wu * np.exp(u)])


@njit(cache=True)
def _ramp(z):  # pragma: no cover
    """``(1 - e^-z (1 + z)) / (2 z)``, by its series at small ``z``."""
    if z < 1e-3:
        return z * (0.25 - z * (1.0 / 6.0 - z / 16.0))
    return (1.0 - math.exp(-z) * (1.0 + z)) / (2.0 * z)


@njit(cache=True)
def _forward(lam, u, un, c0, s1, s2, de, s, nu, gain, bias_out, noise_out):  # pragma: no cover
    """Bias and noise parts of ``E`` at the grid nodes (see the module docstring).

    ``cn`` is each mode's noise under the PLRF's forcing ``~ lambda_k``; the noise spectrum
    ``lambda_k**theta`` scales mode ``k``'s by ``lambda_k**(theta - 1)``, which the weights
    ``un = w lambda_k**theta`` of the noise carry (``u = w lambda_k`` those of the bias).
    """
    n = lam.shape[0]
    cb = c0.copy()
    cn = np.zeros(n)
    inc = np.empty(n)
    Eb = 0.0
    for k in range(n):
        Eb += u[k] * cb[k]
    En = 0.0
    bias_out[0] = Eb
    noise_out[0] = 0.0
    for j in range(s1.shape[0]):
        if s1[j] > 0.0:
            dtau = s * s1[j]
            e1 = s2[j] / s1[j] + 0.5 * de[j]  # end rate of a ramp with the interval's mean
            f0 = nu + gain * (Eb + En)
            Eb_new = 0.0
            En_new = 0.0
            for k in range(n):
                z = 2.0 * lam[k] * dtau
                D = math.exp(-z)
                inc[k] = 0.5 * e1 * (1.0 - D) - de[j] * _ramp(z)
                cb[k] *= D
                cn[k] = cn[k] * D + f0 * inc[k]
                Eb_new += u[k] * cb[k]
                En_new += un[k] * cn[k]
            if gain > 0.0:  # Heun: redo the forcing with the mean of the start and end losses
                f1 = 0.5 * (f0 + nu + gain * (Eb_new + En_new))
                En_new = 0.0
                for k in range(n):
                    cn[k] += (f1 - f0) * inc[k]
                    En_new += un[k] * cn[k]
            Eb = Eb_new
            En = En_new
        bias_out[j + 1] = Eb
        noise_out[j + 1] = En


def loss_parts(params: LossParams, grid: RunGrid, nodes=None) -> tuple[np.ndarray, np.ndarray]:
    """Bias and noise parts of the excess loss at the grid nodes, each shape (J + 1,).

    ``nodes`` is ``(x, w)`` from :func:`mode_nodes` (default: ``DEFAULT_MODES`` modes).
    """
    if grid.power != params.p:
        raise ValueError(
            f"grid: condensed with power {grid.power}, the parameters have p = {params.p} "
            "(pass power=p to run_grid)"
        )
    if grid.norm0 != params.norm0:
        raise ValueError(
            f"grid: built for norm0 = {grid.norm0}, the parameters have norm0 = {params.norm0} "
            "(build it with model_grid)"
        )
    x, w = mode_nodes() if nodes is None else nodes
    lam = x ** (-params.b)
    c0 = params.A * x ** (-(params.a - params.b))
    u = w * lam
    un = u if params.theta == 1 else w * lam**params.theta
    bias = np.empty(grid.t.size)
    noise = np.empty(grid.t.size)
    _forward(
        lam, u, un, c0, grid.s1, grid.s2, grid.de, params.s, params.nu, params.gain, bias, noise
    )
    return bias, noise


def loss_curve(params: LossParams, grid: RunGrid, nodes=None) -> np.ndarray:
    r"""The loss :math:`L(t) = L_\infty + E(t)` at the grid nodes, shape (J + 1,).

    Examples
    --------
    A constant rate with no noise: the bias alone, :math:`\sum_k k^{-a}e^{-2k^{-b}\eta t}`:

    >>> p = LossParams(L_inf=0.0, A=1.0, s=1.0, nu=0.0, a=3.0, b=2.0)
    >>> g = run_grid(np.full(100, 0.1), [100])
    >>> x = np.arange(1, 10**6 + 1.0)
    >>> exact = np.sum(x**-3.0 * np.exp(-2 * x**-2.0 * 10.0))
    >>> bool(abs(loss_curve(p, g, mode_nodes(10**6))[-1] / exact - 1) < 1e-4)  # quadrature error
    True
    """
    bias, noise = loss_parts(params, grid, nodes)
    return params.L_inf + bias + noise
