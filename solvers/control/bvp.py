r"""Pontryagin two-point boundary-value solver for the optimal learning-rate schedule.

The state-costate system of the continuous-time PLRF problem (``theory.problems.plrf_problem``),

.. math::

    \dot c_k = f(c_k, \lambda_k, L, \eta), \qquad
    \dot\mu_k = -\partial H/\partial c_k, \qquad
    c_k(0) = k^{-(a-b)}, \quad \mu_k(T) = \lambda_k,

with the learning rate eliminated through stationarity, :math:`\eta = \mathrm{clip}(\eta^*, 0,
\eta_{\max})` (:math:`\eta^*` a ratio of mode sums), is solved by :func:`scipy.integrate.solve_bvp`
with the Jacobian assembled from the symbolic blocks of :func:`theory.family_kernels` (the
bridge). This module derives nothing: every equation comes from ``theory``.

:func:`solvers.control.bvp_mp.solve_bvp_schedule_mp` solves the same problem at high precision.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cache

import numpy as np
from scipy.integrate import solve_bvp as _scipy_solve_bvp

from theory import FamilyKernels, PLRFModel, family_kernels
from theory._checks import check_int, check_real, reject_unknown
from theory.problems import plrf_problem
from theory.symbols import c as _c
from theory.symbols import eta as _eta
from theory.symbols import inv_m as _inv_m
from theory.symbols import lam as _lam
from theory.symbols import mu as _mu
from theory.symbols import sigma as _sigma

from ..dynamics._spectrum import initial_state, spectrum
from .result import ScheduleResult

__all__ = ["BVPResult", "solve_bvp", "solve_bvp_schedule"]

#: Largest number of modes: the collocation Jacobian is dense, (2n)^2 entries per mesh node, and
#: solve_bvp's sparse LU fills in badly (measured: 10 modes, T=100: 6 s, 0.27 GB; 20 modes:
#: 250 s, 5 GB peak). Above this the solver would exhaust memory on a small machine.
MAX_BVP_MODES = 20
#: Default relative tolerance of ``solve_bvp`` (its residual criterion).
DEFAULT_TOL = 1e-6
#: Default mesh-size cap for ``solve_bvp``.
DEFAULT_MAX_NODES = 20000
#: Forward-backward sweeps that build the initial guess (each one a forward state and a
#: backward costate integration with the control updated from stationarity).
DEFAULT_SWEEPS = 4
#: RK4 step of the sweeps in units of 1/(fastest decay rate) (RK4 is stable below ~2.8).
RK4_STEP_SCALE = 1.0
#: Cap on the sweep grid (memory and time of the initial guess).
MAX_SWEEP_GRID = 20000
#: Relaxation of the control update in the sweeps (1 = no damping; smaller is more robust).
SWEEP_RELAXATION = 0.5


@cache
def _kernels(module: str) -> FamilyKernels:
    return family_kernels(plrf_problem().conditions, (_inv_m, _sigma), control=_eta, module=module)


@dataclass(frozen=True)
class BVPResult:
    r"""Solution of the state-costate boundary-value problem.

    Attributes
    ----------
    model : PLRFModel
    T : float
        Horizon (continuous time, in steps).
    t : ndarray, shape (n_nodes,)
        Mesh of the solution.
    eta : ndarray, shape (n_nodes,)
        Optimal learning rate on the mesh (clipped to ``[0, eta_max]``).
    state, costate : ndarray, shape (n_modes, n_nodes)
        :math:`c_k(t)` and :math:`\mu_k(t)`.
    loss : ndarray, shape (n_nodes,)
        Excess loss :math:`L(t) = \sum_k \lambda_k c_k(t)`.
    hamiltonian : ndarray, shape (n_nodes,)
        :math:`H` along the solution; constant for an exact extremal.
    success : bool
    status : int
        ``solve_bvp``'s status (0 converged, 1 mesh cap reached, 2 singular Jacobian,
        3 tolerance unreachable), or 4 when the result is not finite / not an extremal.
    message : str
    max_residual : float
        Largest relative collocation residual reported by ``solve_bvp``.
    method : str
    """

    model: PLRFModel
    T: float
    t: np.ndarray
    eta: np.ndarray
    state: np.ndarray
    costate: np.ndarray
    loss: np.ndarray
    hamiltonian: np.ndarray
    success: bool
    status: int
    message: str
    max_residual: float = math.nan
    method: str = "solve_bvp"
    meta: dict = field(default_factory=dict)

    @property
    def final_loss(self) -> float:
        """Excess loss :math:`L(T)`."""
        return float(self.loss[-1])

    @property
    def hamiltonian_deviation(self) -> float:
        r"""Relative spread :math:`(\max H - \min H)/\max|H|` (zero for an exact extremal)."""
        scale = float(np.max(np.abs(self.hamiltonian)))
        spread = float(np.ptp(self.hamiltonian))
        return spread / scale if scale > 0 else spread

    def eta_at(self, t) -> np.ndarray:
        """The schedule at times ``t`` (linear interpolation on the mesh)."""
        return np.interp(np.asarray(t, dtype=float), self.t, self.eta)

    def schedule(self, steps: int | None = None) -> np.ndarray:
        """Per-step learning rates ``eta(t + 1/2)``, ``t = 0..steps-1`` (default ``round(T)``)."""
        n = round(self.T) if steps is None else check_int("steps", steps, ge=1)
        return self.eta_at((np.arange(n) + 0.5) * self.T / n)


def _sums(kern: FamilyKernels, c, mu, lam, params) -> list:
    zeros = [0.0] * (len(kern.sum_symbols) + 1)
    return [np.sum(s(c, mu, lam, *zeros, *params), axis=0) for s in kern.summands]


def _control(kern: FamilyKernels, c, mu, lam, G, params, eta_max):
    """Clipped optimal control and the mask of nodes where it is interior."""
    with np.errstate(divide="ignore", invalid="ignore"):
        u = np.asarray(kern.optimal_control(c, mu, lam, *G, 0.0, *params))
    u = u[0] if u.ndim and u.shape[0] == c.shape[0] else u
    u = np.where(np.isnan(u), 0.0, u)
    interior = (u > 0.0) & (u < eta_max)
    return np.clip(u, 0.0, eta_max), interior


class _System:
    """Right-hand side and Jacobian of the state-costate system on ``n`` modes."""

    def __init__(self, model: PLRFModel):
        self.kern = _kernels("numpy")
        self.lam = spectrum(model)
        self.c0 = initial_state(model)
        self.n = model.n_modes
        self.params = (model.inv_batch, model.sigma)
        self.eta_max = model.eta_max

    def split(self, y):
        n = self.n
        lam = self.lam.reshape((n,) + (1,) * (y.ndim - 1))
        return y[:n], y[n:], lam

    def control(self, y):
        c, mu, lam = self.split(y)
        G = _sums(self.kern, c, mu, lam, self.params)
        u, interior = _control(self.kern, c, mu, lam, G, self.params, self.eta_max)
        return G, u, interior

    def rhs(self, t, y):
        c, mu, lam = self.split(y)
        G, u, _ = self.control(y)
        a = (c, mu, lam, *G, u, *self.params)
        return np.concatenate([self.kern.state_rate(*a), self.kern.costate_rate(*a)])

    def hamiltonian(self, y):
        c, mu, lam = self.split(y)
        G, u, _ = self.control(y)
        return np.asarray(self.kern.hamiltonian(c, mu, lam, *G, u, *self.params))[0]

    def jac(self, t, y):
        """d(rhs)/dy, shape (2n, 2n, m): diagonal blocks plus the chain rule through the sums."""
        k = self.kern
        n = self.n
        c, mu, lam = self.split(y)
        G, u, interior = self.control(y)
        a = (c, mu, lam, *G, u, *self.params)
        zeros = [0.0] * (len(G) + 1)
        syms = k.sum_symbols
        # Left factor dF/d(G_i, u): (2n, r+1, m)
        left = np.stack(
            [
                np.concatenate([k.d_state_rate[s](*a), k.d_costate_rate[s](*a)])
                for s in (*syms, k.control)
            ],
            axis=1,
        )
        # Right factor d(G_i)/dy_j: (r, 2n, m)
        dG = np.stack(
            [
                np.concatenate(
                    [dc(c, mu, lam, *zeros, *self.params), dm(c, mu, lam, *zeros, *self.params)]
                )
                for dc, dm in k.d_summands
            ]
        )
        with np.errstate(divide="ignore", invalid="ignore"):
            du_dG = np.stack([np.asarray(d(*a))[0] for d in k.d_optimal_control])  # (r, m)
        du_dG = np.where(interior, np.nan_to_num(du_dG), 0.0)
        du = np.einsum("rm,rjm->jm", du_dG, dG)[None]
        right = np.concatenate([dG, du], axis=0)
        # Low-rank product per node, batched over the mesh (mesh axis first for matmul).
        J = np.matmul(left.transpose(2, 0, 1), right.transpose(2, 0, 1)).transpose(1, 2, 0)
        J = np.ascontiguousarray(J)
        idx = np.arange(n)
        J[idx, idx] += k.d_state_rate[_c](*a)
        J[idx, n + idx] += k.d_state_rate[_mu](*a)
        J[n + idx, idx] += k.d_costate_rate[_c](*a)
        J[n + idx, n + idx] += k.d_costate_rate[_mu](*a)
        return J

    def terminal(self):
        return self.lam.copy()

    def bc(self, ya, yb):
        return np.concatenate([ya[: self.n] - self.c0, yb[self.n :] - self.terminal()])

    def bc_jac(self, ya, yb):
        n = self.n
        Ja = np.zeros((2 * n, 2 * n))
        Jb = np.zeros((2 * n, 2 * n))
        Ja[np.arange(n), np.arange(n)] = 1.0
        Jb[n + np.arange(n), n + np.arange(n)] = 1.0
        return Ja, Jb


def _check_model(model: PLRFModel) -> None:
    if not isinstance(model, PLRFModel):
        raise TypeError(f"model must be a PLRFModel, got {type(model).__name__}")
    n = check_int("model.n_modes", model.n_modes, ge=1)
    if n > MAX_BVP_MODES:
        raise ValueError(
            f"model.n_modes must be <= {MAX_BVP_MODES} for the BVP solver (dense Jacobian), "
            f"got {n}; use model.replace(n_modes=...)"
        )


def _check_terminal_is_lambda() -> None:
    """The solver's boundary condition mu_k(T) = lambda_k must be what theory derives."""
    term = plrf_problem().conditions.terminal_conditions[_mu]
    if term != _lam:  # pragma: no cover - guards a change of the canned problem
        raise RuntimeError(f"terminal costate changed to {term}; update solvers.control.bvp")


def _initial_mesh(T: float, n_nodes: int) -> np.ndarray:
    """Mesh refined towards both ends (boundary layers of the fast modes)."""
    s = 0.5 * (1 - np.cos(np.linspace(0.0, np.pi, n_nodes)))
    return T * s


def _rk4(rate, y0, grid):
    """Classical RK4 on ``grid`` (increasing or decreasing); returns shape (len(y0), len(grid))."""
    out = np.empty((y0.size, grid.size))
    out[:, 0] = y = y0
    for i in range(grid.size - 1):
        t, h = grid[i], grid[i + 1] - grid[i]
        k1 = rate(t, y)
        k2 = rate(t + h / 2, y + h / 2 * k1)
        k3 = rate(t + h / 2, y + h / 2 * k2)
        k4 = rate(t + h, y + h * k3)
        out[:, i + 1] = y = y + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
    return out


def _sweep_guess(sys: _System, T: float, mesh: np.ndarray, sweeps: int, eta0: float):
    """Forward-backward sweeps: forward state, backward costate, update eta from stationarity.

    Fixed-step RK4 on a uniform grid fine enough for the fastest mode; the result is only an
    initial guess for the collocation solver.
    """
    k, lam, p = sys.kern, sys.lam, sys.params
    fastest = 2.0 * sys.eta_max * float(lam.max())
    n_grid = int(min(max(2 * mesh.size, math.ceil(T * fastest / RK4_STEP_SCALE)), MAX_SWEEP_GRID))
    grid = np.linspace(0.0, T, n_grid + 1)
    eta_grid = np.full(grid.size, eta0)
    zeros = [0.0] * (len(k.sum_symbols) + 1)
    y = None
    for _ in range(sweeps):

        def fwd(t, c, eta_grid=eta_grid):
            e = np.interp(t, grid, eta_grid)
            return k.state_rate(c, c, lam, lam @ c, 0.0, 0.0, e, *p)

        C = _rk4(fwd, sys.c0, grid)

        def bwd(t, mu, eta_grid=eta_grid, C=C):
            j = min(round(t / T * n_grid), n_grid)
            c = C[:, j]
            G = [float(np.sum(s(c, mu, lam, *zeros, *p))) for s in k.summands]
            return k.costate_rate(c, mu, lam, *G, np.interp(t, grid, eta_grid), *p)

        # Backward on the same grid; the state is taken at the nearest grid node (a guess only).
        M = _rk4(bwd, sys.terminal(), grid[::-1])[:, ::-1]
        y = np.concatenate([C, M])
        if not np.all(np.isfinite(y)):
            return None
        _, u, _ = sys.control(y)
        eta_grid = (1 - SWEEP_RELAXATION) * eta_grid + SWEEP_RELAXATION * u
    return np.stack([np.interp(mesh, grid, row) for row in y])


def solve_bvp_schedule(
    model: PLRFModel,
    T: float,
    *,
    tol: float = DEFAULT_TOL,
    max_nodes: int = DEFAULT_MAX_NODES,
    n_nodes: int = 200,
    sweeps: int = DEFAULT_SWEEPS,
    eta_guess: float | None = None,
    continuation: int = 3,
    **kwargs,
) -> BVPResult:
    r"""Optimal learning-rate schedule in continuous time from Pontryagin's principle.

    Parameters
    ----------
    model : PLRFModel
        ``n_modes <= MAX_BVP_MODES`` (use a reduced set of modes, e.g. ``model.replace(n_modes=30)``).
    T : float
        Horizon, ``T > 0``.
    tol : float, default 1e-6
        ``solve_bvp`` tolerance on the relative collocation residual.
    max_nodes : int, default 20000
        Mesh-size cap of ``solve_bvp``.
    n_nodes : int, default 200
        Initial mesh size (refined towards both ends).
    sweeps : int, default 4
        Forward-backward sweeps for the initial guess.
    eta_guess : float, optional
        Constant schedule the sweeps start from; default ``min(eta_max, 1/(iota sum lambda))``.
    continuation : int, default 3
        If the direct attempt fails, solve on ``continuation`` shorter horizons
        ``T 2^{-j}`` first, each solution (in rescaled time) the guess of the next.

    Returns
    -------
    BVPResult
        ``success`` False with a message when ``solve_bvp`` does not converge or the result is
        not finite.

    Examples
    --------
    >>> from theory import PLRFModel
    >>> r = solve_bvp_schedule(PLRFModel(a=2.5, b=2, n_modes=5, batch=1), 20)
    >>> r.success, r.hamiltonian_deviation < 1e-4
    (True, True)
    """
    reject_unknown("solve_bvp_schedule", kwargs)
    _check_model(model)
    T = check_real("T", T, gt=0)
    tol = check_real("tol", tol, gt=0)
    max_nodes = check_int("max_nodes", max_nodes, ge=10)
    n_nodes = check_int("n_nodes", n_nodes, ge=5)
    sweeps = check_int("sweeps", sweeps, ge=1)
    continuation = check_int("continuation", continuation, ge=0)
    _check_terminal_is_lambda()
    sys = _System(model)
    if eta_guess is None:
        noise = model.inv_batch * float(sys.lam.sum())
        eta_guess = model.eta_max if noise == 0 else min(model.eta_max, 1.0 / noise)
    eta_guess = check_real("eta_guess", eta_guess, ge=0, le=model.eta_max)
    mesh = _initial_mesh(T, n_nodes)
    with np.errstate(over="ignore", invalid="ignore"):
        y0 = _sweep_guess(sys, T, mesh, sweeps, eta_guess)
    res = _solve(sys, mesh, y0, tol, max_nodes)
    if res.status != 0 and continuation:
        res = _continued(sys, T, (tol, max_nodes, n_nodes, sweeps, eta_guess), continuation)
    return _result(model, T, sys, res, tol)


def _continued(sys: _System, T: float, opts: tuple, continuation: int):
    """Solve on the horizons ``T 2^-j``, ``j = continuation .. 0``, each solution (in rescaled
    time) the guess of the next; returns the last solve."""
    tol, max_nodes, n_nodes, sweeps, eta_guess = opts
    guess_t, guess_y, res = None, None, None
    for j in range(continuation, -1, -1):
        Tj = T * 2.0**-j
        if guess_t is None:
            mj = _initial_mesh(Tj, n_nodes)
            yj = _sweep_guess(sys, Tj, mj, sweeps, eta_guess)
        else:
            mj, yj = guess_t * (Tj / guess_t[-1]), guess_y
        rj = _solve(sys, mj, yj, tol, max_nodes)
        if rj.status != 0 and j > 0:
            continue
        guess_t, guess_y, res = rj.x, rj.y, rj
    return res


def _solve(sys: _System, mesh, y0, tol, max_nodes):
    if y0 is None or not np.all(np.isfinite(y0)):

        class _Fail:
            status, success, x, y = 4, False, mesh, np.full((2 * sys.n, mesh.size), np.nan)
            message = "the initial guess (forward-backward sweep) is not finite"
            rms_residuals = np.array([np.nan])

        return _Fail()
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        return _scipy_solve_bvp(
            sys.rhs,
            sys.bc,
            mesh,
            y0,
            fun_jac=sys.jac,
            bc_jac=sys.bc_jac,
            tol=tol,
            max_nodes=max_nodes,
        )


def _result(model, T, sys: _System, res, tol) -> BVPResult:
    y = res.y
    c, mu, _lam = sys.split(y)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        _, u, _ = sys.control(y)
        H = sys.hamiltonian(y)
    loss = sys.lam @ c
    success = bool(res.status == 0)
    status, message = int(res.status), str(res.message)
    if success and not (np.all(np.isfinite(y)) and np.all(np.isfinite(H))):
        success, status, message = False, 4, "solve_bvp converged to a non-finite solution"
    return BVPResult(
        model=model,
        T=T,
        t=np.asarray(res.x),
        eta=u,
        state=c,
        costate=mu,
        loss=loss,
        hamiltonian=H,
        success=success,
        status=status,
        message=message,
        max_residual=float(np.max(res.rms_residuals)) if len(res.rms_residuals) else math.nan,
        meta={"tol": tol, "n_nodes": int(np.asarray(res.x).size)},
    )


def solve_bvp(model: PLRFModel, T: int, **options) -> ScheduleResult:
    """Registry entry ``"bvp"``: :func:`solve_bvp_schedule` on the common result record.

    The continuous-time extremal is sampled at step midpoints (``eta(t + 1/2)``), so ``eta`` has
    one value per SGD step like every other method; ``loss`` is the BVP's own continuous-time
    loss at the integer steps and ``final_loss`` its value at ``T``. ``parameters["dynamics"]``
    is ``"continuous"``: the result solves the continuous-time problem, not the exact recursion.
    """
    import time

    T = check_int("T", T, ge=1)
    start = time.perf_counter()
    res = solve_bvp_schedule(model, T, **options)
    steps = np.arange(T + 1, dtype=float)
    return ScheduleResult(
        method="bvp",
        model=model,
        T=T,
        t=np.arange(T + 1),
        eta=res.schedule(T),
        loss=np.interp(steps, res.t, res.loss),
        final_loss=float(res.final_loss),
        success=bool(res.success),
        status=int(res.status),
        message=res.message,
        iterations=int(res.meta.get("iterations", 0)) if isinstance(res.meta, dict) else 0,
        n_evaluations=0,
        kkt_residual=float(res.max_residual),
        seconds=time.perf_counter() - start,
        parameters={"dynamics": "continuous", **{k: v for k, v in options.items()}},
        diagnostics={"hamiltonian_deviation": float(res.hamiltonian_deviation)},
    )
