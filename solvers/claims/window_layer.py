r"""The hard annealing window's readouts with its end-of-run boundary layer divided out.

The layer ends the optimal window :math:`D(b)/c` steps early (:func:`theory.window_end_layer`:
:math:`D(b) < 0` the easy layer's number, :math:`c = \eta(T)\,\zeta(2b)^{1/2}` read from the end
rate), and the width's first-order response to it vanishes. So the lost time of the outer window
is the optimum's plus :math:`|D|/c` steps: :func:`divided_lost_time`. On the continuum optima at
(1.2, 4) (default run, to ``T = 3.16e14``) the claim's local slopes read 0.6066 at the last
horizon and 0.6003 divided, against 0.6 (benchmarks/results/claims.md, 2026-12-01i).

The relation :math:`c\,s = \int_0^U K(2U')^{1/2} dU'` holds where the rate is small; where the
optimum does not end on the layer's floor (the end rate's ``c`` not the one of
:math:`\eta K(2U)^{1/2}` a fifth of the lost time before the end, within
:data:`~solvers.claims.easy_layer.FLOOR_MATCH`) nothing is divided.

The division is a first-order expansion in :math:`\varepsilon = D/(c\,\Lambda_{\rm out})`
(:func:`layer_epsilon`); the claim fits the divided readout only from the horizon on where its
neglected second order moves a local slope by at most :data:`LAYER_SLOPE_SHARE`
(:func:`layer_bound`, derived), and reads the raw lost time where fewer than a full tail of
horizons remain (:func:`window_readouts`; benchmarks/results/window_2026-12-01/PROTOCOL.md).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import partial

import numpy as np

from theory import PLRFModel, derive_scaling_laws, window_end_layer

from ..analysis.extrapolate import ExtrapolationOptions
from .core import DEFAULT_RESOLUTION
from .easy_layer import FLOOR_MATCH
from .readouts import (
    ANNEAL_LEVEL,
    _end_integral,
    annealing_width,
    bulk_peak,
    lost_time,
    realised_time,
    window_mean_rate,
)

__all__ = [
    "LAYER",
    "LAYER_SLOPE_SHARE",
    "PLATEAU_END",
    "WINDOW_FIT",
    "WINDOW_REALISED_TIME",
    "WINDOW_SHAPE_LEVELS",
    "deficit_division",
    "deficit_factor",
    "deficit_omegas",
    "divided_lost_time",
    "divided_shape_exponent",
    "layer_bound",
    "layer_epsilon",
    "layer_shift",
    "plateau_mean_deficit",
    "realised_variable",
    "sweep_omegas",
    "window_readouts",
]

#: Levels whose divided lost times give the window's shape exponent (as
#: :data:`~solvers.claims.readouts.WINDOW_SHAPE_LEVELS`).
WINDOW_SHAPE_LEVELS = (0.05, 0.25)
#: Where the floor is checked: this fraction of the lost time before the end (inside the window's
#: lower part, where :math:`\eta K(2U)^{1/2}` is the end's ``c`` to 0.94-1.0 at (1.2, 4)).
FLOOR_PROBE = 0.2
#: The probe must lie this many end cells before ``T`` (the continuum grid's are 1 step long): a
#: window of a few steps, as on test stand-ins at ``T = 1e3``, has no resolved layer to divide.
PROBE_CELLS = 3


def layer_shift(model: PLRFModel, res, T: float) -> float:
    """:math:`D(b)/c` (steps, negative) of an optimum, ``c`` from its end rate (last cell); 0 (no
    division) when that ``c`` is not the one inside the window within ``FLOOR_MATCH``, or when
    the probe is not :data:`PROBE_CELLS` end cells before ``T``."""
    layer = window_end_layer()
    kernel = _kernel(model.b)
    end = float(np.asarray(res.eta)[-1])
    if not end > 0:
        return 0.0
    c_end = end * math.sqrt(kernel(0.0))
    s = FLOOR_PROBE * lost_time(res, T)
    R = _end_integral(res, T)  # the integral over the last u steps, exact near the end
    if s < PROBE_CELLS * R.x[1]:  # the probe within the last cells: no floor resolved
        return 0.0
    U = float(R(s))
    c_in = float(R.derivative()(s)) * math.sqrt(kernel(2 * U))
    if not (c_in > 0 and 1 / FLOOR_MATCH <= c_end / c_in <= FLOOR_MATCH):
        return 0.0
    return layer.shift(model.b) / c_end


def _kernel(b_val: float):
    from theory import easy_end_layer

    layer = easy_end_layer()
    return lambda F: layer.kernel(b_val, F)


def divided_lost_time(model: PLRFModel, res, T: float, level: float = ANNEAL_LEVEL) -> float:
    """The lost time of the outer window: the optimum's minus :func:`layer_shift`."""
    return lost_time(res, T, level) - layer_shift(model, res, T)


def divided_shape_exponent(model: PLRFModel, res, T: float, shift: float | None = None) -> float:
    """:func:`~solvers.claims.readouts.window_shape_exponent` from the divided lost times
    (``shift``: the optimum's :func:`layer_shift` where already known; it has no level)."""
    l1, l2 = WINDOW_SHAPE_LEVELS
    shift = layer_shift(model, res, T) if shift is None else shift
    lost = [lost_time(res, T, lv) - shift for lv in WINDOW_SHAPE_LEVELS]
    if not 0 < lost[0] < lost[1]:
        return math.nan
    return math.log(l1 / l2) / math.log(lost[0] / lost[1])


#: The slope error the layer's neglected second order may leave in a horizon of the divided fit:
#: one standard error of the verdict's target interval (resolution 0.01 at z = 2).
LAYER_SLOPE_SHARE = DEFAULT_RESOLUTION / ExtrapolationOptions().z


#: The window's extrapolation. The divided slopes' tail is nearly flat, and the three-parameter
#: schemes fitted to it swing by 0.6-2.2e-3 under 5e-5 of slope noise (claims.md, 2026-12-01y
#: section 4): a scheme whose extra parameters the slopes do not determine counts, if derived,
#: the noise of its difference from the primary, else nothing (protocol v2,
#: benchmarks/results/window_2026-12-02/PROTOCOL.md; v1, "drop", undercovers a truth whose
#: second derived term is below detection). Protocol v3 (window_2026-12-03/PROTOCOL.md), the fits
#: reaching back 1.5 e-folds of the slowest correction (``span``) and a primary no determined
#: larger fit contradicts (``refute``), passes its honesty checks and resolves (3, 3.5) and
#: (3.2, 3.8), but not (3.5, 4), and turns (2.5, 3.2) inconclusive and (2.5, 3) into a
#: ``disagrees`` that one more half-decade reverses: 9 of 12 points agree, as with v2, so it
#: is not switched on (claims.md, 2026-12-01s16 (window16)).
WINDOW_FIT = ExtrapolationOptions(undetermined="noise")


#: Read the window's local slopes against the realised intrinsic time :math:`\log\tau_T` in
#: place of :math:`\log T` (:func:`realised_variable`; benchmarks/results/window_2026-12-04/
#: PROTOCOL.md). On: the protocol's criteria held at its eight points, the five where the
#: readout against ``log T`` was inconclusive now agree (claims.md, 2026-12-02s20 (win20)).
WINDOW_REALISED_TIME = True


def realised_variable(model: PLRFModel, sol: dict, Ts) -> tuple[np.ndarray, dict]:
    r"""The window's horizons in realised intrinsic time, :math:`\tau_T = \int_0^T\eta`
    (:func:`~solvers.claims.readouts.realised_time`), and the diagnostics that re-extrapolate
    against it (:func:`theory.window_realised_time`): the derived list less :math:`1-\omega_0`
    (every order of the lost intrinsic time: the window is a power of :math:`\tau_T` exactly),
    and ``unlearned_factor``, :math:`(1 - R(\tau_T))^{b/(2b-1)}` at the plateau's rate (the
    bulk's, :func:`~solvers.claims.readouts.bulk_peak`), the factor that divides the plateau's
    unlearned modes' noise (:math:`\tau^{-(b-a)/b}`) out of the readout, and ``rate_factor``,
    :math:`(\eta_p/\eta_{\rm cap})^{(b-1)/(2b-1)}`, the window at the cap's rate: it divides
    out the bulk's deficit below the stability limit, :math:`T^{-(b-a)/(2b)}`
    (:func:`theory.plateau_deficit`, a pointwise balance; not :math:`W/T`)."""
    from theory import window_realised_time

    wr = window_realised_time()
    removed, _ = wr.omegas(model.a, model.b)
    taus = np.array([realised_time(sol[T], T) for T in Ts])
    rates = [bulk_peak(sol[T], T) for T in Ts]
    cap = [float(np.max(sol[T].eta)) for T in Ts]  # the first steps' rate: the cap
    return taus, {"variable": "tau_T", "horizons_T": [float(T) for T in Ts],
                  "realised_time": taus.tolist(), "removed_omegas": removed, "added_omegas": [],
                  "lost_share": [1.0 - x / (c * T) for x, c, T in zip(taus, cap, Ts, strict=True)],
                  "unlearned_factor": [wr.unlearned_factor(model, x, r)
                                       for x, r in zip(taus, rates, strict=True)],
                  "rate_factor": [wr.rate_factor(model, r, c)
                                  for r, c in zip(rates, cap, strict=True)]}  # fmt: skip


def layer_bound(model: PLRFModel) -> float:
    r"""The largest :math:`|\varepsilon|` a horizon of the divided fit may have:
    :math:`(\rho/(2w))^{1/2}`, :math:`w = \omega_0/(2b)`, :math:`\rho` =
    :data:`LAYER_SLOPE_SHARE` (:meth:`theory.WindowEndLayer.perturbative_bound`; 0.123 at
    (2, 2.6), 0.183 at (1.2, 4))."""
    w0 = derive_scaling_laws().hard["anneal_window_exponent"].expr
    bound = window_end_layer().perturbative_bound(w0, LAYER_SLOPE_SHARE)
    return float(bound.subs(model.subs()))


def layer_epsilon(shift: float, divided: float) -> float:
    r"""The layer's expansion parameter :math:`\varepsilon = D/(c\,\Lambda_{\rm out})`: the
    shift over the outer window's (divided) lost time; in (-1, 0], 0 where nothing is divided."""
    return shift / divided if shift else 0.0


def window_readouts(model: PLRFModel, sol: dict, Ts) -> tuple[list, np.ndarray, dict, Callable]:
    """The horizons the window's fit uses, their lost times, the diagnostics beside them and the
    readout (``f(res, T)``) of one optimum.

    The divided lost times (:func:`divided_lost_time`) from the first horizon after the last one
    whose :func:`layer_epsilon` exceeds :func:`layer_bound` (``layer_fit_from``; the horizons
    dropped in ``layer_dropped``); where fewer than a full extrapolation tail (7 horizons) are
    left, the raw lost times over every horizon, with the layer's first order back in the
    derived list (``added_omegas``, ``layer_fallback``). Per horizon: the raw lost times, the
    shifts, ``eps``, the crossing widths and the divided shape exponent."""
    Ts = list(Ts)
    shift = [layer_shift(model, sol[T], T) for T in Ts]
    raw = np.array([lost_time(sol[T], T) for T in Ts])
    eps = [layer_epsilon(d, x) for d, x in zip(shift, raw - np.asarray(shift), strict=True)]
    r = layer_bound(model)
    start = max((i + 1 for i, e in enumerate(eps) if abs(e) > r), default=0)
    other = {"layer_bound": r, "layer_epsilon": eps, "layer_fit_from": None}
    if len(Ts) - start < ExtrapolationOptions().tail + 1:  # too few perturbative horizons
        other["layer_fallback"] = (f"{len(Ts) - start} horizons with |eps| <= {r:.3g}: the raw "
                                   "lost time, the layer's first order in the derived list")  # fmt: skip
        other["added_omegas"] = [_layer_omega(model)]
        lost, readout, keep = raw, lost_time, range(len(Ts))
    else:  # the divided lost time where the layer is a perturbation
        other["layer_fit_from"] = Ts[start]
        other["layer_dropped"] = [{"T": Ts[i], "eps": eps[i], "lost_time_raw": float(raw[i]),
                                   "layer_shift": shift[i]} for i in range(start)]  # fmt: skip
        lost, readout = raw - np.asarray(shift), partial(divided_lost_time, model)
        keep = range(start, len(Ts))
    Ts = [Ts[i] for i in keep]
    other.update({f"width_{lv:g}": [annealing_width(sol[T], T, lv) for T in Ts]
                  for lv in (0.9, ANNEAL_LEVEL, 0.1)})  # fmt: skip
    other.update(lost_time_raw=[float(raw[i]) for i in keep], layer_shift=[shift[i] for i in keep],
                 window_shape_exponent=[divided_shape_exponent(model, sol[Ts[j]], Ts[j], shift[i])
                                        for j, i in enumerate(keep)])  # fmt: skip
    return Ts, np.asarray(lost)[list(keep)], other, readout


def _layer_omega(model: PLRFModel) -> float:
    r"""The layer's first order in ``T``, :math:`\omega_0/(2b)`, at ``model``."""
    w0 = derive_scaling_laws().hard["anneal_window_exponent"].expr
    return float(window_end_layer().omega(w0).subs(model.subs()))


#: The mechanism of the window rows' divided layer (:func:`theory.derive_corrections`).
LAYER = "end-of-run boundary layer of the window"


def sweep_omegas(claim, model: PLRFModel, omegas: list[float]) -> list[float]:
    r"""The exponents that set the optimal sweep's horizon for ``claim`` (``omegas``: its derived
    list): for a claim whose readout divides the window's layer out, its first order
    :math:`\omega_0/(2b)` in place of the second order :math:`\omega_0/b` it leaves, i.e. the
    list before the division; every other claim's list unchanged.

    The horizon is chosen before any optimum exists, from corrections at unit amplitude; the
    division takes its amplitude from each optimum's end rate and leaves :math:`\varepsilon^2`,
    whose amplitude the rule cannot know. At (1.2, 4) the optima read
    :math:`\varepsilon = D/(c\Lambda)` = -1.87 at ``T = 1e2`` and -0.144 at 3.16e11, the horizon
    the divided list asks for, where the divided window reads 0.6009 +- 0.0072 (half-width
    0.0144, inconclusive); it agrees from 3.16e12 on (benchmarks/results/claims.md, 2026-12-01i).
    So the sweep runs as far as the undivided layer asks, as before the division.

    The plateau's deficit (:func:`theory.plateau_deficit`), a power term of the row that reads it
    undivided (the hard peak rate; the annealing fraction divides it out since frac23:
    :func:`deficit_factor`), does not set the horizon either: its
    amplitude is derived, a local slope of :math:`\epsilon\,(b-a)/(2b)` with
    :math:`\epsilon` = 0.1-5 % (not the unit the rule assumes), and a verdict it leaves wide
    says which horizon would settle it (claims.md, 2026-12-02s22 (frac22)).
    """
    from theory import derive_corrections

    row = derive_corrections()["hard"].get(claim.correction) if model.phase == "hard" else None
    if row is None:
        return list(omegas)
    only = deficit_omegas(row, model)
    omegas = [x for x in omegas if not any(math.isclose(x, w) for w in only)]
    if not any(t.mechanism == LAYER for t in row.terms):
        return list(omegas)
    w = _layer_omega(model)
    return sorted(w if math.isclose(x, 2 * w) else x for x in omegas)


def deficit_omegas(row, model: PLRFModel) -> list[float]:
    """The exponents of ``row`` (a :class:`theory.ScalingCorrection`) that only the plateau's
    deficit has: an exponent another term shares (``(a+b-2)/(2b)`` = ``1 - w0`` at (1.2, 4))
    is that term's too and stays."""
    from theory._plateau_deficit import MECHANISM

    ws: dict[bool, list[float]] = {True: [], False: []}  # deficit / other terms
    for t in row.terms:
        if (w := t.omega_at(model.a, model.b)) is not None:
            ws[t.mechanism.startswith(MECHANISM)].append(w)
    return [w for w in ws[True] if not any(math.isclose(w, x) for x in ws[False])]


#: The plateau's mean deficit is read up to this many lost times (at half the peak) before the
#: end: past the window's rounded corner. Where exactly only moves the ``1 - w0`` term's
#: amplitude: the deficit near the window, :math:`\epsilon \propto (1-u)^{-(2b-1)/(2b)}`, over
#: :math:`1 - u \sim W/T` is :math:`T^{-(b-a)/(2b)}(W/T)^{1/(2b)} = T^{-(1-\omega_0)}`.
PLATEAU_END = 2.0
#: The plateau is read over at least this fraction of the run: at early horizons whose window
#: spans more than a quarter of the run (``T = 1e2`` at (1.2, 4), read where the layer's
#: fallback fits every horizon) the mean over the first half, the window's upper part in it.
BULK_END_MIN = 0.5


def plateau_mean_deficit(res, T: float) -> float:
    r""":math:`\bar\epsilon = 1 - \int_0^{T_p}\eta / (\eta_{\rm cap} T_p)`, the plateau's mean
    share below the cap (the first steps' rate), :math:`T_p = T -` :data:`PLATEAU_END` times the
    lost time at half the peak (:func:`~solvers.claims.readouts.lost_time`), at least
    :data:`BULK_END_MIN` ``T``."""
    end = max(1.0 - PLATEAU_END * lost_time(res, T) / T, BULK_END_MIN)
    cap = float(np.max(res.eta))
    return 1.0 - window_mean_rate(res, T, 0.0, end) / cap


def deficit_division(model: PLRFModel, sol: dict, Ts) -> dict:
    r"""What divides the plateau's deficit out of the annealing fraction, per horizon of ``Ts``:
    ``deficit_factor`` (:func:`deficit_factor`) and its two parts, ``plateau_mean_deficit``
    and ``rate_factor``."""
    parts = [_deficit_parts(model, sol[T], T) for T in Ts]
    return {"plateau_mean_deficit": [p[0] for p in parts], "rate_factor": [p[1] for p in parts],
            "deficit_factor": [p[2] for p in parts]}  # fmt: skip


def deficit_factor(model: PLRFModel, res, T: float) -> float:
    r"""The factor that divides the plateau's deficit out of the annealing fraction of one
    optimum: :math:`(1-\bar\epsilon)^{-\omega_0}(\eta_p/\eta_{\rm cap})^{-\gamma}`.

    The window is :math:`W \propto \tau_T^{\omega_0}\eta_p^{\gamma}`
    (:func:`theory.window_realised_time`: exact in :math:`\tau_T`; :math:`\gamma` its
    ``rate_power``, :math:`-(b-1)/(2b-1)`), and :math:`\tau_T = \eta_{\rm cap}T
    (1-\bar\epsilon)(1 - x)`, :math:`x` the lost intrinsic time's share. Read against
    :math:`\log T` (the fraction), the deficit enters :math:`\ln(W/T)` as
    :math:`\omega_0\ln(1-\bar\epsilon) + \gamma\ln(1-\epsilon_p)`: a correction
    :math:`T^{-(b-a)/(2b)}` (:func:`theory.plateau_deficit`) 0.012 from the fraction's own
    :math:`1-\omega_0` at (3, 3.5), which no fit of two free amplitudes separates. Its
    amplitude is the optimum's own: :math:`\bar\epsilon` (:func:`plateau_mean_deficit`) and
    the bulk's rate :math:`\eta_p` (:func:`~solvers.claims.readouts.bulk_peak`, as the
    window's ``rate_factor``). What is left is :math:`x` (the ``1 - w0`` term, kept) and the
    deficit's products with :math:`x`, faster. On the cap the factor is 1."""
    return _deficit_parts(model, res, T)[2]


def _deficit_parts(model: PLRFModel, res, T: float) -> tuple[float, float, float]:
    from theory import window_realised_time

    wr = window_realised_time()
    w0 = float(wr.w0.subs(model.subs()))
    mean = plateau_mean_deficit(res, T)
    rate = wr.rate_factor(model, bulk_peak(res, T), float(np.max(res.eta)))
    return mean, rate, (1.0 - mean) ** -w0 * rate
