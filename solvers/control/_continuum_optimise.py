"""How the continuum solver optimises: L-BFGS-B on the log loss, then a projected trust-region
Newton finish with Hessians from differences of the exact gradient (reused while each step
contracts the residual), and the scaled KKT measures that stop both."""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from scipy.ndimage import maximum_filter1d

from ..dynamics.continuum import ContinuumProblem
from ._lbfgsb import LbfgsbOptions, minimize_box
from ._threads import single_threaded_blas

#: Floor on eta (relative to the upper bound) in scales and when schedules are interpolated.
LOG_ETA_FLOOR = 1e-12
#: A rate counts at no less than this fraction of the largest rate within ``SCALE_WINDOW``
#: intervals of it, in the scaled KKT measure and as its optimisation scale: a rate stuck near
#: zero next to rates 100x larger is not converged however small its own log-gradient (at
#: T = 1e4 such rates in the last steps hid a 0.3 % loss gap). The floor used to be 1e-3 of the
#: upper bound; at T = 1e12 every rate of the optimum is below that (annealed rates reach 1e-13
#: of it), so the measure read 17..125 at schedules whose log-gradient summed to 3e-3.
SCALE_FLOOR = 1e-2

#: Half-width (intervals) of the neighbourhood of ``SCALE_FLOOR``; an annealed optimum changes
#: by ~1.3x per interval, so 10 intervals never bring a genuine rate below the floor.
SCALE_WINDOW = 10

#: Relative forward-difference step of a Hessian column (truncation ~1e-6, rounding ~1e-8).
HESSIAN_STEP = 1e-6

#: A Hessian is reused for the next Newton step while each step cuts the residual by this
#: factor: a step costs one gradient pass, a Hessian J of them. Measured at T = 1e6 (a=3,
#: b=2, from a residual of 0.1): 0.1 built 6 Hessians (1787 passes), 0.5 built 4 (1203),
#: 0.9 built 2 (624 passes, 8 s CPU).
CHORD_CONTRACTION = 0.9

#: Initial trust radius, as the root-mean-square relative change of the rates (the radius is
#: this times sqrt(J) in the scaled rates eta_j / s_j), and the radius (absolute) below which
#: the solve is declared stalled.
TRUST_RADIUS = 1.0
TRUST_RADIUS_MIN = 1e-10

#: Rounds of a Newton step in which the rates it carries past a bound are pinned there and the
#: step is re-solved on the others (each round one eigendecomposition of the rest).
PIN_ROUNDS = 8

#: Relative change of log L(T) below which two losses are taken as equal (rounding).
LOSS_NOISE = 1e-13


# -- optimisation ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Stop:
    status: int
    message: str


def _coarsen(prob, factor: int):
    """``prob`` on every ``factor``-th node of its grid, always keeping the last; each coarse
    cell's length the sum of its fine cells' (exact: no ``T - t`` formed near the end)."""
    n = prob.t.size
    keep = np.arange(0, n, factor)
    keep = keep if keep[-1] == n - 1 else np.append(keep, n - 1)
    rem = None if prob.rem is None else prob.rem[keep]
    return replace(prob, t=prob.t[keep], rem=rem, h=np.add.reduceat(prob.h, keep[:-1]))


def _dip_level(eta: np.ndarray) -> np.ndarray:
    """The level a rate sits below on both sides: the smaller of the largest rates in the
    ``SCALE_WINDOW`` intervals before it and in those after it (``0`` at the ends).

    At most the rate itself wherever the schedule is monotone (the plateau, the window, the
    bulk's decay), so it changes nothing there. In a dip it is the level a step could raise the
    rate to: with the floor alone, a rate stuck at 5e-4 of its neighbours inside the hard
    window counted at 1 % of them, so its log-gradient of 7e-5 read as a residual of 6e-7
    (converged) while raising it to its neighbours' level lowered L(T) by 2e-5 (at (1.5, 3),
    T = 1e10 and 1e11: the zigzag of the window's local slopes; benchmarks/results/claims.md,
    2026-11-30m).
    """
    w = SCALE_WINDOW
    pad = np.concatenate([np.zeros(w), eta, np.zeros(w)])
    side = sliding_window_view(pad, w).max(axis=1)  # side[i] = max(pad[i : i + w])
    return np.minimum(side[: eta.size], side[w + 1 : w + 1 + eta.size])


def _rate_scale(eta: np.ndarray, upper: float) -> np.ndarray:
    """Each rate's scale: its size, at least ``SCALE_FLOOR`` x its neighbourhood's largest rate,
    and in a dip at least the level it sits below (:func:`_dip_level`)."""
    local = maximum_filter1d(eta, size=2 * SCALE_WINDOW + 1, mode="nearest")
    size = np.maximum(eta, _dip_level(eta))
    return np.clip(size, np.maximum(SCALE_FLOOR * local, LOG_ETA_FLOOR * upper), upper)


def _kkt_scaled(prob: ContinuumProblem, eta: np.ndarray, G: np.ndarray) -> float:
    """Projected-gradient residual with each rate scaled by its own size (``KKT_DEFINITIONS``)."""
    s = _rate_scale(eta, prob.upper)
    return float(np.sum(np.abs(np.clip(eta - s * s * G, 0.0, prob.upper) - eta) / s))


def _kkt_metric(prob: ContinuumProblem, eta: np.ndarray, G: np.ndarray) -> float:
    """Projected-gradient residual in the variables ``eta_j sqrt(h_j/T)`` (``KKT_DEFINITIONS``)."""
    w = np.sqrt(prob.h / prob.T)
    x = eta * w
    return float(np.max(np.abs(np.clip(x - G / w, 0.0, prob.upper * w) - x)))


def _log_loss(prob: ContinuumProblem, eta: np.ndarray, n_eval: list) -> tuple[float, np.ndarray]:
    """``(log L(T), d log L(T) / d eta)``; ``(inf, None)`` for an unstable schedule."""
    n_eval[0] += 1
    LT, g, _, ok = prob.value_grad(eta)
    if not ok or not LT > 0:
        return math.inf, None
    return math.log(LT), g / LT


def _lbfgs(prob, eta, kkt_of, tol, maxiter, opts, n_eval):
    """L-BFGS-B on ``log L(T)`` from ``eta``; returns ``(eta, iterations, _Stop)``.

    The shared driver (:func:`~solvers.control._lbfgsb.minimize_box`) with each rate optimised
    as ``x_j = eta_j / s_j`` (``_rate_scale``, refreshed at each restart): ``log L`` depends on
    the rates roughly through ``log eta``. Stops when ``kkt_of`` is at most ``tol`` (tested
    after every iteration), on ``ftol`` (status 4, stalled) or at ``maxiter`` (status 1).
    """
    up = prob.upper
    r = minimize_box(
        lambda e: _log_loss(prob, e, n_eval), eta, np.zeros(eta.size), np.full(eta.size, up),
        scale=lambda e: _rate_scale(e, up), kkt=lambda e, G: kkt_of(prob, e, G), tol=tol,
        maxiter=maxiter, options=LbfgsbOptions(
            restarts=opts.restarts, maxcor=opts.maxcor, ftol=opts.ftol, gtol=opts.gtol, maxls=50
        ),
    )  # fmt: skip
    return r.theta, r.iterations, _Stop(r.status, r.message)


@dataclass(frozen=True)
class _NewtonModel:
    """Quadratic model of ``log L(T)`` in ``y = eta / s`` on the free rates."""

    free: np.ndarray
    s: np.ndarray
    H: np.ndarray
    w: np.ndarray
    V: np.ndarray
    #: Eigendecompositions of ``H`` restricted to the rates left free by a set of pinned ones,
    #: keyed by that set: the steps of a kept Hessian pin the same rates again and again (474 ->
    #: 240 ``eigh`` calls over the (1.5, 3) default sweep to 1e9, the same steps bit for bit).
    _restricted: dict = field(default_factory=dict, compare=False, repr=False)

    def restricted(self, rest: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``eigh`` of ``H[rest, rest]`` (computed once per ``rest``)."""
        key = rest.tobytes()
        if key not in self._restricted:
            self._restricted[key] = np.linalg.eigh(self.H[np.ix_(rest, rest)])
        return self._restricted[key]

    def step(self, eta, G, radius, upper):
        """Trial schedule, predicted change of ``log L`` and step length (scaled).

        The trust-region step of the quadratic model; a rate it carries past a bound that its
        gradient pushes against is pinned there and the step re-solved on the others
        (``PIN_ROUNDS`` times at most, then clipped), so the step ends near the model's minimiser
        on the face it reaches rather than on the clipped unconstrained step. A rate carried
        past a bound only by its coupling to the others is pinned only when no rate is pushed.
        """
        f, s = self.free, self.s[self.free]
        g = G[f] * s
        lo, hi = -eta[f] / s, (upper - eta[f]) / s
        d = _trust_region_step(self.w, self.V, g, radius)
        pinned = np.zeros(d.size, dtype=bool)
        for _ in range(PIN_ROUNDS):
            out = ~pinned & ((d < lo) | (d > hi))
            if not out.any():
                break
            pushed = out & (((d > hi) & (g < 0)) | ((d < lo) & (g > 0)))
            out = pushed if pushed.any() else out
            d[out] = np.where(d[out] < lo[out], lo[out], hi[out])
            pinned |= out
            rest = np.flatnonzero(~pinned)
            left = radius**2 - float(d[pinned] @ d[pinned])
            if rest.size == 0 or left <= 0:
                d[rest] = 0.0
                break
            g_r = g[rest] + self.H[np.ix_(rest, np.flatnonzero(pinned))] @ d[pinned]
            d[rest] = _trust_region_step(*self.restricted(rest), g_r, math.sqrt(left))
        d = np.clip(d, lo, hi)
        trial = eta.copy()
        trial[f] = np.clip(eta[f] + d * s, 0, upper)
        return trial, float(g @ d + 0.5 * d @ (self.H @ d)), float(np.linalg.norm(d))


def _newton_model(prob, eta, G, n_eval) -> _NewtonModel:
    """Hessian of ``log L(T)`` in ``y = eta / s`` on the rates not held at a bound.

    Column ``j`` is a forward difference of the exact adjoint gradient with step
    ``HESSIAN_STEP * s_j`` (backward at the upper bound), each moved gradient from
    :meth:`~solvers.dynamics.continuum.ContinuumProblem.perturbed_grads`: the same numbers as a
    full gradient pass at the moved schedule, for ``COLUMN_WORK`` of its cost (one rate moved
    changes one interval's propagators). ``n_eval`` counts one pass and ``free.size`` columns.
    Each column is computed from its rate on (``tail``) and the Hessian is its upper triangle
    mirrored: each entry ``(j, k)``, ``j <= k``, the difference of component ``k`` when rate
    ``j`` moves; the reverse sweep over the intervals before the moved one, half a column's
    work, was the other triangle, which the symmetrised Hessian averaged in.
    """
    up = prob.upper
    s = _rate_scale(eta, up)
    held = ((eta >= up * (1 - 1e-12)) & (G < 0)) | ((eta <= 0) & (G > 0))
    free = np.flatnonzero(~held)
    h = HESSIAN_STEP * s[free] * np.where(eta[free] + HESSIAN_STEP * s[free] <= up, 1.0, -1.0)
    n_eval[0] += 1  # the base pass the columns continue from
    n_eval[1] += free.size
    _, L_moved, g_moved, ok = prob.perturbed_grads(eta, free, h, tail=True)
    if not (ok and np.all(L_moved > 0)):  # NaN where a moved schedule is unstable
        bad = free[~(L_moved > 0)] if ok else free
        raise FloatingPointError(
            f"Hessian: the schedule moved by {HESSIAN_STEP:g} of its scale at rates {bad[:5]} "
            "is unstable (a rate within that step of the stability limit)"
        )
    Gj = g_moved[:, free] / L_moved[:, None]  # row c: d log L / d eta_free at eta + h_c e_c
    D = np.triu((Gj - G[free]) * (s[free][None, :] * (s[free] / h)[:, None]))
    H = D + np.triu(D, 1).T  # entry (c, k >= c): rate c moved, component k
    w, V = np.linalg.eigh(H)
    return _NewtonModel(free, s, H, w, V)


def _trust_region_step(w, V, g, radius):
    """Minimiser of ``g.d + d.H.d / 2`` over ``|d| <= radius``, ``H = V diag(w) V^T``."""
    a = V.T @ g
    if w[0] > 0:
        d = -(V @ (a / w))
        if np.linalg.norm(d) <= radius:
            return d
    lo = max(0.0, -w[0])
    hi = lo + np.linalg.norm(g) / radius + 1e-300  # |d(hi)| <= radius
    for _ in range(100):  # bisection on the shift mu of w + mu
        mid = 0.5 * (lo + hi)
        if np.linalg.norm(a / (w + mid)) > radius:
            lo = mid
        else:
            hi = mid
        if hi - lo <= 1e-12 * hi:
            break
    return -(V @ (a / (w + hi)))


def _newton(prob, eta, kkt_of, tol, maxiter, n_eval, polish=True):
    """Projected trust-region Newton on ``log L(T)``.

    A Hessian (``_newton_model``) is reused for the next step while each accepted step cuts
    the residual by ``CHORD_CONTRACTION``; a rejected step with a reused Hessian rebuilds it,
    with a fresh one shrinks the trust region. Stalled (status 4) when the region collapses.
    Once converged, ``polish`` takes one more step with a fresh Hessian (:func:`_polish`).

    Returns ``(eta, steps, hessians, _Stop, remaining)``: ``remaining`` is the step the last
    Hessian still proposes from the final point (:func:`_remaining_step`; ``None`` if no
    Hessian was built).
    """
    f, G = _log_loss(prob, eta, n_eval)
    r = kkt_of(prob, eta, G)
    radius = TRUST_RADIUS * math.sqrt(eta.size)
    model, last, fresh, nit, hessians = None, None, False, 0, 0

    def out(stop):
        return eta, nit, hessians, stop, _remaining_step(last, eta, G, prob.upper)

    while r > tol:
        if nit >= maxiter:
            return out(_Stop(1, "Newton: iteration limit"))
        if radius < TRUST_RADIUS_MIN:
            return out(_Stop(4, f"Newton: trust region below {TRUST_RADIUS_MIN:g}"))
        if model is None:
            model, fresh, hessians = _newton_model(prob, eta, G, n_eval), True, hessians + 1
            last = model
        trial, pred, size = model.step(eta, G, radius, prob.upper)
        f_t, G_t = _log_loss(prob, trial, n_eval)
        r_t = kkt_of(prob, trial, G_t) if G_t is not None else math.inf
        nit += 1
        measurable = abs(f_t - f) > LOSS_NOISE * max(1.0, abs(f))
        bounded = measurable and (f_t - f) / pred > 0.75 and size > 0.9 * radius
        if measurable and (pred >= 0 or (f_t - f) / pred < 0.25):
            radius = 0.25 * size
        elif bounded:
            radius *= 2.0
        if f_t < f or (not measurable and r_t < r):
            # keep the Hessian while the steps contract the residual, or while the model
            # predicts the loss to within 25 % and only the trust region limits the step:
            # rebuilding it there cost most of the Hessians at the hard corner (1.2, 4), where
            # soft directions hold the steps at the radius for dozens of iterations
            keep = r_t <= CHORD_CONTRACTION * r or bounded
            eta, f, G, r = trial, f_t, G_t, r_t
            if not keep:
                model = None
            fresh = False
        elif not fresh:
            model = None
    if polish:
        (eta, f, G, r), last, taken = _polish(prob, eta, f, G, r, kkt_of, n_eval)
        nit, hessians = nit + taken, hessians + 1
    return out(_Stop(0, "Newton: converged"))


def _polish(prob, eta, f, G, r, kkt_of, n_eval):
    """One full Newton step from a converged point with a fresh Hessian, taken when it lowers
    neither the loss (beyond rounding) nor the residual's quality.

    The residual ``tol`` bounds the loss's first-order change, not where the rates settle:
    along the Hessian's soft directions (174 eigenvalues below 1e-3 of the largest at (1.5, 3),
    T = 1e8) a residual of 1e-6 leaves a readout of the schedule's shape 1e-3 off. At
    (1.5, 3), T = 3e11 .. 1e13, two converged sweeps read lost times 1.4e-3 apart at losses
    equal to 1e-9; one such step from each brought them within 6e-5 and the residual from
    2.5e-7 .. 7.9e-7 to 3.5e-9 .. 4.5e-8, lowering ``log L`` by the predicted 3e-10 .. 2e-9
    (benchmarks/results/claims.md, 2026-11-30m).

    Returns ``((eta, f, G, r), model, taken)``: the point, its Hessian model (for
    :func:`_remaining_step`) and 1 if the step was taken, else 0.
    """
    model = _newton_model(prob, eta, G, n_eval)
    trial, _, _ = model.step(eta, G, TRUST_RADIUS * math.sqrt(eta.size), prob.upper)
    f_t, G_t = _log_loss(prob, trial, n_eval)
    if G_t is None or f_t > f + LOSS_NOISE * max(1.0, abs(f)):
        return (eta, f, G, r), model, 0
    r_t = kkt_of(prob, trial, G_t)
    if r_t > r:
        return (eta, f, G, r), model, 0
    return (trial, f_t, G_t, r_t), model, 1


def _remaining_step(model: _NewtonModel | None, eta, G, upper) -> np.ndarray | None:
    """The change of the rates that ``model``'s quadratic still proposes from ``eta`` (its
    trust-region step at the initial radius ``TRUST_RADIUS * sqrt(J)``, within the bounds).

    After :func:`_polish` the model is the fresh Hessian of the point before its step: the
    step it still proposes is the next Newton step, a measure of how far the rates are from
    where they would settle. A readout of the schedule moved by it is the readout's solver
    error (:func:`solvers.claims.readouts.step_error`; at (1.5, 3), T = 3e11 .. 1e13, 2e-6 ..
    6e-5 of the lost time, matching the distance between two polished sweeps).
    """
    if model is None:
        return None
    trial, _, _ = model.step(eta, G, TRUST_RADIUS * math.sqrt(eta.size), upper)
    return trial - eta


def _optimise(prob, eta, opts, kkt_of, maxiter, n_eval):
    """L-BFGS-B to ``newton_from`` (or ``tol`` without Newton), then Newton to ``tol``.

    Returns ``(eta, lbfgs_iterations, newton_steps, hessians, _Stop, remaining)``
    (``remaining``: :func:`_remaining_step`, ``None`` without a Newton finish).
    """
    handover = max(opts.tol, opts.newton_from) if opts.newton else opts.tol
    eta, nit, stop = _lbfgs(prob, eta, kkt_of, handover, maxiter, opts, n_eval)
    if not opts.newton or stop.status == 1:
        return eta, nit, 0, 0, stop, None
    with single_threaded_blas():  # the Hessians' eigendecompositions (_threads)
        eta, steps, hessians, stop, remaining = _newton(
            prob, eta, kkt_of, opts.tol, maxiter - nit, n_eval, opts.polish
        )
    return eta, nit, steps, hessians, stop, remaining
