r"""Compute-optimal scaling: the best model size ``N`` and horizon ``T`` at fixed compute ``C = N T m``.

For a model with the top ``N`` features (the rest an unlearnable tail
:math:`\sum_{k>N} k^{-a}`, ``model.tail_loss``), the test loss after ``T`` steps of an optimal
schedule is :math:`L(N, T) = L^*_{\rm dyn}(N, T) + \mathrm{tail}(N)`. At fixed
:math:`C = N T m` (batch ``m = model.batch``), :func:`compute_optimal_point` sweeps ``N`` on a
geometric grid, solves the optimal schedule at each ``T = C/(N m)`` (the continuum solver:
its cost grows like ``log T`` and ``log N``) and locates the minimum by the polynomial through
the sizes nearest the best in :math:`(\log N, \log L)` (the grid is extended
when the minimum sits at an edge). The same is done for the best *constant* learning rate, so
the exponents show what the optimal schedule buys. :func:`compute_optimal_scaling` repeats this
over a geometric range of ``C`` and fits :math:`N^* \propto C^{\nu}`, :math:`T^*\propto C^{1-\nu}`
and :math:`L^* \propto C^{-p}` with standard errors and local slopes, next to the exponents of
``theory.derive_scaling_laws()``.
"""

from __future__ import annotations

import math
import time
import warnings
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import minimize_scalar

from theory import PLRFModel
from theory._checks import check_int, check_real

from ..dynamics.continuum import FrontWarning, continuum_loss, time_grid
from ..schedules.families import SCHEDULES
from ..schedules.tuning_continuum import continuum_problem
from .continuum import solve_continuum
from .momentum import ExponentFit, fit_exponent

__all__ = [
    "FAMILIES",
    "ComputeOptimalPoint",
    "ComputeOptimalScaling",
    "best_constant_loss",
    "best_family_loss",
    "compute_optimal_point",
    "compute_optimal_scaling",
    "derived_compute_exponents",
    "optimal_loss",
    "plateau_compute_optimum",
    "plateau_loss",
    "vertex_error",
]

#: Default spacing of the N grid (factor between neighbours).
DEFAULT_N_FACTOR = 1.5
#: Default number of N values per compute level (before edge extensions).
DEFAULT_N_POINTS = 5
#: Extend the grid at most this many times when the minimum sits at an edge.
MAX_EXTENSIONS = 4
#: Smallest model size considered.
MIN_N = 4


def optimal_loss(model: PLRFModel, T: float, **options) -> tuple[float, bool]:
    """Test loss ``L*_dyn(T) + tail_loss`` of the optimal schedule and whether it converged."""
    r = _solve(model, T, None, options)
    return r.final_loss + model.tail_loss, bool(r.success)


def _solve(model: PLRFModel, T: float, initial, options: dict):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FrontWarning)
        return solve_continuum(model, T, diagnostics=False, initial=initial, **options)


def _nearest(starts: dict, N: int):
    """The solved optimum of the size nearest ``N`` in ``log N`` (``None``: none yet), the start
    of ``N``'s solve: the same optima as cold starts to the solver's tolerance (to 12 digits at
    (1.2, 4), C = 1e8) for 0.27 of the CPU (5.6 s against 20.8 s; a sweep passes its ``starts``
    across levels; benchmarks/results/claims.md, 2026-12-01s19 lead)."""
    return starts[min(starts, key=lambda k: abs(math.log(k / N)))] if starts else None


#: Largest compute level accepted: its horizons (T* up to ~C at N* ~ 1) stay within the range
#: where the continuum solver is shown to converge (T <= 1e12, benchmarks/results/longrun.md);
#: C = 1e300 ran into a solver failure after minutes.
MAX_COMPUTE = 1e12


#: Tuned baseline families ``eta_t = eta0 f(t/T)`` of the compute-optimal comparison.
FAMILIES = {name: SCHEDULES[name].shape for name in ("constant", "linear", "cosine")}


def best_family_loss(model: PLRFModel, T: float, family: str) -> tuple[float, float]:
    """``(test loss, eta0)`` of the best ``eta0 f(t/T)`` (:data:`FAMILIES`) at horizon ``T``.

    The schedule is evaluated on the continuum grid (interval midpoints) and ``eta0`` tuned by
    a bounded search in ``log eta0`` up to ``min(eta_max, 0.999 x stability limit)`` — the
    constant rate's stability cap, conservative for the decaying families.
    """
    if family not in FAMILIES:
        raise ValueError(f"family must be one of {sorted(FAMILIES)}, got {family!r}")
    t = time_grid(float(round(T)))
    shape = FAMILIES[family](0.5 * (t[1:] + t[:-1]) / t[-1])
    hi = min(model.eta_max, _stable_cap(model))

    def f(log_e):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            L = continuum_loss(model, math.exp(log_e) * shape, t)[-1]
        return math.log(L) if np.isfinite(L) and L > 0 else 1e300

    r = minimize_scalar(
        f, bounds=(math.log(hi) - 12.0, math.log(hi)), method="bounded", options={"xatol": 1e-4}
    )
    return math.exp(r.fun) + model.tail_loss, math.exp(r.x)


def best_constant_loss(model: PLRFModel, T: float) -> tuple[float, float]:
    """``(test loss, eta)`` of the best constant learning rate at horizon ``T`` (continuum)."""
    return best_family_loss(model, T, "constant")


def plateau_loss(model: PLRFModel, N: int, T: float) -> float:
    r"""The noiseless plateau's loss with the top ``N`` features after ``T`` steps: the bias of
    the rate cap (:meth:`~solvers.dynamics.continuum.ContinuumProblem.plateau_bias`, the
    continuum solver's quadrature and cap) plus the unlearnable tail :math:`\sum_{k>N} k^{-a}`.
    No schedule under the cap has less bias: it is :func:`optimal_loss` without the excess of
    the final annealing window (its lost time and its noise)."""
    mod = model.replace(n_modes=int(N))
    return continuum_problem(mod, T).plateau_bias() + mod.tail_loss


#: Model sizes of :func:`plateau_compute_optimum` per compute level: a geometric grid over a
#: factor PLATEAU_SPAN either side of the guess (the plateau's loss is a closed-form sum, so a
#: dense grid costs milliseconds and leaves the vertex's interpolation error negligible).
PLATEAU_POINTS = 41
PLATEAU_SPAN = 3.0


def plateau_compute_optimum(
    model: PLRFModel, C: float, *, N_guess: float | None = None
) -> tuple[float, float]:
    r"""``(N_B, L_B)``: the compute-optimal allocation of the noiseless plateau,
    :math:`\min_N` :func:`plateau_loss` ``(N, C/(N m))``, located like :func:`compute_optimal_point`
    (polynomial vertex, the grid moved past an edge minimum up to :data:`MAX_EXTENSIONS` times).

    In the hard phase the optimal loss is the plateau's bias times ``1 + phi``, the window's
    relative excess ``phi -> 0`` (``theory.hard_loss_source``), so ``L_B(C)`` has the exponent
    :math:`-(a-1)/(b+1)` of ``L*(C)`` without its excess: a reference of the same limit.
    """
    C = check_real("C", C, gt=0, le=MAX_COMPUTE)
    m = 1.0 if math.isinf(model.batch) else model.batch
    centre = C ** (1 / 3) if N_guess is None else check_real("N_guess", N_guess, gt=0)
    for _ in range(MAX_EXTENSIONS + 1):
        grid = np.geomspace(centre / PLATEAU_SPAN, centre * PLATEAU_SPAN, PLATEAU_POINTS)
        Ns = np.unique(np.round(grid))
        Ns = Ns[(Ns >= MIN_N) & (C / (Ns * m) >= 2)]
        L = np.array([plateau_loss(model, int(N), round(C / (N * m))) for N in Ns])
        j = int(np.argmin(L))
        if 0 < j < Ns.size - 1 or (j == 0 and Ns[0] <= MIN_N) or Ns.size < 3:
            break
        centre = float(Ns[j])  # an edge minimum: centre the grid on it
    return _vertex(Ns, L)


def _stable_cap(model: PLRFModel) -> float:
    from ..dynamics.recursion import stability_limit

    return (1 - 1e-3) * stability_limit(model)


@dataclass(frozen=True)
class ComputeOptimalPoint:
    r"""The compute-optimal allocation at one compute level.

    Attributes
    ----------
    C : float
    N : ndarray
        Model sizes tried.
    loss : ndarray
        Optimal-schedule test loss at each ``N`` (``T = C/(N m)``).
    constant_loss : ndarray
        Best-constant-rate test loss at each ``N``.
    N_star, T_star, L_star : float
        Parabola vertex in :math:`(\log N, \log L)` (optimal schedule).
    N_star_constant, T_star_constant, L_star_constant : float
        The same for the constant rate.
    converged : ndarray of bool
        Solver convergence per ``N``.
    baselines : dict
        ``family -> {"loss": ndarray, "N_star", "T_star", "L_star"}`` for further tuned
        families (:data:`FAMILIES`, e.g. cosine), on the same ``N`` grid.
    N_star_error, L_star_error : float
        Interpolation error of the optimal schedule's vertex, in ``log N*`` and ``log L*``
        (:func:`vertex_error`; NaN with fewer than four model sizes).
    """

    C: float
    N: np.ndarray
    loss: np.ndarray
    constant_loss: np.ndarray
    N_star: float
    T_star: float
    L_star: float
    N_star_constant: float
    T_star_constant: float
    L_star_constant: float
    converged: np.ndarray
    baselines: dict = field(default_factory=dict)
    N_star_error: float = math.nan
    L_star_error: float = math.nan

    def to_dict(self) -> dict:
        return {
            "C": self.C,
            "N_star_error": self.N_star_error,
            "L_star_error": self.L_star_error,
            "N": self.N.tolist(),
            "loss": self.loss.tolist(),
            "constant_loss": self.constant_loss.tolist(),
            "N_star": self.N_star,
            "T_star": self.T_star,
            "L_star": self.L_star,
            "N_star_constant": self.N_star_constant,
            "T_star_constant": self.T_star_constant,
            "L_star_constant": self.L_star_constant,
            "converged": self.converged.tolist(),
            "baselines": {
                k: {kk: (vv.tolist() if isinstance(vv, np.ndarray) else vv) for kk, vv in v.items()}
                for k, v in self.baselines.items()
            },
        }


#: Model sizes nearest the best through which the vertex's polynomial passes (degree one less).
VERTEX_POINTS = 5
#: The compute-optimal claims' vertex ``(points, degree)``: a least-squares quartic through the
#: 11 sizes nearest the best on their fine grid (factor 1.04). At (3, 2) it agrees with dense
#: integer references (every N in [0.55, 1.8] C^(1/4), degree 6-8) to ~1e-4 in log N* from
#: C = 1e4 on, where the 5-size interpolant at factor 1.25 sat ~3e-3 off, +-1e-3 level to
#: level (claims.md, 2026-12-01s18).
CLAIM_VERTEX = (11, 4)


def _poly_min(x: np.ndarray, y: np.ndarray, degree: int) -> tuple[float, float] | None:
    """Lowest interior local minimum ``(x, y)`` of the least-squares polynomial (``None``: none)."""
    P = np.polynomial.Polynomial.fit(x, y, degree)
    P = P.trim(1e-9 * float(np.abs(P.coef).max()))  # a vanishing top coefficient spoils the roots
    d1, d2 = P.deriv(), P.deriv(2)
    crit = [r.real for r in d1.roots() if abs(r.imag) < 1e-9 and x[0] <= r.real <= x[-1]]
    crit = [r for r in crit if d2(r) > 0]
    if not crit:
        return None
    xv = min(crit, key=P)
    return float(xv), float(P(xv))


def _near_best(N: np.ndarray, L: np.ndarray, points: int = VERTEX_POINTS):
    """``(log N, log L)`` of the (up to) ``points`` sizes nearest the best."""
    k = min(points, N.size)
    lo = max(0, min(int(np.argmin(L)) - k // 2, N.size - k))
    return np.log(N[lo : lo + k]), np.log(L[lo : lo + k])


def _vertex(
    N: np.ndarray, L: np.ndarray, fit: tuple[int, int] | None = None
) -> tuple[float, float]:
    """Minimum of the polynomial through the sizes nearest the best, in ``(log N, log L)``.

    The curve is strongly asymmetric about its minimum (two power laws of different exponents),
    so a parabola through three sizes misses the minimum by its cubic term; the interpolating
    polynomial through :data:`VERTEX_POINTS` sizes (degree 4) follows it (at (3, 2) the local
    exponent of ``N*`` then falls smoothly, 0.285 ... 0.253, where the parabola's scattered by
    +-0.02: claims.md, 2026-11-30h). Falls back to the best size without an interior minimum.

    ``fit = (points, degree)``: the least-squares polynomial of ``degree`` through the
    ``points`` sizes nearest the best instead (the claims' fine grid, :data:`CLAIM_VERTEX`).
    """
    x, y = _near_best(N, L) if fit is None else _near_best(N, L, fit[0])
    v = _poly_min(x, y, x.size - 1 if fit is None else min(fit[1], x.size - 1))
    if v is None:
        j = int(np.argmin(L))
        return float(N[j]), float(L[j])
    return math.exp(v[0]), math.exp(v[1])


def vertex_error(
    N: np.ndarray, L: np.ndarray, fit: tuple[int, int] | None = None
) -> tuple[float, float]:
    r"""Interpolation error of :func:`_vertex`, in :math:`\log N^*` and :math:`\log L^*`: its
    distance from the minimum of the least-squares polynomial one degree lower on the same sizes
    (a second estimate with a larger error, so a bound). ``(nan, nan)`` with fewer than four
    sizes or no interior minimum of the lower one. With ``fit = (points, degree)`` the second
    estimate is the least-squares polynomial two degrees *higher* on the same sizes (with more
    sizes than the interpolant's, the lower degree's own truncation error is the larger one),
    or one degree lower where the sizes do not support that (few integers near a small N*).
    """
    x, y = _near_best(N, L) if fit is None else _near_best(N, L, fit[0])
    deg = x.size - 2 if fit is None else fit[1] + 2
    if fit is not None and deg > x.size - 2:  # keep a residual degree of freedom
        deg = min(fit[1], x.size - 1) - 1
    if x.size < 4:
        return math.nan, math.nan
    other = _poly_min(x, y, deg)
    if other is None:
        return math.nan, math.nan
    Nv, Lv = _vertex(N, L, fit)
    return abs(math.log(Nv) - other[0]), abs(math.log(Lv) - other[1])


def _check_baselines(baselines) -> None:
    for fam in baselines:
        if fam not in FAMILIES or fam == "constant":
            raise ValueError(
                f"baselines: expected names among {sorted(set(FAMILIES) - {'constant'})}, got {fam!r}"
            )


def _past_edges(keys: list, curves, factor: float, steps: float) -> set:
    """Sizes past the grid's edge where a curve's minimum sits at it (``steps = C/m``)."""
    extra = set()
    for Lo in curves:
        i = int(np.argmin(Lo))
        if i == 0 and keys[0] > MIN_N:
            extra.add(max(MIN_N, round(keys[0] / factor)))
        if i == len(keys) - 1 and steps / (keys[-1] * factor) >= 2:
            extra.add(round(keys[-1] * factor))
    return extra


def compute_optimal_point(
    model: PLRFModel,
    C: float,
    *,
    N_guess: float | None = None,
    n_points: int = DEFAULT_N_POINTS,
    factor: float = DEFAULT_N_FACTOR,
    constant: bool = True,
    baselines: tuple[str, ...] = (),
    vertex_fit: tuple[int, int] | None = None,
    starts: dict | None = None,
    **options,
) -> ComputeOptimalPoint:
    """Sweep ``N`` at fixed ``C = N T m`` and locate the minimum (see module docs); each solve
    starts from the nearest size's optimum in ``starts`` (:func:`_nearest`).

    ``N_guess`` centres the grid (default ``C^(1/3)``); the grid is extended past an edge
    minimum up to :data:`MAX_EXTENSIONS` times. ``baselines`` names further tuned families
    (:data:`FAMILIES`) located on the same grid. ``options`` go to :func:`solve_continuum`.
    The minimum is the vertex of :func:`_vertex` (``vertex_fit`` as there) with its error
    (:func:`vertex_error`).
    """
    _check_baselines(baselines)
    C = check_real("C", C, gt=0)
    n_points = check_int("n_points", n_points, ge=3)
    factor = check_real("factor", factor, gt=1)
    m = 1.0 if math.isinf(model.batch) else model.batch
    centre = C ** (1 / 3) if N_guess is None else check_real("N_guess", N_guess, gt=0)
    Ns = {round(centre * factor ** (j - n_points // 2)) for j in range(n_points)}
    cache: dict[int, tuple[float, bool, float]] = {}
    extra_losses: dict[int, dict[str, float]] = {}
    starts = {} if starts is None else starts  # sizes' optima: the next solves' starts

    def evaluate(Nv):
        for N in sorted(Nv):
            if N in cache or N < MIN_N:
                continue
            T = round(C / (N * m))  # integer horizon (rounding error < 1/(2T) in C)
            if T < 2:
                continue
            mod = model.replace(n_modes=N)
            r = starts[N] = _solve(mod, T, _nearest(starts, N), options)
            Lc = best_constant_loss(mod, T)[0] if constant else math.nan
            cache[N] = (r.final_loss + mod.tail_loss, bool(r.success), Lc)
            extra_losses[N] = {fam: best_family_loss(mod, T, fam)[0] for fam in baselines}

    evaluate(Ns)
    for _ in range(MAX_EXTENSIONS):
        keys = sorted(cache)
        curves = [[cache[k][0] for k in keys]]  # the optimum, then each compared family
        curves += [[cache[k][2] for k in keys]] if constant else []
        curves += [[extra_losses[k][fam] for k in keys] for fam in baselines]
        extra = _past_edges(keys, curves, factor, C / m) - set(cache)
        if not extra:
            break
        evaluate(extra)
    keys = np.array(sorted(cache), dtype=float)
    L = np.array([cache[int(k)][0] for k in keys])
    ok = np.array([cache[int(k)][1] for k in keys])
    Lc = np.array([cache[int(k)][2] for k in keys])
    Ns_, Ls_ = _vertex(keys, L, vertex_fit)
    N_err, L_err = vertex_error(keys, L, vertex_fit)
    if constant:
        Nc, Lcs = _vertex(keys, Lc)
    else:
        Nc = Lcs = math.nan
    fams = {}
    for fam in baselines:
        Lf = np.array([extra_losses[int(k)][fam] for k in keys])
        Nf, Lfs = _vertex(keys, Lf)
        fams[fam] = {"loss": Lf, "N_star": Nf, "T_star": C / (Nf * m), "L_star": Lfs}
    return ComputeOptimalPoint(
        C, keys, L, Lc, Ns_, C / (Ns_ * m), Ls_, Nc, C / (Nc * m), Lcs, ok, fams, N_err, L_err
    )


@dataclass(frozen=True)
class ComputeOptimalScaling:
    """Compute-optimal exponents over a range of compute levels.

    Attributes
    ----------
    model : PLRFModel
    points : tuple of ComputeOptimalPoint
    N_fit, T_fit, L_fit : ExponentFit
        Fits against ``C`` in :class:`ExponentFit`'s convention ``y ~ C^-p``: the model-size
        exponent is ``-N_fit.exponent``, the steps exponent ``-T_fit.exponent`` and the loss
        exponent ``L_fit.exponent``.
    N_fit_constant, T_fit_constant, L_fit_constant : ExponentFit or None
        The same for the best constant rate.
    derived : dict
        The engine's ``model_size_exponent``, ``steps_exponent``, ``loss_exponent`` (phase of
        the model), and for the constant rate the exponents implied by its loss exponent.
    seconds : float
    """

    model: PLRFModel
    points: tuple[ComputeOptimalPoint, ...]
    N_fit: ExponentFit
    T_fit: ExponentFit
    L_fit: ExponentFit
    N_fit_constant: ExponentFit | None
    T_fit_constant: ExponentFit | None
    L_fit_constant: ExponentFit | None
    derived: dict
    seconds: float
    baseline_fits: dict = field(default_factory=dict)

    def measured(self) -> dict:
        """Measured exponents ``{name: (value, stderr)}``."""
        out = {
            "model_size_exponent": (-self.N_fit.exponent, self.N_fit.stderr),
            "steps_exponent": (-self.T_fit.exponent, self.T_fit.stderr),
            "loss_exponent": (self.L_fit.exponent, self.L_fit.stderr),
        }
        if self.N_fit_constant is not None:
            out["constant.model_size_exponent"] = (
                -self.N_fit_constant.exponent,
                self.N_fit_constant.stderr,
            )
            out["constant.steps_exponent"] = (
                -self.T_fit_constant.exponent,
                self.T_fit_constant.stderr,
            )
            out["constant.loss_exponent"] = (
                self.L_fit_constant.exponent,
                self.L_fit_constant.stderr,
            )
        for fam, (nf, tf, lf) in self.baseline_fits.items():
            out[f"{fam}.model_size_exponent"] = (-nf.exponent, nf.stderr)
            out[f"{fam}.steps_exponent"] = (-tf.exponent, tf.stderr)
            out[f"{fam}.loss_exponent"] = (lf.exponent, lf.stderr)
        return out

    def to_dict(self) -> dict:
        def fit(f, sign):
            if f is None:
                return None
            return {
                "exponent": sign * f.exponent,
                "stderr": f.stderr,
                "local_slopes": (sign * f.local_slopes).tolist(),
            }

        return {
            "a": self.model.a,
            "b": self.model.b,
            "sigma": self.model.sigma,
            "batch": self.model.batch,
            "eta_max": self.model.eta_max,
            "phase": str(self.model.phase),
            "measured": {k: list(v) for k, v in self.measured().items()},
            "fits": {
                "model_size": fit(self.N_fit, -1),
                "steps": fit(self.T_fit, -1),
                "loss": fit(self.L_fit, 1),
                "constant.model_size": fit(self.N_fit_constant, -1),
                "constant.steps": fit(self.T_fit_constant, -1),
                "constant.loss": fit(self.L_fit_constant, 1),
                **{
                    f"{fam}.{name}": fit(f, sign)
                    for fam, fits in self.baseline_fits.items()
                    for name, f, sign in zip(
                        ("model_size", "steps", "loss"), fits, (-1, -1, 1), strict=True
                    )
                },
            },
            "derived": self.derived,
            "points": [p.to_dict() for p in self.points],
            "seconds": self.seconds,
        }


def derived_compute_exponents(model: PLRFModel) -> dict:
    """The engine's compute-optimal exponents for the model's phase, as floats.

    For the constant rate the engine's ``constant_lr_loss_exponent`` ``p_c`` is put through the
    same allocation (tail ``N^-(a-1)`` against ``T^-p_c``): ``nu_c = p_c/(a - 1 + p_c)``.
    """
    from theory import derive_scaling_laws

    laws = derive_scaling_laws()
    phase = str(model.phase)
    if phase not in ("easy", "hard"):
        return {}
    pl = getattr(laws, phase)
    s = model.subs()
    val = {
        k: float(pl[k].expr.subs(s))
        for k in (
            "compute_optimal.model_size_exponent",
            "compute_optimal.steps_exponent",
            "compute_optimal.loss_exponent",
            "constant_lr_loss_exponent",
        )
    }
    pc = val["constant_lr_loss_exponent"]
    nu_c = pc / (model.a - 1 + pc)
    return {
        "model_size_exponent": val["compute_optimal.model_size_exponent"],
        "steps_exponent": val["compute_optimal.steps_exponent"],
        "loss_exponent": val["compute_optimal.loss_exponent"],
        "constant.model_size_exponent": nu_c,
        "constant.steps_exponent": 1 - nu_c,
        "constant.loss_exponent": (model.a - 1) * nu_c,
    }


def compute_optimal_scaling(
    model: PLRFModel,
    Cs,
    *,
    constant: bool = True,
    baselines: tuple[str, ...] = (),
    n_points: int = DEFAULT_N_POINTS,
    factor: float = DEFAULT_N_FACTOR,
    progress=None,
    first_guess: float | None = None,
    vertex_fit: tuple[int, int] | None = None,
    **options,
) -> ComputeOptimalScaling:
    """Run :func:`compute_optimal_point` for each ``C`` in ``Cs`` and fit the exponents.

    The ``N`` grid of each level is centred on the previous level's ``N*`` scaled by the
    previous local exponent (the first on ``first_guess``, default ``C^(1/3)``), so it follows
    the minimum. ``vertex_fit``: see :func:`_vertex`.
    """
    t0 = time.perf_counter()
    Cs = sorted(check_real("C", c, gt=0, le=MAX_COMPUTE) for c in Cs)
    if len(Cs) < 2:
        raise ValueError(f"Cs must hold at least two compute levels, got {Cs}")
    pts: list[ComputeOptimalPoint] = []
    guess = first_guess
    starts: dict = {}  # each level's first solve starts from the last level's optima
    for C in Cs:
        p = compute_optimal_point(
            model, C, N_guess=guess, n_points=n_points, factor=factor, constant=constant,
            baselines=tuple(baselines), vertex_fit=vertex_fit, starts=starts, **options,
        )  # fmt: skip
        pts.append(p)
        if progress is not None:
            progress(p)
        if len(pts) >= 2:
            nu = math.log(pts[-1].N_star / pts[-2].N_star) / math.log(pts[-1].C / pts[-2].C)
        else:
            nu = 1 / 3
        guess = p.N_star * (Cs[min(len(pts), len(Cs) - 1)] / C) ** nu
    C = np.array([p.C for p in pts])
    fits = [fit_exponent(C, [getattr(p, a) for p in pts]) for a in ("N_star", "T_star", "L_star")]
    if constant:
        cf = [
            fit_exponent(C, [getattr(p, a) for p in pts])
            for a in ("N_star_constant", "T_star_constant", "L_star_constant")
        ]
    else:
        cf = [None, None, None]
    bf = {
        fam: tuple(
            fit_exponent(C, [p.baselines[fam][a] for p in pts])
            for a in ("N_star", "T_star", "L_star")
        )
        for fam in baselines
    }
    return ComputeOptimalScaling(
        model, tuple(pts), *fits, *cf, derived_compute_exponents(model),
        time.perf_counter() - t0, bf,
    )  # fmt: skip
