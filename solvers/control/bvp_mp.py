r"""High-precision Pontryagin solution by single shooting (mpmath, scoped precision).

The state-costate system of :mod:`solvers.control.bvp` (the same symbolic equations, lambdified
for mpmath) is integrated with a Gragg-Bulirsch-Stoer scheme at ``dps + GUARD_DIGITS`` digits;
:func:`mpmath.findroot` solves :math:`\mu(T) - \lambda = 0` for the initial costates. Meant for
a few modes: a reference for the float solvers, not a production method.
"""

from __future__ import annotations

import mpmath
import numpy as np

from theory import PLRFModel
from theory._checks import check_int, check_real, reject_unknown

from ..dynamics._spectrum import spectrum
from .bvp import BVPResult, _check_terminal_is_lambda, _kernels, solve_bvp_schedule

__all__ = ["solve_bvp_schedule_mp"]

#: Guard digits added to the working precision of the shooting path (the shooting map
#: amplifies errors by about exp(2 int eta lambda)).
GUARD_DIGITS = 20
#: Most modes the mpmath path accepts.
MAX_MP_MODES = 8


def _gbs_step(rhs, y, h, levels):
    """One Gragg-Bulirsch-Stoer step: modified midpoint with Richardson extrapolation in h^2."""
    table = []
    for j in range(1, levels + 1):
        nj = 2 * j
        hj = h / nj
        z0 = list(y)
        f0 = rhs(z0)
        z1 = [a + hj * b for a, b in zip(z0, f0, strict=True)]
        for _ in range(nj - 1):
            f1 = rhs(z1)
            z0, z1 = z1, [a + 2 * hj * b for a, b in zip(z0, f1, strict=True)]
        f1 = rhs(z1)
        row = [[(a + b + hj * d) / 2 for a, b, d in zip(z0, z1, f1, strict=True)]]
        for i, prev in enumerate(table[-1] if table else []):
            ratio = (mpmath.mpf(nj) / (2 * (j - i - 1))) ** 2
            row.append([r + (r - p) / (ratio - 1) for r, p in zip(row[i], prev, strict=True)])
        table.append(row)
    best, second = table[-1][-1], table[-1][-2] if levels > 1 else table[-1][-1]
    err = max(abs(a - b) for a, b in zip(best, second, strict=True))
    return best, err


class _Shooting:
    """The state-costate system in mpmath at the working precision of the caller's context."""

    def __init__(self, model: PLRFModel, T: float, steps: int, levels: int) -> None:
        mpf = mpmath.mpf
        self.kern = _kernels("mpmath")
        self.n = n = model.n_modes
        self.lam = [mpf(k) ** (-mpf(model.b)) for k in range(1, n + 1)]
        self.c0 = [mpf(k) ** (-(mpf(model.a) - mpf(model.b))) for k in range(1, n + 1)]
        self.params = (mpf(model.inv_batch), mpf(model.sigma))
        self.eta_max = mpf(model.eta_max)
        self.zero = [mpf(0)] * (len(self.kern.sum_symbols) + 1)
        self.h, self.steps, self.levels = mpf(T) / steps, steps, levels

    def control(self, c, mu):
        """The mode sums and the clipped stationary rate."""
        k, n = self.kern, self.n
        G = [
            sum(s(c[i], mu[i], self.lam[i], *self.zero, *self.params) for i in range(n))
            for s in k.summands
        ]
        try:
            u = k.optimal_control(c[0], mu[0], self.lam[0], *G, 0, *self.params)
        except ZeroDivisionError:
            u = self.eta_max
        return G, min(max(u, mpmath.mpf(0)), self.eta_max)

    def rhs(self, y):
        k, n, lam, p = self.kern, self.n, self.lam, self.params
        c, mu = y[:n], y[n:]
        G, u = self.control(c, mu)
        out_c = [k.state_rate(c[i], mu[i], lam[i], *G, u, *p) for i in range(n)]
        return out_c + [k.costate_rate(c[i], mu[i], lam[i], *G, u, *p) for i in range(n)]

    def integrate(self, mu0, record: bool = False):
        """``(y(T), [y at the macro steps] if record, integration error estimate)``."""
        y = list(self.c0) + list(mu0)
        ys, err = [y], mpmath.mpf(0)
        for _ in range(self.steps):
            y, e = _gbs_step(self.rhs, y, self.h, self.levels)
            err = max(err, e)
            if record:
                ys.append(y)
        return y, ys, err

    def residual(self, *mu0):
        y, _, _ = self.integrate(mu0)
        return [y[self.n + i] - self.lam[i] for i in range(self.n)]

    def shoot(self, start, dps: int):
        """Newton on the initial costates: ``(mu0, success, status, message)``."""
        try:
            mu0 = mpmath.findroot(self.residual, start, tol=mpmath.mpf(10) ** (-2 * dps))
            mu0 = list(mu0) if isinstance(mu0, mpmath.matrix | list | tuple) else [mu0]
        except (ValueError, ZeroDivisionError) as exc:
            return start, False, 3, f"shooting did not converge: {exc}"
        return mu0, True, 0, "converged"


def _verdict(sh: _Shooting, mu0, success, status, message, err, dps):
    """The shooting residual and the integration error held against ``10^-dps``."""
    resid = max(abs(r) for r in sh.residual(*mu0)) if success else mpmath.inf
    if success and resid > mpmath.mpf(10) ** (-dps):
        success, status = False, 3
        message = f"shooting residual {mpmath.nstr(resid, 5)} above 1e-{dps}"
    if success and err > mpmath.mpf(10) ** (-dps):
        success, status = False, 3
        message = (
            f"integration error estimate {mpmath.nstr(err, 5)} above 1e-{dps}; "
            "increase steps or levels"
        )
    return resid, success, status, message


def solve_bvp_schedule_mp(
    model: PLRFModel,
    T: float,
    *,
    dps: int = 30,
    guess: BVPResult | None = None,
    steps: int = 40,
    levels: int = 12,
    **kwargs,
) -> BVPResult:
    r"""High-precision solution by single shooting on :math:`\mu(0)` (mpmath, ``dps`` digits).

    Parameters
    ----------
    model : PLRFModel
        At most :data:`MAX_MP_MODES` modes.
    T : float
    dps : int, default 30
        Target decimal digits (the shooting residual and the integration error must be below
        ``10^-dps`` for ``success``).
    guess : BVPResult, optional
        Float solution whose ``costate[:, 0]`` starts the Newton iteration (default: solved
        with :func:`~solvers.control.solve_bvp_schedule` at ``tol=1e-8``).
    steps, levels : int
        Integrator resolution: macro steps on ``[0, T]`` and extrapolation levels.

    Returns
    -------
    BVPResult
        At the ``steps + 1`` macro-step times; arrays are floats; ``meta`` holds the mpmath
        values ``final_loss_mp``, ``mu0_mp``, ``integration_error`` and ``residual``.
    """
    kwargs.pop("n_out", None)  # accepted for compatibility with 0.1 (it never had an effect)
    reject_unknown("solve_bvp_schedule_mp", kwargs)
    if not isinstance(model, PLRFModel):
        raise TypeError(f"model must be a PLRFModel, got {type(model).__name__}")
    T = check_real("T", T, gt=0)
    dps = check_int("dps", dps, ge=15)
    steps = check_int("steps", steps, ge=1)
    levels = check_int("levels", levels, ge=2)
    if model.n_modes > MAX_MP_MODES:
        raise ValueError(
            f"model.n_modes must be <= {MAX_MP_MODES} for the mpmath path, got {model.n_modes}"
        )
    if guess is None:
        guess = solve_bvp_schedule(model, T, tol=1e-8)
    if not isinstance(guess, BVPResult):
        raise TypeError(f"guess must be a BVPResult, got {type(guess).__name__}")
    _check_terminal_is_lambda()
    with mpmath.workdps(dps + GUARD_DIGITS):
        sh = _Shooting(model, T, steps, levels)
        start = [mpmath.mpf(float(v)) for v in guess.costate[:, 0]]
        mu0, success, status, message = sh.shoot(start, dps)
        y_T, ys, err = sh.integrate(mu0, record=True)
        resid, success, status, message = _verdict(sh, mu0, success, status, message, err, dps)
        return _result(model, T, sh, ys, y_T, mu0, err, resid, (success, status, message, dps))


def _result(model, T, sh: _Shooting, ys, y_T, mu0, err, resid, outcome) -> BVPResult:
    success, status, message, dps = outcome
    n, k = sh.n, sh.kern
    Y = np.array([[float(v) for v in y] for y in ys]).T
    etas, Hs = [], []
    for y in ys:
        G, u = sh.control(y[:n], y[n:])
        etas.append(float(u))
        Hs.append(float(k.hamiltonian(y[0], y[n], sh.lam[0], *G, u, *sh.params)))
    final_mp = sum(sh.lam[i] * y_T[i] for i in range(n))
    meta = {
        "final_loss_mp": +final_mp,
        "mu0_mp": [+v for v in mu0],
        "integration_error": +err,
        "residual": +resid,
        "dps": dps,
    }
    return BVPResult(
        model=model,
        T=T,
        t=np.linspace(0.0, T, sh.steps + 1),
        eta=np.array(etas),
        state=Y[:n],
        costate=Y[n:],
        loss=np.asarray(spectrum(model)) @ Y[:n],
        hamiltonian=np.array(Hs),
        success=success,
        status=status,
        message=message,
        method="mpmath-shooting",
        meta=meta,
    )
