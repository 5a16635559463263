r"""Claims of the momentum-forms study: one per form, the hard-phase loss exponent.

Each claim compares the exponent derived by :func:`theory.derive_momentum_exponents` for a form
with the exponent extrapolated from the optimal schedules of that form's derived shape with a free
correction on the long-horizon solver (:func:`solvers.control.momentum_longrun.longrun_exponents`,
L-BFGS-B to its KKT tolerance) over the horizons ``ctx.beyond.momentum_T``, on log-binned modes
(``model.n_modes`` of them). The sweep is memoised per run (``ctx.memo``).
"""

from __future__ import annotations

from dataclasses import replace

from theory import PLRFModel

__all__ = ["momentum_form_claims"]

#: Forms with a claim (SGD is each claim's reference, solved alongside).
CLAIM_FORMS = ("ema", "heavy-ball", "nesterov")
#: Agreement band on the exponent: the family optimum's exponent drifts slowly with T
#: (measured at (1.3, 2.75) and (1.5, 3), benchmarks/results/momentum.md).
FORM_TOLERANCE = 0.02


def forms_sweep(model: PLRFModel, ctx):
    """:func:`~solvers.control.momentum_longrun.longrun_exponents` for SGD and every form,
    memoised."""
    from ..control.momentum_longrun import longrun_exponents

    key = ("momentum-forms", model, tuple(ctx.beyond.momentum_T))
    if key not in ctx.memo:
        ctx.memo[key] = longrun_exponents(model, ("sgd", *CLAIM_FORMS), ctx.beyond.momentum_T)
    return ctx.memo[key]


def _experiment(form: str):
    def experiment(model, Ts, ctx):
        from .core import _exponent_measurement

        fe = forms_sweep(model, ctx)
        diagnostics = {
            "sgd_loss": fe.losses("sgd").tolist(),
            "sgd_exponent": fe.fits["sgd"].exponent,
            "converged": bool(fe.converged(form)),
        }
        # the loss decays: its exponent, as a positive decay rate, is -d log L / d log T
        m = _exponent_measurement(fe.horizons, fe.losses(form), sign=-1.0, diagnostics=diagnostics)
        if not fe.converged(form):
            m = replace(m, success=False, message=m.message + "; some optimisations stopped "
                        "above their KKT tolerance")  # fmt: skip
        return m

    return experiment


def _prediction(form: str):
    def prediction():
        from theory import derive_free_friction_exponent, derive_momentum_exponents

        derived = derive_momentum_exponents().exponents[form]["hard"]
        if form == "nesterov":  # two derivations (friction ~ 1/t, friction free): one exponent
            free = derive_free_friction_exponent().exponent
            if free != derived:
                raise RuntimeError(f"nesterov: friction-free exponent {free} != {derived}")
        return derived

    return prediction


def momentum_form_claims() -> list:
    """One claim per momentum form: its hard-phase loss exponent."""
    from .core import Claim

    texts = {
        "ema": ("SGD's (a-1)/b: the slow rate is eta <= eta_max", r"p = (a-1)/b"),
        "heavy-ball": ("SGD's (a-1)/b: the effective rate eta/(1-beta) is bounded by the noise "
                       "feedback", r"p = (a-1)/b"),
        "nesterov": ("(a-1)(2b-1)/b^2 for a < b^2/(2b-1): the growing effective rate at the "
                     "noise-feedback stability bound zeta_t ~ t^(-1/b) (the constraint binds; "
                     "the noise the final annealing leaves is subdominant), (a-1)/a above; the "
                     "same with the friction switched off mid-run (ballistic progress, same "
                     "bound: theory.derive_free_friction_exponent)",
                     r"p = \frac{(a-1)(2b-1)}{b^2}\ (a < \tfrac{b^2}{2b-1})"),
    }  # fmt: skip
    return [
        Claim(
            f"momentum, hard phase, {form}",
            f"loss exponent {texts[form][0]}",
            texts[form][1],
            "loss exponent of the best schedule of the form",
            prediction=_prediction(form),
            experiment=_experiment(form),
            tolerance=FORM_TOLERANCE,
            phases=("hard",),
            provenance="derived by the engine (docs/theory.md §5)",
        )
        for form in CLAIM_FORMS
    ]
