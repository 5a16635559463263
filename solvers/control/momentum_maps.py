r"""Per-step EMA controls as heavy ball's and back: the exact map of :func:`theory.ema_heavy_ball_map`.

The EMA form :math:`(\eta_t, b_t)` and heavy ball :math:`(h_t, c_t)` give the same iterates, hence
the same loss, under :math:`h_t = \eta_t (1 - b_t)`, :math:`c_t = b_t s_t/(1 - b_t)` with
:math:`s_{t+1} = 1 - b_t` (the expressions derived symbolically, evaluated here). Both velocities
start at zero, so the first scale :math:`s_0` is free; the default makes the first friction the
same in both forms. The boxes differ: EMA's cap :math:`\eta_t \le \eta_{\max}` is heavy ball's
:math:`h_t \le \eta_{\max}(1 - b_t)`, tighter than heavy ball's own :math:`h_t \le \eta_{\max}`,
and :math:`c_t` exceeds heavy ball's ``BETA_MAX`` where the EMA friction falls fast
(the caller clips, and says how many).
"""

from __future__ import annotations

from functools import cache

import numpy as np
import sympy as sp

from theory import ema_heavy_ball_map

__all__ = ["ema_to_heavy_ball", "heavy_ball_to_ema"]


@cache
def _kernels():
    m = ema_heavy_ball_map()
    to_hb = [m.to_heavy_ball[x] for x in ("h", "c", "s_next")]
    fwd = sp.lambdify(m.ema_symbols, to_hb, "numpy")
    inv = sp.lambdify(
        m.heavy_ball_symbols, [m.to_ema[x] for x in ("eta", "beta", "s_next")], "math"
    )
    return fwd, inv


def _rows(controls) -> np.ndarray:
    u = np.asarray(controls, dtype=float)
    if u.ndim != 2 or u.shape[0] != 2 or u.shape[1] < 1:
        raise ValueError(f"controls must have shape (2, T), got {u.shape}")
    return u


def ema_to_heavy_ball(controls, s0: float | None = None) -> np.ndarray:
    r"""Heavy ball's controls ``(h, c)``, shape ``(2, T)``, from EMA's ``(eta, b)``, same loss.

    ``s0``: the free first scale :math:`s_0` (default :math:`1 - b_0`, which gives
    :math:`c_0 = b_0`). The frictions :math:`c_t` are not clipped to any box.
    """
    et, bt = _rows(controls)
    if np.any(bt >= 1.0) or np.any(bt < 0.0):
        raise ValueError("EMA frictions b_t must lie in [0, 1)")
    fwd, _ = _kernels()
    scale_after = np.asarray(fwd(et, bt, np.ones_like(bt))[2], dtype=float) + np.zeros_like(bt)
    s_t = np.concatenate([[1.0 - bt[0] if s0 is None else float(s0)], scale_after[:-1]])
    h_t, c_t, _ = fwd(et, bt, s_t)
    return np.array([np.broadcast_to(h_t, bt.shape), np.broadcast_to(c_t, bt.shape)], dtype=float)


def heavy_ball_to_ema(controls, s0: float | None = None) -> np.ndarray:
    r"""EMA's controls ``(eta, b)``, shape ``(2, T)``, from heavy ball's ``(h, c)``, same loss.

    ``s0``: the free first scale (default :math:`1 - c_0`, the inverse of
    :func:`ema_to_heavy_ball`'s default; needs :math:`c_0 < 1`). The rates :math:`\eta_t` are
    not clipped to any cap.
    """
    ht, ct = _rows(controls)
    st = 1.0 - ct[0] if s0 is None else float(s0)
    if not st > 0.0:
        raise ValueError(f"the first scale s0 must be positive, got {st}")
    _, inv = _kernels()
    out = np.empty((2, ht.size))
    for t in range(ht.size):  # the scale is a recursion: s_{t+1} from s_t
        out[0, t], out[1, t], st = inv(ht[t], ct[t], st)
    return out
