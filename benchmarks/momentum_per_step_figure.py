"""Figure: per-step momentum optimum against the family optimum (``eta_t``, ``zeta_t``, ``1 - beta_t``
and the slow rate), from the ``npz`` files of :mod:`benchmarks.momentum_per_step_compare`.

    python -m benchmarks.momentum_per_step_figure /tmp/ps_1e3.npz /tmp/ps_1e4.npz \
        --out benchmarks/results/momentum_per_step_1.3_2.75.png
"""

from __future__ import annotations

import argparse

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from benchmarks.momentum_per_step_compare import _rows

_PANELS = ("eta_t", "zeta_t", "1 - beta_t", "slow rate eta + zeta/(1-beta)")


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="+")
    ap.add_argument("--out", required=True)
    args = ap.parse_args(argv)
    fig, axes = plt.subplots(1, 4, figsize=(17, 4))
    for path in args.files:
        d = np.load(path)
        form, T = str(d["form"]), int(d["T"])
        t = np.arange(1, T + 1)
        family = "friction family" if "friction" in str(d["family_file"]) else "family"
        for name, key, ls in ((family, "family", "--"), ("per-step", "per_step", "-")):
            rows = _rows(form, d[key])
            rows[2] = 1.0 - rows[2]
            loss = float(d["family_loss" if key == "family" else "loss"])
            label = f"T={T:.0e} {name} (L={loss:.4g})"
            for ax, r in zip(axes, rows, strict=True):
                ax.loglog(t, np.maximum(r, 1e-9), ls, lw=1, label=label)
    for ax, title in zip(axes, _PANELS, strict=True):
        ax.set_title(title)
        ax.set_xlabel("t")
    axes[0].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(args.out, dpi=110)


if __name__ == "__main__":
    main()
