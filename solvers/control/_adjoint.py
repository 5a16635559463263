r"""Discrete adjoint of the exact PLRF recursion: the gradient of :math:`\log L(T)`.

The recursion (one step, all modes)

.. math::

    c_k(t+1) = A_k(t)\,c_k(t) + g_t\lambda_k\bigl(L(t) + \sigma^2\bigr),\qquad
    A_k = 1 - 2\eta_t\lambda_k + (1+\iota_t)\eta_t^2\lambda_k^2,\quad g_t = \iota_t\eta_t^2,

is affine in ``c``; its adjoint :math:`p(t) = \partial J/\partial c(t)` for
:math:`J = \log L(T)` runs backwards from :math:`p(T) = \lambda/L(T)`:

.. math::

    p_j(t) = A_j(t)\,p_j(t+1) + g_t\lambda_j\,q(t+1),\qquad q = \sum_k\lambda_k p_k,

    \partial J/\partial\eta_t = -2S_1 + 2(1+\iota_t)\eta_t S_2 + 2\iota_t\eta_t(L+\sigma^2)q,
    \qquad \partial J/\partial\iota_t = \eta_t^2\bigl(S_2 + (L+\sigma^2)q\bigr),

with :math:`S_1 = \sum_k p_k(t+1)\lambda_k c_k(t)` and :math:`S_2 = \sum_k p_k(t+1)\lambda_k^2 c_k(t)`.
Everything is one fused pass over the modes per step. Each step adds the change
:math:`(A_k - 1)c_k + \dots` to :math:`c_k` rather than multiplying by a rounded :math:`A_k`: for a
slow mode (:math:`\eta\lambda_k \sim 10^{-12}`) ``1 + lambda(a1 + a2 lambda)`` rounds to the
nearest double with a relative error up to ``1e-4`` in ``A_k - 1``, the same error at every step
of a constant rate, so ``c_k(T)`` drifted by up to ``T eps`` (7.6e-11 at ``T = 1e6``) and its
learned part :math:`c_k(0) - c_k(T)` by ``1e-4``; the change form leaves only rounding that
varies from step to step (``tests/test_dynamics.py`` holds both against mpmath). ``tests/test_direct.py`` holds these
formulas against ``sympy.diff`` of :func:`theory.plrf_dynamics`.

**Memory.** The backward pass needs every :math:`c(t)`. The forward pass stores a checkpoint
every ``stride`` steps; the backward pass recomputes one segment at a time into a
``(stride, n_modes)`` buffer, so memory is ``O((T/stride + stride) n_modes)`` — with
``stride ~ sqrt(T)`` a few MB at ``T = 1e5`` — for one extra forward pass.

**Blow-ups.** The map is linear in ``(c, sigma^2)`` jointly, so the state is renormalised
(``c`` and the noise level divided by a common factor, its logarithm accumulated) whenever it
exceeds :data:`RESCALE_ABOVE`. ``log L(T)`` and its gradient therefore stay finite even for
schedules far beyond the stability limit: an optimiser sees a large but finite objective that
points back to stable schedules, never an overflow.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

__all__ = ["RESCALE_ABOVE", "adjoint_gradient", "forward_checkpointed"]

#: Renormalise state/costate beyond this magnitude (far from overflow, ~1e308, after a step).
RESCALE_ABOVE = 1e100

#: Floating-point flags for the fused loops: reassociation lets the mode sums vectorise; the
#: no-NaN / no-inf flags are deliberately absent (the kernels test finiteness).
_FASTMATH = {"reassoc", "contract", "arcp", "nsz"}


@njit(cache=True, fastmath=_FASTMATH)
def forward_checkpointed(lam, c0, eta, inv_m, s2, stride, ckpt, loss, logscale):  # pragma: no cover
    """Forward pass; store ``c(t)`` in ``ckpt[t // stride]`` when ``t % stride == 0``.

    Fills ``loss[t]`` (the renormalised ``L(t)``, length ``T+1``) and ``logscale[t]`` (so the
    true loss is ``loss[t] * exp(logscale[t])``). Returns ``c(T)`` renormalised.
    """
    n = lam.shape[0]
    T = eta.shape[0]
    c = c0.copy()
    s = s2
    ls = 0.0
    L = 0.0
    for k in range(n):
        L += lam[k] * c[k]
    for t in range(T):
        if t % stride == 0:
            row = t // stride
            for k in range(n):
                ckpt[row, k] = c[k]
        loss[t] = L
        logscale[t] = ls
        e = eta[t]
        im = inv_m[t]
        a1 = -2.0 * e
        a2 = (1.0 + im) * e * e
        f = im * e * e * (L + s)
        Ln = 0.0
        for k in range(n):
            lk = lam[k]
            ck = c[k] + (lk * (a1 + a2 * lk) * c[k] + f * lk)
            c[k] = ck
            Ln += lk * ck
        L = Ln
        tot = L + s
        if tot > RESCALE_ABOVE:
            for k in range(n):
                c[k] /= tot
            L /= tot
            s /= tot
            ls += math.log(tot)
    loss[T] = L
    logscale[T] = ls
    return c


@njit(cache=True, fastmath=_FASTMATH)
def _recompute_segment(
    lam, c_start, eta, inv_m, s2, loss, logscale, t0, t1, buf
):  # pragma: no cover
    """Recompute ``c(t)`` for ``t0 <= t < t1`` into ``buf[t - t0]`` from the checkpoint at ``t0``.

    Uses the stored ``loss`` and ``logscale`` so the renormalisation matches the forward pass.
    """
    n = lam.shape[0]
    for k in range(n):
        buf[0, k] = c_start[k]
    for t in range(t0, t1 - 1):
        e = eta[t]
        im = inv_m[t]
        a1 = -2.0 * e
        a2 = (1.0 + im) * e * e
        s = s2 * math.exp(-logscale[t])
        f = im * e * e * (loss[t] + s)
        r = buf[t - t0]
        w = buf[t - t0 + 1]
        for k in range(n):
            lk = lam[k]
            w[k] = r[k] + (lk * (a1 + a2 * lk) * r[k] + f * lk)
        if logscale[t + 1] != logscale[t]:
            scale = math.exp(logscale[t + 1] - logscale[t])
            for k in range(n):
                w[k] /= scale


@njit(cache=True, fastmath=_FASTMATH)
def adjoint_gradient(
    lam, eta, inv_m, s2, stride, ckpt, loss, logscale, buf, g_eta, g_im
):  # pragma: no cover
    r"""Backward pass: fill ``g_eta[t]`` and ``g_im[t]`` with :math:`\partial\log L(T)/\partial(\eta_t, \iota_t)`.

    Needs the outputs of :func:`forward_checkpointed` and a work buffer ``buf`` of shape
    ``(stride, n_modes)``.
    """
    n = lam.shape[0]
    T = eta.shape[0]
    p = np.empty(n)
    LT = loss[T]
    if not LT > 0.0:  # L(T) = 0 exactly: a global minimum (log L = -inf), nothing to improve
        for t in range(T):
            g_eta[t] = 0.0
            g_im[t] = 0.0
        return
    q = 0.0
    for k in range(n):
        p[k] = lam[k] / LT
        q += lam[k] * p[k]
    # p_true(t) = p(t) * exp(logp); the gradient carries exp(logscale[t] + logp).
    logp = -logscale[T]
    n_seg = (T + stride - 1) // stride
    for seg in range(n_seg - 1, -1, -1):
        t0 = seg * stride
        t1 = min(t0 + stride, T)
        if stride > 1:
            _recompute_segment(lam, ckpt[seg], eta, inv_m, s2, loss, logscale, t0, t1, buf)
        for t in range(t1 - 1, t0 - 1, -1):
            ct = buf[t - t0] if stride > 1 else ckpt[t]
            e = eta[t]
            im = inv_m[t]
            a1 = -2.0 * e
            a2 = (1.0 + im) * e * e
            g = im * e * e
            Lf = loss[t] + s2 * math.exp(-logscale[t])
            S1 = 0.0
            S2 = 0.0
            qn = 0.0
            psum = 0.0
            for k in range(n):
                lk = lam[k]
                pk = p[k]
                w = pk * lk * ct[k]
                S1 += w
                S2 += w * lk
                pn = pk + (lk * (a1 + a2 * lk) * pk + g * lk * q)
                p[k] = pn
                qn += lk * pn
                psum += pn
            fac = math.exp(logscale[t] + logp)
            g_eta[t] = fac * (-2.0 * S1 + 2.0 * (1.0 + im) * e * S2 + 2.0 * im * e * Lf * q)
            g_im[t] = fac * e * e * (S2 + Lf * q)
            q = qn
            # p >= 0 throughout (A_k >= 0, g >= 0), so sum(p) bounds every entry; a plain sum
            # (unlike a running max) keeps the fused loop vectorisable.
            if psum > RESCALE_ABOVE:
                for k in range(n):
                    p[k] /= psum
                q /= psum
                logp += math.log(psum)
