"""The names ``optlr fit`` offers on its command line, in a module without NumPy: the parser
takes its choices from here (``optlr --help`` imports no numerics), the fit and the loader too."""

from __future__ import annotations

__all__ = ["DATASETS", "RATE_MAPS", "WINDOWS"]

#: Data sets shipped as package data: name -> directory under ``solvers/runs/data``.
DATASETS = {"llm-curves": "llm_curves"}
#: Maps from the optimiser's rate to model time (:mod:`._functional`): ``s lr^p``; AdamW's norm
#: map with its initial norm fitted; the same with the norm starting at equilibrium; ``auto``
#: picks the norm map when every fitted run is AdamW with weight decay, else the power map.
RATE_MAPS = ("auto", "power", "norm", "norm-eq")
#: Where a run's fitted points start (:func:`._fit.fit_start`): at ``min_step``; or, for a run
#: with weight decay, no earlier than its weight norm's relaxation time ``1 / (2 wd lr_peak)``.
WINDOWS = ("fixed", "norm")
