"""SymPy symbols shared across the symbolic engine, with their assumptions.

One module holds them so that every derivation speaks of the *same* ``a`` and ``b``:
SymPy treats symbols with different assumptions as different objects.
"""

from __future__ import annotations

import sympy as sp

__all__ = [
    "L",
    "T",
    "a",
    "b",
    "c",
    "eta",
    "eta_max",
    "inv_m",
    "k",
    "lam",
    "m",
    "mu",
    "sigma",
    "t",
]

#: Source exponent: ``lambda_k (w*_k)^2 = k^(-a)``; ``a > 1``.
a = sp.Symbol("a", positive=True)
#: Capacity exponent: ``lambda_k = k^(-b)``; ``b > 1``.
b = sp.Symbol("b", positive=True)
#: Learning rate (a control).
eta = sp.Symbol("eta", nonnegative=True)
#: Upper bound on the learning rate in optimal-control problems.
eta_max = sp.Symbol("eta_max", positive=True)
#: Batch size (a control in joint problems).
m = sp.Symbol("m", positive=True)
#: Inverse batch size; ``inv_m = 0`` is full-batch gradient descent.
inv_m = sp.Symbol("iota", nonnegative=True)
#: Eigenvalue ``lambda_k`` of one mode.
lam = sp.Symbol("lambda", positive=True)
#: Per-mode error ``c_k = E[(w_k - w*_k)^2]``.
c = sp.Symbol("c", nonnegative=True)
#: Costate (adjoint) of one mode's ``c_k`` in Pontryagin's principle.
mu = sp.Symbol("mu", real=True)
#: Excess loss ``L = sum_k lambda_k c_k``.
L = sp.Symbol("L", nonnegative=True)
#: Label-noise standard deviation.
sigma = sp.Symbol("sigma", nonnegative=True)
#: Time and horizon.
t = sp.Symbol("t", nonnegative=True)
T = sp.Symbol("T", positive=True)
#: Mode index.
k = sp.Symbol("k", integer=True, positive=True)
