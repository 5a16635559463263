r"""A same-limit reference in a claim's error budget, and the horizon it asks for.

Some claims have a sequence the theory gives the same limit as the measured one but without an
excess that the derived corrections do not describe at the reachable horizons — the
compute-optimal loss and its noiseless plateau (:func:`solvers.claims.beyond._plateau_reference`):
at (1.2, 1.7) the annealing window's excess is 2-5 times the plateau's bias over C = 1e3-1e5,
far from the first order of the derived corrections. The experiment puts that sequence in its
diagnostics (``reference_input``); it is extrapolated like the measured one and the distance
counted (:func:`~solvers.analysis.extrapolate.with_reference`). When that distance sets the
interval, the horizon that would settle the claim comes from how fast the gap between the two
sequences' local slopes closes over the sweep — measured, since no derived rate describes it.
"""

from __future__ import annotations

import math

import numpy as np

from ..analysis.extrapolate import (
    Extrapolation,
    extrapolate_exponent,
    scaled_horizon,
    with_reference,
)
from ._horizon import horizon_text

__all__ = ["add_reference", "reference_settling", "settling_or"]


def add_reference(e: Extrapolation, ref: dict, omegas, diag: dict) -> Extrapolation:
    """``e`` with the reference ``ref`` (keywords of
    :func:`~solvers.analysis.extrapolate.extrapolate_exponent`) extrapolated with ``omegas`` and
    its distance in the budget; records the reference's value and the gap of the local slopes
    (measured minus reference, per window) in ``diag``."""
    r = extrapolate_exponent(**ref, omegas=omegas)
    diag["reference_value"] = r.value
    diag["reference_slope_gap"] = (e.slopes - r.slopes).tolist()
    return with_reference(e, r)


def reference_settling(
    e: Extrapolation, diag: dict, resolution: float, variable: str
) -> str | None:
    """What would settle an interval that the reference's distance dominates (``None``: it does
    not dominate). The gap of the local slopes is fitted as a power of the horizon over the
    sweep; the interval reaches ``resolution`` when the gap has shrunk by ``halfwidth /
    resolution`` at that measured rate (none: the gap does not close over the sweep).

    >>> from solvers.analysis.extrapolate import extrapolate_sequence
    >>> x = np.geomspace(1e3, 1e5, 8)
    >>> e = extrapolate_sequence(x, np.full(8, -0.0786), omegas=[0.13])
    >>> e = with_reference(e, extrapolate_sequence(x, np.full(8, -0.073), omegas=[0.13]))
    >>> round(e.halfwidth, 4)     # twice the distance: 0.0056
    0.0112
    >>> reference_settling(e, {"reference_slope_gap": (-0.0056 * (x / 1e3) ** -0.1).tolist()},
    ...                    0.01, "C")[-37:]      # 1e5 x 1.12^(1/0.1)
    'closes like C^-0.1: 0.01 at C ~ 3e+05'
    """
    budget = e.budget
    gap = diag.get("reference_slope_gap")
    if gap is None or budget.get("reference", 0.0) < max(budget.values()):
        return None
    g = np.abs(np.asarray(gap, float))
    rate = 0.0
    if g.size >= 3 and np.all(g > 0):
        rate = -float(np.polyfit(np.log(e.x), np.log(g), 1)[0])
    head = (
        "the distance to the reference of the same limit (an excess the derived corrections do "
        "not describe yet) sets the interval; the gap of the local slopes"
    )
    if not rate > 0:
        return f"{head} does not close over the sweep: no horizon can be named"
    need = scaled_horizon(e.last_T, e.halfwidth / resolution, rate)
    return (f"{head}, measured, closes like {variable}^-{rate:.2g}: {resolution:g} at "
            f"{variable} ~ {horizon_text(need, '.1g')}")  # fmt: skip


def settling_or(
    e: Extrapolation, diag: dict, resolution: float, variable: str, verdict: str
) -> str:
    """``verdict`` with its settling text replaced by :func:`reference_settling`'s when the
    reference dominates an inconclusive interval."""
    if not verdict.startswith("inconclusive: interval") or math.isinf(e.halfwidth):
        return verdict
    text = reference_settling(e, diag, resolution, variable)
    return verdict if text is None else verdict.split(";")[0] + "; " + text
