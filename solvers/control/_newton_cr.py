r"""Projected Newton with conjugate residuals on a box: the finish of the long per-step EMA solves.

The per-step EMA problems at ``T >= 3e4`` stall under every diagonal or quasi-Newton metric
(benchmarks/results/momentum.md, 2026-12-02s22 §2): 99 % of the KKT residual lies in the friction
row at periods of 30-230 steps, where the Hessian is ~100x stiffer than elsewhere. Measured at
the 3e4 point (2026-12-02s23 §1), with the Hessian's exact diagonal :math:`h` as a Jacobi
preconditioner: the preconditioned spectrum runs from ~1e-3 to ~1.8e3 (a few dozen isolated
stiff eigenvalues above 50, the rest a continuum towards 0), and the reduced Hessian is
indefinite (a negative curvature confirmed by central differences at four step sizes) in
directions along which ``L`` keeps falling. Conjugate gradients truncated at 80-120 products
then leave a residual — the model's gradient after the step — 58-780x the gradient they
started from; that is why Newton-CG lowers ``L`` and raises the KKT sum. Hence
:func:`newton_cr_box`, in the unit-box variables :math:`y = (x - lo)/w`:

* the inner solver is **conjugate residuals** (:func:`_cr`), which lowers
  :math:`\|H d + g\|_{M^{-1}}` at every product, so a truncated step still lowers the gradient;
* at the first **negative curvature** it stops; if that is its first direction (the
  preconditioned gradient), the line search **extrapolates** along it (doubling the step while
  ``f`` falls): this travels the valley in which ``L`` still falls, and the next steps clean up
  the stiff components it excites;
* the **active set** (controls on a bound whose gradient points outward: the capped rates) is
  fixed at the start and only grows (a control a step projects onto a bound joins it); it is
  re-examined, releasing controls whose gradient points inward, every ``refresh`` steps, when the
  preconditioner is rebuilt;
* **products** are forward differences of the exact gradient, the step ``FD_STEP`` of each
  control's ``fd_scale`` (a friction's ``1 - beta``);
* a preconditioner that is not positive on a residual (``r.M^{-1}r <= 0``) **raises**: a wrong
  one fails loudly instead of steering the iteration.

``window > 0`` replaces Jacobi on the controls ``band = (start, stop)`` by a windowed circulant:
in each window :math:`W` the correlation kernel
:math:`\rho_W(d) = (H e_j)_{j+d} / \sqrt{h_j h_{j+d}}` is probed at the centre :math:`j` (one
product per window: a column of the friction block is an oscillating kernel reaching thousands
of steps, nearly the same for columns 300 steps apart) and
:math:`M^{-1} = D^{-1/2} C_W^{-1} D^{-1/2}` with :math:`C_W` Strang's circulant of
:math:`\rho_W`, its symbol floored at ``SYMBOL_FLOOR``. Measured: it does not resolve the
stiffness (CG's largest Ritz value 1985-6453 against Jacobi's 1817 for windows of 2048-30000
steps), so the EMA finish uses Jacobi (``window = 0``).
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
#: Conjugate residuals stop at the first direction of negative curvature (returning it if it is
#: the first, else the last descent iterate) and the line search extrapolates along it.
STOP_AT_NEGATIVE = True
#: Doublings of the step the extrapolating line search tries along a negative-curvature direction.
EXTRAPOLATIONS = 20
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
    """Minimise ``fg`` (``x -> (f, grad)``) on ``[lo, hi]`` from ``x0`` by projected Newton with
    conjugate residuals (``inner="cr"``; ``"cg"``: conjugate gradients) in unit-box variables,
    Jacobi-preconditioned (module docstring; ``window`` > 0: the circulant on the flattened
    controls ``band = (start, stop)``); ``diagonal(x) -> (hessian diagonal, grad)`` in ``x``'s
    units; ``fd_scale(y)`` each control's scale in ``y`` for the products (default 1). Stops when ``kkt(x, g) <= tol`` (status 0), after ``maxfun`` evaluations of
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
        f_new, y_new, g_new, step = _line_search(fgy, y, f, g, d, cg == 1 and "negative" in exit_)
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
    residual :math:`\|r\|_{M^{-1}}`, the model's gradient after the step. At negative
    curvature (``z.Hz <= 0``) with ``STOP_AT_NEGATIVE`` it returns that direction if it is the
    first, else the last iterate that is a descent direction (``g.d < 0``); without, it goes on
    minimising the residual (measured worse at the EMA 3e4 point: KKT 3.4e-4 .. 5.6e-4 after 8
    steps, 2026-12-02s23 §1). ``(d, products, exit)``; ``exit`` is ``"forcing"``, ``"limit"``
    or ``"negative curvature"`` (``"limit (negative curvature)"`` when it was passed)."""
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
    if negative and STOP_AT_NEGATIVE:
        return z, 1, "negative curvature"
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
        if zAz_new <= 0 and STOP_AT_NEGATIVE:
            return best, j + 2, "negative curvature"
        negative |= zAz_new <= 0
        b = zAz_new / zAz
        p, Ap, zAz = z + b * p, Az + b * Ap, zAz_new
    return best, j + 1, exit_ + (" (negative curvature)" if negative else "")


def _extrapolate(fgy, y, f, g, d, f1, y1, g1):
    """Along a negative-curvature direction ``d`` whose unit step was accepted: double the
    step while ``f`` keeps falling (at most ``EXTRAPOLATIONS`` times); the best point."""
    best, a = (f1, y1, g1, 1.0), 1.0
    for _ in range(EXTRAPOLATIONS):
        a *= 2.0
        y_new = np.clip(y + a * d, 0.0, 1.0)
        f_new, g_new = fgy(y_new)
        if not (math.isfinite(f_new) and f_new < best[0]):
            break
        best = (f_new, y_new, g_new, a)
    return best


def _line_search(fgy, y, f, g, d, extrapolate=False):
    """Projected Armijo search along ``clip(y + a d, 0, 1)`` from ``a = 1``:
    ``(f, y, g, a)``, or ``(f, None, None, 0)`` when no step decreases ``f``."""
    a = 1.0
    for _ in range(HALVINGS):
        y_new = np.clip(y + a * d, 0.0, 1.0)
        f_new, g_new = fgy(y_new)
        if math.isfinite(f_new) and f_new <= f + ARMIJO * (g @ (y_new - y)):
            if extrapolate and a == 1.0:
                return _extrapolate(fgy, y, f, g, d, f_new, y_new, g_new)
            return f_new, y_new, g_new, a
        a *= 0.5
    return f, None, None, 0.0
