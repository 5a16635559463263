"""The hard plateau's deficit below the stability limit: measured against the pointwise balance.

Reads continuum optima saved by ``optlr solve --method continuum --save F.npz`` and prints, at
fixed ``u = t/T``, the measured deficit ``eps = 1 - eta(t)/eta_s`` (``eta_s`` the stability
limit, where the feedback sum ``S`` reaches 1) beside the balance of
:func:`theory.plateau_deficit`,

    eps^2 = G(t) (sigma^2 + B(tau_t)) / (eta_s^2 S'(eta_s) (-B'(tau_T))),

evaluated on direct mode sums along the optimum's own realised time ``tau``; then the local
slopes in ``log T`` of the raw deficit and of the deficit divided by its source factor
``sqrt(1 + B(tau_t)/sigma^2)``, against the derived exponent ``(b - a)/(2b)``.

    python -m benchmarks.plateau_deficit F1.npz F2.npz ... [--u 0.05]
"""

from __future__ import annotations

import argparse
import json
import math
from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq
from scipy.special import zeta

EXACT_MODES = 10**6  # summed one by one; beyond, the modes are frozen at the horizons used
FROZEN_TOL = 1e-3  # largest 2 lambda_K tau for which the tail's first order is kept


@dataclass(frozen=True)
class Optimum:
    """One saved continuum optimum: the model's numbers and the schedule."""

    a: float
    b: float
    sigma: float
    inv_m: float
    n_modes: int
    T: float
    t: np.ndarray  # nodes, shape (J + 1,)
    eta: np.ndarray  # eta[i] holds on [t[i], t[i + 1]), shape (J,)

    @classmethod
    def load(cls, path: str) -> Optimum:
        d = np.load(path, allow_pickle=False)
        meta = json.loads(str(d["meta"]))
        m = meta["model"]
        return cls(m["a"], m["b"], m["sigma"], 1.0 / m["batch"], int(m["n_modes"]),
                   float(meta["T"]), d["t"], d["eta"])  # fmt: skip

    @property
    def tau(self) -> np.ndarray:
        """The realised intrinsic time at the nodes."""
        return np.concatenate([[0.0], np.cumsum(self.eta * np.diff(self.t))])


class ModeSums:
    """The discrete model's mode sums (``lambda_k = k^-b``, ``lambda_k c_k(0) = k^-a``)."""

    def __init__(self, opt: Optimum):
        self.o = opt
        self.k = np.arange(1, min(EXACT_MODES, opt.n_modes) + 1, dtype=float)
        self.lam = self.k**-opt.b

    def S(self, e: float) -> float:
        """The feedback sum of a constant rate ``e`` (discrete dynamics)."""
        im, lam = self.o.inv_m, self.lam
        return float(np.sum(e * lam * im / (2.0 - (1.0 + im) * e * lam)))

    def dS(self, e: float) -> float:
        im, lam = self.o.inv_m, self.lam
        den = 2.0 - (1.0 + im) * e * lam
        return float(np.sum(lam * im / den + e * lam * im * (1.0 + im) * lam / den**2))

    def limit(self) -> float:
        """The stability limit ``eta_s``: ``S(eta_s) = 1``."""
        hi = 2.0 / ((1.0 + self.o.inv_m) * self.lam[0]) * (1 - 1e-12)
        return brentq(lambda e: self.S(e) - 1.0, 1e-9, hi, xtol=1e-14)

    def B(self, tau: float) -> float:
        """The bias ``sum_k k^-a exp(-2 lambda_k tau)``, the frozen tail to first order."""
        o, K = self.o, len(self.k)
        head = float(np.sum(self.k**-o.a * np.exp(-2.0 * self.lam * tau)))
        if K >= o.n_modes:
            return head
        if 2.0 * self.lam[-1] * tau > FROZEN_TOL:
            raise ValueError(f"tau = {tau:g}: modes beyond {K} are not frozen; raise EXACT_MODES")
        z = lambda s: zeta(s, K + 1) - zeta(s, o.n_modes + 1)  # noqa: E731
        return head + float(z(o.a) - 2.0 * tau * z(o.a + o.b))

    def dB(self, tau: float) -> float:
        """``-B'(tau)`` (the tail's share is below 2 K^(1-a-b), dropped)."""
        return float(np.sum(2.0 * self.lam * self.k**-self.o.a * np.exp(-2.0 * self.lam * tau)))

    def G(self, dtau: float, e: float) -> float:
        """The noise injected per unit source at rate ``e`` that survives ``dtau``."""
        return float(e * e * self.o.inv_m * np.sum(self.lam**2 * np.exp(-2.0 * self.lam * dtau)))


def deficit_at(opt: Optimum, sums: ModeSums, lim: float, u: float) -> tuple[float, float, float]:
    """(measured eps, predicted eps, source factor sqrt(1 + B(tau_t)/sigma^2)) at ``t = u T``."""
    tau = opt.tau
    i = int(np.searchsorted(opt.t[:-1], u * opt.T, side="right")) - 1
    tau_t = 0.5 * (tau[i] + tau[i + 1])  # the interval holding u T
    s2 = opt.sigma**2
    n0 = s2 + sums.B(tau_t)
    eps2 = sums.G(tau[-1] - tau_t, lim) * n0 / (lim**2 * sums.dS(lim) * sums.dB(tau[-1]))
    return 1.0 - opt.eta[i] / lim, math.sqrt(eps2), math.sqrt(n0 / s2)


def local_slopes(Ts, ys) -> np.ndarray:
    """``-d log y / d log T`` between consecutive horizons."""
    return -np.diff(np.log(ys)) / np.diff(np.log(Ts))


def table(paths, us=(0.01, 0.05, 0.2, 0.5, 0.8), u_slope: float = 0.05) -> dict:
    """Measured against predicted deficits, and the local slopes at ``u_slope``."""
    opts = sorted((Optimum.load(p) for p in paths), key=lambda o: o.T)
    rows, raw, divided, pred = [], [], [], []
    for o in opts:
        sums = ModeSums(o)
        lim = sums.limit()
        cells = {u: deficit_at(o, sums, lim, u) for u in (*us, u_slope)}
        rows.append((o.T, lim, {u: cells[u][:2] for u in us}))
        eps, eps_pred, source = cells[u_slope]
        raw.append(eps)
        pred.append(eps_pred)
        divided.append(eps / source)
    Ts = [o.T for o in opts]
    return {"a": opts[0].a, "b": opts[0].b, "rows": rows, "T": Ts,
            "raw": local_slopes(Ts, raw), "divided": local_slopes(Ts, divided),
            "predicted": local_slopes(Ts, pred)}  # fmt: skip


def peak_slopes(paths) -> dict:
    r"""The hard peak-rate readout (:func:`solvers.claims.readouts.peak_rate`, the largest window
    mean of the bulk) on saved optima: per horizon its deficit ``eps = 1 - peak/eta_s`` and the
    bias's share ``B/(sigma^2 + B)`` at the window's middle, and the local slopes
    ``d log peak / d log T`` between consecutive horizons. With ``eps ~ T^-w (1 +
    B/sigma^2)^(1/2)`` the slope is ``eps/(1 - eps) (w + (a-1)/(2b) B/(sigma^2 + B))``."""
    from types import SimpleNamespace

    from solvers.claims.readouts import PEAK_STARTS, PEAK_WINDOW, _integral

    opts = sorted((Optimum.load(p) for p in paths), key=lambda o: o.T)
    eps, share = [], []
    for o in opts:
        sums = ModeSums(o)
        F = _integral(SimpleNamespace(t=o.t, eta=o.eta), o.T)
        lo = PEAK_STARTS * o.T
        means = (F(lo + PEAK_WINDOW * o.T) - F(lo)) / (PEAK_WINDOW * o.T)
        i = int(np.argmax(means))
        B = sums.B(float(F(lo[i] + 0.5 * PEAK_WINDOW * o.T)))  # tau at the window's middle
        eps.append(1.0 - float(means[i]) / sums.limit())
        share.append(B / (o.sigma**2 + B))
    Ts, eps = np.array([o.T for o in opts]), np.array(eps)
    return {"a": opts[0].a, "b": opts[0].b, "T": Ts, "eps": eps, "bias_share": np.array(share),
            "slopes": np.diff(np.log(1.0 - eps)) / np.diff(np.log(Ts))}  # fmt: skip


def main(argv=None) -> None:
    from theory import plateau_deficit

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("files", nargs="+")
    p.add_argument("--u", type=float, default=0.05, help="t/T of the local slopes")
    args = p.parse_args(argv)
    out = table(args.files, u_slope=args.u)
    ex = plateau_deficit().exponents(out["a"], out["b"])
    print(f"(a, b) = ({out['a']:g}, {out['b']:g}): derived exponent {ex['exponent']:.4f}, "
          f"naive {ex['naive']:.4f}, profile {ex['profile']:.4f}, source {ex['source']:.4f}")  # fmt: skip
    for T, lim, cells in out["rows"]:
        body = "  ".join(f"u={u:g}: {m:.5f}/{q:.5f}" for u, (m, q) in cells.items())
        print(f"T={T:.0e} eta_s={lim:.6f}  measured/predicted  {body}")
    mids = np.sqrt(np.multiply(out["T"][:-1], out["T"][1:]))
    for T, r, d, q in zip(mids, out["raw"], out["divided"], out["predicted"], strict=True):
        print(
            f"  T_mid={T:.2e}  slope raw {r:.4f}  divided by the source factor {d:.4f}  "
            f"of the predicted eps {q:.4f}"
        )


if __name__ == "__main__":
    main()
