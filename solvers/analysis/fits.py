r"""Power-law fits over geometric sweeps, local slopes, drift and scaling-collapse measures.

Everything here is plain statistics on arrays: a fit of :math:`y \simeq C X^p` is a least-squares
line in :math:`(\log X, \log y)`,

.. math::

    \log y_i = \log C + p \log X_i + \epsilon_i ,

with the usual standard errors (Student-t intervals with ``n - 2`` degrees of freedom), optional
weights from the errors of ``y`` and an optional pairs bootstrap. Local slopes
:math:`d\log y/d\log X` over a sliding window show whether the asymptotic regime is reached;
:func:`slope_drift` says whether they still trend at the largest ``X``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

from theory._checks import check_int, check_real

__all__ = [
    "CollapseMeasure",
    "EndExponentFit",
    "ExponentFit",
    "LocalSlopes",
    "PowerLawFit",
    "SlopeDrift",
    "collapse_spread",
    "fit_collapse_exponent",
    "fit_end_exponent",
    "fit_exponent",
    "fit_power_law",
    "local_slopes",
    "slope_drift",
]

#: Default two-sided confidence level of every interval.
DEFAULT_CONFIDENCE = 0.95
#: A local slope that changes by less than this per decade of X counts as settled.
DEFAULT_DRIFT_TOL = 0.01
#: The end-exponent fit stays this many steps away from the last step (discreteness).
END_FIT_STEPS = 20


def _positive_pairs(x, y, yerr=None):
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if x.ndim != 1 or y.shape != x.shape:
        raise ValueError(f"x and y must be 1-D of equal length, got shapes {x.shape}, {y.shape}")
    if yerr is not None:
        yerr = np.asarray(yerr, dtype=float)
        if yerr.shape != x.shape:
            raise ValueError(f"yerr must have the shape of y {y.shape}, got {yerr.shape}")
        if not (np.isfinite(yerr).all() and (yerr > 0).all()):
            raise ValueError("yerr must be finite and > 0")
    ok = np.isfinite(x) & np.isfinite(y) & (x > 0) & (y > 0)
    return x, y, yerr, ok


def _wls(lx, ly, w):
    """Weighted straight line; returns (intercept, slope, cov, chi2)."""
    W = w.sum()
    mx = (w * lx).sum() / W
    my = (w * ly).sum() / W
    sxx = (w * (lx - mx) ** 2).sum()
    slope = (w * (lx - mx) * (ly - my)).sum() / sxx
    icpt = my - slope * mx
    chi2 = float((w * (ly - icpt - slope * lx) ** 2).sum())
    var_slope = 1.0 / sxx
    var_icpt = 1.0 / W + mx**2 / sxx
    cov = np.array([[var_icpt, -mx / sxx], [-mx / sxx, var_slope]])
    return icpt, slope, cov, chi2


@dataclass(frozen=True)
class PowerLawFit:
    r"""Result of :func:`fit_power_law`: :math:`y \simeq C X^p`.

    Attributes
    ----------
    exponent, stderr : float
        ``p`` and its standard error.
    ci : tuple of float
        Two-sided confidence interval of ``p`` at level ``confidence``.
    prefactor : float
        ``C``.
    n_points : int
        Points used (non-positive or non-finite ones are dropped and counted in ``message``).
    x_range : tuple of float
    residual_rms : float
        RMS residual in ``log y`` (0 for an exact power law).
    method : {"ols", "wls", "bootstrap"}
    success, message
    """

    exponent: float
    stderr: float
    ci: tuple[float, float]
    prefactor: float
    n_points: int
    x_range: tuple[float, float]
    residual_rms: float
    confidence: float
    method: str
    success: bool
    message: str

    def contains(self, value: float) -> bool:
        """Whether ``value`` lies inside the confidence interval."""
        return self.ci[0] <= value <= self.ci[1]


def _quantile(confidence: float, dof: int | None) -> float:
    """Two-sided quantile: Student-t with ``dof`` degrees of freedom, or normal (``None``)."""
    p = 0.5 + confidence / 2
    return float(stats.norm.ppf(p) if dof is None else stats.t.ppf(p, dof))


def _bootstrap_slopes(lx, ly, w, n_boot: int, seed, confidence: float):
    """Percentile interval, standard deviation and count of the pairs-bootstrap slope refits."""
    n = lx.size
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, n, (n_boot, n))  # all resamples at once
    X, Y, Wt = lx[idx], ly[idx], w[idx]
    Wsum = Wt.sum(1)
    mx = (Wt * X).sum(1) / Wsum
    my = (Wt * Y).sum(1) / Wsum
    sxx = (Wt * (X - mx[:, None]) ** 2).sum(1)
    keep = sxx > 0  # resamples with a single distinct abscissa carry no slope
    sxy = (Wt * (X - mx[:, None]) * (Y - my[:, None])).sum(1)
    slopes = sxy[keep] / sxx[keep]
    alpha = (1 - confidence) / 2
    ci = (float(np.quantile(slopes, alpha)), float(np.quantile(slopes, 1 - alpha)))
    return ci, float(slopes.std(ddof=1)), int(slopes.size)


def fit_power_law(
    x,
    y,
    *,
    yerr=None,
    confidence: float = DEFAULT_CONFIDENCE,
    bootstrap: int = 0,
    seed: int | None = None,
) -> PowerLawFit:
    r"""Fit :math:`y \simeq C X^p` by least squares in log-log coordinates.

    Parameters
    ----------
    x, y : array_like, shape (n,)
        Positive abscissae (e.g. horizons ``T``) and values. Non-positive or non-finite pairs
        are dropped (and reported in ``message``).
    yerr : array_like, shape (n,), optional
        Standard errors of ``y``: weights :math:`w_i = (y_i/\mathrm{yerr}_i)^2` in log space.
        The covariance is scaled by the reduced :math:`\chi^2` when that exceeds one (errors
        that were under-estimated do not shrink the interval).
    confidence : float
        Level of the two-sided interval (Student-t with ``n - 2`` degrees of freedom).
    bootstrap : int
        If > 0, the interval is the percentile interval of this many pairs-bootstrap refits
        and ``stderr`` their standard deviation (``method = "bootstrap"``).
    seed : int, optional
        Seed of the bootstrap's generator.

    Returns
    -------
    PowerLawFit

    Examples
    --------
    >>> f = fit_power_law([1, 10, 100], [2.0, 0.2, 0.02])
    >>> round(f.exponent, 12), round(f.prefactor, 12)
    (-1.0, 2.0)
    """
    confidence = check_real("confidence", confidence, gt=0, le=1)
    bootstrap = check_int("bootstrap", bootstrap, ge=0)
    x, y, yerr, ok = _positive_pairs(x, y, yerr)
    n = int(ok.sum())
    dropped = int((~ok).sum())
    note = f"; dropped {dropped} non-positive/non-finite point(s)" if dropped else ""
    if n < 2 or np.unique(x[ok]).size < 2:
        nan = math.nan
        return PowerLawFit(
            nan, nan, (nan, nan), nan, n, (nan, nan), nan, confidence, "ols", False,
            f"need at least 2 distinct positive points, got {n}{note}",
        )  # fmt: skip
    lx, ly = np.log(x[ok]), np.log(y[ok])
    w = np.ones(n) if yerr is None else (y[ok] / yerr[ok]) ** 2
    icpt, slope, cov, chi2 = _wls(lx, ly, w)
    dof = n - 2
    resid = ly - icpt - slope * lx
    rms = float(np.sqrt(np.mean(resid**2)))
    if yerr is None:
        scale = chi2 / dof if dof > 0 else math.nan
    else:
        scale = max(1.0, chi2 / dof) if dof > 0 else 1.0
    se = float(np.sqrt(cov[1, 1] * scale)) if math.isfinite(scale) else math.nan
    method = "ols" if yerr is None else "wls"
    q = math.nan if dof <= 0 else _quantile(confidence, dof if yerr is None else None)
    ci = (slope - q * se, slope + q * se)
    msg = f"{method} fit on {n} points{note}"
    if bootstrap:
        ci, se, kept = _bootstrap_slopes(lx, ly, w, bootstrap, seed, confidence)
        method = "bootstrap"
        msg = f"pairs bootstrap ({kept} resamples) on {n} points{note}"
    success = bool(np.isfinite(se))
    if not success:
        msg += "; no error estimate with 2 points"
    return PowerLawFit(
        float(slope), se, (float(ci[0]), float(ci[1])), float(np.exp(icpt)), n,
        (float(x[ok].min()), float(x[ok].max())), rms, confidence, method, success, msg,
    )  # fmt: skip


@dataclass(frozen=True)
class LocalSlopes:
    r"""Running slopes :math:`d\log y/d\log X` of :func:`local_slopes`.

    Attributes
    ----------
    x : ndarray, shape (k,)
        Geometric centre of each window.
    slope, stderr : ndarray, shape (k,)
        Slope of the window's least-squares line and its standard error (from the residuals
        for windows of 3 or more points, NaN for 2-point windows without ``yerr``).
    window : int
    """

    x: np.ndarray
    slope: np.ndarray
    stderr: np.ndarray
    window: int


def local_slopes(x, y, *, window: int = 3, yerr=None) -> LocalSlopes:
    r"""Local slopes of :math:`\log y` against :math:`\log X` over ``window`` consecutive points.

    For an exact power law every local slope equals its exponent; for
    :math:`y = X^{-p}(1 + c X^{-q})` they approach :math:`-p` like :math:`X^{-q}` — the
    signature of a pre-asymptotic regime.

    Parameters
    ----------
    x, y : array_like, shape (n,)
        Sorted by ``x`` internally; non-positive pairs dropped.
    window : int
        Points per window (>= 2).
    yerr : array_like, optional
        Errors of ``y``, propagated into each window's slope error.
    """
    window = check_int("window", window, ge=2)
    x, y, yerr, ok = _positive_pairs(x, y, yerr)
    order = np.argsort(x[ok])
    lx, ly = np.log(x[ok][order]), np.log(y[ok][order])
    w = np.ones_like(lx) if yerr is None else (y[ok][order] / yerr[ok][order]) ** 2
    k = lx.size - window + 1
    if k < 1:
        raise ValueError(f"local_slopes: need at least window = {window} points, got {lx.size}")
    xc = np.empty(k)
    sl = np.empty(k)
    se = np.empty(k)
    for i in range(k):
        s = slice(i, i + window)
        _, slope, cov, chi2 = _wls(lx[s], ly[s], w[s])
        xc[i] = math.exp(lx[s].mean())
        sl[i] = slope
        if yerr is not None:
            se[i] = math.sqrt(cov[1, 1])
        elif window > 2:
            se[i] = math.sqrt(cov[1, 1] * chi2 / (window - 2))
        else:
            se[i] = math.nan
    return LocalSlopes(xc, sl, se, window)


@dataclass(frozen=True)
class SlopeDrift:
    r"""Whether the local slopes still trend at the largest ``X`` (:func:`slope_drift`).

    Attributes
    ----------
    last_slope, last_stderr : float
        The local slope of the window at the largest ``X``.
    trend_per_decade, trend_stderr : float
        Least-squares slope of the last ``tail`` local slopes against :math:`\log_{10} X`.
    settled : bool
        ``|trend_per_decade| <= tol`` (plus two standard errors of the trend when available).
    verdict : str
        ``"settled"`` or ``"drifting"`` with the numbers, for reports.
    """

    last_slope: float
    last_stderr: float
    trend_per_decade: float
    trend_stderr: float
    tol: float
    settled: bool
    verdict: str


def slope_drift(
    slopes: LocalSlopes, *, tail: int = 3, tol: float = DEFAULT_DRIFT_TOL
) -> SlopeDrift:
    """Trend of the last ``tail`` local slopes per decade of ``X``; honest about drift.

    A fit at the longest horizons is only asymptotic if its local slopes have stopped moving:
    the trend is compared with ``tol`` (change of slope per decade of ``X``).
    """
    tail = check_int("tail", tail, ge=2)
    tol = check_real("tol", tol, ge=0)
    xs, ss = slopes.x[-tail:], slopes.slope[-tail:]
    last, last_se = float(slopes.slope[-1]), float(slopes.stderr[-1])
    if xs.size < 2:
        return SlopeDrift(last, last_se, math.nan, math.nan, tol, False, "too few local slopes")
    lx = np.log10(xs)
    _, trend, cov, chi2 = _wls(lx, ss, np.ones_like(lx))
    dof = xs.size - 2
    tse = math.sqrt(cov[1, 1] * chi2 / dof) if dof > 0 else math.nan
    margin = 0.0 if not math.isfinite(tse) else 2 * tse
    settled = abs(trend) <= tol + margin
    word = "settled" if settled else "drifting"
    verdict = (
        f"{word}: local slope {last:.4f} at X={xs[-1]:.3g}, trend {trend:+.4f} per decade "
        f"over the last {xs.size} windows (tol {tol:g})"
    )
    return SlopeDrift(last, last_se, float(trend), tse, tol, bool(settled), verdict)


# -- scaling collapse ----------------------------------------------------------------------------


@dataclass(frozen=True)
class CollapseMeasure:
    r"""Spread of :math:`T^{\xi}\eta_T(sT)` across horizons (:func:`collapse_spread`).

    Attributes
    ----------
    xi : float
    s : ndarray, shape (n_s,)
        Phases ``t/T`` at which the curves were compared.
    curves : ndarray, shape (n_T, n_s)
        :math:`T^\xi \eta_T(sT)` per horizon.
    spread : float
        Mean over ``s`` of the standard deviation across ``T`` of :math:`\log(T^\xi\eta)`
        (0 for a perfect collapse; a relative spread, unit-free).
    """

    xi: float
    s: np.ndarray
    curves: np.ndarray
    spread: float


def _sample(eta, x: np.ndarray, T: int) -> np.ndarray:
    """``eta`` at (fractional) steps ``x``: a callable is called, an array is interpolated."""
    if callable(eta):
        return np.asarray(eta(x), dtype=float)
    return np.interp(x, np.arange(T, dtype=float), eta)


def _check_schedules(schedules: Mapping[int, Sequence[float]]) -> dict[int, np.ndarray]:
    if len(schedules) < 2:
        raise ValueError(f"schedules: need at least 2 horizons, got {len(schedules)}")
    out = {}
    for T, eta in schedules.items():
        if callable(eta):  # a schedule given as a function of the step (long horizons)
            out[int(T)] = eta
            continue
        arr = np.asarray(eta, dtype=float)
        if arr.ndim != 1 or arr.size != int(T):
            raise ValueError(f"schedules[{T}] must have length {T}, got shape {arr.shape}")
        out[int(T)] = arr
    return out


def collapse_spread(
    schedules: Mapping[int, Sequence[float]],
    xi: float,
    *,
    s_range: tuple[float, float] = (0.05, 0.9),
    n_s: int = 50,
) -> CollapseMeasure:
    r"""How well :math:`T^{\xi}\eta_T(t)` collapses onto one curve of :math:`s = t/T`.

    Parameters
    ----------
    schedules : mapping ``T -> eta``
        ``eta`` of shape ``(T,)``, or a callable ``eta(t)`` of the (fractional) step
        (e.g. :meth:`ContinuumResult.eta_at`, for horizons too long to hold per step).
    xi : float
    s_range : (float, float)
        Phases compared (away from the ends, where discreteness dominates).
    n_s : int
        Comparison points; each schedule is linearly interpolated at ``s T``.
    """
    sch = _check_schedules(schedules)
    s = np.linspace(*s_range, check_int("n_s", n_s, ge=2))
    curves = []
    for T, eta in sorted(sch.items()):
        val = _sample(eta, s * T, T)
        curves.append(T**xi * val)
    curves = np.asarray(curves)
    with np.errstate(divide="ignore", invalid="ignore"):
        logc = np.log(curves)
    spread = float(np.mean(np.std(logc, axis=0))) if np.isfinite(logc).all() else math.inf
    return CollapseMeasure(float(xi), s, curves, spread)


def fit_collapse_exponent(
    schedules: Mapping[int, Sequence[float]],
    *,
    s_range: tuple[float, float] = (0.05, 0.9),
    n_s: int = 50,
    confidence: float = DEFAULT_CONFIDENCE,
) -> PowerLawFit:
    r"""The :math:`\xi` that best collapses :math:`T^\xi\eta_T(sT)`: a pooled power-law fit.

    Minimising the spread of :math:`\log(T^\xi \eta)` across ``T`` at every ``s`` is a least-
    squares problem with a free intercept per ``s`` and the common slope :math:`-\xi`; this
    returns that fit of :math:`\eta \sim T^{-\xi}` (so ``-exponent`` is :math:`\xi`), its
    standard error computed from the pooled residuals.
    """
    sch = _check_schedules(schedules)
    s = np.linspace(*s_range, check_int("n_s", n_s, ge=2))
    Ts = np.array(sorted(sch), dtype=float)
    logv = np.log([_sample(sch[int(T)], s * T, int(T)) for T in Ts])
    lT = np.log(Ts)
    lTc = lT - lT.mean()
    yc = logv - logv.mean(axis=0)
    sxx = (lTc**2).sum() * s.size
    slope = float((lTc[:, None] * yc).sum() / sxx)
    resid = yc - slope * lTc[:, None]
    dof = Ts.size * s.size - s.size - 1
    se = float(math.sqrt((resid**2).sum() / dof / sxx)) if dof > 0 else math.nan
    # the s points are correlated (one schedule each): count the horizons, not the cells
    se *= math.sqrt(s.size)
    q = stats.t.ppf(0.5 + confidence / 2, max(Ts.size - 2, 1))
    pref = float(np.exp(logv.mean() - slope * lT.mean()))
    return PowerLawFit(
        slope, se, (slope - q * se, slope + q * se), pref, int(Ts.size),
        (float(Ts[0]), float(Ts[-1])), float(np.sqrt(np.mean(resid**2))), confidence,
        "pooled-collapse", bool(np.isfinite(se)),
        f"pooled collapse fit over {Ts.size} horizons, s in {s_range}",
    )  # fmt: skip


@dataclass(frozen=True)
class EndExponentFit:
    r"""Near-end exponent :math:`\delta` of :math:`\eta(t) \sim (1 - t/T)^\delta`.

    Attributes
    ----------
    fit : PowerLawFit
        The fit of :math:`\eta` against :math:`u = 1 - t/T` (``fit.exponent`` is :math:`\delta`).
    u_range : (float, float)
        The range of :math:`u` that was fitted.
    local : LocalSlopes
        Local slopes in ``u``: flat if the end behaviour is a clean power.
    """

    fit: PowerLawFit
    u_range: tuple[float, float]
    local: LocalSlopes

    @property
    def delta(self) -> float:
        return self.fit.exponent


def fit_end_exponent(
    eta,
    *,
    T: int | None = None,
    u_range: tuple[float, float] | None = None,
    n_points: int = 30,
    offset: float = 0.5,
    confidence: float = DEFAULT_CONFIDENCE,
) -> EndExponentFit:
    r"""Fit :math:`\delta` in :math:`\eta_t \sim (1 - t/T)^\delta` near the end of the horizon.

    Parameters
    ----------
    eta : array_like, shape (T,), or callable
        A schedule, ``eta[t]`` for ``t = 0..T-1``; step ``t`` sits at the remaining fraction
        :math:`u = 1 - (t + \mathrm{offset})/T`. A callable ``eta(t)`` of the (fractional)
        step is sampled at :math:`t = T(1 - u) - \mathrm{offset}` (then ``T`` is required).
    T : int, optional
        Horizon; only (and then required) for a callable ``eta``.
    u_range : (float, float), optional
        Range of remaining fraction used; default ``(min(20/T, 0.05), 0.2)``: far enough from
        the last step for discreteness, close enough to the end for the asymptotic form.
    n_points : int
        Log-spaced samples of ``u`` in the range.
    offset : float
        Position of the rate within its step: 0.5 (default) for a piecewise-constant control
        on ``[t, t+1)`` (its midpoint), 0 for schedules sampled at ``t/T`` such as
        ``make_schedule("poly", ...)``.
    """
    if callable(eta):
        if T is None:
            raise TypeError("fit_end_exponent: a callable eta needs the horizon T=")
        T = check_int("T", T, ge=1)
    else:
        eta = np.asarray(eta, dtype=float)
        T = eta.size
    if T < 10:
        raise ValueError(f"eta: need at least 10 steps for an end-exponent fit, got {T}")
    if u_range is None:
        u_range = (min(END_FIT_STEPS / T, 0.05), 0.2)
    lo, hi = (check_real("u_range[0]", u_range[0], gt=0), check_real("u_range[1]", u_range[1]))
    if not lo < hi <= 1:
        raise ValueError(f"u_range must satisfy 0 < lo < hi <= 1, got {u_range}")
    offset = check_real("offset", offset, ge=0, le=1)
    u = np.unique(np.geomspace(lo, hi, check_int("n_points", n_points, ge=3)))
    if callable(eta):
        vals = np.asarray(eta(T * (1.0 - u) - offset), dtype=float)
    else:
        u_all = 1.0 - (np.arange(T) + offset) / T
        # u_all is decreasing: interpolate on the reversed arrays
        vals = np.interp(u, u_all[::-1], eta[::-1])
    fit = fit_power_law(u, vals, confidence=confidence)
    loc = local_slopes(u, vals, window=min(5, u.size))
    return EndExponentFit(fit, (float(lo), float(hi)), loc)


@dataclass(frozen=True)
class ExponentFit:
    r"""Least-squares fit :math:`\log y = \log A - p \log x` with its uncertainty.

    Attributes
    ----------
    exponent : float
        ``p`` (the decay exponent, positive for a decaying ``y``).
    stderr : float
        Standard error of ``p`` from the fit residuals (``nan`` with two points).
    local_slopes : ndarray, shape (n - 1,)
        :math:`-\Delta\log y/\Delta\log x` between consecutive points (their drift shows
        whether the asymptotic regime is reached).
    x, y : ndarray
        The data fitted.
    """

    exponent: float
    stderr: float
    local_slopes: np.ndarray
    x: np.ndarray
    y: np.ndarray

    def to_dict(self) -> dict:
        return {
            "exponent": self.exponent,
            "stderr": self.stderr,
            "local_slopes": self.local_slopes.tolist(),
            "x": self.x.tolist(),
            "y": self.y.tolist(),
        }


def fit_exponent(x, y) -> ExponentFit:
    """Fit ``y ~ x^-p`` (:func:`fit_power_law` in the decay convention) with the local slopes.

    Examples
    --------
    >>> f = fit_exponent([1, 10, 100], [1.0, 0.1, 0.01])
    >>> round(f.exponent, 12), f.local_slopes.round(12).tolist()
    (1.0, [1.0, 1.0])
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if x.shape != y.shape or x.ndim != 1 or x.size < 2:
        raise ValueError(f"x and y must be 1-d of equal length >= 2, got {x.shape}, {y.shape}")
    if np.any(x <= 0) or np.any(y <= 0):
        raise ValueError("x and y must be positive for a log-log fit")
    fit = fit_power_law(x, y)
    slopes = -np.diff(np.log(y)) / np.diff(np.log(x))
    return ExponentFit(-fit.exponent, fit.stderr, slopes, x, y)
