"""reports: read stored studies back as pandas tables, matplotlib figures and report files.

load (storage -> tidy DataFrame) -> tables (DataFrame in, DataFrame out) -> figures
(DataFrame in, Figure out) -> build (report.md, self-contained report.html, CSV, PNG).
Reports read the storage only and never train.

>>> from reports import write_report, write_comparison
>>> write_report("digits")                           # doctest: +SKIP  (runs/digits/report)
>>> write_comparison(["digits_tpe", "digits_random"])  # doctest: +SKIP
"""

from reports.build import write_comparison, write_report
from reports.figures import (
    CompareData,
    CurvesData,
    HistoryData,
    ImportanceData,
    ParallelData,
    ScatterData,
    compare_data,
    curves_data,
    history_data,
    importance_data,
    learning_rate_data,
    parallel_data,
    parameters_data,
    plot_compare,
    plot_curves,
    plot_history,
    plot_importance,
    plot_learning_rate,
    plot_parallel,
    plot_parameters,
)
from reports.load import StudyData, StudyInfo, load_study_data, read_study
from reports.tables import (
    best_row,
    best_values_table,
    comparison_table,
    hyperparameter_table,
    learned_parameters_table,
    param_importances,
    summary_table,
    trials_table,
)

__all__ = [
    "CompareData",
    "CurvesData",
    "HistoryData",
    "ImportanceData",
    "ParallelData",
    "ScatterData",
    "StudyData",
    "StudyInfo",
    "best_row",
    "best_values_table",
    "compare_data",
    "comparison_table",
    "curves_data",
    "history_data",
    "hyperparameter_table",
    "importance_data",
    "learned_parameters_table",
    "learning_rate_data",
    "load_study_data",
    "param_importances",
    "parallel_data",
    "parameters_data",
    "plot_compare",
    "plot_curves",
    "plot_history",
    "plot_importance",
    "plot_learning_rate",
    "plot_parallel",
    "plot_parameters",
    "read_study",
    "summary_table",
    "trials_table",
    "write_comparison",
    "write_report",
]
