"""reports: read stored studies back as pandas tables, matplotlib figures and report files.

load (storage -> tidy DataFrame) -> tables, data, importance (DataFrame in, DataFrame out)
-> figures (DataFrame in, Figure out: figure_data computes, figure_plots draws) -> build (the
report's content: its tables, figures and blocks) -> render (Markdown, self-contained HTML,
CSV, PNG) -> files (written without following links). Reports read the storage only and
never train.

>>> from reports import load_study_data, summary_table, write_report
>>> info, trials, curves = load_study_data("digits")  # doctest: +SKIP
>>> summary_table(trials, info)                       # doctest: +SKIP
>>> write_report("digits")                            # doctest: +SKIP  (runs/digits/report)
>>> study_report("digits")                            # doctest: +SKIP  (inline in Jupyter)

A study whose final model is an ensemble of its best trials gets a section on it
(`reports.ensemble`: `final_ensemble` and its tables).

`study_report(name)` and `compare(names)` return the report as an object: `.tables`
(DataFrames), `.figures` (matplotlib Figures), shown inline in a notebook, and `.save(dir)`
writing the same files as `write_report` and `write_comparison`.

The figures are in `reports.figures`, each as a pair: `*_data` (what to draw, from the tables)
and `plot_*` (a matplotlib Figure), for example
`figures.plot_history(figures.history_data(trials, info.direction, info.metric))`.
"""

from reports import figures
from reports.ensemble import (
    EnsembleError,
    FinalEnsemble,
    ensemble_members_table,
    ensemble_parameters_table,
    ensemble_scores_table,
    final_ensemble,
)
from reports.load import StudyData, StudyInfo, load_study_data, read_study
from reports.report import (
    ComparisonReport,
    StudyReport,
    compare,
    study_report,
    write_comparison,
    write_report,
)
from reports.tables import (
    comparison_table,
    hyperparameter_table,
    learned_parameters_table,
    summary_table,
    trials_table,
)

__all__ = [
    "ComparisonReport",
    "EnsembleError",
    "FinalEnsemble",
    "StudyData",
    "StudyInfo",
    "StudyReport",
    "compare",
    "comparison_table",
    "ensemble_members_table",
    "ensemble_parameters_table",
    "ensemble_scores_table",
    "figures",
    "final_ensemble",
    "hyperparameter_table",
    "learned_parameters_table",
    "load_study_data",
    "read_study",
    "study_report",
    "summary_table",
    "trials_table",
    "write_comparison",
    "write_report",
]
