r"""Exponents extrapolated to :math:`T \to \infty`, with an error budget.

A law :math:`Y(T) = C\,T^{p}(1 + c\,T^{-\omega} + \dots)` has local slopes

.. math::

    s_i = \frac{\log Y_{i+1} - \log Y_i}{\log T_{i+1} - \log T_i}
        \simeq p + c'\,\bar T_i^{-\omega}, \qquad \bar T_i = \sqrt{T_i T_{i+1}},

so :math:`p` is the intercept of a straight line in :math:`\bar T^{-\omega}`. Several schemes
estimate it:

* ``derived`` — :math:`\omega` from the symbolic engine (:func:`theory.derive_corrections`), least
  squares over the last ``tail`` slopes (the primary value when :math:`\omega` is known);
* ``derived (short)`` — the same over the last ``short`` slopes (sensitivity to the window:
  pre-asymptotic points that a single correction does not describe);
* ``derived (2 terms)`` — the two slowest derived corrections together;
* ``free omega`` — :math:`\omega` fitted too (profile least squares over a grid; the model-free
  scheme, primary when no correction is derived), and the same without the earliest value;
* ``log`` — without a derived correction, the :math:`\omega \to 0` limit
  :math:`s = p + c/\log x` (a logarithmic correction: the slowest approach the data allow);
* ``post-turn log``, ``post-turn free omega`` — without a derived correction, when the
  sequence turns inside the tail window (an extremum with two values of the window before it and
  at least three from it on): the
  log and free-omega schemes on the values from the last turn on. A turn is a second correction
  of opposite sign; past it the slower one governs, which a fit through the turn does not
  describe (they join the spread, never the primary);
* ``last value`` — the last value unextrapolated, when there are fewer values than a full
  ``tail`` to test the correction's form, or no derived correction at all (a
  model-free extrapolation's distance from the last value counts in full as uncertainty).

The window is the last ``tail`` values; with ``span`` it reaches back until the slowest derived
correction changes over it by :math:`e^{\mathrm{span}}` (a window in :math:`\omega_1 \log T`, the
same estimator at every point, where a fixed count of half-decade slopes spans 0.7 e-folds at
:math:`\omega = 1/8` and 2.9 at 1/2), and with ``harmonic`` the fits over it carry the slowest
correction's second order :math:`T^{-2\omega_1}` (derived list and free-omega scheme alike:
``benchmarks/results/claims_tail7_PROTOCOL.md``).

The uncertainty adds, in quadrature, the fit error (residual scatter), the solver error and the
quadrature error of the mode grid (each a relative error of :math:`Y` per horizon, propagated
exactly through the linear estimator) and the spread between the schemes (a systematic error:
the largest distance of a scheme from the primary value; with ``undetermined``, a scheme whose
extra parameters the values do not determine counts its difference's noise or nothing). The interval is the value
:math:`\pm` ``z`` times that total; its half-width is the *resolution* of a verdict.
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass, field, replace
from typing import NamedTuple

import numpy as np

from theory._checks import check_int, check_real

from ._determined import is_determined, t_ratios
from ._primary import select_primary
from ._slopes import last_turn, local_slope_sequence, remove_slope_correction
from ._window import WINDOWS, window_slice, window_term

__all__ = [
    "Extrapolation",
    "ExtrapolationOptions",
    "extrapolate_exponent",
    "extrapolate_sequence",
    "last_turn",
    "local_slope_sequence",
    "remove_slope_correction",
    "scaled_horizon",
    "with_budget_term",
    "with_reference",
]

#: Grid of correction exponents of the free-omega scheme (slower than T^-0.05 is a log; faster
#: than T^-2 is invisible over a few decades).
OMEGA_GRID = np.geomspace(0.05, 2.0, 121)
#: What an undetermined scheme counts in the spread (:class:`ExtrapolationOptions`).
UNDETERMINED = ("distance", "drop", "noise")


@dataclass(frozen=True)
class ExtrapolationOptions:
    r"""How exponents are extrapolated.

    Attributes
    ----------
    tail : int
        Fewest local slopes of the primary fit (the last ``tail``; with ``span``, more where
        they span fewer than ``span`` e-folds of the slowest derived correction).
    short : int
        Local slopes of the short-window scheme.
    z : float
        Interval half-width in units of the total uncertainty (2: about 95 %).
    free_min_points : int
        Fewest slopes for the free-omega scheme (three parameters).
    span : float
        With derived corrections, the tail reaches back until the slowest one,
        :math:`T^{-\omega_1}`, changes over it by a factor :math:`\ge e^{\mathrm{span}}`
        (a window in :math:`\omega_1 \log T`, the same at every point; 0: ``tail`` slopes only).
    harmonic : bool
        Fits over such a window carry the second order of the slowest correction,
        :math:`T^{-2\omega_1}`: the free-omega scheme fits :math:`c_1 T^{-\omega} + c_2
        T^{-2\omega}` on at least ``harmonic_min_points`` values and, with
        ``harmonic_derived``, the derived schemes add it to their list when it is absent.
    harmonic_derived : bool
        See ``harmonic`` (protocol v1: true; v2: false).
    harmonic_min_points : int
        Fewest values of the two-term free-omega fit (four parameters; v1: 6, v2: 8).
    min_terms : int
        Fewest derived correction terms of the derived schemes (0: a constant through the tail
        competes too). A caller that *measures* its slowest correction present (the hard
        window's drifting shape) sets 1: a limit without it contradicts that measurement.
    undetermined : {"distance", "drop", "noise"}
        What a scheme whose extra parameters the values do not determine counts in the spread.
        A scheme's extra parameters are those the derived primary does not fit (a further
        derived amplitude; a free exponent and its amplitude); they are determined when each
        lies outside its 95 % Student-t interval around zero, from the fit's own covariance
        (:func:`~solvers.analysis._determined.is_determined`). ``"distance"``: its distance
        from the primary, as every scheme's. ``"drop"``: nothing (protocol v1 of
        ``benchmarks/results/window_2026-12-02/``; it undercovers a truth with a second derived
        term below detection). ``"noise"``: a derived scheme on the primary's values counts
        the standard error of its difference from the primary (the bias a derived term below
        detection can leave in the primary; protocol v2); one on fewer values (``derived
        (short)`` beside a constant primary) and a free-omega scheme nothing. Schemes without
        extra parameters (the primary's model on fewer values) count their distance.
    refute : bool
        The primary is chosen among the derived fits no fit with more terms contradicts by
        determining its extra amplitudes (:func:`~solvers.analysis._primary.select_primary`).
    window : {"short", "half"}
        The window-sensitivity scheme: ``derived (short)`` or ``derived (half)``
        (:mod:`~solvers.analysis._window`: the last half of the window, its distance counted
        when significant, else its standard error; protocol v4).
    """

    tail: int = 6
    short: int = 3
    z: float = 2.0
    free_min_points: int = 4
    span: float = 0.0
    harmonic: bool = False
    harmonic_derived: bool = True
    harmonic_min_points: int = 6
    min_terms: int = 0
    undetermined: str = "distance"
    refute: bool = False
    window: str = "short"

    def __post_init__(self) -> None:
        check_int("tail", self.tail, ge=2)
        check_int("short", self.short, ge=2)
        check_real("z", self.z, gt=0)
        check_int("free_min_points", self.free_min_points, ge=3)
        check_real("span", self.span, ge=0)
        check_int("harmonic_min_points", self.harmonic_min_points, ge=5)
        check_int("min_terms", self.min_terms, ge=0)
        if self.undetermined not in UNDETERMINED:
            raise ValueError(
                f"undetermined must be one of {UNDETERMINED}, got {self.undetermined!r}"
            )
        if self.window not in WINDOWS:
            raise ValueError(f"window must be one of {WINDOWS}, got {self.window!r}")
        for name in ("harmonic", "harmonic_derived", "refute"):
            if not isinstance(getattr(self, name), bool):
                raise TypeError(f"{name}: expected a bool, got {getattr(self, name)!r}")


@dataclass(frozen=True)
class Extrapolation:
    r"""An exponent extrapolated to :math:`T \to \infty`.

    Attributes
    ----------
    value : float
        The primary scheme's intercept.
    stderr : float
        Total uncertainty: fit, solver, quadrature and scheme spread in quadrature.
    halfwidth : float
        ``z * stderr``: the interval is ``value ± halfwidth`` (the resolution of a verdict).
    budget : dict
        ``{"fit", "solver", "quadrature", "schemes"}``: each contribution (standard errors).
    schemes : dict
        ``{name: value}`` of every scheme that ran.
    primary : str
        The scheme that gave ``value``.
    omega : float or None
        The correction exponent of the primary scheme (fitted for ``free omega``).
    amplitude : float
        :math:`c'` of the primary scheme: the correction to the slope is :math:`c' T^{-\omega}`.
    x, slopes : ndarray
        The raw local slopes and their horizons (kept for reports).
    success, message
    last_T : float
        The last horizon.
    undetermined : tuple of str
        Schemes whose extra parameters are not determined, where ``options.undetermined`` is
        not ``"distance"``: left out of the spread or counted by their noise; their values
        stay in ``schemes``.
    """

    value: float
    stderr: float
    halfwidth: float
    budget: dict
    schemes: dict
    primary: str
    omega: float | None
    amplitude: float
    x: np.ndarray
    slopes: np.ndarray
    success: bool = True
    message: str = ""
    last_T: float = field(default=math.nan)
    undetermined: tuple = ()

    @property
    def interval(self) -> tuple[float, float]:
        return (self.value - self.halfwidth, self.value + self.halfwidth)

    def contains(self, value: float) -> bool:
        lo, hi = self.interval
        return lo <= value <= hi

    def horizon_for(self, resolution: float) -> float:
        r"""Horizon at which the correction :math:`|c'| T^{-\omega}` falls to ``resolution / 2``.

        The largest horizon of the sweep times the factor by which the correction must still
        shrink; ``inf`` without a correction exponent.
        """
        w = self.omega
        if w is None or not (w > 0) or not math.isfinite(self.amplitude):
            return math.inf
        target = 0.5 * resolution
        now = abs(self.amplitude) * self.last_T**-w
        if now <= target:
            return self.last_T
        return scaled_horizon(self.last_T, now / target, w)


def with_reference(e: Extrapolation, reference: Extrapolation) -> Extrapolation:
    r"""``e`` with the distance to the extrapolation of a *reference* sequence — one the theory
    gives the same limit, without a mechanism the derived corrections do not describe at the
    reachable horizons — added to its error budget (``budget["reference"]``, in quadrature).

    If the reference's extrapolation were exact, ``e``'s error would be that distance; counted
    as one standard error, the interval (``z`` of them) reaches past the reference by at least
    the distance again. A reference without a finite value makes the interval unbounded.

    >>> e = extrapolate_sequence(np.geomspace(1e3, 1e5, 8), np.full(8, -0.0786), omegas=[0.13])
    >>> r = extrapolate_sequence(np.geomspace(1e3, 1e5, 8), np.full(8, -0.0741), omegas=[0.13])
    >>> w = with_reference(e, r)
    >>> round(w.budget["reference"], 4), w.contains(-0.0741), w.value == e.value
    (0.0045, True, True)
    """
    gap = abs(e.value - reference.value) if math.isfinite(reference.value) else math.inf
    return with_budget_term(e, "reference", gap)


def with_budget_term(e: Extrapolation, name: str, value: float) -> Extrapolation:
    """``e`` with ``value`` in its error budget as ``name`` (in quadrature), its interval at the
    same number of standard errors."""
    budget = {**e.budget, name: value}
    total = math.sqrt(sum(v * v for v in budget.values()))
    # an unbounded interval (too few horizons) stays unbounded: inf / inf is no z
    z = e.halfwidth / e.stderr if 0 < e.stderr < math.inf else ExtrapolationOptions().z
    return replace(e, stderr=total, halfwidth=z * total, budget=budget)


def scaled_horizon(T: float, factor: float, omega: float) -> float:
    """``T * factor^(1/omega)``: the horizon where a ``T^-omega`` correction has shrunk by
    ``factor``; ``inf`` past the largest float (not an OverflowError).

    >>> f"{scaled_horizon(1e4, 100.0, 0.5):.6g}", scaled_horizon(1e4, 100.0, 0.00346)
    ('1e+08', inf)
    """
    log_T = math.log(T) + math.log(factor) / omega
    return math.exp(log_T) if log_T < math.log(sys.float_info.max) else math.inf


def _lsq(X: np.ndarray, s: np.ndarray) -> tuple[np.ndarray, np.ndarray, float, int]:
    """OLS ``s ~ X beta``; returns beta, the row of the intercept's weights, RSS, dof."""
    pinv = np.linalg.pinv(X)
    beta = pinv @ s
    rss = float(((s - X @ beta) ** 2).sum())
    return beta, pinv[0], rss, s.size - X.shape[1]


def _design(x: np.ndarray, omegas) -> np.ndarray:
    return np.column_stack([np.ones_like(x), *(x**-w for w in omegas)])


class _Fit(NamedTuple):
    """One scheme's fit on ``s[sl]``: its intercept ``value``, the intercept's weights ``row``
    on those values, its slowest ``omega`` and that term's ``amplitude`` (NaN without one), its
    residual-based error ``fit``, and ``det``: the t ratios of the parameters it fits beyond the
    primary's with their degrees of freedom (:mod:`._determined`), or ``None`` for a scheme that
    always counts its distance from the primary (model-free, or no extra parameters)."""

    value: float
    row: np.ndarray
    sl: slice
    omega: float | None
    amplitude: float
    fit: float
    det: tuple | None = None


def _fit_error(X, s, w_row) -> float:
    _, _, rss, dof = _lsq(X, s)
    if dof <= 0:
        return 0.0  # exactly determined: the scheme spread carries the error
    return math.sqrt(rss / dof * float(w_row @ w_row))


def _free_omega(x: np.ndarray, s: np.ndarray, sl: slice, orders=(1,)) -> _Fit:
    """Profile least squares over :data:`OMEGA_GRID` of ``s ~ p + sum_j c_j x^(-j omega)``
    (``j`` in ``orders``) on ``s[sl]``; ``det`` tests its amplitudes and exponent."""
    xs, ys = x[sl], s[sl]
    # every grid point's design at once, shape (grid, values, 1 + orders): one batched pinv
    Xs = np.stack([_design(xs, [j * w for j in orders]) for w in OMEGA_GRID])
    rss = (((Xs @ (np.linalg.pinv(Xs) @ ys)[..., None])[..., 0] - ys) ** 2).sum(axis=1)
    best = 0
    for i in range(1, rss.size):  # the first of near-ties, as a scan from the slowest omega
        if rss[i] < rss[best] * (1 - 1e-12):
            best = i
    beta, row, rss_best, dof = _lsq(Xs[best], ys)
    w = float(OMEGA_GRID[best])
    # omega at either end of the grid is a bound, not an estimate: nothing determined
    interior = 0 < best < OMEGA_GRID.size - 1
    det = _free_t(xs, beta, orders, w, rss_best, dof - 1) if interior else (np.zeros(1), 0)
    return _Fit(float(beta[0]), row, sl, w, float(beta[1]), _fit_error(Xs[best], ys, row), det)


def _free_t(xs, beta, orders, w: float, rss: float, dof: int) -> tuple:
    """t ratios of a free-omega fit's amplitudes and exponent, from the Jacobian of
    ``p + sum_j c_j x^(-j omega)`` in ``(p, c_j, omega)``, and its degrees of freedom."""
    cols = [xs ** -(j * w) for j in orders]
    d_w = -sum(c * j * np.log(xs) * col for c, j, col in zip(beta[1:], orders, cols, strict=True))
    J = np.column_stack([np.ones_like(xs), *cols, d_w])
    return t_ratios(J, np.array([*beta, w]), rss, dof)[1:], dof


def extrapolate_sequence(
    x,
    s,
    *,
    omegas=(),
    cov_solver=None,
    cov_quadrature=None,
    options: ExtrapolationOptions | None = None,
) -> Extrapolation:
    r"""Extrapolate a sequence :math:`s(x) \to p` as :math:`x \to \infty`.

    Parameters
    ----------
    x : array_like, shape (n,)
        Increasing horizons (e.g. local-slope midpoints).
    s : array_like, shape (n,)
        The sequence (local slopes, or per-horizon estimates such as :math:`\delta(T)`).
    omegas : sequence of float
        Derived correction exponents, slowest first (empty: model-free only).
    cov_solver, cov_quadrature : ndarray, shape (n, n), optional
        Covariances of ``s`` from the solver's and the mode grid's errors.
    options : ExtrapolationOptions
    """
    opt = ExtrapolationOptions() if options is None else options
    x = np.asarray(x, float)
    s = np.asarray(s, float)
    n = s.size
    if x.shape != s.shape or n < 2:
        raise ValueError(f"x and s must be 1-D of equal length >= 2, got {x.shape}, {s.shape}")
    omegas = sorted({float(w) for w in omegas if w is not None and w > 0})
    fits = _schemes(x, s, omegas, opt)
    primary = next(iter(fits))
    value, row, sl, w_om, c_amp, fit, _ = fits[primary]

    def prop(cov):
        if cov is None:
            return 0.0
        c = np.asarray(cov, float)[sl, sl]
        return math.sqrt(max(float(row @ c @ row), 0.0))

    schemes = {k: f.value for k, f in fits.items()}
    terms, out = _spread_terms(fits, primary, opt)
    # a lone unextrapolated value: its distance to the limit is unknown
    spread = math.inf if primary == "last value" else max(terms.values())
    budget = {"fit": fit, "solver": prop(cov_solver), "quadrature": prop(cov_quadrature),
              "schemes": spread}  # fmt: skip
    total = math.sqrt(sum(v * v for v in budget.values()))
    msg = (
        f"{primary} scheme over {sl.stop - sl.start} values"
        + (f" (omega {w_om:.3g})" if w_om is not None else "")
        + (f"; undetermined ({opt.undetermined}): {', '.join(out)}" if out else "")
    )
    return Extrapolation(
        value, total, opt.z * total, budget, schemes, primary, w_om, c_amp, x, s,
        bool(np.isfinite(value)), msg, float(x[-1]), out,
    )  # fmt: skip


def _spread_terms(fits: dict, primary: str, opt: ExtrapolationOptions) -> tuple[dict, tuple]:
    """Each scheme's term of the spread (its distance from the primary, or what
    ``opt.undetermined`` says for a scheme whose extra parameters are undetermined) and the
    names of those schemes."""
    p = fits[primary]
    sigma = p.fit / math.sqrt(float(p.row @ p.row)) if p.fit > 0 else 0.0  # residual s.d.
    terms, out = {}, []
    for k, f in fits.items():
        d = abs(f.value - p.value)
        if k == "derived (half)":  # significant against its own standard error, or that error
            terms[k] = window_term(f, p, p.sl.stop)
            continue
        if opt.undetermined == "distance" or k == primary or f.det is None or is_determined(*f.det):
            terms[k] = d
            continue
        out.append(k)
        if opt.undetermined == "noise" and k.startswith("derived") and f.sl == p.sl:
            # the difference of two linear estimators on the same values: its noise
            terms[k] = sigma * float(np.linalg.norm(f.row - p.row)) if sigma > 0 else d
    return terms, tuple(out)


def _extra(f: _Fit, best: int) -> _Fit:
    """A derived scheme with its test narrowed to the amplitudes beyond the primary's ``best``
    terms (none left: no test, always in the spread)."""
    t, dof = f.det
    return f._replace(det=(t[best:], dof) if t[best:].size else None)


def _scheme(x, s, sl: slice, omegas) -> _Fit:
    """One linear scheme on ``s[sl]``, the derived ``omegas``; ``det`` tests its amplitudes."""
    X = _design(x[sl], omegas)
    beta, row, rss, dof = _lsq(X, s[sl])
    amp = float(beta[1]) if len(omegas) else math.nan
    det = (t_ratios(X, beta, rss, dof)[1:], dof)  # the amplitudes' t ratios
    return _Fit(float(beta[0]), row, sl, (omegas[0] if omegas else None), amp,
                _fit_error(X, s[sl], row), det)  # fmt: skip


def _tail(x, omegas, opt: ExtrapolationOptions) -> slice:
    r"""The primary window: the last ``tail`` values, extended back (with derived corrections
    and ``span``) until :math:`\omega_1 \log(x_{-1}/x_0) \ge` ``span`` or the data run out."""
    n = x.size
    m = min(opt.tail, n)
    if omegas and opt.span > 0:
        while m < n and omegas[0] * math.log(x[-1] / x[n - m]) < opt.span * (1 - 1e-9):
            m += 1
    return slice(n - m, n)


def _free_orders(m: int, derived: bool, opt: ExtrapolationOptions) -> tuple[int, ...]:
    """Correction orders of a free-omega fit on ``m`` values: with ``harmonic``, derived
    corrections (whose window ``span`` sets) and ``harmonic_min_points`` values, ``T^-omega``
    and ``T^-2 omega``; else ``T^-omega`` alone (model-free extrapolations are unchanged)."""
    return (1, 2) if opt.harmonic and derived and m >= opt.harmonic_min_points else (1,)


def _log_scheme(x, s, sl: slice) -> _Fit:
    r"""The :math:`\omega \to 0` scheme on ``s[sl]``: ``s = p + c / log x``."""
    X = np.column_stack([np.ones(sl.stop - sl.start), 1.0 / np.log(x[sl])])
    beta, row, _, _ = _lsq(X, s[sl])
    return _Fit(float(beta[0]), row, sl, None, float(beta[1]), _fit_error(X, s[sl], row))


def _post_turn(x, s, tail: slice, opt: ExtrapolationOptions) -> dict[str, _Fit]:
    r"""Model-free schemes on the values from the sequence's last turn on, when that turn has at
    least two values of the tail window before it and three values from it on.

    Every model-free scheme assumes one monotone correction; a sequence that turns has at least
    two of opposite sign, and past the turn the slower one governs — the one a fit through the
    turn does not describe (a plateau where the two balance reads as convergence: the tuned
    power law's gain at (2, 3), benchmarks/results/claims.md 2026-12-01s15 (budget15)). These
    schemes join the spread; the primary value stays the fit over the whole tail. A turn one
    value into the window is the window's short scheme already (it drops the earliest value); as
    a turn it fired on the hard constant-rate transfer at T <= 3e4, whose first slope (T = 161)
    sits above a minimum at 416: the log fit through that minimum read -0.135 for -1/7 and
    widened +-0.0032 to +-0.018.
    """
    t = last_turn(s)
    n = s.size
    if t is None or t < tail.start + 2 or n - t < 3:
        return {}
    sl = slice(t, n)
    out = {"post-turn log": _log_scheme(x, s, sl)}
    if n - t >= opt.free_min_points:
        out["post-turn free omega"] = _free_omega(x, s, sl)._replace(det=None)  # model-free
    return out


def _schemes(x, s, omegas, opt: ExtrapolationOptions) -> dict[str, _Fit]:
    """Every scheme the data support, the primary first.

    The primary fits the derived corrections (0 .. all the last ``tail`` values support) with
    the smallest residual-based intercept error; the others vary what a single fit takes for
    granted: the number of correction terms, the window (the same model on the fewest values it
    needs plus one) and the correction exponent itself (``free omega``).
    """
    n = s.size
    tail = _tail(x, omegas, opt)
    m = tail.stop - tail.start
    if (
        omegas
        and opt.harmonic
        and opt.harmonic_derived
        and not any(math.isclose(2 * omegas[0], w) for w in omegas)
    ):
        omegas = sorted([*omegas, 2 * omegas[0]])  # the slowest correction's second order
    k = min(len(omegas), max(m - 2, 0))
    out: dict[str, _Fit] = {}
    if k >= 1:
        # 0 .. k derived terms on the tail; the primary is the one whose intercept has the
        # smallest residual-based error (a second term the data cannot resolve only adds noise,
        # a missing one leaves a trend in the residuals)
        lo = min(opt.min_terms, k)
        fits = {j: _scheme(x, s, tail, omegas[:j]) for j in range(lo, k + 1) if m - j - 1 >= 1}
        best = select_primary(fits, opt.refute)  # with refute: none a larger fit contradicts
        out["derived"] = fits[best]
        for j, f in fits.items():  # fewer terms: already rejected by a larger error
            if j > best:
                out[f"derived ({j} terms)"] = _extra(f, best)
        jj = max(best, 1)
        short = window_slice(n, m, jj, opt.window)
        if short.stop - short.start < m:
            out[f"derived ({opt.window})"] = _extra(_scheme(x, s, short, omegas[:jj]), best)
    derived = "derived" in out  # a free exponent's fit: parameters the derived primary has not
    if m >= opt.free_min_points:
        f = _free_omega(x, s, tail, _free_orders(m, bool(omegas), opt))
        out["free omega"] = f if derived else f._replace(det=None)
    if m >= opt.free_min_points + 1:  # the window: drop the earliest value
        f = _free_omega(x, s, slice(tail.start + 1, n), _free_orders(m - 1, bool(omegas), opt))
        out["free omega (short)"] = f if derived else f._replace(det=None)
    if k == 0 and m >= 3:  # omega -> 0: a logarithmic correction s = p + c / log x
        out["log"] = _log_scheme(x, s, tail)
    if not omegas:  # model-free: a turn in the tail is a second correction (post-turn schemes)
        out.update(_post_turn(x, s, tail, opt))
    if m < opt.tail or k == 0:
        # fewer values than a full tail (too few to test the correction's form: at T <= 1e4 a
        # derived fit over 4-5 values missed delta and the hard loss by 2-3 half-widths), or no
        # derived form at all: the unextrapolated last value joins the schemes (the
        # extrapolated distance is itself uncertain by its full size), or stands alone
        row = np.zeros(m)
        row[-1] = 1.0
        out["last value"] = _Fit(float(s[-1]), row, tail, None, math.nan, 0.0)
    return out


def extrapolate_exponent(
    T,
    y,
    *,
    sign: float = 1.0,
    omegas=(),
    rel_err_solver=None,
    rel_err_quadrature=None,
    options: ExtrapolationOptions | None = None,
) -> Extrapolation:
    r"""Exponent ``p`` of :math:`Y \sim T^{p}` (times ``sign``) extrapolated to :math:`T\to\infty`.

    Parameters
    ----------
    T, y : array_like, shape (n,)
        Increasing horizons and positive values.
    sign : float
        ``-1`` to report :math:`-p` (e.g. :math:`\xi` from :math:`\eta^* \sim T^{-\xi}`).
    omegas : sequence of float
        Derived correction exponents of ``Y`` (slowest first).
    rel_err_solver, rel_err_quadrature : array_like, shape (n,), optional
        Relative errors of ``y`` (standard errors of :math:`\log y`) from the solver and from the
        mode grid's quadrature; independent between horizons.

    Examples
    --------
    >>> T = np.geomspace(1e2, 1e6, 9)
    >>> e = extrapolate_exponent(T, T**-0.5 * (1 + 2 * T**-0.25), omegas=[0.25])
    >>> e.contains(-0.5), e.primary   # the one-term fit is 0.005 off; its interval covers it
    (True, 'derived')
    """
    x, s, D = local_slope_sequence(T, y)

    def cov(rel):
        if rel is None:
            return None
        r = np.asarray(rel, float)
        if r.shape != np.shape(T) or not np.all(np.isfinite(r)) or np.any(r < 0):
            raise ValueError(f"relative errors must be finite, >= 0, shape {np.shape(T)}")
        return (D * r**2) @ D.T

    e = extrapolate_sequence(
        x, s, omegas=omegas, cov_solver=cov(rel_err_solver),
        cov_quadrature=cov(rel_err_quadrature), options=options,
    )  # fmt: skip
    if sign == 1.0:
        return e
    return Extrapolation(
        sign * e.value, e.stderr, e.halfwidth, e.budget,
        {k: sign * v for k, v in e.schemes.items()}, e.primary, e.omega, sign * e.amplitude,
        e.x, sign * e.slopes, e.success, e.message, e.last_T, e.undetermined,
    )  # fmt: skip
