"""What a study's report (or a comparison of studies) says: its tables, figures and blocks.

A report is built here as content, before any format: the tables (by CSV name), the figure
recipes (a name, the plot data's computation and its drawing: `reports.figures`), and the
blocks that lay them out (`reports.blocks`). `reports.render` turns the blocks into Markdown
and HTML, and `reports.files` writes them. Reports read the storage only; they never train.
Text read from the storage enters the blocks as `Stored` pieces or table cells, never as the
report's own text.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from reports import data as dat
from reports import ensemble as ens
from reports import figures as fig
from reports import tables as tab
from reports.blocks import Block, Stored, figure, fill, heading, paragraph, table
from reports.load import StudyData, StudyInfo, task_of
from reports.render import FigureRecipe
from reports.usage import use_blocks
from search.epochs import PATIENCE
from search.summary import DataSummary, DataSummaryError

INTRO = """\
**Parameters** are the numbers the network learns: the weights W[l] and biases b[l] of each
layer l. Training sets them, inside each trial, by gradient descent: forward propagation
computes the cost J, backward propagation its gradients dW[l] and db[l], and every iteration
moves W[l] := W[l] - α dW[l] (and b[l] likewise). Nobody picks them by hand.

**Hyperparameters** are the choices that decide how the parameters are learned and how many
there are: the learning rate α, the number of iterations, the number of hidden layers L - 1,
the units n[l] and activation g[l] of each layer, the optimizer, the mini-batch size, the
regularization λ and the initialization. They are chosen outside training, before it starts,
by the search: the sampler proposes one combination per trial, a network is trained with it,
and its validation score guides the next proposals, while the pruner stops unpromising trials
early. Each trial is one turn of the loop idea, code, experiment.

Trials are compared on the validation set; the test set scores the best trial once, at the
end, so that its {score} is not flattered by the search."""


def intro(tasks: Iterable[str]) -> str:
    """The introduction, saying "accuracy" only when every study's task has classes."""
    accuracy = all(task_of(task).has_classes for task in tasks)
    return INTRO.format(score="accuracy" if accuracy else "score")


COLUMNS_TEXT = (
    "Each column as read: its inferred kind, its missing cells, the categories kept (rare ones "
    "pooled into one), and the number of inputs n_x it is encoded as."
)

CAPTIONS = {
    "optimization_history": "Each complete trial's value and the best value so far.",
    "learning_curves": "Cost and validation metric against the iteration: the best trials, "
    "and pruned trials in gray (stopped early by the pruner).",
    "importance": "How much each tuned hyperparameter explains the value (Optuna's default "
    "evaluator).",
    "parallel_coordinates": "Every complete trial across the tuned hyperparameters, each axis "
    "scaled to [0, 1], colored by its value.",
    "learning_rate": "The learning rate α against the value (log axis).",
    "accuracy_vs_parameters": "Validation accuracy against the number of learned parameters, "
    "colored by depth: deep and narrow against shallow and wide.",
    "value_vs_parameters": "Each trial's value against the number of learned parameters, "
    "colored by depth: deep and narrow against shallow and wide.",
    "predictions": "The best network's predictions on the test data against the true values; "
    "on the red line y = x they would be exact.",
    "residuals": "Residuals (actual - predicted) of the best network on the test data against "
    "its predictions: a slope or a funnel is a pattern the network missed.",
    "best_so_far": "Best value so far of each study against wall time since its first trial.",
}

# A regression's predictions on the test data are its final model's: an ensemble's when it is one
ENSEMBLE_CAPTIONS = {
    "predictions": "The final ensemble's predictions on the test data against the true values; "
    "on the red line y = x they would be exact.",
    "residuals": "Residuals (actual - predicted) of the final ensemble on the test data against "
    "its predictions: a slope or a funnel is a pattern it missed.",
}

STOPPED_TEXT = (
    " A dot marks each trial's best report on validation, whose network and value the trial "
    f"kept; its training went on until {PATIENCE} reports in a row had not beaten it (or its "
    "iterations ran out), drawn fainter."
)

Predictions = tuple[np.ndarray, np.ndarray]  # a regression's (y_true, y_pred) on the test data


def figure_blocks(
    names: Sequence[str], images: Mapping[str, bytes], captions: Mapping[str, str] = CAPTIONS
) -> list[Block]:
    """A figure block per name that has an image (PNG bytes), else a line saying why not."""
    return [
        figure(name, images[name], captions.get(name, ""))
        if name in images
        else paragraph(f"{name.replace('_', ' ')}: no data yet, figure omitted.")
        for name in names
    ]


def study_captions(data: StudyData) -> dict[str, str]:
    """The captions of a study's figures: `CAPTIONS`, but for what a study's own data change.

    The learning curves' also say where each trial stopped, when some trial recorded its best
    iteration (`reports.figure_curves`); a regression's predictions are the final ensemble's,
    when its final model is one (`reports.ensemble`).
    """
    captions = dict(CAPTIONS)
    if fig.best_iterations(data.trials):
        captions["learning_curves"] += STOPPED_TEXT
    if ens.is_final_ensemble(data):
        captions.update(ENSEMBLE_CAPTIONS)
    return captions


# A study's figures ----------------------------------------------------------------------------


def trial_recipes(data: StudyData, hyperparameters: pd.DataFrame) -> list[FigureRecipe]:
    """The figures of every study's report: history, curves, importance, parallel, α."""
    info, trials, curves = data
    direction, metric = info.direction, info.metric
    return [
        (
            "optimization_history",
            lambda: fig.history_data(trials, direction, metric),
            fig.plot_history,
        ),
        (
            "learning_curves",
            lambda: fig.curves_data(curves, trials, direction, metric),
            fig.plot_curves,
        ),
        ("importance", lambda: fig.importance_data(hyperparameters), fig.plot_importance),
        ("parallel_coordinates", lambda: fig.parallel_data(trials, metric), fig.plot_parallel),
        ("learning_rate", lambda: fig.learning_rate_data(trials, metric), fig.plot_learning_rate),
    ]


def regression_recipes(data: StudyData, predictions: Predictions | None) -> list[FigureRecipe]:
    """A regression's own figures: its value against its size, predictions and residuals.

    The predictions and residuals are those of its final model on the test data (empty
    without `predictions`).
    """
    info, trials, _ = data
    y_true, y_pred = predictions if predictions is not None else (np.empty(0), np.empty(0))
    summary = data_summary(info)
    target = summary.target if isinstance(summary, DataSummary) else None
    metric = info.metric
    return [
        ("value_vs_parameters", lambda: fig.parameters_data(trials, metric), fig.plot_parameters),
        ("predictions", lambda: fig.predictions_data(y_true, y_pred, target), fig.plot_predictions),
        ("residuals", lambda: fig.residuals_data(y_true, y_pred, target), fig.plot_residuals),
    ]


def study_recipes(
    data: StudyData, tables: Mapping[str, pd.DataFrame], predictions: Predictions | None = None
) -> list[FigureRecipe]:
    """The figures of one study's report.

    Args:
        data: the study read back.
        tables: its tables (`study_tables`).
        predictions: a regression's `(y_true, y_pred)` on the test data, from
            `search.test_predictions` (None: none stored, or a classification).

    Returns:
        A recipe per figure, in the report's order.
    """
    common = trial_recipes(data, tables["hyperparameters"])
    if data.info.problem.has_classes:
        trials = data.trials
        size = ("accuracy_vs_parameters", lambda: fig.parameters_data(trials), fig.plot_parameters)
        return [*common, size]
    return [*common, *regression_recipes(data, predictions)]


# A study's text -------------------------------------------------------------------------------


def overview(info: StudyInfo) -> Block:
    """One paragraph: data set, metric, sampler, pruner, and what was tuned or held fixed."""
    spec, space = info.spec, info.space
    tuned = space.tuned() if space is not None else []
    fixed = [key for key, _ in space.entries if key not in tuned] if space is not None else []

    def stored(key: str, code: bool = True) -> Stored:
        return Stored(str(spec.get(key, "?")), code)

    return fill(
        "Data set {dataset}{task}, {direction} the validation {metric}{pareto}; sampler {sampler}, "
        "pruner {pruner}, {n_trials} trials per run. Tuned: {tuned}. Held fixed: {fixed}. "
        "Storage: {storage}.",
        dataset=stored("dataset"),
        task="" if info.problem.has_classes else f" (a {info.task})",
        direction=info.direction,
        metric=Stored(info.metric),
        pareto=" (and the number of parameters: Pareto)" if info.pareto else "",
        sampler=stored("sampler"),
        pruner=stored("pruner"),
        n_trials=stored("n_trials", code=False),
        tuned=Stored(", ".join(tuned) or "none"),
        fixed=Stored(", ".join(fixed) or "none"),
        storage=Stored(info.storage, code=True),
    )


def learned_text(learned: pd.DataFrame) -> str:
    """What the best network learned, in words (its table follows)."""
    if learned.empty:
        return "No complete trial yet: no network has learned anything to show."
    total = int(learned[tab.N_PARAMETERS].iloc[-1])
    return (
        f"The best network has L = {len(learned) - 1} layers with parameters and learned "
        f"{total} numbers: for each layer, W[l] of shape (n[l], n[l-1]) and b[l] of shape "
        "(n[l], 1), that is n[l] (n[l-1] + 1) parameters."
    )


# A study's data -------------------------------------------------------------------------------


def data_summary(info: StudyInfo) -> DataSummary | DataSummaryError | None:
    """The study's data summary, checked; the error when it is not readable; None if none."""
    try:
        return DataSummary.read(info.data_summary)
    except DataSummaryError as error:
        return error


def data_overview(summary: DataSummary) -> Block:
    """The data in one paragraph: the task, the examples and their split, n_x."""
    return fill(
        "A {task}: {examples} examples for training and validation, scored by {validation}, "
        "and {test_examples} test examples, scored once at the end. The inputs are encoded "
        "as n_x = {n_x} numbers per example (n[0]).",
        task=Stored(summary.task),
        examples=str(summary.examples),
        validation=Stored(summary.validation),
        test_examples=str(summary.test_examples),
        n_x=str(summary.n_x),
    )


def columns_blocks(summary: DataSummary, columns: pd.DataFrame | None) -> list[Block]:
    """The columns of a table read, with their table; or a line for arrays without names."""
    if summary.columns and columns is not None:
        return [paragraph(COLUMNS_TEXT), table(columns)]
    return [paragraph("Numeric arrays without column names: each input is one feature.")]


def target_paragraph(summary: DataSummary) -> Block:
    """What the target's table shows: its classes, or its mean, spread and range."""
    what = "its classes" if summary.classes is not None else "its mean, spread and range"
    over = "over the examples for training and validation"
    if summary.target:
        name = Stored(summary.target, code=True)
        return fill(f"The target {{name}}: {{what}}, {over}.", name=name, what=what)
    return fill(f"The target: {{what}}, {over}.", what=what)


def data_blocks(info: StudyInfo, tables: Mapping[str, pd.DataFrame]) -> list[Block]:
    """The data section: what the examples are, their columns and their target.

    Without a readable data summary, a line saying why the section is left out.
    """
    summary = data_summary(info)
    if summary is None:
        return [heading("Data"), paragraph("No summary of the data is stored with this study.")]
    if isinstance(summary, DataSummaryError):
        reason = Stored(str(summary))
        why = paragraph("The stored data summary is not readable (", reason, ").")
        return [heading("Data"), why]
    return [
        heading("Data"),
        data_overview(summary),
        *columns_blocks(summary, tables.get("data")),
        target_paragraph(summary),
        table(tables["target"]),
    ]


# A study's report -----------------------------------------------------------------------------


def study_tables(data: StudyData) -> dict[str, pd.DataFrame]:
    """The tables of one study's report, by CSV name.

    `data` and `target` with a data summary; `ensemble`, `ensemble_scores` and
    `ensemble_parameters` when the final model is an ensemble (`reports.ensemble`).
    """
    info, trials, curves = data
    tables = {
        "summary": tab.summary_table(trials, info),
        "hyperparameters": tab.hyperparameter_table(trials, info),
        "learned_parameters": tab.learned_parameters_table(trials, info),
        "trials": trials,
        "learning_curves": curves,
    }
    summary = data_summary(info)
    if isinstance(summary, DataSummary):
        tables.update(data=dat.data_table(summary), target=dat.target_table(summary))
    return {**tables, **ens.ensemble_tables(data)}


def study_blocks(
    data: StudyData, tables: Mapping[str, pd.DataFrame], figures: Sequence[Block]
) -> list[Block]:
    """The blocks of one study's report: overview, the two kinds of numbers, tables, figures.

    The final model has a section of its own when it is an ensemble (`reports.ensemble`).

    Args:
        data: the study read back.
        tables: its tables (`study_tables`).
        figures: the blocks of `figure_blocks`.

    Returns:
        The report laid out, in order.
    """
    learned = tables["learned_parameters"]
    return [
        heading("Parameters and hyperparameters"),
        paragraph(intro([data.info.task])),
        heading("The study"),
        overview(data.info),
        table(tables["summary"]),
        *data_blocks(data.info, tables),
        heading("Hyperparameters: chosen by the search"),
        table(tables["hyperparameters"]),
        heading("Parameters: what the best network learned"),
        paragraph(learned_text(learned)),
        table(learned),
        *ens.ensemble_blocks(data, tables),
        *use_blocks(data.info),
        heading("Figures"),
        *figures,
        heading("Trials"),
        table(tab.trials_table(data.trials, data.info.task)),
    ]


# A comparison ---------------------------------------------------------------------------------


def compare_tables(studies: Sequence[StudyData]) -> dict[str, pd.DataFrame]:
    """The tables of a comparison, by CSV name."""
    comparison = final_model_column(
        tab.comparison_table([tab.summary_table(s.trials, s.info) for s in studies]), studies
    )
    best = tab.best_values_table(
        {s.info.name: tab.hyperparameter_table(s.trials, s.info) for s in studies}
    )
    rows = []
    for s in studies:
        summary = data_summary(s.info)
        known = summary if isinstance(summary, DataSummary) else None
        rows.append(dat.studies_row(s.info.name, s.info.task, known))
    data = pd.DataFrame(rows, columns=dat.STUDIES_COLUMNS)
    return {"comparison": comparison, "best_hyperparameters": best, "data": data}


def final_model_column(comparison: pd.DataFrame, studies: Sequence[StudyData]) -> pd.DataFrame:
    """The comparison with a `final_model` column before its test scores.

    Each study's final model: `single network` or `ensemble of N trials` (`reports.ensemble`).
    """
    tests = [k for k, c in enumerate(comparison.columns) if str(c).startswith("test_")]
    table = comparison.copy()
    at = tests[0] if tests else len(table.columns)
    table.insert(at, "final_model", [ens.final_model_text(s.trials, s.info) for s in studies])
    return table


def compare_recipes(studies: Sequence[StudyData]) -> list[FigureRecipe]:
    """The figures of a comparison: each study's best value so far against wall time."""
    trials = {s.info.name: s.trials for s in studies}
    directions = {s.info.name: s.info.direction for s in studies}
    metrics = {s.info.name: s.info.metric for s in studies}
    return [
        ("best_so_far", lambda: fig.compare_data(trials, directions, metrics), fig.plot_compare)
    ]


def compare_blocks(tables: Mapping[str, pd.DataFrame], figures: Sequence[Block]) -> list[Block]:
    """The blocks of a comparison (`figures`: the blocks of `figure_blocks`)."""
    return [
        heading("Parameters and hyperparameters"),
        paragraph(intro(tables["data"]["task"])),
        heading("Studies side by side"),
        table(tables["comparison"]),
        heading("Best hyperparameters of each study"),
        table(tables["best_hyperparameters"]),
        heading("Data of each study"),
        table(tables["data"]),
        heading("Figures"),
        *figures,
    ]
