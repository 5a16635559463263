"""What the report's sections share: the cached rate searches' code key, the printable family
names, the claims' mode count, the panel layout and the beyond-study context."""

from __future__ import annotations

import math
from collections.abc import Sequence

from theory import _model as _theory_model

from ...dynamics import _kernels, _spectrum
from ...dynamics import recursion as _dynamics
from ...schedules import families as _schedules
from ...schedules import rate_search as _rate_search
from ..core import ReportContext

#: Code whose source text keys the cached rate searches: editing any of it invalidates them.
RATE_SEARCH_CODE = (_rate_search, _dynamics, _kernels, _schedules, _spectrum, _theory_model)

#: Share of the best final loss above which the dropped tail sum_{k>N} k^-a is flagged: beyond
#: it the N-mode loss visibly decays faster than the infinite model's.
TRUNCATION_SHARE = 0.02

#: Printable names of the baseline families.
SCHEDULE_NAMES = {
    "constant": "constant",
    "linear": "linear decay",
    "cosine": "cosine",
    "wsd": "WSD",
    "poly": "polynomial",
    "power": "power law",
}


def _panels(n: int, height: float = 2.6):
    """A page-wide figure with one panel per point, two per row."""
    from ...plots.figures import new_figure

    ncols = min(n, 2)
    nrows = math.ceil(n / ncols)
    fig, axes = new_figure(nrows, ncols, width="page", height=height * nrows, squeeze=False)
    flat = list(axes.ravel())
    for ax in flat[n:]:
        ax.set_visible(False)
    return fig, flat[:n]


#: Modes of the claims sweeps: the continuum solver log-bins them, so a practically infinite
#: model costs nothing and keeps the fitted exponents free of the truncation bias (docs/theory.md §1).
CLAIMS_MODES = 10**12


def _fit_from(Ts: Sequence[int]) -> int:
    """Fits use the upper half of the horizons: the end closest to the asymptotic regime."""
    return int(Ts[len(Ts) // 2])


def _beyond_context(ctx: ReportContext):
    """The experiment context of the beyond-the-learning-rate studies, shared by the claims and
    beyond sections: one scale and one on-disk cache, so the beyond section reuses the claims'
    solves (and a re-run reuses both)."""
    from ..._cache import DiskCache
    from ...claims.core import BeyondScale, ExperimentContext

    root = ctx.cache_dir("claims-sweep")
    return ExperimentContext(
        beyond=BeyondScale.quick() if ctx.config.quick else BeyondScale(),
        cache=None if root is None else DiskCache(root / "beyond"),
    )
