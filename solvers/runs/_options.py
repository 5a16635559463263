"""Options of the fit of :mod:`._fit`: the parameter vector's names, bounds and scales, and
:class:`FitOptions` with the mask of its free entries."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from theory._checks import check_int, check_real

from ._bootstrap import BOOT_KINDS
from ._functional import DEFAULT_GRID, DEFAULT_MODES
from ._names import RATE_MAPS
from ._prior import ParamPrior

__all__ = ["FitOptions"]

#: Names of the fitted parameters, in the order of the optimiser's vector.
PARAM_NAMES = ("L_inf", "A", "s", "nu", "a", "b", "p", "gain", "norm0", "theta")
#: Bounds of (L_inf, log10 A, log10 s', log10 nu, a, b, p). The optimiser sees rates relative to
#: the fitted runs' reference rate (geometric mean of their peaks, ``RunFit.eta_ref``) and the
#: scale ``s' = s * eta_ref**p``, the model time per step at that rate (which decorrelates ``s``
#: from ``p``); a and b stay above 1 (finite mode sums) and below 8 (beyond, k^-a is one mode);
#: the rate power p within [0.25, 1.5] (a factor 2 in the rate moves the intrinsic rate by
#: 1.19 to 2.8).
#: The noise feedback ``gain' = gain * eta_ref**p`` (linear, 0 = none) within [0, 4]: the
#: recursion's feedback loop ``gain' (eta / eta_ref)^p sum_k lambda_k / 2`` stays below 1 for
#: the first mode alone up to 2.
#: The norm map's initial norm as ``log10`` of its ratio to the equilibrium norm at ``eta_ref``,
#: within [-3, 3].
#: The noise spectrum's exponent ``theta`` within [0.25, 2] (``benchmarks/results/
#: fit_2026-11-30g/PROTOCOL.md``; 1 is the PLRF's).
LOWER = np.array([0.0, -6.0, -8.0, -8.0, 1.02, 1.02, 0.25, 0.0, -3.0, 0.25])
UPPER = np.array([np.inf, 4.0, 4.0, 4.0, 8.0, 8.0, 1.5, 4.0, 3.0, 2.0])
#: Step scales of the optimiser's vector.
X_SCALE = np.array([0.1, 0.3, 0.3, 0.3, 0.2, 0.2, 0.1, 0.1, 0.3, 0.1])
#: Relative residual given to a point whose predicted loss is not finite (feedback beyond the
#: stability limit of the fitted rates).
DIVERGED = 1.0
#: Rate powers of the start grid (with ``fit_power``).
START_POWERS = (0.6, 0.9)
#: Feedback of the starts (with ``fit_gain``; their linear parameters are solved without it).
START_GAIN = 0.1
#: Gradient tolerance of ``least_squares``: its default 1e-8 is absolute, and the weighted
#: relative residuals (1e-4 each) make gradients that small far from an optimum (a hard-phase
#: refinement stopped at 25 % above the cost another start reaches).
GTOL = 1e-13
#: Noise-spectrum exponents of the start grid (with ``fit_theta``).
START_THETAS = (1.0, 0.5)


@dataclass(frozen=True)
class FitOptions:
    """Options of :func:`fit_runs`.

    Attributes
    ----------
    split : {"val", "train"}
        Which observed losses to fit.
    min_step : int
        Points before this step are not fitted (the first few hundred steps of a language
        model are not the power-law regime the theory describes).
    loss, f_scale : str, float
        Robust loss of ``least_squares`` and its scale (relative residual).
    n_starts : int
        Grid starts refined by ``least_squares``.
    max_points : int
        At most this many fitted points per run, evenly spaced in the run's list of points and
        always including its last (the curves are smooth on this scale; it bounds the cost).
    n_boot : int
        Bootstrap refits (0: no intervals, ``p_easy`` from the point fit alone).
    boot_kind : {"runs", "blocks"}
        What a bootstrap refit resamples (:mod:`._bootstrap`): ``runs`` (default) draws runs
        with replacement; ``blocks`` keeps every run and resamples circular blocks of its
        residuals at the fit (block length from their autocorrelation). :func:`fit_shared`
        takes ``runs`` only.
    n_modes, n_grid : int
        Mode count of the functional and uniform grid intervals per run.
    seed : int
    fit_power : bool
        Fit the rate power ``p`` (7 parameters); False holds ``p = 1`` (6 parameters, the
        model of plain SGD).
    fit_gain : bool
        Fit the noise feedback ``gain`` (the loss-dependent noise of SGD at small batch, ``1/m``
        in the PLRF model); False holds ``gain = 0``. With ``fit_power=False`` this is the
        7-parameter model of SGD with feedback; its Jacobian is by forward differences only
        (the loss is then not linear in ``A`` and ``nu``).
    rate_map : {"auto", "power", "norm", "norm-eq"}
        ``auto`` (default): ``norm`` when every fitted run's metadata says ``opt`` AdamW with a
        ``weight_decay > 0``, else ``power`` (chosen on in-sample fit quality over the 12
        llm-curves families, ``benchmarks/results/fit.md`` 2026-11-30d; the fit reports the
        map it used). ``power``: model time ``s sum lr^p``. ``norm``: AdamW's norm map (the angular rate
        ``lr / |w|`` with the norm's weight-decay dynamics, :mod:`._functional`; needs each
        run's ``weight_decay``), its initial norm ``norm0`` fitted and ``p = 1`` held
        (``fit_power`` is then ignored). ``norm-eq``: the same, ``norm0`` held at the
        equilibrium norm of the fit's reference rate.
    fit_theta : bool
        Fit the exponent ``theta`` of the noise spectrum (mode ``k``'s noise forcing
        ``~ lambda_k**theta``, :mod:`._functional`; one more parameter); False holds
        ``theta = 1``, the PLRF's (the Hessian's spectrum). Off by default: on the llm-curves
        runs it gains 0-11 % of in-sample RSS and its rule (BIC) rejects it, and ``theta``
        trades off with ``b`` along ``(a - 1)/b = const`` (``benchmarks/results/fit.md``,
        2026-11-30g).
    mode_law : bool
        :func:`fit_shared` only: each size's mode count from a fitted law
        ``N = N_ref (params / params_ref)^gamma`` of its runs' ``params`` (2 parameters for any
        number of sizes; ``n_modes`` is then its upper clip). :func:`fit_runs` rejects it.
        Experimental: on runs generated by the recursion it recovers the easy point but not the
        hard one (``b`` 3.42 against 2.5: the mode count and ``b`` trade off along a valley), so
        its phase is not to be trusted (``benchmarks/results/fit.md``, 2026-11-30f).
    prior : ParamPrior or None
        :func:`fit_runs` only: an empirical-Bayes prior on named parameters from other
        families' fits (:mod:`._prior`, :func:`leave_one_out`); the fit is then the posterior
        mode, refined from the fit without the prior (kept as ``RunFit.base``). Its names must
        be free parameters of the fit; runs of the prior's source families are refused.
        None (default): no prior. Off by default: on the llm-curves splits it lowers
        cos-to-wsd's held-out error (0.79 -> 0.52 %) but raises short-to-long's (0.20 ->
        0.25 %), and its pre-registered rule rejects it (``benchmarks/results/fit.md``,
        2026-11-30h). A prior on the rate map's ``norm0`` alone
        (``leave_one_out(..., names=("norm0",))``) is rejected by the same rule (cos-to-wsd
        0.79 -> 0.71 %, long-to-short's worst 0.52 -> 0.77 %; 2026-12-01s19).
    """

    split: str = "val"
    min_step: int = 1000
    loss: str = "soft_l1"
    f_scale: float = 0.01
    n_starts: int = 3
    max_points: int = 60
    n_boot: int = 40
    boot_kind: str = "runs"
    n_modes: int = DEFAULT_MODES
    n_grid: int = DEFAULT_GRID
    seed: int = 0
    fit_power: bool = True
    fit_gain: bool = False
    rate_map: str = "auto"
    mode_law: bool = False
    fit_theta: bool = False
    prior: ParamPrior | None = None

    def __post_init__(self):
        if self.split not in ("val", "train"):
            raise ValueError(f"split must be 'val' or 'train', got {self.split!r}")
        check_int("min_step", self.min_step, ge=0)
        if self.loss not in ("linear", "soft_l1", "huber", "cauchy", "arctan"):
            raise ValueError(f"loss must be a least_squares loss name, got {self.loss!r}")
        check_real("f_scale", self.f_scale, gt=0)
        check_int("n_starts", self.n_starts, ge=1)
        check_int("max_points", self.max_points, ge=2)
        check_int("n_boot", self.n_boot, ge=0)
        if self.boot_kind not in BOOT_KINDS:
            raise ValueError(f"boot_kind must be one of {BOOT_KINDS}, got {self.boot_kind!r}")
        check_int("n_modes", self.n_modes, ge=1)
        check_int("n_grid", self.n_grid, ge=1)
        if self.rate_map not in RATE_MAPS:
            raise ValueError(f"rate_map must be one of {RATE_MAPS}, got {self.rate_map!r}")
        for name in ("fit_power", "fit_gain", "mode_law", "fit_theta"):
            if not isinstance(getattr(self, name), bool):
                raise TypeError(f"{name} must be a bool, got {getattr(self, name)!r}")
        if self.prior is not None and not isinstance(self.prior, ParamPrior):
            raise TypeError(f"prior must be a ParamPrior or None, got {self.prior!r}")

    @property
    def n_params(self) -> int:
        return int(np.sum(_free(self)))


def _free(opts) -> np.ndarray:
    """Mask of the free entries of the optimiser's vector (``p`` held at 1 without fit_power
    or with the norm map, ``gain`` at 0 without fit_gain, ``norm0`` at equilibrium unless
    ``rate_map="norm"``, ``theta`` at 1 without fit_theta)."""
    held = {"p": not opts.fit_power or "norm" in opts.rate_map, "gain": not opts.fit_gain,
            "norm0": opts.rate_map != "norm", "theta": not opts.fit_theta}  # fmt: skip
    return np.array([not held.get(n, False) for n in PARAM_NAMES])
