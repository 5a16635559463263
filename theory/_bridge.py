r"""The SymPy -> NumPy / mpmath bridge for mode families (the one place numbers meet symbols).

:func:`family_kernels` turns the Pontryagin conditions of a problem with a :class:`ModeFamily`
into vectorised callables over arrays of modes: the per-mode state and costate right-hand sides,
their partial derivatives (Jacobian blocks), the summands of every mode sum, the eliminated
optimal control and the Hamiltonian. It is only :func:`sympy.lambdify`; the numeric solvers
assemble full Jacobians from the blocks by the chain rule through the mode sums.

Every callable takes the same positional arguments, listed in :attr:`FamilyKernels.arguments`:

``(c, mu, lam..., S_0, ..., S_{r-1}, u, p_0, ..., p_{s-1})``

per-mode arrays first (state, costate, per-mode parameters), then the mode sums (state sums such
as ``L`` followed by the :class:`ModeSum` atoms of the conditions), the eliminated control, and
the shared parameters (e.g. ``iota``, ``sigma``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np
import sympy as sp

from ._pontryagin import ModeSum, PontryaginConditions

__all__ = ["FamilyKernels", "family_kernels"]

Module = Literal["numpy", "mpmath"]


def _lambdify(args: tuple, expr: sp.Expr, module: Module) -> Callable:
    f = sp.lambdify(args, expr, module)
    if module == "mpmath":
        return f
    # Broadcast against the per-mode state so that every callable returns one value per mode,
    # also when the expression is constant or mode-independent.
    return lambda *a: np.asarray(f(*a)) + np.zeros_like(np.asarray(a[0], dtype=float))


@dataclass(frozen=True)
class FamilyKernels:
    r"""Vectorised callables for a mode family, from :func:`family_kernels`.

    Attributes
    ----------
    arguments : tuple of sympy.Symbol
        The common positional arguments of every callable (see module docstring).
    mode_arguments : tuple of sympy.Symbol
        The per-mode ones among them, ``(c, mu, *parameters)``.
    sum_symbols : tuple of sympy.Symbol
        One symbol per mode sum, in argument order.
    sums : tuple of sympy.Expr
        What each mode sum stands for (``L`` or a ``ModeSum(...)``).
    control : sympy.Symbol
        The eliminated control.
    summands : tuple of callable
        :math:`s_i(c_k, \mu_k, \lambda_k)`: the mode sum is ``summands[i](...).sum()``.
    d_summands : tuple of (callable, callable)
        :math:`(\partial s_i/\partial c, \partial s_i/\partial\mu)` per mode.
    optimal_control : callable
        The interior optimum (unclipped); depends on the mode sums and parameters only.
    d_optimal_control : tuple of callable
        :math:`\partial u^*/\partial S_i`.
    state_rate, costate_rate : callable
        :math:`\dot c_k` and :math:`\dot\mu_k`.
    d_state_rate, d_costate_rate : dict of callable
        Partial derivatives keyed by argument symbol (``c``, ``mu``, each sum symbol and the
        control).
    hamiltonian : callable
    """

    arguments: tuple
    mode_arguments: tuple
    sum_symbols: tuple
    sums: tuple
    control: sp.Symbol
    summands: tuple
    d_summands: tuple
    optimal_control: Callable
    d_optimal_control: tuple
    state_rate: Callable
    costate_rate: Callable
    d_state_rate: dict
    d_costate_rate: dict
    hamiltonian: Callable
    module: Module = "numpy"


def _mode_sums(fam, exprs) -> tuple:
    """The family's sums and the mode sums appearing in ``exprs``: their symbols, the sums,
    their summands and the substitution of each sum by its symbol."""
    atoms = sorted(set().union(*(e.atoms(ModeSum) for e in exprs)), key=sp.default_sort_key)
    sum_syms = tuple(S for S, _ in fam.sums) + tuple(
        sp.Symbol(f"S_{i}", real=True) for i in range(len(atoms))
    )
    sum_exprs = tuple(S for S, _ in fam.sums) + tuple(atoms)
    summand_exprs = tuple(w for _, w in fam.sums) + tuple(a.args[0] for a in atoms)
    return (
        sum_syms,
        sum_exprs,
        summand_exprs,
        dict(zip(atoms, sum_syms[len(fam.sums) :], strict=True)),
    )


def _checked_control(conditions, control, module) -> sp.Symbol:
    """Check the inputs of :func:`family_kernels`; the control to eliminate."""
    if not isinstance(conditions, PontryaginConditions):
        raise TypeError(f"conditions must be PontryaginConditions, got {type(conditions).__name__}")
    if module not in ("numpy", "mpmath"):
        raise ValueError(f"module must be 'numpy' or 'mpmath', got {module!r}")
    prob = conditions.problem
    if prob.family is None or prob.states:
        raise ValueError(
            "family_kernels needs a problem with a mode family and no scalar states, got "
            f"states={prob.states!r}, family={prob.family!r}"
        )
    if control is None:
        found = [u for u, e in conditions.optimal_controls.items() if e is not None]
        if len(found) != 1:
            raise ValueError(
                f"control must be given: {len(found)} controls have a closed-form optimum"
            )
        control = found[0]
    if conditions.optimal_controls.get(control) is None:
        raise ValueError(f"control {control!r} has no closed-form optimum in these conditions")
    return control


def family_kernels(
    conditions: PontryaginConditions,
    parameters: tuple[sp.Symbol, ...],
    *,
    control: sp.Symbol | None = None,
    module: Module = "numpy",
) -> FamilyKernels:
    r"""Lambdify the per-mode equations of ``conditions`` (the bridge).

    Parameters
    ----------
    conditions : PontryaginConditions
        Of a problem with a :class:`ModeFamily` and no scalar states.
    parameters : tuple of sympy.Symbol
        Shared parameters that remain free (e.g. ``(iota, sigma)``), in argument order.
    control : sympy.Symbol, optional
        The control to eliminate through its stationarity condition; defaults to the only
        control with a closed-form interior optimum.
    module : {"numpy", "mpmath"}

    Returns
    -------
    FamilyKernels

    Examples
    --------
    >>> import numpy as np
    >>> from theory.problems import plrf_problem
    >>> from theory.symbols import inv_m, sigma
    >>> kern = family_kernels(plrf_problem().conditions, (inv_m, sigma))
    >>> [str(s) for s in kern.arguments]
    ['c', 'mu', 'lambda', 'L', 'S_0', 'S_1', 'eta', 'iota', 'sigma']
    """
    control = _checked_control(conditions, control, module)
    prob = conditions.problem
    fam = prob.family
    others = set(prob.control_symbols) - {control}
    c_, mu_ = fam.state, fam.costate
    rates = (fam.rate, conditions.costate_equations[mu_])
    u_star = conditions.optimal_controls[control]
    H = conditions.hamiltonian
    sum_syms, sum_exprs, summand_exprs, to_sym = _mode_sums(fam, (*rates, u_star, H))
    mode_args = (c_, mu_, *fam.parameters)
    args = (*mode_args, *sum_syms, control, *tuple(parameters))
    exprs = [e.xreplace(to_sym) for e in (*rates, u_star, H)]
    free = set().union(*(e.free_symbols for e in exprs + list(summand_exprs)))
    missing = free - set(args)
    if missing & others:
        raise ValueError(f"other controls {sorted(map(str, missing & others))} must be fixed first")
    if missing:
        raise ValueError(
            f"parameters must list every free symbol; missing {sorted(map(str, missing))}"
        )
    f, g, us, Hs = exprs

    def lam_(e: sp.Expr) -> Callable:
        return _lambdify(args, e, module)

    wrt = (c_, mu_, *sum_syms, control)
    return FamilyKernels(
        arguments=args,
        mode_arguments=mode_args,
        sum_symbols=sum_syms,
        sums=sum_exprs,
        control=control,
        summands=tuple(lam_(w) for w in summand_exprs),
        d_summands=tuple((lam_(w.diff(c_)), lam_(w.diff(mu_))) for w in summand_exprs),
        optimal_control=lam_(us),
        d_optimal_control=tuple(lam_(us.diff(S)) for S in sum_syms),
        state_rate=lam_(f),
        costate_rate=lam_(g),
        d_state_rate={v: lam_(f.diff(v)) for v in wrt},
        d_costate_rate={v: lam_(g.diff(v)) for v in wrt},
        hamiltonian=lam_(Hs),
        module=module,
    )
