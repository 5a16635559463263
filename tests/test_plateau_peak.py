"""The plateau's deficit in the lists of the hard rows that read it undivided.

The hard peak rate (``phase boundary``, ``hard schedule``) reads ``eta_s (1 - eps)`` at the bulk's
window that maximises it, and the annealing fraction is read against ``log T`` without the rate
factor: both carry the deficit ``eps ~ T^-(b-a)/(2b)`` (theory.plateau_deficit) as a power
correction. The window's own list, and the optimal sweep's horizon, must not move
(benchmarks/results/claims.md, 2026-12-02s22 (frac22)).
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


def test_the_peak_and_fraction_rows_list_the_derived_deficit_the_window_divides_it():
    d, hard = plateau_deficit(), derive_corrections()["hard"]
    for name in ("peak_rate", "anneal_fraction_exponent"):
        lead, source = _deficit_terms(hard[name])
        assert lead.form == source.form == "power" and not (lead.estimate or source.estimate)
        assert sp.simplify(lead.omega - d.exponent) == 0  # (b-a)/(2b), from the derivation
        assert sp.simplify(source.omega - d.exponent - d.source) == 0  # its source's next order
        assert hard[name].leading(3, 3.5) is lead  # the slowest term of either row
    (win,) = _deficit_terms(hard["anneal_window_exponent"])
    assert win.form == "divided out by the readout" and win.omega is None
    # the fraction's list is the window's plus the two powers
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
    w = plateau_deficit().exponents(*ab)["exponent"]
    for n in ("phase boundary", "hard annealing fraction"):  # listed, but not swept
        assert any(np.isclose(x, w) for x in claim_omegas(CLAIMS[n], model))


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


def _optimum(T, bulk, cap=0.6):
    """A stand-in optimum: the first steps at the cap, the bulk at ``bulk``, a linear decay."""
    from types import SimpleNamespace

    t = np.linspace(0.0, T, 201)
    u = 0.5 * (t[1:] + t[:-1]) / T
    eta = np.where(u < 0.01, cap, np.where(u < 0.8, bulk, bulk * (1 - u) / 0.2))
    return SimpleNamespace(t=t, eta=eta)


def test_the_fraction_drops_the_deficit_only_where_the_plateau_sits_on_the_cap():
    """On the cap at every horizon read: the deficit's own exponents are absent from the values
    (the plateau is a constant margin below the limit); one horizon below it keeps them."""
    from solvers.claims.window_layer import deficit_absent

    Ts = [1e9, 1e10, 1e11]
    on = {T: _optimum(T, 0.6) for T in Ts}
    d = plateau_deficit()
    for ab, want in (((3.0, 3.5), [d.exponents(3, 3.5)["exponent"], 0.5 / 7 + 2 / 3.5]),
                     ((1.2, 4.0), [0.35])):  # (1.2, 4): 0.4 is the window's 1 - w0 too  # fmt: skip
        model = PLRFModel(*ab, n_modes=10**12)
        got = deficit_absent(model, on, Ts, "anneal_fraction_exponent")
        assert np.allclose(sorted(got), sorted(want), rtol=1e-12)
        below = {**on, Ts[0]: _optimum(Ts[0], 0.6 * (1 - 1e-3))}
        assert deficit_absent(model, below, Ts, "anneal_fraction_exponent") == []
