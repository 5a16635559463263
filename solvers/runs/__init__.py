"""The theory on real training runs: load, fit, predict held-out schedules, score baselines,
recommend a schedule (``optlr fit``).

* loading and validating CSV runs, the shipped ``llm-curves`` data set (:mod:`._data`);
* the PLRF loss functional of a whole schedule in model time (:mod:`._functional`);
* the joint fit (:mod:`._fit`), the fit of several model sizes with ``(a, b)`` shared
  (:mod:`._shared`) and held-out prediction (:mod:`._predict`), scored against the empirical laws
  (:mod:`._laws`) and learning-rate transfer (:mod:`._evaluate`);
* the fitted model's optimal schedule at a new horizon (:mod:`._recommend`); figures (:mod:`._plot`).

>>> from solvers.runs import load_dataset
>>> len(load_dataset("llm-curves"))
82
"""

from theory._lazy import attach

__getattr__, __dir__, __all__ = attach(
    __name__,
    {
        "annealing_law": "_laws",
        "DATASETS": "_data",
        "fit_and_predict": "_evaluate",
        "fit_and_predict_shared": "_evaluate",
        "fit_law": "_laws",
        "fit_points": "_fit",
        "fit_start": "_window",
        "fit_runs": "_fit",
        "fit_shared": "_shared",
        "FitOptions": "_fit",
        "FitReport": "_evaluate",
        "LawFit": "_laws",
        "LAWS": "_laws",
        "load_dataset": "_data",
        "load_runs": "_data",
        "loss_curve": "_functional",
        "loss_parts": "_functional",
        "LossParams": "_functional",
        "lr_transfer": "_evaluate",
        "mode_nodes": "_functional",
        "mode_nodes_at": "_functional",
        "multi_power_law": "_laws",
        "leave_one_out": "_prior",
        "nearest_forms": "_recommend",
        "naive_final": "_laws",
        "ParamPrior": "_prior",
        "parametric_schedule": "_recommend",
        "prior_from_fits": "_prior",
        "plot_curves": "_plot",
        "plot_report": "_plot",
        "plot_residuals": "_plot",
        "predict_run": "_predict",
        "recommend": "_recommend",
        "Recommendation": "_recommend",
        "Run": "_data",
        "run_grid": "_functional",
        "RunFit": "_fit",
        "RunGrid": "_functional",
        "RunsDataError": "_data",
        "RunSet": "_data",
        "schedule_family": "_evaluate",
        "SharedFit": "_shared",
        "SharedReport": "_evaluate",
        "sharing_test": "_shared",
    },
)
