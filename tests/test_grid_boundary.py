"""The hard window's time-grid term and the grid's cap boundary (``easy_layer.refined_grid``).

The continuum grid's cells grow geometrically from each end (ratio 1.1, anchored to the window's
width near ``T``) until they reach the cap ``max_interval * T`` (0.01 ``T``): the boundary lies
``max_interval / (ratio - 1)`` = 0.1 ``T`` from the end. At (3, 3.5), (3.2, 3.8) the window's
half-level crossing passes it near ``T`` = 1e13 .. 1e15 and the default grid's error of the
window drifts with it; a refinement that halves the cap and the ratio's step keeps the boundary
at 0.1 ``T`` and did not see the drift (claims.md, 2026-12-01s18 (win18) section 4). These tests
read the boundary off the grids themselves (``grid_offsets``), not off the rule's formula.
"""

import numpy as np
import pytest

from solvers.claims import ExperimentContext, easy_layer
from solvers.claims._hard_sweep import window_width_exponent
from solvers.dynamics._grid_ends import cell_lengths
from solvers.dynamics.continuum import grid_offsets
from theory import PLRFModel

MODEL = PLRFModel(3.0, 3.5, n_modes=10**12)
T = 1e15
RATIO, CAP = 1.1, 0.01  # the solver's defaults (continuum.DEFAULT_RATIO, DEFAULT_MAX_INTERVAL)


def _end_cells(ratio, max_interval):
    """Distances from the end of the end half's cells (their near edges) and their lengths, on
    the hard sweep's anchored grid at ``T``."""
    t, rem = grid_offsets(T, ratio=ratio, max_interval=max_interval,
                          anchor=T ** window_width_exponent(MODEL))  # fmt: skip
    h = cell_lengths(t, rem)
    end = rem[1:] < 0.5 * T
    order = np.argsort(rem[1:][end])
    return rem[1:][end][order], h[end][order]


def _boundary(ratio, max_interval):
    """Where the end's cells first reach the cap (a fraction of ``T``), read off the grid."""
    u, h = _end_cells(ratio, max_interval)
    at_cap = h >= max_interval * T * (1 - 1e-9)
    return float(np.min(u[at_cap])) / T


@pytest.mark.parametrize("crossing", [0.082, 0.090, 0.116, 0.14, 0.2])
def test_the_refined_grid_has_no_boundary_inside_the_window(crossing):
    """At the crossings of the hard points at 1e13 .. 1e15 (0.08-0.2 ``T``) the default grid's
    boundary (0.1 ``T``) lies within a factor 2.5 of the crossing; the refined grid's boundary
    lies at most at half the crossing (to one cell), and its cells are nowhere longer than the
    default's in the window and beyond it to twice the crossing. The halving rule alone
    (``GRID_REFINEMENT`` without the crossing, the term before) leaves the boundary at 0.1 ``T``
    and fails the boundary's assertion at every crossing up to 0.14 ``T`` (at 0.2 ``T`` the
    halved cap is the crossing's already)."""
    default = _boundary(RATIO, CAP)
    assert default == pytest.approx(0.1, rel=0.15) and 0.4 < crossing / default < 2.5
    fine = easy_layer.refined_grid(RATIO, CAP, crossing)
    # at half the crossing, to one refined cell (the anchored steps land on anchor * ratio**k)
    assert _boundary(fine["ratio"], fine["max_interval"]) <= 0.5 * crossing * fine["ratio"]
    u0, h0 = _end_cells(RATIO, CAP)
    u1, h1 = _end_cells(fine["ratio"], fine["max_interval"])
    near = u1 <= 2 * crossing * T
    coarse = np.interp(u1[near], u0, h0)  # the default's cell length at the same distance
    assert np.all(h1[near] <= coarse * (1 + 1e-9) + 1.0)  # + 1: the unit cells at the end


def test_a_crossing_deep_in_the_geometric_cells_keeps_the_halving():
    """Where the crossing lies far inside the boundary (the window in the anchored cells, as at
    (1.5, 3)), the refinement is the halving rule and costs no more than before."""
    fine = easy_layer.refined_grid(RATIO, CAP, 0.001)
    assert fine == {"max_interval": CAP * 0.5, "ratio": 1.05}
    assert easy_layer.refined_grid(RATIO, CAP) == fine  # the easy phase: no crossing


def test_a_refined_hard_solve_places_its_boundary_by_the_optimums_crossing(monkeypatch):
    """``_refined`` reads the crossing off the optimum it refines (``annealing_width`` at the
    half level) and passes the grid of ``refined_grid`` to the solver; with a larger cap in the
    context's options (boundary 0.4 ``T``, past a test-scale crossing near 0.3 ``T``) the cap
    passed is the crossing's, not the halved one."""
    from types import SimpleNamespace

    from solvers.claims.readouts import annealing_width
    from solvers.control import continuum

    seen = {}

    def stub(model, T, initial=None, **options):
        seen.update(options)
        return initial

    monkeypatch.setattr(continuum, "solve_continuum", stub)
    monkeypatch.setattr(continuum, "ContinuumResult", SimpleNamespace)
    Tt = 10**5
    t, rem = grid_offsets(Tt, ratio=RATIO, max_interval=0.04)
    u = 0.5 * (rem[1:] + rem[:-1])
    eta = np.minimum(1.0, (u / (0.3 * Tt)) ** 6)  # a window whose half level is near 0.27 T
    res = SimpleNamespace(eta=eta, t=t, remaining=rem)
    ctx = ExperimentContext(solver_options={"max_interval": 0.04})
    assert easy_layer._refined(MODEL, res, Tt, ctx) is res
    crossing = annealing_width(res, Tt) / Tt
    assert 0.2 < crossing < 0.35
    want = easy_layer.refined_grid(RATIO, 0.04, crossing)
    assert seen["max_interval"] == pytest.approx(want["max_interval"])
    assert want["max_interval"] < 0.5 * 0.04
    assert seen["ratio"] == pytest.approx(1.05)


def _window_on_cap_grid(Tt, crossing_scale=0.3):
    """A window-shaped schedule on a cap-0.04 grid (boundary 0.4 ``T``) whose half level sits
    near ``0.9 crossing_scale T``."""
    from types import SimpleNamespace

    t, rem = grid_offsets(Tt, ratio=RATIO, max_interval=0.04)
    u = 0.5 * (rem[1:] + rem[:-1])
    return SimpleNamespace(
        eta=np.minimum(1.0, (u / (crossing_scale * Tt)) ** 6), t=t, remaining=rem
    )


@pytest.mark.parametrize("halving_moves_more", [True, False])
def test_the_grid_term_is_the_larger_change_of_the_two_refinements(monkeypatch, halving_moves_more):
    """Where the boundary rule moves the refined grid's boundary, the optimum is re-solved on
    both refined grids (the boundary rule's and the halving rule's) and the term is
    ``GRID_SAFETY`` times the larger change, whichever grid gives it: at (3, 3.5) the boundary
    rule's, at (3.2, 3.8) the halving rule's (claims.md, 2026-12-01s19 (win19)). A stub solver
    scales the schedule by a grid-dependent factor. Mutants: only the boundary rule's re-solve
    (the branch's first commit) fails the ``True`` case; only the halving rule's (main) fails
    the ``False`` case."""
    from types import SimpleNamespace

    from solvers.control import continuum

    Tt = 10**5
    res = _window_on_cap_grid(Tt)
    halved = 0.5 * 0.04
    big, small = 1e-3, 1e-4

    def stub(model, T, initial=None, **options):
        is_halving = options["max_interval"] == pytest.approx(halved)
        f = big if is_halving == halving_moves_more else small
        return SimpleNamespace(eta=initial.eta * (1 + f), t=initial.t, remaining=initial.remaining)

    monkeypatch.setattr(continuum, "solve_continuum", stub)
    monkeypatch.setattr(continuum, "ContinuumResult", SimpleNamespace)
    ctx = ExperimentContext(solver_options={"max_interval": 0.04})
    total = lambda r, T: float(np.sum(r.eta))  # noqa: E731
    term = easy_layer.grid_error(MODEL, res, Tt, total, ctx)
    assert term == pytest.approx(easy_layer.GRID_SAFETY * big * total(res, Tt))
    assert len(easy_layer._refinements(MODEL, {Tt: res}, [Tt], ctx)) == 2


def test_a_crossing_deep_in_the_geometric_cells_is_re_solved_once(monkeypatch):
    """Where the boundary rule is the halving rule (the crossing far inside the boundary), one
    refined re-solve: the cost of the term is as before."""
    from types import SimpleNamespace

    from solvers.control import continuum

    calls = []

    def stub(model, T, initial=None, **options):
        calls.append(options["max_interval"])
        return initial

    monkeypatch.setattr(continuum, "solve_continuum", stub)
    monkeypatch.setattr(continuum, "ContinuumResult", SimpleNamespace)
    Tt = 10**5
    res = _window_on_cap_grid(Tt, crossing_scale=0.001)  # crossing ~1e-3 T, boundary 0.4 T
    ctx = ExperimentContext(solver_options={"max_interval": 0.04})
    assert len(easy_layer._refinements(MODEL, {Tt: res}, [Tt], ctx)) == 1
    assert calls == [pytest.approx(0.02)]
