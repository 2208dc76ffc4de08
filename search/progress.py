"""What a run says while it works: its opening lines, a line per trial, and its closing lines.

A run reports to a stream of lines (`Progress`, which every worker process prints to) or to a
`Watcher` that lives in this process only (`TrialBar`, a tqdm bar for notebooks). Trials that
run for minutes also get a line per new validation report (`long_trial_lines`).
"""

from __future__ import annotations

import os
import shlex
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Protocol, TextIO, runtime_checkable

import numpy as np
import optuna
from optuna.trial import FrozenTrial, TrialState

from search.accounting import Ledger, ledger_of, tally
from search.best import best_config, best_trial
from search.folds import SMALL_DATA, folds_limit
from search.record import TrialRecord, is_surplus
from search.spec import StudySpec
from search.storage import redact
from search.summary import DataSummary

if TYPE_CHECKING:
    from search.final import RunResult

Callback = Any  # an Optuna study callback: (study, frozen trial) -> None
# A trial running longer than this gets a progress line per new report, one per period at most.
LONG_TRIAL = 10.0


@runtime_checkable
class Watcher(Protocol):
    """A display of a run that lives in this process only (a progress bar).

    `run_study(progress=...)` takes it in place of a stream of progress lines.

    `begin` is called once the study holds its total, `__call__` after each trial this
    process runs (with `n_jobs > 1` the others' trials are in the study's count), and `end`
    when the workers have stopped, whatever stopped them.
    """

    def begin(self, spec: StudySpec, done_before: int) -> None:
        """The run starts its workers; `done_before` trials were counted before it."""

    def __call__(self, study: optuna.Study, trial: FrozenTrial) -> None:
        """A trial of this process ended."""

    def end(self, study: optuna.Study) -> None:
        """The workers stopped."""


class Progress:
    """A line per finished trial: its state and value, the best so far, elapsed and ETA."""

    def __init__(self, spec: StudySpec, done_before: int, start: float, stream: TextIO) -> None:
        """Count trials beyond `done_before`, time from `start`, print to `stream`."""
        self.spec = spec
        self.done_before = done_before
        self.start = start
        self.stream = stream
        self.ledger: Ledger | None = None  # of the study whose trials it counts, in this process

    def __getstate__(self) -> dict[str, Any]:
        """Worker processes print to their own stdout or stderr, inherited from this process.

        They also keep their own ledger.
        """
        state = dict(self.__dict__)
        state["stream"] = "stdout" if self.stream is sys.stdout else "stderr"
        state["ledger"] = None
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        """The stream of this process that the pickled one stood for."""
        state["stream"] = getattr(sys, state["stream"])
        self.__dict__.update(state)

    def __call__(self, study: optuna.Study, trial: FrozenTrial) -> None:
        """Print the line of a trial that ended (an Optuna study callback)."""
        if is_surplus(trial):
            return
        self.ledger = ledger_of(study, self.ledger)
        done = self.ledger.tally().counted - self.done_before
        elapsed = time.time() - self.start
        total = self.spec.trials
        eta = elapsed / done * max(total - done, 0) if done > 0 and total else float("nan")
        if self.spec.timeout is not None:  # no trial starts after the deadline
            left = max(self.spec.timeout - elapsed, 0.0)
            eta = min(eta, left) if total is not None and done > 0 else left
        value = f"{trial.values[0]:.4f}" if trial.values else "-"
        count = f"{done:>{len(str(total))}}/{total}" if total is not None else f"{done:>3}"
        self.say(
            f"[{count}] trial {trial.number:<4} {trial.state.name:<8} {value:<7} "
            f"best {_best_text(self.ledger.best)}  "
            f"elapsed {clock(elapsed)}  left ~{clock(eta)}"
        )

    def say(self, text: str) -> None:
        """Print one line."""
        print(text, file=self.stream, flush=True)

    def trial_line(self, trial: FrozenTrial, said: dict[int, int]) -> str | None:
        """`trial 3: epoch 40/100, val 0.9100, 2:15` for a long trial of this process, else None.

        Long: running for `LONG_TRIAL` s or more, with a report newer than the last line (`said`:
        trial number -> step shown, updated).
        """
        record = TrialRecord.from_trial(trial)
        started = trial.datetime_start
        if record.pid != os.getpid() or started is None or not trial.intermediate_values:
            return None
        running = time.time() - started.timestamp()
        step = max(trial.intermediate_values)
        if running < LONG_TRIAL or said.get(trial.number) == step:
            return None
        said[trial.number] = step
        hp = record.hyperparameters or {}
        unit = "epoch" if hp.get("mini_batch_size") else "iteration"
        total = f"/{hp['num_iterations']}" if "num_iterations" in hp else ""
        value = trial.intermediate_values[step]
        return f"trial {trial.number}: {unit} {step}{total}, val {value:.4f}, {clock(running)}"


@contextmanager
def long_trial_lines(study: optuna.Study, progress: Callback | None) -> Iterator[None]:
    """While held, a thread prints `Progress.trial_line` of this process's running trial.

    It prints every `LONG_TRIAL` seconds (a trial of minutes shows how it goes; a short one says
    nothing).
    """
    if not isinstance(progress, Progress):
        yield
        return
    stop = threading.Event()

    def watch() -> None:
        said: dict[int, int] = {}  # trial number -> the last step a line showed
        while not stop.wait(LONG_TRIAL):
            for trial in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
                line = progress.trial_line(trial, said)
                if line is not None:
                    progress.say(line)

    thread = threading.Thread(target=watch, name="long-trial-lines", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def _best_text(trial: FrozenTrial | None) -> str:
    return "-" if trial is None else f"{trial.values[0]:.4f} (trial {trial.number})"


def clock(seconds: float) -> str:
    """`m:ss` or `h:mm:ss`; `?` for an unknown time."""
    if not np.isfinite(seconds):
        return "?"
    minutes, secs = divmod(int(round(seconds)), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


# -- the opening and closing lines ---------------------------------------------------------


def opening_lines(
    spec: StudySpec,
    summary: DataSummary,
    chosen: bool,
    warnings: list[str],
    metric_chosen: bool = False,
) -> list[str]:
    """A run's first lines.

    The problem as the run understood it (task, target, classes or range) and how trials are
    validated (`chosen`: by the data's size, as the study file does not say, and why); the examples,
    the encoded width, the columns' kinds and the run's settings (the metric with why, where
    `metric_chosen` by the size and the task has one metric per side of it); then the encoder's
    warnings (a dropped identifier column, say).
    """
    why = ""
    if chosen:
        limit = folds_limit(spec.timeout)
        budget = f" in {spec.timeout:g} s" if limit != SMALL_DATA else ""
        why = (
            f" (fewer than {limit:,} examples{budget}; cv_folds = 0 for one split)"
            if spec.cv_folds
            else f" ({limit:,} examples or more{budget}; set cv_folds for k-fold)"
        )
    columns = summary.columns
    width = f"n_x = {summary.n_x}"
    if columns:
        kinds = [c.kind for c in columns]
        width += (
            f" encoded from {len(columns)} columns ({kinds.count('numeric')} numeric, "
            f"{kinds.count('categorical')} categorical, {kinds.count('dropped')} dropped)"
        )
    what = spec.problem.describe(summary)
    metric = spec.metric
    if metric_chosen and spec.problem.small_data_metric != spec.problem.default_metric:
        small = metric == spec.problem.small_data_metric
        metric += f" (fewer than {SMALL_DATA:,})" if small else f" ({SMALL_DATA:,} or more)"
    settings = (
        f"{budget_text(spec)}, {spec.jobs} jobs, sampler {spec.sampler}, pruner "
        f"{spec.pruner}, metric {metric}; storage {redact(spec.storage_url)}"
    )
    return [
        f"study {spec.name!r} on {spec.dataset}: {what}; {summary.validation}{why}",
        f"{summary.examples} examples, {summary.test_examples} for test; {width}; {settings}",
        *warnings,
    ]


def budget_text(spec: StudySpec) -> str:
    """A study's budget in words: `100 trials or 60 s`, `trials for 60 s`, `30 trials`."""
    trials = f"{spec.trials} trials" if spec.trials is not None else "trials"
    if spec.timeout is None:
        return trials
    return f"{trials} {'or' if spec.trials is not None else 'for'} {spec.timeout:g} s"


def closing_lines(spec: StudySpec, result: RunResult) -> list[str]:
    """What a run prints when it ends.

    The best trial, its validation and test scores (and which network the test scored), its shape
    and hyperparameters, where it is stored, and what to run next.
    """
    where = redact(result.storage)
    if result.best_trial is None:
        return [
            f"study {spec.name!r}: no complete trial ({result.n_counted} trials) "
            f"in {result.wall_time:.1f} s; storage {where}"
        ]
    # its metric is the stored study's: a resumed study's may not be its file's default
    config = best_config(spec.name, spec.storage)
    flag = _storage_flag(spec.storage)
    lines = [
        f"best trial {result.best_trial}: {config.scored_on} {config.metric} "
        f"{result.best_value:.4f}, test {config.metric} {_test_text(spec, result, config)}",
        *_scores_lines(spec, result, config),
        *_network_lines(config),
        f"{result.n_counted} trials in storage {where}; wall time {result.wall_time:.1f} s",
        f"next: {command('report', spec.name, '', flag)}   "
        f"{command('best', spec.name, '', flag + ' --format python')}",
        use_line(spec.name, spec.storage, proba=spec.problem.has_classes),
    ]
    return lines


def use_commands(name: str, storage: str | None, proba: bool = False) -> tuple[str, str]:
    """The commands that use a study's final model: `predict` a data file, `export` to ONNX.

    Args:
        name: the study.
        storage: its storage URL, if not the default (shown without a password).
        proba: show `predict --proba` (a classification).

    Returns:
        `dnnsearch predict NAME DATA.csv ...` and `dnnsearch export NAME ...`, quoted for a shell.
    """
    flag = _storage_flag(storage)
    out = shlex.quote(("./" if name.startswith("-") else "") + name + ".onnx")
    return (
        command("predict", name, " DATA.csv", f"{' --proba' if proba else ''}{flag}"),
        command("export", name, "", f" --format onnx --out {out}{flag}"),
    )


def command(verb: str, name: str, operands: str, options: str) -> str:
    """`dnnsearch VERB NAME OPERANDS OPTIONS`, NAME quoted for a shell.

    A name that starts with `-` would be read as an option: the options come first, then `--`.
    """
    if name.startswith("-"):
        return f"dnnsearch {verb}{options} -- {shlex.quote(name)}{operands}"
    return f"dnnsearch {verb} {shlex.quote(name)}{operands}{options}"


def use_line(name: str, storage: str | None, proba: bool = False) -> str:
    """`use:  dnnsearch predict NAME DATA.csv ...   dnnsearch export NAME ...` (`use_commands`)."""
    return "use:  " + "   ".join(use_commands(name, storage, proba))


def _scores_lines(spec: StudySpec, result: RunResult, config: Any) -> list[str]:
    """The final model's test scores by every metric, and the ensemble it is, if one."""
    scores = ", ".join(
        f"{name} {result.test_scores[name]:.4f}"
        for name in spec.problem.metrics()
        if name in result.test_scores
    )
    lines = [f"  test scores: {scores}"] if scores else []
    ensemble = config.ensemble is not None
    return lines + ([_ensemble_text(config, spec.problem.has_classes)] if ensemble else [])


def _network_lines(config: Any) -> list[str]:
    """The best trial's network: its shape and its hyperparameters."""
    hp = config.hyperparameters
    return [
        f"  layer_dims {config.layer_dims} ({config.n_parameters} learned parameters), "
        f"activation {config.activation}",
        f"  learning_rate {config.learning_rate:.3g}, num_iterations {config.num_iterations}, "
        f"optimizer {hp['optimizer']}, mini_batch_size {hp['mini_batch_size'] or 'full'}, "
        f"lambd {hp['lambd']:.3g}{_dropout_text(hp)}",
    ]


def _ensemble_text(config: Any, has_classes: bool) -> str:
    """The final ensemble in a line: `  final model: an ensemble of trials 3 (0.5), 7 (0.5)`.

    For classes it says that the ensemble was kept for its log loss (on validation, or out of
    fold): its accuracy there may be below the best trial's, the highest of many trials on the
    same examples.
    """
    ensemble = config.ensemble
    members = ", ".join(
        f"{m} ({w:.2g})" for m, w in zip(ensemble["members"], ensemble["weights"], strict=True)
    )
    validation = ensemble["validation"]
    score = f"{config.scored_on} {config.metric} {validation:.4f}" if validation is not None else ""
    why = f"; kept for a lower {config.scored_on} log loss than trial {config.trial_number}'s"
    return (
        f"  final model: an ensemble of trials {members}{': ' + score if score else ''}"
        f"{why if has_classes else ''}"
    )


def _test_text(spec: StudySpec, result: RunResult, config: Any) -> str:
    """The final model's test score, and which network it is (a refit, or the trial's own)."""
    score = result.test_scores.get(config.metric)
    if score is None:
        text = "n/a"
        if result.not_scored:
            text += f" ({result.not_scored}; the next run scores it)"
        return text
    text = f"{score:.4f}"
    if result.ensemble:
        return text + " (the final ensemble's)"
    if result.test_refit:
        return text + " (the best configuration retrained on train + validation)"
    # a refit study (by `refit`, or by folds, which the run may have chosen by size)
    if spec.refit or config.scored_on != "validation":
        text += " (the best trial's own network: the time budget left no time to retrain it; "
        text += "the next run does)"
    return text


def _dropout_text(hp: dict[str, Any]) -> str:
    """', keep_prob 0.8, input_keep_prob 0.9' for a network trained with dropout, else ''."""
    keys = ("keep_prob", "input_keep_prob")
    return "".join(f", {key} {hp[key]:.3g}" for key in keys if hp.get(key, 1.0) < 1)


def _storage_flag(storage: str | None) -> str:
    return f" --storage {shlex.quote(redact(storage))}" if storage else ""


# -- a bar, for notebooks ----------------------------------------------------------------------


class TrialBar:
    """A `tqdm.auto` bar over a run's trials, with the best value so far (a `Watcher`).

    It lives in this process: with `n_jobs > 1`, it counts every worker's trials in the
    storage each time one of this process's trials ends, and once more at the end.
    """

    def __init__(self) -> None:
        """A bar not yet shown (`begin` shows it)."""
        self.bar: Any = None
        self.done_before = 0
        self.metric = ""

    def begin(self, spec: StudySpec, done_before: int) -> None:
        """Show the bar, of `spec.trials` trials.

        A count without a total when the deadline ends the run.
        """
        self.done_before, self.metric = done_before, spec.metric
        options = {"total": spec.trials, "desc": spec.name, "unit": "trial"}
        try:
            from tqdm.auto import tqdm

            self.bar = tqdm(**options)
        except ImportError:  # a notebook without ipywidgets: the text bar
            from tqdm.std import tqdm as text_tqdm

            self.bar = text_tqdm(**options)

    def __call__(self, study: optuna.Study, trial: FrozenTrial) -> None:
        """Move the bar to the study's count."""
        self._update(study)

    def end(self, study: optuna.Study) -> None:
        """Move the bar a last time and close it."""
        if self.bar is not None:
            self._update(study)
            self.bar.close()

    def _update(self, study: optuna.Study) -> None:
        trials = study.get_trials(deepcopy=False)
        done = tally(trials).counted - self.done_before
        done = done if self.bar.total is None else min(done, self.bar.total)
        best = best_trial(study, trials)
        if best is not None:
            self.bar.set_postfix_str(f"best {self.metric} {best.values[0]:.4f}", refresh=False)
        self.bar.update(max(done - self.bar.n, 0))
