"""Regenerate the README's gallery figures in ``docs/gallery/`` (PNG, about a minute on 2 cores).

Run from the repository root: ``python docs/make_gallery.py``. A thin client of ``solvers``:
the same calls as notebooks 03 and 04, at the same model points and horizons.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run against this source tree, installed or not

from solvers import (  # noqa: E402
    optimal_batch_at_rate,
    paper_style,
    simulate,
    tune_baseline,
    tune_constant,
)
from solvers.control import continuum_sweep  # noqa: E402
from solvers.plots import (  # noqa: E402
    batch_ramp_figure,
    new_figure,
    plot_collapse,
    plot_loss_vs_T,
    plot_schedules,
    save_figure,
)
from theory import PLRFModel, derive_scaling_laws  # noqa: E402

OUT = ROOT / "docs" / "gallery"
#: Raster resolution: keeps each PNG well under 200 KB at print size.
DPI = 150


def _optimal(model: PLRFModel, Ts: list[int], **options) -> dict[int, np.ndarray]:
    runs = continuum_sweep(model, Ts, **options)
    bad = [r.message for r in runs if not r.success]
    if bad:
        raise RuntimeError(f"continuum solver failed: {bad}")
    return {int(r.T): r.eta_at(np.arange(int(r.T)) + 0.5) for r in runs}


def main() -> None:
    laws = derive_scaling_laws()
    easy = PLRFModel(a=2.5, b=1.2, sigma=0.5, batch=4, n_modes=2000)
    hard = PLRFModel(a=1.5, b=3.0, sigma=0.5, batch=4, n_modes=20_000)

    sch = _optimal(easy, [1_000, 3_000, 10_000, 30_000])
    with paper_style():
        fig, axes = new_figure(1, 2, width="page", height=2.6)
        plot_schedules(sch, axes[0])
        plot_collapse(
            sch, laws.easy["xi"].evaluate(easy), laws.easy["delta"].evaluate(easy), axes[1]
        )
        axes[0].set_title(f"easy phase $(a, b) = ({easy.a:g}, {easy.b:g})$")
        save_figure(fig, OUT / "easy_collapse", ("png",), dpi=DPI)

    Ts = [1_000, 3_000, 10_000]
    sch = _optimal(hard, Ts, max_interval=0.02)
    curves = {"optimal": (Ts, [simulate(hard, sch[T]).final_loss for T in Ts])}
    curves["constant"] = (Ts, [r.final_loss for r in tune_constant(hard, Ts)])
    for name in ("cosine", "wsd"):
        curves[name] = (
            Ts,
            [simulate(hard, tune_baseline(name, hard, T).schedule()).final_loss for T in Ts],
        )
    with paper_style():
        fig, axes = new_figure(1, 2, width="page", height=2.6)
        plot_schedules(sch, axes[0])
        plot_loss_vs_T(curves, axes[1])
        axes[0].set_title(f"hard phase $(a, b) = ({hard.a:g}, {hard.b:g})$")
        save_figure(fig, OUT / "hard_wsd_and_baselines", ("png",), dpi=DPI)

    # the wall-clock batch ramp at fixed rate, one batch per step (notebook 05, claim "batch ramp")
    ramp_model = PLRFModel(a=3.0, b=2.0, sigma=0.5, n_modes=300, eta_max=0.1)
    ramps = [optimal_batch_at_rate(ramp_model, T, 64 * T) for T in (1_000, 10_000, 100_000)]
    with paper_style():
        save_figure(batch_ramp_figure(ramps), OUT / "batch_ramp", ("png",), dpi=DPI)

    for path in sorted(OUT.glob("*.png")):
        print(f"{path.relative_to(ROOT)}: {path.stat().st_size / 1024:.0f} KB")


if __name__ == "__main__":
    main()
