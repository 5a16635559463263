"""The continuum solver's arithmetic at horizons up to 1e15 (issue 12: the hard window's reach).

The default hard sweep goes beyond 1e13, where double precision could start to matter: the grid's
nodes near ``T`` are integers of 16 digits, ``1 - t/T`` of the last cells is a few ulps, and the
loss is a sum over ~2 x 700 substeps. These tests hold the grid to its exact construction and the
compiled kernel's loss and gradient to an independent long-double re-evaluation of the same
discrete map at ``T = 1e15``.
"""

import itertools
import math

import mpmath
import numpy as np
import pytest

from solvers.control.continuum import _logit_midpoints
from solvers.dynamics import build_problem, time_grid
from solvers.dynamics.continuum import INTEGER_GRID_T_MAX
from theory import PLRFModel

LD = np.longdouble
HARD = PLRFModel(a=1.5, b=3, sigma=0.5, n_modes=10**12)
#: Terms of the long-double series of phi_1 - phi_2 and phi_2 below |z| = 1/2 (0.5^24/26! ~ 0).
_SERIES_TERMS = 24


@pytest.mark.parametrize("T", [10**13, 10**15, 4 * 10**15, 2**53])
def test_integer_grid_ends_mirror_the_start_exactly(T):
    """The steps left at the end, ``T - t``, are the start's nodes (the grid is built from the
    distance to the nearer end). Rounding ``T - d`` instead of ``d`` moved end nodes by a step
    at ``d ~ 20`` at ``T = 1e15`` (spacing of doubles 0.125 there) and left no unit step at the
    end past 2**53; the previous grid fails this test from T = 3.16e12 on."""
    t = time_grid(float(T))
    front = t[t < T / 2]
    back = (T - t[::-1])[: front.size]
    assert np.array_equal(front, back)
    assert np.all(t == np.round(t)) and np.all(np.diff(t) >= 1)
    assert np.diff(t)[-10:].tolist() == [1.0] * 10


def test_integer_grid_refuses_horizons_doubles_cannot_count():
    with pytest.raises(ValueError, match="2\\*\\*53"):
        time_grid(float(INTEGER_GRID_T_MAX + 2))
    time_grid(1e15, integer=False)  # a real-valued grid has no such limit


def test_warm_start_coordinate_is_exact_near_the_end():
    """``logit(t/T)`` of the cells' midpoints at T = 1e15, against mpmath: exact to 1e-13 in every
    cell; formed from ``s = t/T`` rounded to a double, the last cell's is off by ~0.2."""
    T = 10**15
    t = time_grid(float(T))
    z = _logit_midpoints(t, T - t)
    with mpmath.workdps(40):
        ref = [
            float(mpmath.log(m) - mpmath.log(T - m))
            for m in (mpmath.mpf(int(a) + int(b)) / 2 for a, b in itertools.pairwise(t))
        ]
    assert np.max(np.abs(z - ref)) < 1e-13
    s = 0.5 * (t[1:] + t[:-1]) / T
    naive = np.log(s) - np.log1p(-s)
    assert abs(naive[-1] - ref[-1]) > 0.1  # what the exact offsets avoid


def _weights_ld(z):
    r"""``(phi_1 - phi_2, phi_2)`` of the substep in long double: a series below ``|z| = 1/2``,
    the closed forms (with ``expm1``) above it."""
    chi, p2 = np.empty_like(z), np.empty_like(z)
    small = np.abs(z) < 0.5
    zs, s1, s2 = z[small], np.zeros(small.sum(), LD), np.zeros(small.sum(), LD)
    for j in range(_SERIES_TERMS - 1, -1, -1):
        s1 = s1 * zs + LD(1) / LD(math.factorial(j + 1))
        s2 = s2 * zs + LD(1) / LD(math.factorial(j + 2))
    chi[small], p2[small] = s1 - s2, s2
    zl = z[~small]
    chi[~small] = (1 + (zl - 1) * np.exp(zl)) / (zl * zl)
    p2[~small] = (np.expm1(zl) - zl) / (zl * zl)
    return chi, p2


def _loss_ld(prob, eta):
    """``L(T)`` of the piecewise-constant ``eta`` on ``prob``'s grid and modes, re-evaluated in
    long double with NumPy (vectorised over modes, pairwise sums): the discrete-corrected
    dynamics' per-step contraction and forcing, the implicit exponential trapezoid substeps."""
    q, m = prob.quad, prob.model
    lam, u, c = (np.asarray(v, dtype=LD) for v in (q.lam, q.u, q.c0))
    im, sig2 = LD(m.inv_batch), LD(m.sigma) ** 2
    L = np.sum(u * c)
    for eta_j, h_j in zip(eta, prob.h, strict=True):
        e = LD(eta_j)
        x = e * lam * (2 - (1 + im) * e * lam)  # 1 - D, the per-step contraction's complement
        r = -np.log1p(-x)
        q_rate = im * e * e * lam * (r / x)
        s = LD(h_j) / prob.substeps
        z = -r * s
        chi, p2 = _weights_ld(z)
        E, A, B = np.exp(z), s * q_rate * chi, s * q_rate * p2
        uA, uB = np.sum(u * A), np.sum(u * B)
        for _ in range(prob.substeps):
            Ln = (np.sum(u * E * c) + uA * (L + sig2) + uB * sig2) / (1 - uB)
            c = E * c + A * (L + sig2) + B * (Ln + sig2)
            L = Ln
    return L


def _window_schedule(prob):
    """A hard-phase-like schedule: a plateau, a window of width ``T^0.7`` falling as the fifth
    power of the steps left, and a floor (every cell's rate moves the loss)."""
    T = prob.T
    rem = 0.5 * ((T - prob.t[1:]) + (T - prob.t[:-1]))
    return prob.upper * (0.6 * np.minimum(1.0, rem / T**0.7) ** 5 + 1e-3)


@pytest.mark.parametrize("T", [10**4, 10**15])
def test_kernel_loss_and_gradient_match_long_double_at_long_horizons(T):
    """At T = 1e15 (730 intervals, unit steps at the end) the compiled kernel's L(T) equals the
    long-double re-evaluation to 1e-13 relative (measured 2e-15 .. 5e-15 from 1e4 to 4e15 on
    the default quadrature), and its adjoint gradient a long-double central difference on the
    last cell, a cell of the window and one of the bulk to 1e-6 (the difference's own error).
    Checked by mutation: forming ``D = 1 - x`` and ``r = -log(D)`` in the kernel (its bug at
    1e12, fixed before) puts L(T) 0.3 % off at 1e15 and passes at 1e4."""
    prob = build_problem(HARD, float(T), None, 1.1, 0.01, 2, "discrete", 16, 2, 2)
    eta = _window_schedule(prob)
    LT, g, _, ok = prob.value_grad(eta)
    assert ok
    assert float(_loss_ld(prob, eta) / LD(LT) - 1) == pytest.approx(0.0, abs=1e-13)
    rem = T - prob.t[1:]
    for j in (prob.h.size - 1, int(np.argmin(np.abs(rem - T**0.7))), prob.h.size // 2):
        step = 1e-5 * eta[j]
        up, down = eta.copy(), eta.copy()
        up[j] += step
        down[j] -= step
        fd = (_loss_ld(prob, up) - _loss_ld(prob, down)) / (2 * LD(step))
        assert float(LD(g[j]) / fd - 1) == pytest.approx(0.0, abs=1e-6), j


# -- the end of the grid anchored to the window's derived scale --------------------------------

#: Half-decades from 1e8 to 1e17 (the hard sweep's horizons there, and 100x its cap 1e15).
_HALF_DECADES = sorted(
    [10**k for k in range(8, 18)] + [round(10 ** (k + 0.5)) for k in range(8, 17)]
)


@pytest.mark.parametrize("T", [10**6, 10**13, 10**15])
def test_anchored_grid_passes_through_the_anchor(T):
    """With ``anchor = T^0.7`` the end's geometric distances are ``anchor * 1.1^k`` (to the
    integer rounding: < 0.005 of a cell beyond 1e3 steps); the start, the unit steps at the end
    and the number of intervals are the unanchored grid's."""
    plain, t = time_grid(float(T)), time_grid(float(T), anchor=T**0.7)
    assert np.array_equal(plain[plain < T / 2], t[t < T / 2])
    assert np.diff(t)[-10:].tolist() == [1.0] * 10 and np.all(np.diff(t) >= 1)
    assert abs(t.size - plain.size) <= 2
    rem = T - t
    geometric = rem[(rem > 1e3) & (rem < 0.05 * T)]
    k = np.log(geometric / T**0.7) / math.log(1.1)
    assert geometric.size > 20 and np.max(np.abs(k - np.round(k))) < 0.005


def _lost_time_error(T, anchor, delta=5.0, peak=0.6, level=0.5):
    """Relative error of :func:`lost_time` on the exact cell means of the window form
    ``peak min(1, ((T - t)/W)^delta)``, ``W = 3 T^0.7``, against its closed form
    ``W level^(1/delta) delta/(delta + 1)``."""
    from types import SimpleNamespace

    from solvers.claims.readouts import lost_time
    from solvers.dynamics.continuum import cell_lengths, grid_offsets

    W = 3.0 * T**0.7
    t, rem = grid_offsets(float(T), anchor=anchor)

    def integral(r):  # int of the rate over the last r steps
        return peak * (W / (delta + 1) * np.minimum(r / W, 1) ** (delta + 1) + np.maximum(r - W, 0))

    eta = (integral(rem[:-1]) - integral(rem[1:])) / cell_lengths(t, rem)
    measured = lost_time(SimpleNamespace(eta=eta, t=t, T=T, remaining=rem), T, level)
    return measured / (W * level ** (1 / delta) * delta / (delta + 1)) - 1


def test_window_readout_does_not_move_with_the_grid_phase_when_anchored():
    """The lost time of the exact window form, read from its cell means: on the grid anchored
    to ``T^0.7`` its error is one number at every half-decade from 1e8 to 1e17 (9.09e-5, within
    1.1e-8: the integer rounding; past 2**53 from the grid's offsets, where the nodes alone
    coincide at the end), so it leaves no trace in a local slope; on the unanchored
    grid it alternates between -3e-4 and +1.4e-4 (the window moves 8.46 cells a half-decade),
    +-4e-4 in a local slope: the wobble the hard window's slopes showed at ratio 1.1."""
    anchored = [_lost_time_error(T, T**0.7) for T in _HALF_DECADES]
    plain = [_lost_time_error(T, None) for T in _HALF_DECADES]
    assert max(anchored) - min(anchored) < 1e-7 and max(map(abs, anchored)) < 1e-3
    assert max(plain) - min(plain) > 1e-4  # what the anchor removes


def test_the_hard_sweep_anchors_its_grid_to_the_derived_window_width():
    """The default run's hard sweep solves on the grid anchored to ``T^omega_0``, ``omega_0 =
    (a + b - 1)/(2b - 1)`` (the window claim's prediction, closed form written out here: 0.7
    at (1.5, 3)); the easy phase's sweep does not anchor, and an explicit option wins."""
    from solvers.claims.validate import continuum_context

    ctx = continuum_context()
    model = PLRFModel(1.5, 3.0, sigma=0.5, n_modes=10**4)
    (hard,) = ctx.sweep(model, [316], exact_modes=16)
    assert hard.parameters["anchor_exponent"] == pytest.approx((1.5 + 3 - 1) / (2 * 3 - 1))
    assert np.array_equal(hard.t, time_grid(316.0, anchor=316**0.7))
    (easy,) = ctx.sweep(PLRFModel(3.0, 2.0, n_modes=10**4), [100], exact_modes=16)
    assert easy.parameters["anchor_exponent"] is None
    (asked,) = ctx.sweep(model, [100], exact_modes=16, anchor_exponent=None)
    assert asked.parameters["anchor_exponent"] is None


# -- past 2**53: the grid held from both ends (grid_offsets) --------------------------------------

#: Horizons beyond the integer grid's node-only limit, up to 100x the default hard cap (1e15).
_PAST = [2**53 + 2, 2 * 10**16, 10**17]


def _exact_nodes(T: int, anchor=None) -> list[int]:
    """The integer grid's nodes as Python integers (exact at any ``T``): the rounded distances of
    ``_distances`` from both ends, the midpoint, the midpoint's sliver merged, all in integer
    arithmetic; the representation in doubles is what the solver's grid is checked against."""
    from solvers.dynamics.continuum import _distances

    half = 0.5 * T
    cap = max(0.01 * T, 1.0)
    d = [int(x) for x in np.round(_distances(half, 1.1, cap, 1.0, None))]
    e = d if anchor is None else [int(x) for x in np.round(_distances(half, 1.1, cap, 1.0, anchor))]
    nodes = sorted({*d, int(np.round(half)), *(T - x for x in e)})
    h = np.diff(nodes)
    nb = [min(a, b) for a, b in zip(np.r_[h[0], h[:-1]], np.r_[h[1:], h[-1]], strict=True)]
    i = int(np.argmin(h / np.maximum(np.r_[h[1:], h[-1]], np.r_[h[0], h[:-1]])))
    if 2 * h[i] < nb[i] and 0 < i < h.size - 1:
        del nodes[i + 1]
    return nodes


@pytest.mark.parametrize("T", [10**13, 4 * 10**15, 2**53, *_PAST])
@pytest.mark.parametrize("anchored", [False, True])
def test_grid_offsets_hold_each_node_exactly_from_its_nearer_end(T, anchored):
    """Against the grid in integer arithmetic: every offset from the end ``rem`` of the second
    half and every node ``t`` of the first half is the exact integer, every cell length is the
    exact difference, the last ten cells are single steps; below ``2**53`` the nodes are
    :func:`time_grid`'s and ``rem`` is ``T - t``. Beyond ``2**53`` the nodes alone cannot hold
    the end (the last sixteen coincide at 1e17): ``np.diff(t)``, the lengths the solver took
    before, is 0 or 16 there, and :func:`time_grid` refuses."""
    from solvers.dynamics.continuum import cell_lengths, grid_offsets

    anchor = T ** (11 / 12) if anchored else None
    exact = _exact_nodes(T, anchor)
    t, rem = grid_offsets(float(T), anchor=anchor)
    h = cell_lengths(t, rem)
    assert t.size == len(exact)
    first = np.asarray([n <= T // 2 for n in exact])
    assert t[first].tolist() == [float(n) for n in exact if n <= T // 2]
    assert rem[~first].tolist() == [float(T - n) for n in exact if n > T // 2]
    assert h.tolist() == [float(b - a) for a, b in itertools.pairwise(exact)]
    assert h[-10:].tolist() == [1.0] * 10 and h[:10].tolist() == [1.0] * 10
    if T <= INTEGER_GRID_T_MAX:
        assert np.array_equal(t, time_grid(float(T), anchor=anchor))
        assert np.array_equal(rem, T - t) and np.array_equal(h, np.diff(t))
    else:
        assert not np.array_equal(np.diff(t)[-16:], h[-16:])
        with pytest.raises(ValueError, match="grid_offsets"):
            time_grid(float(T), anchor=anchor)


def test_warm_start_coordinate_is_exact_past_2_53():
    """``logit(t/T)`` of the cells' midpoints at T = 1e17 from the grid's offsets, against mpmath
    on the integer nodes: exact to 1e-13 in every cell. From ``T - t`` (the nodes alone) the last
    cells' remaining steps are 0: an infinite logit (tried: fails here)."""
    from solvers.dynamics.continuum import grid_offsets

    T = 10**17
    t, rem = grid_offsets(float(T))
    z = _logit_midpoints(t, rem)
    with mpmath.workdps(40):
        ref = [
            float(mpmath.log(m) - mpmath.log(T - m))
            for m in (mpmath.mpf(a + b) / 2 for a, b in itertools.pairwise(_exact_nodes(T)))
        ]
    assert np.max(np.abs(z - ref)) < 1e-13


def _exact_problem(T: int):
    """The hard problem at ``T`` on the default-ratio grid, its cell lengths from the integer
    nodes (long double, exact to 2**64) and the window schedule of :func:`_window_schedule` from
    the integer offsets: an evaluation that shares no offset arithmetic with the solver's."""
    prob = build_problem(HARD, float(T), None, 1.1, 0.01, 2, "discrete", 16, 2, 2)
    nodes = _exact_nodes(T)
    h_ld = np.asarray([LD(b - a) for a, b in itertools.pairwise(nodes)])
    rem = np.asarray([float(T - (a + b) / 2) for a, b in itertools.pairwise(nodes)])
    eta = prob.upper * (0.6 * np.minimum(1.0, rem / T**0.7) ** 5 + 1e-3)
    return prob, h_ld, eta


@pytest.mark.parametrize("T", [2 * 10**16, 10**17])
def test_kernel_loss_and_gradient_match_long_double_past_2_53(T):
    """At 2e16 and 1e17 (100x the default hard cap) the compiled kernel's L(T) on the solver's
    grid equals a long-double re-evaluation on the integer grid's exact cells to 1e-13 relative,
    and its adjoint gradient a long-double central difference on the last cell, a cell of the
    window and one of the bulk to 1e-6. Mutation tried: the cells' lengths as ``np.diff(t)``
    (the lengths before this grid) fails here (the last cells 0 or 16 steps long)."""
    prob, h_ld, eta = _exact_problem(T)
    assert np.array_equal(prob.h, h_ld.astype(float))
    LT, g, _, ok = prob.value_grad(eta)
    assert ok
    exact = replace_h(prob, h_ld)
    assert float(_loss_ld(exact, eta) / LD(LT) - 1) == pytest.approx(0.0, abs=1e-13)
    rem = prob.remaining[1:]
    for j in (prob.h.size - 1, int(np.argmin(np.abs(rem - T**0.7))), prob.h.size // 2):
        step = 1e-5 * eta[j]
        up, down = eta.copy(), eta.copy()
        up[j] += step
        down[j] -= step
        fd = (_loss_ld(exact, up) - _loss_ld(exact, down)) / (2 * LD(step))
        assert float(LD(g[j]) / fd - 1) == pytest.approx(0.0, abs=1e-6), j


def replace_h(prob, h):
    """``prob`` with its cells' lengths replaced (for the long-double re-evaluation)."""
    from types import SimpleNamespace

    return SimpleNamespace(quad=prob.quad, model=prob.model, h=h, substeps=prob.substeps)
