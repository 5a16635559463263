"""Variants of the projected Newton finish (issue 13, 2026-12-01e): Steihaug-Toint CG in a trust
region against the closed forms of a small quadratic (the boundary step along negative
curvature, the norm from its recurrences, plain CG inside the region), both variants on the box
quadratic and on the per-step Nesterov problem to a residual recomputed here, and the trace that
showed why the finish stalls (CG stops on negative curvature in most iterations)."""

from __future__ import annotations

import numpy as np
import pytest

from solvers.control import _projected_newton as pn
from solvers.control import momentum_per_step as mps
from tests.test_projected_newton import _box_qp, _nesterov_kkt, _problem, _projected_gradient


def _model(g, H, d):
    return float(g @ d + 0.5 * d @ H @ d)


def test_steihaug_goes_to_the_boundary_along_negative_curvature():
    """An indefinite quadratic (eigenvalues 3, 1, -2, -0.5), preconditioner ``D^{-1}`` (so the
    region is ``d D d <= R^2``), a gradient whose first CG direction has positive curvature and
    the second negative: Steihaug's step lies on the boundary in the ``D``-norm computed here,
    and decreases the model more than the Cauchy point (the minimiser along the preconditioned
    gradient inside the region) — a step to the wrong root of the boundary
    equation (``tau < 0``, uphill along the curvature direction) does not; plain CG stops short,
    inside the region. Recurrence check: ``|d|_M`` it reports equals the explicit norm."""
    rng = np.random.default_rng(3)
    Q, _ = np.linalg.qr(rng.standard_normal((4, 4)))
    H = Q @ np.diag([3.0, 1.0, -2.0, -0.5]) @ Q.T
    D = np.array([1.0, 4.0, 0.5, 2.0])
    g = np.array([1.0, 0.0, 0.0, 0.0])
    R = 2.0
    d, n, why, dnorm = pn._steihaug_cg(lambda v: H @ v, g, lambda r: r / D, 50, R)
    assert why == "negative curvature" and n == 2  # one CG step, then negative curvature
    assert np.sqrt(d @ (D * d)) == pytest.approx(R, rel=1e-12) and dnorm == R
    z = -g / D  # the Cauchy point: along z, at the model's minimum or the boundary
    zHz, zmax = z @ H @ z, R / np.sqrt(z @ (D * z))
    t = min(zmax, -(g @ z) / zHz) if zHz > 0 else zmax
    assert _model(g, H, d) <= _model(g, H, t * z) - 0.1
    c, _, why_cg = pn._cg(lambda v: H @ v, g, lambda r: r / D, 50)
    assert why_cg == "negative curvature" and np.sqrt(c @ (D * c)) < R
    assert _model(g, H, d) < _model(g, H, c)
    boundary = pn._to_boundary

    def wrong_root(d0, p, dMp, pMp, dMd, radius):
        gap = max(radius * radius - dMd, 0.0)
        return d0 - (np.sqrt(dMp * dMp + pMp * gap) + dMp) / pMp * p

    pn._to_boundary = wrong_root
    try:
        bad = pn._steihaug_cg(lambda v: H @ v, g, lambda r: r / D, 50, R)[0]
    finally:
        pn._to_boundary = boundary
    assert np.sqrt(bad @ (D * bad)) == pytest.approx(R, rel=1e-9)
    assert _model(g, H, bad) > _model(g, H, t * z)


def test_steihaug_inside_the_region_is_cg():
    """A positive definite system and a radius beyond the Newton step: the same step as plain
    CG (the Newton step, to the forcing test's accuracy), reported inside, ``|d|_M`` exact."""
    rng = np.random.default_rng(4)
    A = rng.standard_normal((6, 6))
    H = A @ A.T + 6 * np.eye(6)
    g = rng.standard_normal(6) * 1e-3
    d, _, why, dnorm = pn._steihaug_cg(lambda v: H @ v, g, lambda r: r, 50, 1e3)
    c, _, _ = pn._cg(lambda v: H @ v, g, lambda r: r, 50)
    assert why == "forcing"
    np.testing.assert_allclose(d, c, rtol=1e-12, atol=0)
    assert dnorm == pytest.approx(np.linalg.norm(d), rel=1e-10)
    newton = np.linalg.solve(H, -g)
    assert np.linalg.norm(d - newton) <= 0.1 * np.linalg.norm(newton)


@pytest.mark.parametrize("options", [{"trust": True}, {"forcing_norm": "l1"}, {"max_step": 1.0}])
def test_variants_reach_the_box_quadratics_kkt_point(options):
    """The box quadratic of ``test_projected_newton_box_meets_its_test_or_says_why`` (dense
    coupling, condition ~1e6): each variant reaches the dense active-set solution to 1e-5."""
    n = 60
    d = np.logspace(0, 6, n)
    u = np.cos(np.linspace(0, 1, n))
    target = np.where(np.arange(n) % 3 == 0, 2.0, 0.4)
    H = np.diag(d) + 1e3 * np.outer(u, u)

    def fg(x):
        r = x - target
        return float(0.5 * r @ H @ r), H @ r

    lo, hi = np.zeros(n), np.ones(n)
    r = pn.projected_newton_box(fg, np.full(n, 0.1), lo, hi, scale=lambda x: 1.0 / np.sqrt(d),
                                kkt=_projected_gradient(lo, hi), tol=1e-6, maxfun=5000, blocks=4,
                                **options)  # fmt: skip
    assert r.success and r.kkt <= 1e-6
    np.testing.assert_allclose(r.theta, _box_qp(H, target, lo, hi), atol=1e-5)
    with pytest.raises(ValueError, match="forcing_norm"):
        pn.projected_newton_box(fg, np.full(n, 0.1), lo, hi, scale=lambda x: hi - lo,
                                kkt=_projected_gradient(lo, hi), tol=1e-6, maxfun=5,
                                forcing_norm="l3")  # fmt: skip


def test_trace_and_the_trust_region_finish_on_the_nesterov_problem(monkeypatch):
    """Nesterov, T = 300, the projected Newton finish from a stopped 300-iteration solve: the
    trace has one entry per Newton iteration, its evaluation count ends at the solve's, and most
    CG runs end on negative curvature (the diagnosis of 2026-12-01e: 26 of 30 here, 70 of 73
    at T = 1e3); the default finish (1065 evaluations) and the trust-region finish (740) both
    converge on the residual recomputed from the adjoint, to losses within 1e-6 of each other."""
    T = 300
    grid, fam = _problem("nesterov", T)
    stopped = mps.solve_per_step(grid, "nesterov", T, fam, maxiter=300, method="newton")
    start = (*stopped.controls, np.ones(T))
    results = {}
    for trust in (False, True):
        trace: list = []
        monkeypatch.setattr(mps, "PNEWTON_OPTIONS", {"trust": trust, "trace": trace})
        r = mps.solve_per_step(grid, "nesterov", T, start, maxiter=3000, method="pnewton-finish")
        assert r.success and _nesterov_kkt(grid, r.controls) <= 1e-4
        assert trace and trace[-1]["evaluations"] == r.iterations
        assert trace[-1]["kkt"] == pytest.approx(r.kkt_residual, rel=1e-12)
        exits = [it["exit"] for it in trace]
        results[trust] = r.loss
        if not trust:
            assert exits.count("negative curvature") > 0.5 * len(exits)
        else:
            assert set(exits) <= {"negative curvature", "boundary", "forcing", "limit"}
    assert results[True] == pytest.approx(results[False], rel=1e-6)


def test_l1_forcing_resolves_the_many_small_components():
    """A diagonal system (curvatures 1 .. 1e3), one large gradient component and 399 small ones
    that carry 3 % of the L1 norm: CG's 2-norm forcing test is met after one product with the
    small components unresolved (L1 residual 3.3 % of the gradient's, above its 1 % forcing
    bound); the L1 test goes on until the L1 residual is within the bound
    ``min(0.5, sqrt|g|_1) |g|_1``. With the norm not passed on (``l1`` ignored), it would stop
    after one product, and the test fails."""
    n = 400
    h = np.logspace(0, 3, n)
    g = np.full(n, 1e-8)
    g[-1] = 1e-4
    results = {}
    for name in ("l2", "l1"):
        d, products, why = pn._cg(lambda v: h * v, g, lambda r: r, 300, pn.NORMS[name])
        r = -g - h * d
        results[name] = products, float(np.abs(r).sum())
        assert why == "forcing"
    gl1 = float(np.abs(g).sum())
    assert results["l2"][0] == 1 and results["l2"][1] > np.sqrt(gl1) * gl1
    assert results["l1"][0] > 5 and results["l1"][1] <= np.sqrt(gl1) * gl1


def test_clipped_direction_keeps_descent_or_falls_back():
    """``max_step`` clips each component of the direction; where the clipped direction would
    not descend (one large downhill component against many small uphill ones) the direction is
    left whole — a clip without that fallback would hand the line search an ascent direction."""
    g = np.array([1.0, -1.0, 0.1])
    d = np.array([-300.0, 0.5, 0.2])
    np.testing.assert_array_equal(pn._clip_direction(d, g, 1.0), [-1.0, 0.5, 0.2])
    np.testing.assert_array_equal(pn._clip_direction(d, g, None), d)
    d3 = np.array([-300.0, 80.0, 80.0])
    g3 = np.array([0.01, 0.01, 0.01])  # g3 d3 = -1.4 < 0, clipped: (-1 + 1 + 1) 0.01 > 0
    assert g3 @ d3 < 0 < g3 @ np.clip(d3, -1.0, 1.0)
    np.testing.assert_array_equal(pn._clip_direction(d3, g3, 1.0), d3)


def test_curvature_adds_the_negative_curvature_direction_downhill():
    """The indefinite quadratic of the Steihaug test: CG stops on negative curvature at its
    second product; with ``curvature`` the step adds that direction ``p`` (``p H p < 0``),
    downhill and as long as the step so far, and lowers the model below plain CG's step; the
    same direction added uphill (the sign flipped) does not descend as far."""
    rng = np.random.default_rng(3)
    Q, _ = np.linalg.qr(rng.standard_normal((4, 4)))
    H = Q @ np.diag([3.0, 1.0, -2.0, -0.5]) @ Q.T
    D = np.array([1.0, 4.0, 0.5, 2.0])
    g = np.array([1.0, 0.0, 0.0, 0.0])
    c, n, why = pn._cg(lambda v: H @ v, g, lambda r: r / D, 50)
    d, n2, why2 = pn._cg(lambda v: H @ v, g, lambda r: r / D, 50, curvature=True)
    assert why == why2 == "negative curvature" and n == n2 == 2
    p = d - c
    assert p @ H @ p < 0 and g @ p <= 0
    assert np.linalg.norm(p) == pytest.approx(np.linalg.norm(c), rel=1e-12)
    assert _model(g, H, d) < _model(g, H, c)
    assert _model(g, H, c - p) > _model(g, H, d)
