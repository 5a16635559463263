"""The names of the bounded optimisers, importable without numerics (the CLI lists them).

:data:`BOX_RUNS` are what one run of the bounded driver
(:func:`~solvers.control._lbfgsb.minimize_box`) can be; :data:`DIRECT_OPTIMISERS` what the
direct method accepts (``DirectOptions.optimiser``, ``optlr solve --optimiser``): those, or
``"auto"`` (by problem size, :func:`~solvers.control._direct_optimise.choose_optimiser`).
"""

from __future__ import annotations

__all__ = ["BOX_RUNS", "DIRECT_OPTIMISERS"]

#: optlr's two-metric projected L-BFGS, SciPy's L-BFGS-B.
BOX_RUNS = ("projected", "lbfgsb")
#: The direct method's choices.
DIRECT_OPTIMISERS = ("auto", *BOX_RUNS)
