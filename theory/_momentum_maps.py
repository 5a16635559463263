r"""The EMA and heavy-ball forms as exact reparametrisations of each other (time-varying controls).

With the updates of :func:`theory.momentum_form` at step :math:`t` — EMA
:math:`v' = b_t v + (1 - b_t) g`, :math:`\Delta' = \Delta - \eta_t v'`; heavy ball
:math:`u' = c_t u + g`, :math:`\Delta' = \Delta - h_t u'` — a velocity kept as
:math:`v_t = s_t u_t` on both sides of a step makes the two produce the same :math:`\Delta` for
every :math:`\Delta, u, g` exactly when the coefficients of those three variables agree. Solving
those equations (:func:`ema_heavy_ball_map`) gives

.. math::

    s_{t+1} = 1 - b_t, \qquad c_t = \frac{b_t s_t}{1 - b_t}, \qquad h_t = \eta_t (1 - b_t),

and, solved the other way, :math:`s_{t+1} = s_t/(c_t + s_t)`, :math:`b_t = c_t/(c_t + s_t)`,
:math:`\eta_t = h_t (c_t + s_t)/s_t`. Both velocities start at zero, so :math:`s_0` is free
(the loss does not see the first friction). The maps need not respect the boxes: :math:`c_t > 1`
where the EMA friction :math:`1 - b_t` falls faster than by the factor :math:`b_t`, and the
inverse's :math:`\eta_t` can exceed a cap on the EMA step.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import sympy as sp

from ._moments import Delta, beta, g, v
from ._momentum_exponents import momentum_form
from .symbols import eta

__all__ = ["FormMap", "ema_heavy_ball_map"]

#: Heavy ball's step and friction, and the scale :math:`s_t` (``v = s u``) before and after.
h, c = sp.symbols("h c", positive=True)
s, s_next = sp.symbols("s s_next", positive=True)
_u = sp.Symbol("u")


@dataclass(frozen=True)
class FormMap:
    r"""The exact map between EMA controls :math:`(\eta_t, b_t)` and heavy ball's :math:`(h_t, c_t)`.

    Attributes
    ----------
    to_heavy_ball : dict
        ``{"h": ..., "c": ..., "s_next": ...}`` in the symbols ``ema_symbols``.
    to_ema : dict
        ``{"eta": ..., "beta": ..., "s_next": ...}`` in the symbols ``heavy_ball_symbols``.
    ema_symbols, heavy_ball_symbols : tuple of sympy.Symbol
        :math:`(\eta_t, b_t, s_t)` and :math:`(h_t, c_t, s_t)`.
    residuals : tuple of sympy.Expr
        The matching conditions (coefficients of :math:`\Delta, u, g` in the difference of the
        two updates), each zero under both maps (checked when derived).
    """

    to_heavy_ball: dict
    to_ema: dict
    ema_symbols: tuple
    heavy_ball_symbols: tuple
    residuals: tuple


@cache
def ema_heavy_ball_map() -> FormMap:
    """Derive :class:`FormMap` from the two forms' updates (:func:`theory.momentum_form`).

    Examples
    --------
    >>> m = ema_heavy_ball_map()
    >>> m.to_heavy_ball["h"], m.to_heavy_ball["c"], m.to_heavy_ball["s_next"]
    (-eta*(beta - 1), -beta*s/(beta - 1), 1 - beta)
    """
    ema, hb = momentum_form("ema"), momentum_form("heavy-ball")
    d_ema, v_ema = (e.subs(v, s * _u) for e in ema.update)
    d_hb, v_hb = (e.subs({v: _u, eta: h, beta: c}, simultaneous=True) for e in hb.update)
    diffs = (sp.expand(d_ema - d_hb), sp.expand(v_ema - s_next * v_hb))
    residuals = tuple(r for d in diffs for r in sp.Poly(d, Delta, _u, g).coeffs() if r != 0)
    forward = sp.solve(residuals, [h, c, s_next], dict=True)
    inverse = sp.solve(residuals, [eta, beta, s_next], dict=True)
    if len(forward) != 1 or len(inverse) != 1:
        raise RuntimeError(f"the map is not unique: {forward}, {inverse}")
    fwd = {k.name: sp.factor(e) for k, e in forward[0].items()}
    inv = {k.name: sp.factor(e) for k, e in inverse[0].items()}
    for sol in (forward[0], inverse[0]):  # substitution back: every matching condition vanishes
        if any(sp.simplify(r.subs(sol)) != 0 for r in residuals):
            raise RuntimeError("the derived map does not satisfy the matching conditions")
    return FormMap(fwd, inv, (eta, beta, s), (h, c, s), residuals)
