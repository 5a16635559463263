r"""Readouts of the tuned power law :math:`\eta_0 t^{-\chi}` (claims ``optimal power law`` and
``optimal power law chi``): the derived rate-cap correction divided out of its loss, and its
tuned ``chi``.

Where the tuned :math:`\eta_0` sits on its bound (the stability limit) the family has one free
parameter, :math:`E = \eta_{\max} T^{-\chi}` ties the end rate to :math:`\chi`, and its local
loss exponent is :math:`-p + p(\chi_T - p)/((1-\chi_T)\log T - p)`
(:func:`theory.capped_power_law`, easy phase): a logarithmic correction that no power
:math:`T^{-\omega}` describes. At (4, 3.5) it is 2.2e-4 of the gain's 2.5e-4 at ``T = 5.6e9``,
and a fit with the power corrections alone read it as a leftover constant (+0.00024 +- 0.00005,
`disagrees`; benchmarks/results/claims.md, 2026-12-01).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from theory import PLRFModel, capped_power_law

from ..analysis.extrapolate import remove_slope_correction
from .core import Measurement

__all__ = ["on_cap", "power_chi_measurement", "rate_cap_correction", "subtract_rate_cap"]


def on_cap(result) -> bool:
    """Whether a tuned power law's ``eta0`` sits on its *upper* bound (the stability limit), by
    the tuner's own test (``at_bound``: within 1e-3 of the log range, i.e. ~1.4 % of the cap)."""
    if "eta0" not in result.at_bound:
        return False
    bounds = getattr(result, "bounds", {}).get("eta0")
    return bounds is None or result.params["eta0"] > math.sqrt(bounds[0] * bounds[1])


def rate_cap_correction(model: PLRFModel, results: Sequence) -> np.ndarray:
    r"""The derived rate-cap part of the tuned power law's local loss exponent at each horizon
    (:attr:`theory.CappedPowerLaw.slope_correction` at the tuned ``chi``), 0 where its
    ``eta0`` is off the cap (there both parameters are free) and outside the easy phase (not
    derived there)."""
    if model.phase != "easy":
        return np.zeros(len(results))
    cap = capped_power_law()
    return np.array([
        cap.correction_at(model.a, model.b, r.params["chi"], r.T) if on_cap(r) else 0.0
        for r in results
    ])  # fmt: skip


def subtract_rate_cap(model: PLRFModel, results: Sequence, diag: dict) -> list[float]:
    """The tuned power law's losses with :func:`rate_cap_correction` divided out of their local
    exponents (:func:`~solvers.analysis.extrapolate.remove_slope_correction`); what it did is
    recorded in ``diag`` (``capped_T``, ``rate_cap_correction``, ``power_chi``,
    ``uncorrected_power_loss``)."""
    Ts = [r.T for r in results]
    ys = [r.final_loss for r in results]
    corr = rate_cap_correction(model, results)
    diag["capped_T"] = [r.T for r in results if on_cap(r)]
    diag["rate_cap_correction"] = corr.tolist()
    diag["power_chi"] = [r.params["chi"] for r in results]
    if len(Ts) < 2 or not np.any(corr):
        return ys
    diag["uncorrected_power_loss"] = ys
    return remove_slope_correction(Ts, ys, corr).tolist()


def power_chi_measurement(results: Sequence) -> Measurement:
    """The tuned ``chi`` at the longest horizon, its drift per decade as the ``stderr`` column."""
    chis = [r.params["chi"] for r in results]
    if len(chis) < 2:
        return Measurement(math.nan, math.nan, success=False, message="too few horizons")
    # chi* itself, not an exponent: report the last value, its change over the last decade
    Ts_ = np.array([r.T for r in results], float)
    x = np.log10(Ts_[-3:])
    trend = float(np.polyfit(x, chis[-3:], 1)[0]) if x.size >= 2 else math.nan
    return Measurement(
        float(chis[-1]), abs(trend), diagnostics={"T": Ts_.tolist(), "chi": chis,
        "eta0": [r.params["eta0"] for r in results], "trend_per_decade": trend,
        "at_bound": [r.at_bound for r in results]},
        message="stderr column holds |d chi*/d log10 T| over the last horizons (drift)",
    )  # fmt: skip
