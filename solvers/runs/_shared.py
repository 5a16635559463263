r"""Joint fit of several model sizes trained on one data set: :math:`(a, b)` shared.

In the PLRF model the exponents are properties of the data, not of the network: :math:`b` is
the decay of the data covariance's spectrum (:math:`\lambda_k = k^{-b}`) and :math:`a` that of
the target's weight on it (:math:`\lambda_k c_k(0) = A k^{-a}`); a model of :math:`d` features
sees the same spectrum up to :math:`k \approx d` and none beyond (``docs/theory.md`` §1). A
larger model moves the cutoff, which adds an approximation error the run never reaches (a
constant in the loss), and — for AdamW, whose map from the optimiser's rate to model time
depends on the weights' norms — changes the time scale and the noise level. So runs of several
sizes on one corpus share :math:`(a, b)` (and with it the bias exponent :math:`(a - 1)/b`),
and each size keeps its own :math:`(L_\infty, A, s, \nu)` and its map's parameter (``p`` or
``norm0``): :math:`2 + 5G` parameters for :math:`G` sizes, against :math:`7G` fitted apart.

The optimiser's vector is the concatenation of the :math:`G` single-fit vectors
(:mod:`._fit`, ``PARAM_NAMES`` order); the first holds the shared :math:`(a, b)` and the
others' ``a, b`` entries are held (not free). The phase constraint and its reparametrisation
act on the first vector's ``a, b`` only, so the one-fit machinery (starts, phase-constrained
refinements, the likelihood ratio of :mod:`._phase`) applies unchanged. A size's Jacobian
columns touch its own residuals only; only ``a`` and ``b`` re-evaluate every size.
"""

from __future__ import annotations

import itertools
import warnings
from dataclasses import dataclass, field, replace

import numpy as np
from scipy.stats import chi2

from ._bootstrap import ONE_RUN_NO_INTERVAL
from ._fit import (
    LOWER,
    PARAM_NAMES,
    UPPER,
    X_SCALE,
    FitOptions,
    RunFit,
    _free,
    _natural,
    _Objective,
    _params,
    _parts,
    _prepare,
    _r2,
    _refine,
    _residuals,
    _start_grid,
    eta_ref,
    linear_column,
    params_from_row,
)
from ._functional import mode_nodes, mode_nodes_at, resolve_rate_map, weight_decay_ref
from ._phase import (
    A_INDEX,
    B_INDEX,
    best_per_phase,
    effective_count,
    from_phase,
    phase_note,
    phase_probability,
)

__all__ = ["SharedFit", "fit_shared", "sharing_test"]

#: Length of one size's vector.
NP = len(PARAM_NAMES)
#: Entries of the first vector that every size shares.
SHARED = (A_INDEX, B_INDEX)
#: Mode-count law ``(log10 N_ref, gamma)`` (``FitOptions.mode_law``), appended to the joint
#: vector: lower bounds (one mode at the reference size; a count that does not fall with the
#: size), the upper bound of ``gamma`` (a 10x larger model with 1000x the modes), step scales,
#: and the law's starts (a feature count like the width, ``gamma = 1/2``, or like the size).
LAW_LOWER = np.array([0.0, 0.0])
LAW_GAMMA_MAX = 3.0
LAW_SCALE = np.array([0.3, 0.2])
LAW_STARTS = tuple((n, g) for g in (0.5, 1.0) for n in (1.0, 3.0, 6.0))


class _Modes:
    """Each size's mode rule from the joint vector: fixed counts, or with ``log_size`` (the
    sizes' ``log10(params / params_ref)``) the law in the vector's last two entries."""

    def __init__(self, counts, n_max: int, log_size=None):
        self.fixed = None if log_size is not None else [mode_nodes(n) for n in counts]
        self.n_max, self.log_size, self.fixed_counts = n_max, log_size, counts

    def counts(self, x) -> np.ndarray:
        """The sizes' (real) mode counts at the joint vector ``x``, clipped to ``[1, n_max]``."""
        if self.fixed is not None:
            return np.asarray(self.fixed_counts, dtype=float)
        log_n = x[-2] + x[-1] * self.log_size
        return np.clip(10.0**log_n, 1.0, self.n_max)

    def __call__(self, x) -> list:
        if self.fixed is not None:
            return self.fixed
        return [mode_nodes_at(n, self.n_max) for n in self.counts(x)]


def _size_vector(x: np.ndarray, g: int) -> np.ndarray:
    """Size ``g``'s single-fit vector from the joint one (the shared ``a, b`` put in)."""
    xg = np.array(x[g * NP : (g + 1) * NP], dtype=float)
    xg[list(SHARED)] = x[list(SHARED)]
    return xg


class _Joint(_Objective):
    """Residuals and Jacobian of the joint vector (``_fit._Objective``'s, per size).

    ``data`` is one list of ``_Data`` per size, ``nodes`` a :class:`_Modes`. With the mode
    law the vector's last two entries are the law's, shared by every size.
    """

    def __init__(self, data, nodes, free, phase, z_full, lo, hi):
        super().__init__(data, nodes, free, phase, z_full, lo, hi)
        sizes = np.cumsum([0] + [sum(d.idx.size for d in g) for g in data])
        self.rows = [slice(i, j) for i, j in itertools.pairwise(sizes)]
        self.n_joint = len(data) * NP

    def _x(self, zf):
        return from_phase(zf, self.phase, UPPER[B_INDEX])

    def _size(self, x, g, parts=None):
        return _residuals(_size_vector(x, g), self.data[g], self.nodes(x)[g], parts)

    def _eval(self, z):
        key = np.asarray(z, dtype=float).tobytes()
        if self.last[0] != key:
            x = self._x(self.full(z))
            parts = [_parts(_size_vector(x, g), d, n)
                     for g, (d, n) in enumerate(zip(self.data, self.nodes(x), strict=True))]  # fmt: skip
            res = [self._size(x, g, p) for g, p in enumerate(parts)]
            self.last = (key, parts, res)
        return self.last[1], self.last[2]

    def fun(self, z):
        return np.concatenate(self._eval(z)[1])

    def jac(self, z):
        parts, r0 = self._eval(z)
        zf = self.full(z)
        J = np.zeros((self.rows[-1].stop, int(self.free.sum())))
        for c, i in enumerate(np.flatnonzero(self.free)):
            g, j = divmod(int(i), NP)
            every = i in SHARED or i >= self.n_joint  # (a, b) or the mode law
            if j in self.linear and not every:
                J[self.rows[g], c] = linear_column(self.data[g], parts[g], j)
                continue
            h = np.sqrt(np.finfo(float).eps) * max(1.0, abs(zf[i]))
            h = -h if zf[i] + h > self.hi[i] else h
            zh = zf.copy()
            zh[i] += h
            x = self._x(zh)
            for gg in range(len(self.data)) if every else (g,):
                J[self.rows[gg], c] = (self._size(x, gg) - r0[gg]) / h
        return J


@dataclass(frozen=True)
class SharedFit:
    """Result of :func:`fit_shared`.

    Attributes
    ----------
    fits : dict
        ``size key -> RunFit``: each size's parameters (the shared ``a, b`` in all), R²,
        residuals and bootstrap rows; ``p_easy``, ``phase_note``, ``n_eff`` and ``phase_rss``
        there are the joint fit's. ``predict_run`` takes any of them.
    p_easy, p_easy_boot : float, float or None
        Likelihood ratio of the two phase-constrained joint optima; fraction of bootstrap
        refits (runs drawn within each size, both phases refitted) in the easy phase.
    interval : dict
        ``a``, ``b``, ``(a-1)/b`` -> 95 % bootstrap percentile interval (empty without).
    phase_params : dict
        ``phase -> (a, b)`` of each phase-constrained joint optimum.
    n_params : int
        ``2 + G (n - 2)`` for ``G`` sizes of an ``n``-parameter single fit (plus 2 with the
        mode law).
    mode_law : dict or None
        With ``FitOptions.mode_law``: ``N_ref``, ``gamma`` and ``n_modes`` (size key -> fitted
        real mode count; the size's ``RunFit.options.n_modes`` is it rounded).
    """

    fits: dict
    p_easy: float
    p_easy_boot: float | None
    phase_note: str
    n_eff: float
    phase_rss: dict
    phase_params: dict
    interval: dict = field(default_factory=dict)
    n_params: int = 0
    success: bool = True
    message: str = ""
    cost: float = 0.0
    mode_law: dict | None = None

    @property
    def a(self) -> float:
        return next(iter(self.fits.values())).params.a

    @property
    def b(self) -> float:
        return next(iter(self.fits.values())).params.b

    @property
    def phase(self) -> str:
        return "easy" if self.a > self.b else "hard"

    def to_dict(self) -> dict:
        return {
            "a": self.a, "b": self.b, "phase": self.phase, "p_easy": self.p_easy,
            "p_easy_boot": self.p_easy_boot, "phase_note": self.phase_note, "n_eff": self.n_eff,
            "interval": {k: [float(v[0]), float(v[1])] for k, v in self.interval.items()},
            "phase_fits": {k: {"rss": float(self.phase_rss[k]), "a": float(v[0]),
                               "b": float(v[1])} for k, v in self.phase_params.items()},
            "n_params": self.n_params, "success": self.success, "message": self.message,
            "sizes": {str(k): f.to_dict() for k, f in self.fits.items()},
            "mode_law": self.mode_law,
        }  # fmt: skip


def _layout(opts: FitOptions, n_sizes: int):
    """``(free, lower, upper, x_scale)`` of the joint vector: the sizes' own entries free as in
    a single fit, the shared ``a, b`` free in the first vector only, then the mode law's two
    entries with ``opts.mode_law``."""
    free = np.tile(_free(opts), n_sizes)
    for g in range(1, n_sizes):
        free[g * NP + np.array(SHARED)] = False
    lower, upper, scale = (np.tile(v, n_sizes) for v in (LOWER, UPPER, X_SCALE))
    if opts.mode_law:
        law_upper = np.array([np.log10(opts.n_modes), LAW_GAMMA_MAX])
        free, lower = np.append(free, [True, True]), np.append(lower, LAW_LOWER)
        upper, scale = np.append(upper, law_upper), np.append(scale, LAW_SCALE)
    return free, lower, upper, scale


def _joint_starts(data, modes: _Modes, opts) -> list:
    """Joint starts, best first: per grid pair ``(a, b)`` (and law start, with the mode law),
    each size's best start at that pair (its ``log s`` and ``p`` from the single-fit grid,
    linear parameters solved); the joint cost is the sum of the sizes'."""
    laws = [np.array(law) for law in LAW_STARTS] if opts.mode_law else [np.empty(0)]
    joint = []
    for law in laws:
        best: dict = {}
        for g, (d, n) in enumerate(zip(data, modes(law), strict=True)):
            for cost, x in _start_grid(d, n, opts, with_cost=True):
                pair = (round(x[A_INDEX], 9), round(x[B_INDEX], 9))
                rows = best.setdefault(pair, [None] * len(data))
                if rows[g] is None or cost < rows[g][0]:
                    rows[g] = (cost, x)
        joint += [(sum(c for c, _ in rows), np.concatenate([x for _, x in rows] + [law]))
                  for rows in best.values()]  # fmt: skip
    joint.sort(key=lambda c: c[0])
    return [x for _, x in joint]


def _modes(groups: dict, opts: FitOptions, n_modes: dict | None) -> _Modes:
    """The sizes' mode rules: ``n_modes`` (default ``opts.n_modes``), or the law of the runs'
    ``params`` with ``opts.mode_law``."""
    if not opts.mode_law:
        modes = {k: opts.n_modes for k in groups} | dict(n_modes or {})
        if set(modes) != set(groups):
            raise ValueError(f"n_modes: keys {sorted(map(str, modes))} are not the sizes' keys")
        return _Modes(list(modes.values()), opts.n_modes)
    if n_modes is not None:
        raise ValueError("n_modes must be None with options.mode_law=True (the law fits them)")
    size = np.array([float(v[0].meta.get("params", np.nan)) for v in groups.values()])
    if not np.all(np.isfinite(size) & (size > 0)) or len(set(size)) < 2:
        got = dict(zip(map(str, groups), size.tolist(), strict=True))
        raise ValueError(f"mode_law: each size's runs need a distinct positive 'params', got {got}")
    log_size = np.log10(size)
    return _Modes(None, opts.n_modes, log_size - log_size.mean())


def fit_shared(
    groups: dict, options: FitOptions | None = None, *, n_modes: dict | None = None
) -> SharedFit:
    r"""Fit the functional to runs of several model sizes with ``(a, b)`` shared (module docstring).

    Parameters
    ----------
    groups : dict
        ``size key -> list of Run`` (at least one run each, at least two sizes).
    options : FitOptions
        As for :func:`fit_runs`; ``rate_map="auto"`` is resolved over every run. With
        ``mode_law=True`` each size's mode count is :math:`N_g = N_{\rm ref}
        (P_g / P_{\rm ref})^\gamma` of its runs' ``params`` :math:`P_g` (``P_ref`` their
        geometric mean), ``N_ref`` and ``gamma`` fitted (in ``SharedFit.mode_law``).
    n_modes : dict, optional
        ``size key -> number of modes`` of that size's functional (the model's feature count,
        when known, as for runs of the recursion); default ``options.n_modes`` for all.

    Returns
    -------
    SharedFit
        Non-convergence of the reported refinement is in ``success`` and ``message``.
    """
    opts = FitOptions() if options is None else options
    if opts.prior is not None:
        raise ValueError("options.prior: fit_shared takes no prior (fit_runs does)")
    if opts.boot_kind != "runs":
        raise ValueError(
            f"options.boot_kind: fit_shared resamples runs only, got {opts.boot_kind!r}"
        )
    groups = {k: list(v) for k, v in groups.items()}
    if len(groups) < 2 or any(not v for v in groups.values()):
        sizes = {k: len(v) for k, v in groups.items()}
        raise ValueError(f"groups must hold at least two sizes with runs each, got {sizes}")
    modes = _modes(groups, opts, n_modes)
    every = [r for v in groups.values() for r in v]
    opts = replace(opts, rate_map=resolve_rate_map(opts.rate_map, every))
    refs = [eta_ref(v) for v in groups.values()]
    wds = [None if opts.rate_map == "power" else weight_decay_ref(v) for v in groups.values()]
    data = [_prepare(v, opts, ref) for v, ref in zip(groups.values(), refs, strict=True)]
    layout = (_Joint, *_layout(opts, len(groups)))

    def refine(x0, phase=None, data=data):
        return _refine(x0, data, modes, opts, phase, layout=layout)

    by_phase = best_per_phase(_joint_starts(data, modes, opts), refine, opts.n_starts)
    lowest = min(by_phase.values(), key=lambda f: f.cost)
    cuts = np.cumsum([d.idx.size for g in data for d in g])[:-1]
    n_eff = effective_count(np.split(lowest.fun, cuts))
    p_easy = phase_probability(by_phase["easy"].rss, by_phase["hard"].rss, n_eff)
    best = by_phase["easy" if p_easy >= 0.5 else "hard"]
    note = phase_note(p_easy, by_phase["easy"].x[:NP], by_phase["hard"].x[:NP], LOWER, UPPER)
    boot = _bootstrap(by_phase, data, opts, refine)
    fits = {}
    for g, key in enumerate(groups):
        xg = _size_vector(best.x, g)
        r2, res = _r2(data[g], _params(xg, data[g]), modes(best.x)[g])
        rows = np.array([_natural(_size_vector(x, g), refs[g], wds[g]) for x in boot])
        rows = rows.reshape(-1, NP)
        fits[key] = RunFit(
            params_from_row(_natural(xg, refs[g], wds[g])), [r.id for r in groups[key]],
            replace(opts, n_modes=max(1, round(float(modes.counts(best.x)[g])))),
            _percentiles(rows), rows, p_easy, r2, res,
            success=bool(best.success), status=int(best.status), message=str(best.message),
            cost=float(best.cost), n_points=sum(d.idx.size for d in data[g]),
            n_params=int(layout[1].sum()), eta_ref=refs[g], n_eff=n_eff, wd_ref=wds[g],
            phase_rss={k: v.rss for k, v in by_phase.items()}, phase_note=note,
            phase_params={k: _natural(_size_vector(v.x, g), refs[g], wds[g])
                          for k, v in by_phase.items()},
        )  # fmt: skip
    ab = np.array([[x[A_INDEX], x[B_INDEX], (x[A_INDEX] - 1) / x[B_INDEX]] for x in boot])
    interval = _percentiles(ab.reshape(-1, 3), ("a", "b", "(a-1)/b"))
    return SharedFit(
        fits, p_easy, float(np.mean(ab[:, 0] > ab[:, 1])) if len(boot) else None, note, n_eff,
        {k: v.rss for k, v in by_phase.items()},
        {k: (float(v.x[A_INDEX]), float(v.x[B_INDEX])) for k, v in by_phase.items()},
        interval, int(layout[1].sum()), bool(best.success), str(best.message), float(best.cost),
        _law(modes, best.x, groups) if opts.mode_law else None,
    )  # fmt: skip


def _law(modes: _Modes, x: np.ndarray, groups: dict) -> dict:
    """The fitted mode law of the joint vector ``x`` (``SharedFit.mode_law``)."""
    counts = modes.counts(x)
    return {"N_ref": float(10 ** x[-2]), "gamma": float(x[-1]),
            "n_modes": {str(k): float(n) for k, n in zip(groups, counts, strict=True)}}  # fmt: skip


def _percentiles(rows: np.ndarray, names=PARAM_NAMES) -> dict:
    """``name -> (2.5, 97.5)`` percentiles of the columns of ``rows`` (empty without rows)."""
    if not len(rows):
        return {}
    lo, hi = np.percentile(rows, [2.5, 97.5], axis=0)
    return {n: (lo[i], hi[i]) for i, n in enumerate(names) if np.isfinite(lo[i])}


def _bootstrap(by_phase, data, opts, refine) -> list:
    """Joint vectors refitted on runs drawn with replacement within each size; each replicate
    refits both phases from their optima and keeps the better. With one run in every size
    there is nothing to resample: no replicates, and a warning."""
    if opts.n_boot and all(len(g) < 2 for g in data):
        warnings.warn(ONE_RUN_NO_INTERVAL, stacklevel=3)
        return []
    rng = np.random.default_rng(opts.seed)
    out = []
    for _ in range(opts.n_boot):
        pick = [[g[i] for i in rng.integers(0, len(g), len(g))] for g in data]
        fits = [refine(f.x, phase, data=pick) for phase, f in by_phase.items()]
        out.append(min(fits, key=lambda f: f.cost).x)
    return out


def sharing_test(rss_shared: float, rss_apart, n_eff: float) -> dict:
    r"""Likelihood-ratio test of one ``(a, b)`` for all sizes against each size's own.

    With the weighted residual sums of squares of the shared fit :math:`R_s` and of the sizes'
    separate fits :math:`R_g`, and the shared fit's effective count :math:`n` (the assumption
    behind ``p_easy``, :mod:`._phase`), the statistic :math:`n\ln(R_s/\sum_g R_g)` is
    :math:`\chi^2` with :math:`2(G - 1)` degrees of freedom when the sizes share ``(a, b)``.
    Small ``p``: the data reject a common ``(a, b)``.

    >>> d = sharing_test(1.1, [0.5, 0.5], 50.0)
    >>> round(d["statistic"], 2), d["dof"], round(d["p"], 4)
    (4.77, 2, 0.0923)
    """
    apart = [float(r) for r in rss_apart]
    if len(apart) < 2 or not rss_shared > 0 or min(apart) <= 0 or not n_eff > 0:
        raise ValueError(
            f"sharing_test: needs rss_shared > 0, two or more rss_apart > 0 and n_eff > 0, got "
            f"{rss_shared!r}, {apart!r}, {n_eff!r}"
        )
    stat = float(n_eff * np.log(rss_shared / sum(apart)))
    dof = 2 * (len(apart) - 1)
    return {"rss_shared": float(rss_shared), "rss_apart": float(sum(apart)), "statistic": stat,
            "dof": dof, "p": float(chi2.sf(stat, dof))}  # fmt: skip
