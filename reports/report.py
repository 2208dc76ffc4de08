"""Reports as objects, for Python and Jupyter: tables, figures, the page inline, and the files.

`study_report(name)` and `compare(names)` read the storage once and return a report whose
`tables` are DataFrames (by CSV name) and `figures` matplotlib Figures (by PNG name). In a
notebook the report shows itself inline (`_repr_html_`: the body of report.html, figures
embedded); `save(dir)` writes what `dnnsearch report` and `dnnsearch compare` write, since
`write_report` and `write_comparison` are `study_report(...).save(...)` and
`compare(...).save(...)`: one path.

The tables are computed and the figures drawn once, on first use. The figures are made on the
Agg canvas without pyplot (`reports.figures`), so pyplot never holds them: a notebook shows a
figure only where it is a cell's value, never a second time at the end of the cell, and there
is nothing to close.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from reports import build, render
from reports import tables as tab
from reports.blocks import Block
from reports.files import write_files
from reports.load import StudyData, load_study_data, read_study
from reports.render import FigureRecipe
from search import default_storage, open_existing_study, test_predictions
from search.storage import RUNS_DIR


class Report:
    """A report: a title, tables, figures and the blocks that lay them out (see subclasses)."""

    title: str

    @cached_property
    def tables(self) -> dict[str, pd.DataFrame]:
        """The report's tables, by CSV name (each written as `<name>.csv` by `save`)."""
        return self._tables()

    @cached_property
    def figures(self) -> dict[str, Figure]:
        """The report's figures with data, by PNG name, drawn once on first use."""
        return render.draw_figures(self._recipes())

    @cached_property
    def blocks(self) -> list[Block]:
        """The report laid out: headings, text, tables, figures (as PNG bytes)."""
        images = {name: render.png_bytes(figure) for name, figure in self.figures.items()}
        names = [name for name, _, _ in self._recipes()]
        return self._blocks(build.figure_blocks(names, images, self._captions()))

    def markdown(self) -> str:
        """report.md: the report as Markdown (figures linked as `<name>.png`)."""
        return render.render_markdown(self.title, self.blocks)

    def html(self) -> str:
        """report.html: the report as one self-contained page (figures embedded)."""
        return render.render_html(self.title, self.blocks)

    def _repr_html_(self) -> str:
        """The report inline in Jupyter: report.html's body, stored text escaped as there."""
        return render.html_body(self.title, self.blocks)

    def save(self, out_dir: str | Path | None = None) -> Path:
        """Write report.md, report.html, a CSV per table and a PNG per figure.

        Args:
            out_dir: the folder (default: the one `dnnsearch` writes to, `default_dir`).

        Returns:
            The folder.

        Raises:
            search.StorageError: the folder is a symbolic link (nothing is written through
                one, nor through a link planted at a file's path: `reports.files`).
        """
        out = Path(out_dir) if out_dir is not None else self.default_dir()
        return write_files(out, self.title, self.blocks, self.tables)

    def default_dir(self) -> Path:
        """The folder `dnnsearch` writes this report to."""
        raise NotImplementedError

    def _tables(self) -> dict[str, pd.DataFrame]:
        raise NotImplementedError

    def _recipes(self) -> list[FigureRecipe]:
        raise NotImplementedError

    def _blocks(self, figures: list[Block]) -> list[Block]:
        raise NotImplementedError

    def _captions(self) -> dict[str, str]:
        return build.CAPTIONS


class StudyReport(Report):
    """The report of one study (`study_report`).

    Its summary, hyperparameters, learned parameters, figures and trials.
    """

    def __init__(
        self, data: StudyData, predictions: tuple[np.ndarray, np.ndarray] | None = None
    ) -> None:
        """A study's report.

        Args:
            data: the study read back (`reports.load`).
            predictions: a regression's `(y_true, y_pred)` on the test data (or None).
        """
        self.data = data
        self.predictions = predictions  # a regression's (y_true, y_pred) on the test data
        self.title = f"Study {data.info.name}"

    @property
    def name(self) -> str:
        """The study's name."""
        return self.data.info.name

    def __repr__(self) -> str:
        """The study's name, its number of trials and its best value."""
        info, trials, _ = self.data
        best = tab.best_row(trials, info.direction)
        found = f"best {info.metric} {float(best['value']):.4g}" if best is not None else "no best"
        return f"StudyReport({self.name!r}: {len(trials)} trials, {found})"

    def default_dir(self) -> Path:
        """`runs/<name>/report`."""
        return RUNS_DIR / self.name / "report"

    def _tables(self) -> dict[str, pd.DataFrame]:
        return build.study_tables(self.data)

    def _recipes(self) -> list[FigureRecipe]:
        return build.study_recipes(self.data, self.tables, self.predictions)

    def _blocks(self, figures: list[Block]) -> list[Block]:
        return build.study_blocks(self.data, self.tables, figures)

    def _captions(self) -> dict[str, str]:
        return build.study_captions(self.data)


class ComparisonReport(Report):
    """Several studies side by side (`compare`): summaries, best hyperparameters, curves."""

    def __init__(self, studies: Sequence[StudyData]) -> None:
        """A comparison of `studies` (read back by `reports.load`), in their order."""
        self.studies = list(studies)
        self.names = [s.info.name for s in self.studies]
        self.title = f"Comparison: {', '.join(self.names)}"

    def __repr__(self) -> str:
        """The number of studies and their names."""
        return f"ComparisonReport({len(self.names)} studies: {', '.join(map(repr, self.names))})"

    def default_dir(self) -> Path:
        """`runs/compare/<a>_vs_<b>`."""
        return RUNS_DIR / "compare" / "_vs_".join(self.names)

    def _tables(self) -> dict[str, pd.DataFrame]:
        return build.compare_tables(self.studies)

    def _recipes(self) -> list[FigureRecipe]:
        return build.compare_recipes(self.studies)

    def _blocks(self, figures: list[Block]) -> list[Block]:
        return build.compare_blocks(self.tables, figures)


def study_report(name: str, storage: str | None = None) -> StudyReport:
    """The report of study `name` (default storage: `runs/<name>/journal.log`), read now.

    A regression's report also draws its best network's predictions on the test data, when
    the study has them (`search.test_predictions`).

    Raises:
        search.StorageError: there is no such study.
    """
    url = storage or default_storage(name)
    study = open_existing_study(name, url)
    data = read_study(study, url)
    predictions = None if data.info.problem.has_classes else test_predictions(study, url)
    return StudyReport(data, predictions)


def compare(names: Sequence[str], storage: str | None = None) -> ComparisonReport:
    """A comparison of studies `names`, each read once, in order.

    Without `storage`, each study is read from its own default journal file.

    Raises:
        search.StorageError: one of the studies does not exist.
    """
    return ComparisonReport([load_study_data(name, storage) for name in dict.fromkeys(names)])


def write_report(name: str, storage: str | None = None, out_dir: str | Path | None = None) -> Path:
    """Write the report of study `name` into `out_dir` (default `runs/<name>/report`).

    Files: report.md, report.html (self-contained), summary.csv, hyperparameters.csv,
    learned_parameters.csv, trials.csv, learning_curves.csv, and one PNG per figure with data;
    data.csv and target.csv with a data summary; ensemble.csv, ensemble_scores.csv and
    ensemble_parameters.csv when the final model is an ensemble (`reports.ensemble`).

    Raises:
        search.StorageError: there is no such study, or the folder is a symbolic link.
    """
    return study_report(name, storage).save(out_dir)


def write_comparison(
    names: Sequence[str], storage: str | None = None, out_dir: str | Path | None = None
) -> Path:
    """Write a comparison of studies `names` into `out_dir` (default `runs/compare/<a>_vs_<b>`).

    Files: report.md, report.html (self-contained), comparison.csv (with each study's
    `final_model`: one network or an ensemble of how many trials), best_hyperparameters.csv,
    data.csv, best_so_far.png. Without `storage`, each study is read from its own default
    journal file.

    Raises:
        search.StorageError: one of the studies does not exist, or the folder is a symbolic
            link.
    """
    return compare(names, storage).save(out_dir)
