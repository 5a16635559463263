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
from theory.symbols import a as _a
from theory.symbols import b as _b

from ..analysis.extrapolate import remove_slope_correction
from .core import Measurement

__all__ = [
    "cap_binds",
    "cap_crossover",
    "on_cap",
    "power_chi_measurement",
    "rate_cap_correction",
    "subtract_rate_cap",
]


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


def cap_binds(model: PLRFModel) -> bool:
    """Whether the tuned power law's ``eta0`` ends on the rate cap at long horizons (easy phase,
    b < a < 2b: :meth:`theory.CappedPowerLaw.applies`)."""
    return model.phase == "easy" and capped_power_law().applies(model.a, model.b)


def cap_crossover(model: PLRFModel, results: Sequence) -> str | None:
    r"""Why the sweep cannot test the gain yet, or ``None``: in the easy phase where the cap
    binds at long horizons (:meth:`theory.CappedPowerLaw.applies`) but the last tuned
    :math:`\eta_0` is still below it, the sweep ends in the crossover from the free family
    (:math:`\eta_0 \propto T^{\chi_c - p}`, :attr:`~theory.CappedPowerLaw.eta0_exponent`) to
    the capped one, which neither family's corrections describe. At (2.8, 1.6) the tuned
    :math:`\eta_0` climbs from 0.32 to 0.48 of a cap of 0.55 over 1e2 .. 1e11 and the gain read
    +0.0014 +- 0.0013 (`disagrees`); swept to 1e15 (on the cap from 1e13) it reads -0.00001 +-
    0.0016 (benchmarks/results/claims.md, 2026-12-01s18 (lead)). The text names the horizon
    where :math:`\eta_0` would reach the cap at its last local growth (the derived exponent
    where it does not grow)."""
    if not cap_binds(model) or len(results) < 2 or on_cap(results[-1]):
        return None
    cap = capped_power_law()
    last, prev = results[-1], results[-2]
    eta, T = last.params["eta0"], last.T
    g = math.log(eta / prev.params["eta0"]) / math.log(T / prev.T)
    if not g > 0:
        g = float(cap.eta0_exponent.subs({_a: model.a, _b: model.b}))
    bounds = getattr(last, "bounds", {}).get("eta0")
    reach = (
        ""
        if bounds is None
        else (
            f"; at its last growth T^{g:.3g} it reaches the cap {bounds[1]:.4g} near "
            f"T ~ {T * (bounds[1] / eta) ** (1 / g):.1e}"
        )
    )
    return (
        f"the tuned eta0 ({eta:.4g} at T = {T:.3g}) is still below the stability limit it "
        f"approaches (a < 2b): the sweep ends in the crossover to the capped family{reach}"
    )


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
