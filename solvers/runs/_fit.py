r"""Joint fit of the loss functional to several runs; held-out prediction from a schedule alone.

Seven free parameters, :math:`(L_\infty, A, s, \nu, a, b, p)` (:class:`LossParams`,
``gain = 0``; six with ``FitOptions(fit_power=False)``, which holds the rate power ``p = 1``;
``fit_gain=True`` frees the noise feedback ``gain``, with ``fit_power=False`` the 7-parameter
model of SGD with feedback; ``rate_map="norm"`` replaces ``p`` by the initial weight norm
``norm0`` of AdamW's norm map, ``"norm-eq"`` holds that norm at equilibrium, 6 parameters;
``fit_theta=True`` frees the noise spectrum's exponent ``theta``, one more), fitted to the relative residuals :math:`L_{\rm model}(t)/L_{\rm obs}(t) - 1` of every observed
point at ``step >= min_step`` of every run, each run weighted equally (``1/sqrt(n_points)``),
by :func:`scipy.optimize.least_squares` with a robust loss and box bounds. Starts: a grid over
:math:`(\log s, a, b)` (and ``p``, ``theta`` when free) on which the linear parameters :math:`(L_\infty, A, \nu)` are solved
exactly (the excess loss is linear in ``A`` and ``nu``); the best ``n_starts`` are refined.
Intervals and the probability of the easy phase come from a bootstrap (:mod:`._bootstrap`:
runs drawn with replacement, or blocks of each run's residuals resampled; refitted from the
best fit). ``FitOptions.prior`` (:mod:`._prior`, other
families' fits) turns the fit into a posterior mode, refined from the fit without it.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field, replace
from functools import partial

import numpy as np
from scipy.optimize import least_squares, lsq_linear

from ._bootstrap import bootstrap
from ._data import Run
from ._functional import (
    LossParams,
    loss_parts,
    mode_nodes,
    model_grid,
    rate_scale,
    resolve_rate_map,
    run_grid,
    weight_decay_ref,
)  # fmt: skip
from ._options import (
    DIVERGED,
    GTOL,
    LOWER,
    PARAM_NAMES,
    START_GAIN,
    START_POWERS,
    START_THETAS,
    UPPER,
    X_SCALE,
    FitOptions,
    _free,
)
from ._phase import (
    A_INDEX,
    B_INDEX,
    best_per_phase,
    effective_count,
    from_phase,
    phase_bounds,
    phase_note,
    phase_probability,
    to_phase,
)
from ._prior import ParamPrior
from ._window import fit_start, in_window

__all__ = ["FitOptions", "RunFit", "fit_points", "fit_runs"]


@dataclass(frozen=True)
class _Data:
    """A run's schedule, grid nodes and fitted points; its grids per rate power, cached."""

    run: Run
    eta: np.ndarray
    nodes: np.ndarray
    idx: np.ndarray
    obs: np.ndarray
    weight: float
    norm: tuple | None = None
    cache: dict = field(default_factory=dict, compare=False)

    def grid(self, q: LossParams):
        """The grid for the fit-internal parameters ``q`` (cached by ``p`` and ``norm0``).

        ``norm``: ``(decay, unit, n_unit)`` of the norm map: the run's weight decay times the
        fit's reference rate (rates here are relative to it), the equilibrium rate and the
        equilibrium norm (relative units) at that rate.
        """
        if "log" not in self.cache:
            with np.errstate(divide="ignore"):
                self.cache["log"] = np.log(self.eta)
        key = (q.p, q.norm0)
        if key not in self.cache:
            if len(self.cache) > 9:  # the Jacobian visits two powers at a time
                log_eta = self.cache["log"]
                self.cache.clear()
                self.cache["log"] = log_eta
            decay, unit = self.norm[:2] if q.norm0 is not None else (None, 1.0)
            self.cache[key] = model_grid(self.eta, self.nodes, q, decay, self.cache["log"], unit)
        return self.cache[key]


@dataclass(frozen=True)
class RunFit:
    """Result of :func:`fit_runs`.

    Attributes
    ----------
    params : LossParams
    interval : dict
        ``name -> (lo, hi)``, 95% bootstrap percentile interval (empty without bootstrap).
    boot : ndarray, shape (n_boot, 7)
        Bootstrap refits (``PARAM_NAMES`` order, natural units).
    p_easy : float
        Probability of the easy phase from the likelihood ratio of the best fits in each phase
        (:mod:`._phase`; the runs are the independent units).
    p_easy_boot : float or None
        Fraction of bootstrap refits (each refitting both phases) that land in the easy phase
        (``a > b``); with ``options.boot_kind="blocks"`` it is the JSON's ``p_easy``.
    phase_rss, phase_params : dict
        ``phase -> `` weighted residual sum of squares, parameters (``PARAM_NAMES`` order) of
        the best fit constrained to that phase.
    phase_note : str
        Whether the phase is identified, and if not why.
    n_eff : float
        Effective number of independent residuals behind ``p_easy``.
    r2 : dict
        Per-run R^2 of the fitted points.
    residuals : dict
        Per-run ``(steps, relative residual)``.
    eta_ref : float
        Reference rate of the fit (geometric mean of the fitted runs' peak rates).
    wd_ref : float or None
        Reference weight decay of the norm map (geometric mean over the fitted runs; None
        with the power map).
    base : RunFit or None
        With ``options.prior``: the fit of the same runs without the prior (no bootstrap),
        whose residual scale weighs the prior (:mod:`._prior`).
    prior_penalty : dict
        With ``options.prior``: ``phase ->`` the prior's part of ``phase_rss``
        (``sigma^2 sum z_j^2``; the data's part is the difference).
    success, status, message, cost, n_points
    """

    params: LossParams
    run_ids: list
    options: FitOptions
    interval: dict = field(default_factory=dict)
    boot: np.ndarray = field(default_factory=lambda: np.zeros((0, len(PARAM_NAMES))))
    p_easy: float = 0.0
    r2: dict = field(default_factory=dict)
    residuals: dict = field(default_factory=dict)
    success: bool = True
    status: int = 0
    message: str = ""
    cost: float = 0.0
    n_points: int = 0
    n_params: int = len(PARAM_NAMES)
    eta_ref: float = 1.0
    phase_rss: dict = field(default_factory=dict)
    phase_note: str = ""
    phase_params: dict = field(default_factory=dict)
    n_eff: float = 0.0
    wd_ref: float | None = None
    base: RunFit | None = None
    prior_penalty: dict = field(default_factory=dict)

    @property
    def p_easy_boot(self) -> float | None:
        return float(np.mean(self.boot[:, 4] > self.boot[:, 5])) if len(self.boot) else None

    @property
    def phase(self) -> str:
        return self.params.phase

    @property
    def held(self) -> tuple:
        """Parameters held, not fitted (``FitOptions``): a bootstrap "interval" of one is its
        held value twice, not an uncertainty."""
        return tuple(n for n, f in zip(PARAM_NAMES, _free(self.options), strict=True) if not f)

    @property
    def at_bound(self) -> list:
        """Parameters that ended on a bound of the fit (their interval is then one-sided)."""
        p = self.params
        scale = rate_scale(p.p, self.eta_ref, self.wd_ref)
        mu0 = 0.0 if p.norm0 is None else np.log10(p.norm0 * 2 * self.wd_ref / self.eta_ref)
        x = np.array([p.L_inf, *np.log10([p.A, p.s * scale, p.nu * scale]), p.a, p.b, p.p,
                      p.gain * scale, mu0, p.theta])  # fmt: skip
        hit = (np.abs(x - LOWER) < 1e-6) | (np.abs(x - UPPER) < 1e-6)
        hit &= _free(self.options)
        return [n for n, h in zip(PARAM_NAMES, hit, strict=True) if h]

    def _boot_summary(self) -> dict | None:
        """What the bootstrap resampled, its count, the easy count and the interval of
        ``b - a`` (the phase: easy below 0); None without refits."""
        if not len(self.boot):
            return None
        gap = self.boot[:, B_INDEX] - self.boot[:, A_INDEX]
        return {"kind": self.options.boot_kind, "n": len(self.boot),
                "n_easy": int(np.sum(gap < 0)), "b_minus_a": float(self.params.b - self.params.a),
                "b_minus_a_interval": [float(v) for v in np.percentile(gap, [2.5, 97.5])]}  # fmt: skip

    def to_dict(self) -> dict:
        """JSON of the fit; with ``boot_kind="blocks"`` refits ``p_easy`` is their easy share
        (the likelihood's in ``p_easy_likelihood``)."""
        p = self.params
        out = {name: getattr(p, name) for name in PARAM_NAMES}
        out = {k: None if v is None else float(v) for k, v in out.items()}
        out["interval"] = {k: [float(v[0]), float(v[1])] for k, v in self.interval.items()}
        out.update(phase=p.phase, p_easy=float(self.p_easy), n_params=self.n_params)
        out.update(rate_map=self.options.rate_map, weight_decay=self.wd_ref)
        out.update(p_easy_boot=self.p_easy_boot, phase_note=self.phase_note, n_eff=self.n_eff)
        out["bootstrap"] = self._boot_summary()
        if self.options.boot_kind == "blocks" and len(self.boot):
            out.update(p_easy=self.p_easy_boot, p_easy_likelihood=float(self.p_easy))
        out["phase_fits"] = {
            k: {
                "rss": float(self.phase_rss[k]),
                **{
                    n: float(u) if np.isfinite(u) else None
                    for n, u in zip(PARAM_NAMES, v, strict=True)
                },
            }
            for k, v in self.phase_params.items()
        }
        out.update(success=self.success, message=self.message, n_points=self.n_points)
        out["r2"] = {k: float(v) for k, v in self.r2.items()}
        out["at_bound"] = self.at_bound
        out["fit_runs"] = list(self.run_ids)
        if self.base is not None:
            out["prior"] = {**self.options.prior.to_dict(), "penalty": self.prior_penalty}
            out["without_prior"] = {k: v for k, v in self.base.to_dict().items()
                                    if k not in ("r2", "fit_runs", "interval")}  # fmt: skip
        return out


def _params(x: np.ndarray, data=()) -> LossParams:
    """Fit-internal parameters of the vector ``x`` (the norm map's if ``data`` has one)."""
    norm = data[0].norm if len(data) else None
    norm0 = None if norm is None else 10 ** x[8] * norm[2]
    return LossParams(x[0], 10 ** x[1], 10 ** x[2], 10 ** x[3], x[4], x[5], gain=x[7], p=x[6],
                      norm0=norm0, theta=x[9])  # fmt: skip


def params_from_row(row) -> LossParams:
    """:class:`LossParams` from a row in ``PARAM_NAMES`` order, natural units (``RunFit.boot``)."""
    norm0 = float(row[8]) if np.isfinite(row[8]) else None
    return LossParams(*row[:6], p=row[6], gain=row[7], norm0=norm0, theta=row[9])


def fit_points(run: Run, opts: FitOptions) -> tuple[np.ndarray, np.ndarray]:
    """The ``(steps, losses)`` of ``run`` that a fit uses (see :class:`FitOptions`)."""
    steps, loss = run.losses(opts.split)
    start = fit_start(run, opts)
    keep = steps >= start
    if not keep.any():
        raise ValueError(f"runs: run {run.id!r} has no {opts.split} loss at step >= {start}")
    steps, loss = steps[keep], loss[keep]
    if steps.size > opts.max_points:
        pick = np.unique(np.rint(np.linspace(0, steps.size - 1, opts.max_points)).astype(int))
        steps, loss = steps[pick], loss[pick]
    return steps, loss


def eta_ref(runs) -> float:
    """Reference rate of a fit: the geometric mean of the runs' peak rates."""
    peaks = [float(np.max(r.sched_lr)) for r in runs]
    if min(peaks) <= 0:
        bad = next(r.id for r, p in zip(runs, peaks, strict=True) if p <= 0)
        raise ValueError(f"runs: run {bad!r} has no positive rate")
    return float(np.exp(np.mean(np.log(peaks))))


def _prepare(runs, opts: FitOptions, ref: float) -> list[_Data]:
    """Per run: its schedule relative to ``ref``, grid nodes, fitted points, norm map."""
    out = []
    wd_ref = None if opts.rate_map == "power" else weight_decay_ref(runs)
    for run in in_window(runs, opts):
        steps, loss = fit_points(run, opts)
        eta = run.schedule(max(run.horizon, int(steps[-1]))) / ref
        grid = run_grid(eta, steps, n_grid=opts.n_grid)
        norm = None
        if wd_ref is not None:
            norm = (
                run.meta["weight_decay"] * ref,
                rate_scale(1, ref, wd_ref),
                0.5 / (wd_ref * ref),
            )
        w = 1.0 / np.sqrt(steps.size)
        out.append(_Data(run, eta, grid.t, grid.index(steps), loss, w, norm))
    return out


def _basis(data, nodes, s, a, b, p, theta=1.0):
    """Per run: (bias, noise) at the fitted points for A = nu = 1 (norm map: at equilibrium)."""
    q = _params(np.array([0.0, 0.0, np.log10(s), 0.0, a, b, p, 0.0, 0.0, theta]), data)
    return [tuple(part[d.idx] for part in loss_parts(q, d.grid(q), nodes)) for d in data]


def _linear_start(data, nodes, s, a, b, p=1.0, theta=1.0):
    """(L_inf, A, nu) solving the weighted relative least squares exactly, and its cost."""
    rows, rhs = [], []
    for d, (bias, noise) in zip(data, _basis(data, nodes, s, a, b, p, theta), strict=True):
        w = d.weight / d.obs
        rows.append(np.column_stack([w, w * bias, w * noise]))
        rhs.append(w * d.obs)
    M, y = np.vstack(rows), np.concatenate(rhs)
    sol = lsq_linear(M, y, bounds=(0.0, np.inf))
    return sol.x, float(np.sum((M @ sol.x - y) ** 2))


def _start_grid(data, nodes, opts, with_cost=False):
    """Points of a grid over ``(log s, a, b, p, theta)``, linear parameters solved, best first
    (``with_cost``: ``(cost, x)`` pairs)."""
    cands = []
    powers = START_POWERS if _free(opts)[6] else (1.0,)
    thetas = START_THETAS if opts.fit_theta else (1.0,)
    pairs = [(a, b) for a in (1.2, 1.6, 2.5, 4.0) for b in (1.2, 1.6, 2.5, 4.0)]
    for p, th, ls in itertools.product(powers, thetas, np.linspace(-5.0, 0.0, 6)):
        for a, b in pairs:
            (L0, A, nu), cost = _linear_start(data, nodes, 10**ls, a, b, p, th)
            gain = START_GAIN if opts.fit_gain else 0.0
            x = [L0, np.log10(max(A, 1e-6)), ls, np.log10(max(nu, 1e-8)), a, b, p, gain, 0.0, th]
            x = np.clip(x, LOWER + 1e-9, UPPER - 1e-9)
            x[7], x[8], x[9] = gain, 0.0, th  # exact: no gain; norm at equilibrium; theta
            cands.append((cost, x))
    cands.sort(key=lambda c: c[0])
    return cands if with_cost else [c[1] for c in cands]


def _parts(x, data, nodes):
    """Per run: the (bias, noise) parts at the fitted points of the parameter vector ``x``."""
    p = _params(x, data)
    return [tuple(part[d.idx] for part in loss_parts(p, d.grid(p), nodes)) for d in data]


def _residuals(x, data, nodes, parts=None):
    parts = _parts(x, data, nodes) if parts is None else parts
    r = np.concatenate([
        d.weight * ((x[0] + bias + noise) / d.obs - 1.0)
        for d, (bias, noise) in zip(data, parts, strict=True)
    ])  # fmt: skip
    return np.where(np.isfinite(r), r, DIVERGED)


class _Objective:
    """Residuals and Jacobian over the free entries of the (phase-constrained) vector.

    The loss is linear in ``L_inf``, ``A`` and ``nu``: their columns are exact (from the bias
    and noise parts of the last evaluation); the others, ``(log s', a, b, p)`` or their phase
    pair, by forward differences with scipy's ``2-point`` step (four evaluations a Jacobian,
    not seven).
    """

    def __init__(self, data, nodes, free, phase, z_full, lo, hi):
        self.data, self.nodes, self.free, self.phase = data, nodes, free, phase
        self.z_full, self.lo, self.hi = z_full, lo, hi
        self.linear = (0, 1, 3) if not free[7] else ()  # feedback: A and nu enter nonlinearly
        self.last = (None, None, None)

    def full(self, z):
        zf = self.z_full.copy()
        zf[self.free] = z
        return zf

    def _eval(self, z):
        key = np.asarray(z, dtype=float).tobytes()
        if self.last[0] != key:
            x = from_phase(self.full(z), self.phase, UPPER[5])
            parts = _parts(x, self.data, self.nodes)
            self.last = (key, parts, _residuals(x, self.data, self.nodes, parts))
        return self.last[1], self.last[2]

    def fun(self, z):
        return self._eval(z)[1]

    def jac(self, z):
        parts, r0 = self._eval(z)
        zf = self.full(z)
        cols = []
        for i in np.flatnonzero(self.free):
            if i in self.linear:
                cols.append(linear_column(self.data, parts, i))
                continue
            h = np.sqrt(np.finfo(float).eps) * max(1.0, abs(zf[i]))
            h = -h if zf[i] + h > self.hi[i] else h
            zh = zf.copy()
            zh[i] += h
            x = from_phase(zh, self.phase, UPPER[5])
            cols.append((_residuals(x, self.data, self.nodes) - r0) / h)
        return np.column_stack(cols)


def linear_column(data, parts, i: int) -> np.ndarray:
    """Exact Jacobian column of ``L_inf`` (``i = 0``), ``log10 A`` (1) or ``log10 nu`` (3)."""
    k = {0: None, 1: 0, 3: 1}[i]
    return np.concatenate([
        d.weight / d.obs * (1.0 if k is None else np.log(10) * pr[k])
        for d, pr in zip(data, parts, strict=True)
    ])  # fmt: skip


def _refine(x0, data, nodes, opts, phase=None, max_nfev=400, layout=None):
    """``least_squares`` from ``x0`` over the free entries, constrained to ``phase`` if given.

    ``layout`` is ``(objective class, free mask, lower, upper, x_scale)`` of another vector
    (the joint fit of :mod:`._shared`); default one fit's. Returns the ``OptimizeResult`` with
    ``x`` the full vector and ``rss`` the weighted sum of squared relative residuals.
    """
    cls, free, lower, upper, scale = layout or (_Objective, _free(opts), LOWER, UPPER, X_SCALE)
    lo, hi = phase_bounds(lower, upper, phase)
    z_full = np.clip(x0 if phase is None else to_phase(x0, phase), lo, hi)
    obj = cls(data, nodes, free, phase, z_full, lo, hi)
    res = least_squares(
        obj.fun, z_full[free], jac=obj.jac, bounds=(lo[free], hi[free]), loss=opts.loss,
        f_scale=opts.f_scale, x_scale=scale[free], max_nfev=max_nfev, gtol=GTOL,
    )  # fmt: skip
    res.x = from_phase(obj.full(res.x), phase, UPPER[5])
    res.rss = float(np.sum(res.fun**2))
    return res


def _natural(x: np.ndarray, eta_ref: float, wd_ref: float | None = None) -> np.ndarray:
    """Parameters in natural units from the vector (rates relative to ``eta_ref``).

    The intrinsic rate ``s' (eta / eta_ref)^p`` is ``s eta^p`` and the forcing ``s' (nu' +
    gain' E) (eta / eta_ref)^2p`` is ``s (nu + gain E) eta^2p``: ``s = s' / eta_ref^p``,
    ``nu = nu' / eta_ref^p``, ``gain = gain' / eta_ref^p``. The norm map likewise with
    ``sqrt(2 wd_ref eta_ref)`` for ``eta_ref^p``, and ``norm0`` (NaN with the power map) in
    units of the squared update: ``10^x8`` times the equilibrium ``eta_ref / (2 wd_ref)``.
    """
    scale = rate_scale(x[6], eta_ref, wd_ref)
    norm0 = np.nan if wd_ref is None else 10 ** x[8] * eta_ref / (2 * wd_ref)
    return np.array([x[0], 10 ** x[1], 10 ** x[2] / scale, 10 ** x[3] / scale, x[4], x[5], x[6],
                     x[7] / scale, norm0, x[9]])  # fmt: skip


def _r2(data, p, nodes) -> tuple[dict, dict]:
    r2, res = {}, {}
    for d in data:
        bias, noise = loss_parts(p, d.grid(p), nodes)
        pred = p.L_inf + bias[d.idx] + noise[d.idx]
        ss = float(np.sum((d.obs - d.obs.mean()) ** 2))
        r2[d.run.id] = 1.0 - float(np.sum((d.obs - pred) ** 2)) / ss if ss > 0 else float("nan")
        res[d.run.id] = (d.nodes[d.idx], pred / d.obs - 1.0)
    return r2, res


def fit_runs(runs, options: FitOptions | None = None) -> RunFit:
    """Fit the functional jointly to ``runs`` (a list of :class:`Run` with observed losses).

    The fit's parameters are those of the better of the two phase-constrained optima;
    ``p_easy`` compares them (:mod:`._phase`). With ``options.prior`` the fit without it comes
    first (``RunFit.base``, no bootstrap), then each phase's posterior mode (:func:`_with_prior`).
    Returns a :class:`RunFit`; a refinement that did not converge is reported in ``success``,
    ``status`` and ``message``.
    """
    opts = FitOptions() if options is None else options
    if opts.mode_law:
        raise ValueError("options.mode_law=True needs several model sizes: use fit_shared")
    runs = list(runs)
    if not runs:
        raise ValueError("runs must hold at least one run with observed losses")
    if opts.prior is not None:
        opts.prior.check_runs(runs)
    ref = eta_ref(runs)
    opts = replace(opts, rate_map=resolve_rate_map(opts.rate_map, runs))  # before any use
    held = (
        [n for n in opts.prior.names if not _free(opts)[PARAM_NAMES.index(n)]] if opts.prior else []
    )
    if held:
        raise ValueError(f"options.prior names {held}, held in this fit (rate map "
                         f"{opts.rate_map!r}); a prior may name free parameters only")  # fmt: skip
    wd_ref = None if opts.rate_map == "power" else weight_decay_ref(runs)
    data = _prepare(runs, opts, ref)
    nodes = mode_nodes(opts.n_modes)
    by_phase = best_per_phase(_start_grid(data, nodes, opts),
                              lambda x0, phase=None: _refine(x0, data, nodes, opts, phase),
                              opts.n_starts)  # fmt: skip
    ctx = (runs, data, nodes, ref, wd_ref)
    if opts.prior is None:
        return _assemble(by_phase, ctx, opts)
    base = _assemble(by_phase, ctx, replace(opts, prior=None, n_boot=0))
    return _with_prior(base, by_phase, ctx, opts)


def _assemble(by_phase, ctx, opts, layout=None, base=None) -> RunFit:
    """The :class:`RunFit` of the phases' optima ``by_phase`` (``layout``: the prior's, whose
    rows follow the data's residuals and enter ``rss`` and ``p_easy``)."""
    runs, data, nodes, ref, wd_ref = ctx
    n_data = sum(d.idx.size for d in data)
    cuts = np.cumsum([d.idx.size for d in data])[:-1]
    lowest = min(by_phase.values(), key=lambda f: f.cost)
    n_eff = effective_count(np.split(lowest.fun[:n_data], cuts))
    p_easy = phase_probability(by_phase["easy"].rss, by_phase["hard"].rss, n_eff)
    # The reported fit is the phase p_easy favours: the robust cost and the residual sum of
    # squares can rank a near tie differently, and "easy" beside p_easy = 0.01 would contradict.
    best = by_phase["easy" if p_easy >= 0.5 else "hard"]
    params = params_from_row(_natural(best.x, ref, wd_ref))
    note = phase_note(p_easy, by_phase["easy"].x, by_phase["hard"].x, LOWER, UPPER)
    boot = bootstrap(
        by_phase, best, data, opts,
        lambda x0, pick, phase: _refine(x0, pick, nodes, opts, phase, layout=layout),
        lambda x: _natural(x, ref, wd_ref),
    )  # fmt: skip
    interval = {}
    if len(boot):
        lo, hi = np.percentile(boot, [2.5, 97.5], axis=0)
        interval = {n: (lo[i], hi[i]) for i, n in enumerate(PARAM_NAMES) if np.isfinite(lo[i])}
    r2, res = _r2(data, _params(best.x, data), nodes)
    penalty = {k: float(np.sum(v.fun[n_data:] ** 2)) for k, v in by_phase.items()}
    return RunFit(
        params, [r.id for r in runs], opts, interval, boot, p_easy, r2, res,
        success=bool(best.success), status=int(best.status), message=str(best.message),
        cost=float(best.cost), n_points=n_data, n_params=opts.n_params,
        eta_ref=ref, phase_rss={k: v.rss for k, v in by_phase.items()}, phase_note=note, n_eff=n_eff,
        phase_params={k: _natural(v.x, ref, wd_ref) for k, v in by_phase.items()}, wd_ref=wd_ref,
        base=base, prior_penalty=penalty if layout is not None else {},
    )  # fmt: skip


@dataclass(frozen=True)
class _PriorRows:
    """The prior's residual rows ``sigma z_j`` of a fit's vector (:mod:`._prior`)."""

    prior: ParamPrior
    sigma: float
    ref: float
    wd_ref: float | None

    def __call__(self, x: np.ndarray) -> np.ndarray:
        natural = dict(zip(PARAM_NAMES, _natural(x, self.ref, self.wd_ref), strict=True))
        return self.sigma * self.prior.z(natural)

    def start(self, x: np.ndarray) -> np.ndarray:
        """``x`` with each named parameter at the prior's mean (the vector's units)."""
        shift = np.log10(rate_scale(x[6], self.ref, self.wd_ref))
        shift8 = 0.0 if self.wd_ref is None else -np.log10(self.ref / (2 * self.wd_ref))
        to_x = {"L_inf": (0, 0.0), "A": (1, 0.0), "s": (2, shift), "nu": (3, shift),
                "a": (4, 0.0), "b": (5, 0.0), "norm0": (8, shift8)}  # fmt: skip
        out = np.array(x, dtype=float)
        for name, mean in zip(self.prior.names, self.prior.mean, strict=True):
            i, add = to_x[name]
            out[i] = mean + add
        return out


class _PriorObjective(_Objective):
    """:class:`_Objective` with the prior's rows (``rows(x)``) after the data's residuals;
    their Jacobian by forward differences (they cost nothing beside the functional)."""

    def __init__(self, *args, rows):
        super().__init__(*args)
        self.rows = rows

    def _prior(self, z):
        return self.rows(from_phase(self.full(z), self.phase, UPPER[5]))

    def fun(self, z):
        return np.concatenate([super().fun(z), self._prior(z)])

    def jac(self, z):
        r0, hi, cols = self._prior(z), self.hi[self.free], []
        for j in range(len(z)):
            h = 1e-7 * max(1.0, abs(z[j]))
            h = -h if z[j] + h > hi[j] else h
            zh = np.array(z, dtype=float)
            zh[j] += h
            cols.append((self._prior(zh) - r0) / h)
        return np.vstack([super().jac(z), np.column_stack(cols)])


def _with_prior(base: RunFit, by_phase, ctx, opts) -> RunFit:
    """Each phase's posterior mode under ``opts.prior``, its weight ``sigma^2 = R_0 / n_eff``
    from ``base`` (the fit without the prior, :mod:`._prior`): refined from the phase's optimum
    without the prior and from the prior's mean, the lower cost kept."""
    _, data, nodes, ref, wd_ref = ctx
    rows = _PriorRows(opts.prior, float(np.sqrt(min(base.phase_rss.values()) / base.n_eff)), ref,
                      wd_ref)  # fmt: skip
    layout = (partial(_PriorObjective, rows=rows), _free(opts), LOWER, UPPER, X_SCALE)
    out = {}
    for phase, f in by_phase.items():
        fits = [
            _refine(x0, data, nodes, opts, phase, layout=layout) for x0 in (f.x, rows.start(f.x))
        ]
        out[phase] = min(fits, key=lambda r: r.cost)
    return _assemble(out, ctx, opts, layout, base)
