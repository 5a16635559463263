r"""Newton-CG on a box whose Hessian carries a resonant band: a windowed-circulant preconditioner.

The per-step EMA problems at ``T >= 3e4`` stall under every diagonal or quasi-Newton metric
(benchmarks/results/momentum.md, 2026-12-02s22 §2): 99 % of the KKT residual lies in the friction
row at periods of 30-230 steps, where the friction Hessian is ~100x stiffer than elsewhere. A
column of that Hessian, :math:`H e_j`, is an oscillating kernel that reaches thousands of steps
and moves little with :math:`j` over a few hundred steps (2026-12-02s23 §1): locally the
friction block is a convolution, stiff at the kernel's resonance. :func:`band_newton_box` models
it so. In the unit-box variables :math:`y = (x - lo)/w`, with :math:`h` the Hessian's exact
diagonal, the band row cut into windows of ``window`` steps and, in each window :math:`W`, the
correlation kernel :math:`\rho_W(d) = (H e_j)_{j+d} / \sqrt{h_j h_{j+d}}` probed at its centre
:math:`j` (one Hessian-vector product per window),

.. math::

    M^{-1} r = D^{-1/2} \, C_W^{-1} \, D^{-1/2} r \ \text{on each window}, \qquad
    M^{-1} r = r / h \ \text{elsewhere},

with :math:`C_W` the circulant whose first column is :math:`\rho_W` symmetrised and wrapped
(Strang's), its symbol floored at ``SYMBOL_FLOOR``; block diagonal, hence symmetric positive
definite. Conjugate gradients on the free controls with it; the active set (controls on a bound
whose gradient points outward) is fixed at the start and only grows (a control that a step
projects onto a bound joins it); it is re-examined, releasing controls whose gradient points
inward, when the preconditioner is rebuilt. Products are forward differences of the exact
gradient. A preconditioner that is not positive on a residual (``r.M^{-1}r <= 0``) raises: a
wrong one fails loudly instead of steering CG.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from ._lbfgsb import BoxResult

__all__ = ["newton_cr_box"]

#: Floor of the circulant's symbol (its mean is 1: the kernel's value at ``d = 0``); the
#: truncated kernel's symbol can dip below 0 off the band.
SYMBOL_FLOOR = 0.1
#: Floor of the diagonal, relative to its largest entry (controls the loss barely sees).
DIAGONAL_FLOOR = 1e-12
#: Step of the forward-difference products: the largest move of a control, relative to its
#: ``fd_scale`` (in the EMA problems ``1 - beta`` for a friction: the loss is nonlinear on
#: that scale, and a step set by the largest component alone left the band's products noisy).
FD_STEP = 1e-4
#: CG's forcing term: stop at ``|r| <= min(FORCING, sqrt(|g|)) |g|`` on the free controls.
FORCING = 0.1
#: Armijo constant and the largest number of step halvings of the projected line search.
ARMIJO, HALVINGS = 1e-4, 30


def _circulant_symbols(column, h, start, stop, window):
    """``[(a, b, symbol)]`` per window ``[a, b)`` of the band ``[start, stop)``: the real FFT of
    the symmetrised, wrapped correlation kernel probed at the window's centre (``column[c]`` the
    Hessian's column at centre ``c``)."""
    out = []
    for a in range(start, stop, window):
        b = min(a + window, stop)
        n, c = b - a, (a + b) // 2
        col = column[c]
        half = n // 2
        d = np.arange(half + 1)
        up, down = np.minimum(c + d, stop - 1), np.maximum(c - d, start)
        rho_up = col[up] / np.sqrt(h[c] * h[up])
        rho_dn = col[down] / np.sqrt(h[c] * h[down])
        rho = np.where(c + d < stop, rho_up, rho_dn)
        rho = np.where((c + d < stop) & (c - d >= start), 0.5 * (rho_up + rho_dn), rho)
        first = np.empty(n)
        first[: half + 1] = rho[: half + 1]
        first[half + 1 :] = rho[1 : n - half][::-1]
        out.append((a, b, np.maximum(np.fft.rfft(first).real, SYMBOL_FLOOR)))
    return out


def _preconditioner(h, symbols):
    """``apply(r)``: Jacobi off the band, :math:`D^{-1/2} C_W^{-1} D^{-1/2}` on each window."""
    s = np.sqrt(h)

    def apply(r):
        z = r / h
        for a, b, sym in symbols:
            z[a:b] = np.fft.irfft(np.fft.rfft(r[a:b] / s[a:b]) / sym, n=b - a) / s[a:b]
        return z

    return apply


def newton_cr_box(
    fg: Callable,
    x0: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    *,
    band: tuple[int, int],
    diagonal: Callable,
    kkt: Callable,
    tol: float,
    maxfun: int,
    window: int = 0,
    refresh: int = 5,
    max_cg: int = 100,
    fd_scale: Callable | None = None,
    log: list | None = None,
    inner: str = "cr",
) -> BoxResult:
    """Minimise ``fg`` (``x -> (f, grad)``) on ``[lo, hi]`` from ``x0`` by projected Newton-CG
    in unit-box variables with the windowed-circulant preconditioner on the flattened controls
    ``band = (start, stop)`` (module docstring); ``diagonal(x) -> (hessian diagonal, grad)`` in
    ``x``'s units. Stops when ``kkt(x, g) <= tol`` (status 0), after ``maxfun`` evaluations of
    ``fg`` (status 1; the diagonal counts 4) or when the line search fails (status 4). ``log``
    collects one dict per Newton step. A :class:`~solvers.control._lbfgsb.BoxResult`
    (``iterations``: evaluations, ``runs``: Newton steps)."""
    w = np.where(hi > lo, hi - lo, 1.0)
    if fd_scale is None:
        fd_scale = lambda y: np.ones_like(y)  # noqa: E731
    y = np.clip((np.asarray(x0, dtype=float) - lo) / w, 0.0, 1.0)
    count = [0]

    def fgy(y):
        count[0] += 1
        f, g = fg(lo + w * y)
        return f, (g * w if g is not None else None)

    f, g = fgy(y)
    held = ((y <= 0) & (g > 0)) | ((y >= 1) & (g < 0))
    it, status, apply = 0, 1, None
    while True:
        r = kkt(lo + w * y, g / w)
        if r <= tol or not math.isfinite(f):
            status = 0 if r <= tol else 3
            break
        if count[0] >= maxfun:
            break
        if it % refresh == 0:
            held &= ~(((y <= 0) & (g < 0)) | ((y >= 1) & (g > 0)))
            apply = _build(fgy, diagonal, lo, w, y, g, band, window, count, fd_scale(y))
        d, cg, exit_ = (_cr if inner == "cr" else _cg)(fgy, y, g, ~held, apply, max_cg, fd_scale(y))
        f_new, y_new, g_new, step = _line_search(fgy, y, f, g, d)
        if y_new is None:
            status = 4
            break
        moved = ~held & ((y_new <= 0) | (y_new >= 1))
        held |= moved & (((y_new <= 0) & (g_new > 0)) | ((y_new >= 1) & (g_new < 0)))
        y, f, g, it = y_new, f_new, g_new, it + 1
        if log is not None:
            log.append({"step": it, "evals": count[0], "cg": cg, "exit": exit_, "alpha": step,
                        "f": f, "kkt": kkt(lo + w * y, g / w), "held": int(held.sum())})  # fmt: skip
    x = lo + w * y
    msg = f"Newton-CR: {it} steps, {count[0]} evaluations"
    return BoxResult(x, f, g / w, kkt(x, g / w), status, msg, count[0], it)


def _build(fgy, diagonal, lo, w, y, g, band, window, count, fd):
    """The preconditioner at ``y`` (gradient ``g``): exact diagonal, one probe per window."""
    hx, _ = diagonal(lo + w * y)
    count[0] += 4
    h = np.abs(hx) * w * w
    h = np.maximum(h, DIAGONAL_FLOOR * h.max())
    start, stop = band
    if window == 0:  # Jacobi only (the comparison of 2026-12-02s23 §1)
        return _preconditioner(h, [])
    column = {}
    for a in range(start, stop, window):
        c = (a + min(a + window, stop)) // 2
        e = np.zeros_like(y)
        e[c] = FD_STEP * fd[c]
        column[c] = (fgy(y + e)[1] - g) / e[c]
    return _preconditioner(h, _circulant_symbols(column, h, start, stop, window))


def _cg(fgy, y, g, free, apply, max_cg, fd):
    """Preconditioned CG on ``H_ff d = -g_f``: ``(d, products, exit)``; ``exit`` is
    ``"forcing"``, ``"negative curvature"`` or ``"limit"``."""
    r = -g * free
    z = apply(r.copy()) * free
    rz = r @ z
    if not rz > 0:
        raise FloatingPointError(f"preconditioner not positive: r.M^-1 r = {rz:.3g}")
    gnorm = math.sqrt(r @ r)
    target = min(FORCING, math.sqrt(gnorm)) * gnorm
    p, d = z.copy(), np.zeros_like(y)
    for j in range(max_cg):
        eps = FD_STEP / np.abs(p / fd).max()
        Hp = (fgy(y + eps * p)[1] - g) / eps * free
        pHp = p @ Hp
        if pHp <= 0:
            return (d if j else z), j + 1, "negative curvature"
        a = rz / pHp
        d += a * p
        r -= a * Hp
        if math.sqrt(r @ r) <= target:
            return d, j + 1, "forcing"
        z = apply(r.copy()) * free
        rz_new = r @ z
        if not rz_new > 0:
            raise FloatingPointError(f"preconditioner not positive: r.M^-1 r = {rz_new:.3g}")
        p = z + (rz_new / rz) * p
        rz = rz_new
    return d, max_cg, "limit"


def _cr(fgy, y, g, free, apply, max_cg, fd):
    r"""Preconditioned conjugate residuals on ``H_ff d = -g_f``: each product lowers the
    residual :math:`\|r\|_{M^{-1}}`, the model's gradient after the step (CG lowers the
    energy norm of the error and its residual grew 30-800x when truncated at 80-120 products,
    2026-12-02s23 §1). Negative curvature (``z.Hz < 0``, real here: the reduced Hessian is
    indefinite in directions where ``L`` still falls, 2026-12-02s23 §1) does not stop it: the
    residual is still minimised over the Krylov space; the direction returned is the last
    iterate that is a descent direction (``g.d < 0``). ``(d, products, exit)``; ``exit`` is
    ``"forcing"`` or ``"limit"``, with ``" (negative curvature)"`` when it was met."""
    r = -g * free

    def hess(v):
        eps = FD_STEP / np.abs(v / fd).max()
        return (fgy(y + eps * v)[1] - g) / eps * free

    z = apply(r.copy()) * free
    if not r @ z > 0:
        raise FloatingPointError(f"preconditioner not positive: r.M^-1 r = {r @ z:.3g}")
    target = min(FORCING, math.sqrt(math.sqrt(r @ r))) * math.sqrt(r @ r)
    Az = hess(z)
    zAz = z @ Az
    p, Ap, d, best = z.copy(), Az.copy(), np.zeros_like(y), z.copy()
    negative, exit_ = zAz <= 0, "limit"
    for j in range(max_cg):
        q = apply(Ap.copy()) * free
        qAp = q @ Ap
        if not qAp > 0:
            raise FloatingPointError(f"preconditioner not positive: q.M^-1 q = {qAp:.3g}")
        a = zAz / qAp
        d += a * p
        r -= a * Ap
        z -= a * q
        if g @ d < 0:
            best = d.copy()
        if math.sqrt(r @ r) <= target:
            exit_ = "forcing"
            break
        if j + 1 == max_cg:
            break
        Az = hess(z)
        zAz_new = z @ Az
        negative |= zAz_new <= 0
        b = zAz_new / zAz
        p, Ap, zAz = z + b * p, Az + b * Ap, zAz_new
    return best, j + 1, exit_ + (" (negative curvature)" if negative else "")


def _line_search(fgy, y, f, g, d):
    """Projected Armijo search along ``clip(y + a d, 0, 1)`` from ``a = 1``:
    ``(f, y, g, a)``, or ``(f, None, None, 0)`` when no step decreases ``f``."""
    a = 1.0
    for _ in range(HALVINGS):
        y_new = np.clip(y + a * d, 0.0, 1.0)
        f_new, g_new = fgy(y_new)
        if math.isfinite(f_new) and f_new <= f + ARMIJO * (g @ (y_new - y)):
            return f_new, y_new, g_new, a
        a *= 0.5
    return f, None, None, 0.0
