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
"""

from __future__ import annotations

import math

import numpy as np

from theory import PLRFModel, window_end_layer

from .easy_layer import FLOOR_MATCH
from .readouts import ANNEAL_LEVEL, _integral, annealing_width, lost_time

__all__ = [
    "LAYER",
    "WINDOW_SHAPE_LEVELS",
    "divided_lost_time",
    "divided_shape_exponent",
    "layer_shift",
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
    F = _integral(res, T)
    if s < PROBE_CELLS * (T - F.x[-2]):  # the probe within the last cells: no floor resolved
        return 0.0
    U = float(F(T) - F(T - s))
    c_in = float(F.derivative()(T - s)) * math.sqrt(kernel(2 * U))
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


def window_readouts(model: PLRFModel, sol: dict, Ts) -> tuple[np.ndarray, dict]:
    """The divided lost times over ``Ts`` and the diagnostics beside them: the raw lost times,
    the shifts, the crossing widths and the divided shape exponent."""
    shift = [layer_shift(model, sol[T], T) for T in Ts]
    raw = np.array([lost_time(sol[T], T) for T in Ts])
    other = {f"width_{lv:g}": [annealing_width(sol[T], T, lv) for T in Ts]
             for lv in (0.9, ANNEAL_LEVEL, 0.1)}  # fmt: skip
    other.update(lost_time_raw=raw.tolist(), layer_shift=shift,
                 window_shape_exponent=[divided_shape_exponent(model, sol[T], T, d)
                                        for T, d in zip(Ts, shift, strict=True)])  # fmt: skip
    return raw - np.asarray(shift), other


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
    """
    from theory import derive_corrections, derive_scaling_laws

    row = derive_corrections()["hard"].get(claim.correction) if model.phase == "hard" else None
    if row is None or not any(t.mechanism == LAYER for t in row.terms):
        return list(omegas)
    w = float(window_end_layer().omega(derive_scaling_laws().hard["anneal_window_exponent"].expr)
              .subs(model.subs()))  # fmt: skip
    return sorted(w if math.isclose(x, 2 * w) else x for x in omegas)
