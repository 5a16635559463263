"""The plateau's deficit in the lists of the hard rows that read it undivided.

The hard peak rate (``phase boundary``, ``hard schedule``) reads ``eta_s (1 - eps)`` at the bulk's
window that maximises it: it carries the deficit ``eps ~ T^-(b-a)/(2b)`` (theory.plateau_deficit)
as a power correction. The window's own list, and the optimal sweep's horizon, must not move
(benchmarks/results/claims.md, 2026-12-02s22 (frac22)). The annealing fraction divides the deficit
out since frac23 (tests/test_fraction_deficit.py).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import sympy as sp

from theory import PLRFModel, derive_corrections, derive_scaling_laws, plateau_deficit
from theory.symbols import a, b

DEFICIT = "plateau below the rate cap"
STORED = Path(__file__).parents[1] / "benchmarks/results/plateau_peak_2026-12-02"
# measured / derived slope of the peak readout at (2, 3), T = 1e5 .. 1e7: 1.029, 1.023 (the
# source's next order not in the form); with 1 - w0 in place of (b-a)/(2b): 0.87, 0.86
SLOPE_TOL = 0.05


def _deficit_terms(row):
    return [t for t in row.terms if t.mechanism.startswith(DEFICIT)]


def test_the_peak_row_lists_the_derived_deficit_the_window_and_fraction_divide_it():
    d, hard = plateau_deficit(), derive_corrections()["hard"]
    lead, source = _deficit_terms(hard["peak_rate"])
    assert lead.form == source.form == "power" and not (lead.estimate or source.estimate)
    assert sp.simplify(lead.omega - d.exponent) == 0  # (b-a)/(2b), from the derivation
    assert sp.simplify(source.omega - d.exponent - d.source) == 0  # its source's next order
    assert hard["peak_rate"].leading(3, 3.5) is lead  # the slowest term of the row
    for name in ("anneal_window_exponent", "anneal_fraction_exponent"):  # frac23: divided
        (entry,) = _deficit_terms(hard[name])
        assert entry.form == "divided out by the readout" and entry.omega is None
    # the fraction's other terms are the window's
    rest = [
        t for t in hard["anneal_fraction_exponent"].terms if not t.mechanism.startswith(DEFICIT)
    ]
    assert rest == [t for t in hard["anneal_window_exponent"].terms if t.mechanism != DEFICIT]
    # the peak no longer reuses the window's lost intrinsic time (1 - w0)
    w0 = derive_scaling_laws().hard["anneal_window_exponent"].expr
    assert all(sp.simplify(t.omega - (1 - w0)) != 0 for t in hard["peak_rate"].terms)


@pytest.mark.parametrize("ab", [(3.0, 3.5), (1.2, 4.0), (2.5, 3.2), (1.5, 3.0)])
def test_the_deficit_does_not_set_the_sweeps_horizon(ab):
    """The sweep's lists are the window's: (1.2, 4) is where the deficit's second exponent,
    (a + b - 2)/(2b) = 0.4, coincides with the window's 1 - w0, which must stay."""
    from solvers.claims import CLAIMS
    from solvers.claims.core import claim_omegas
    from solvers.claims.window_layer import sweep_omegas

    model = PLRFModel(*ab, n_modes=10**12)
    swept = {n: sweep_omegas(CLAIMS[n], model, claim_omegas(CLAIMS[n], model))
             for n in ("phase boundary", "hard annealing window", "hard annealing fraction")}  # fmt: skip
    assert swept["hard annealing fraction"] == swept["hard annealing window"]
    assert swept["phase boundary"] == []
    w = plateau_deficit().exponents(*ab)["exponent"]  # listed by the peak, but not swept
    assert any(np.isclose(x, w) for x in claim_omegas(CLAIMS["phase boundary"], model))


def _derived_slopes(out, lead, second):
    e = np.sqrt(out["eps"][1:] * out["eps"][:-1])
    share = 0.5 * (out["bias_share"][1:] + out["bias_share"][:-1])
    return e / (1 - e) * (lead + 0.5 * (second - lead) * share)


def test_the_peak_readout_moves_with_the_derived_deficit():
    """Stored continuum optima at (2, 3) (``optlr solve --modes 1e12 --method continuum``, T =
    1e5 .. 1e7): the peak readout's local slopes against ``eps/(1-eps) (w + (a-1)/(2b) B-share)``,
    ``w`` and ``(a-1)/b`` from the peak row's list; with 1 - w0 in place of ``w`` they fail."""
    from benchmarks.plateau_deficit import peak_slopes

    out = peak_slopes(sorted(str(p) for p in STORED.glob("opt_2_3_*.npz")))
    assert (out["a"], out["b"]) == (2.0, 3.0) and len(out["T"]) == 3
    at = {a: out["a"], b: out["b"]}
    lead, second = (float(t.omega.subs(at)) for t in
                    _deficit_terms(derive_corrections()["hard"]["peak_rate"]))  # fmt: skip
    assert np.all(out["slopes"] > 0)  # the peak climbs towards the limit
    ratio = out["slopes"] / _derived_slopes(out, lead, second)
    assert np.all(np.abs(ratio - 1) <= SLOPE_TOL), ratio
    w0 = float(derive_scaling_laws().hard["anneal_window_exponent"].expr.subs(at))
    wrong = out["slopes"] / _derived_slopes(out, 1 - w0, second - lead + 1 - w0)
    assert not np.all(np.abs(wrong - 1) <= SLOPE_TOL), wrong
