"""The `dnnsearch` command line: one small function per command (run, best, predict, ...).

Each command is a small function that parses nothing itself (`studies.arguments` holds the
grammar) and returns an exit code; every expected error is printed as one line on stderr
(`dnnsearch: error: ...`), exit code 2.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path

from studies.arguments import LONG_TIMEOUT, build_parser

# The commands import search, reports and the data sets when they run, not at start-up:
# `dnnsearch --help` needs none of them, and Ctrl-C while they load then ends quietly.


def cmd_run(args: argparse.Namespace) -> int:
    """`dnnsearch run`: run (or resume) a study with the flags' overrides; print its last lines."""
    from search import run_study
    from search.progress import closing_lines
    from studies.datasets import load_dataset
    from studies.loader import load_study_spec

    spec = load_study_spec(args.study).replace(**_run_overrides(args))
    result = run_study(spec, load_dataset, progress=None if args.quiet else sys.stderr)
    print("\n".join(closing_lines(spec, result)))
    return 0


def _run_overrides(args: argparse.Namespace) -> dict:
    """The spec's fields that `run`'s flags change."""
    changes: dict = {}
    if args.long:
        changes.update(n_trials=None, timeout=LONG_TIMEOUT)
    elif args.trials is not None:
        changes["timeout"] = None  # an explicit budget replaces the file's (--timeout: both)
    for key, value in (
        ("n_trials", args.trials),
        ("n_jobs", args.jobs),
        ("storage", args.storage),
        ("artifacts", args.artifacts),
        ("name", args.study_name),
        ("seed", args.seed),
        ("timeout", args.timeout),
    ):
        if value is not None:
            changes[key] = value
    return changes


def cmd_worker(args: argparse.Namespace) -> int:
    """`dnnsearch worker`: join a stored study as one more worker; say how many trials it ran."""
    from search import join_study
    from studies.datasets import load_dataset

    progress = None if args.quiet else sys.stderr
    ran = join_study(
        args.name,
        args.storage,
        load_dataset,
        artifacts=args.artifacts,
        max_trials=args.trials,
        progress=progress,
    )
    print(f"worker {os.getpid()}: ran {ran} trials of study {args.name!r}")
    return 0


def cmd_best(args: argparse.Namespace) -> int:
    """`dnnsearch best`: print the best configuration of a study, as JSON or Python.

    And on stderr, the commands that use its final model (`predict`, `export`).
    """
    from search import best_config
    from search.progress import use_line
    from search.tasks import task_named

    config = best_config(args.name, args.storage)
    print(config.to_python() if args.format == "python" else config.to_json())
    proba = task_named(config.task).has_classes
    print(use_line(args.name, args.storage, proba), file=sys.stderr)  # stdout: JSON or Python
    return 0


def cmd_predict(args: argparse.Namespace) -> int:
    """`dnnsearch predict`: write a data file's predictions; say how many, and the scores."""
    from studies.predict import Request, predict

    out = None if args.out == "-" else Path(args.out or args.data_file.stem + ".predictions.csv")
    request = Request(
        name=args.name,
        data=args.data_file,
        out=out,
        proba=args.proba,
        storage=args.storage,
        id_column=args.id,
        chunk_rows=args.chunk_rows,
        progress=not args.quiet and sys.stderr.isatty(),
    )
    lines = predict(request)
    print("\n".join(lines), file=sys.stdout if out is not None else sys.stderr)
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    """`dnnsearch export`: write a study's final model as an ONNX model; say where."""
    from studies.export import ExportRequest, export

    request = ExportRequest(args.name, args.out, args.format, args.dtype, args.storage)
    print("\n".join(export(request)))
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    """`dnnsearch report`: write a study's report (md, html, csv, png); say where."""
    import reports
    from search.storage import RUNS_DIR

    out = args.out or RUNS_DIR / args.name / "report"
    path = reports.write_report(args.name, args.storage, out)
    print(f"report written to {path}/report.html (and report.md, CSV and PNG files)")
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    """`dnnsearch compare`: write several studies' comparison side by side; say where."""
    import reports
    from search.storage import RUNS_DIR

    out = args.out or RUNS_DIR / "compare"
    path = reports.write_comparison(args.names, args.storage, out)
    print(f"comparison written to {path}/report.html (and report.md, CSV and PNG files)")
    return 0


def cmd_studies(args: argparse.Namespace) -> int:
    """`dnnsearch studies`: list the built-in studies, one line each (task, description, budget)."""
    from search.progress import budget_text
    from studies.loader import builtin_studies, parse_study

    for name, text in builtin_studies().items():
        spec = parse_study(text, name)
        print(
            f"{name:<15} {spec.task:<14} {spec.description}  "
            f"[{budget_text(spec)}, dataset {spec.dataset}]"
        )
    return 0


def cmd_repair(args: argparse.Namespace) -> int:
    """`dnnsearch repair`: back up a damaged journal, drop what cannot be read; say what it did."""
    from search import repair_storage

    print(repair_storage(args.name, args.storage).message())
    return 0


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "run": cmd_run,
    "repair": cmd_repair,
    "worker": cmd_worker,
    "best": cmd_best,
    "predict": cmd_predict,
    "export": cmd_export,
    "report": cmd_report,
    "compare": cmd_compare,
    "studies": cmd_studies,
}


class Terminated(KeyboardInterrupt):
    """SIGTERM, handled as Ctrl-C is: workers stop, no trial is left RUNNING."""


def _terminate(signum: int, frame: object) -> None:
    raise Terminated()


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `dnnsearch` console script; returns the exit code.

    Bad input (a study file, an argument, a data file, a storage) ends with one line naming
    it and exit code 2; an internal error with one line and exit code 1 (`--debug` shows the
    traceback); Ctrl-C and SIGTERM with 130 and 143, no trial left running.
    """
    previous = signal.signal(signal.SIGTERM, _terminate) if _in_main_thread() else None
    try:
        args = build_parser().parse_args(argv)
        return _dispatch(args)
    except SystemExit as exit_:  # argparse: --help (0) or a bad argument (2, already said)
        return exit_.code if isinstance(exit_.code, int) else 2
    except KeyboardInterrupt as interrupt:
        print("dnnsearch: interrupted; no trial was left running", file=sys.stderr)
        return 143 if isinstance(interrupt, Terminated) else 130
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _reader_gone() -> int:
    """Exit quietly as a pipe's writer does when its reader has gone (128 + SIGPIPE).

    Stdout goes to /dev/null, so that Python's flush at exit does not fail a second time.
    """
    import os

    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    return 141


def _in_main_thread() -> bool:
    import threading  # signal handlers can be set only there (a notebook may call main)

    return threading.current_thread() is threading.main_thread()


def _dispatch(args: argparse.Namespace) -> int:
    import optuna

    from search import SpecError, StorageError
    from studies.errors import DataError

    expected = (SpecError, StorageError, DataError, FileNotFoundError, PermissionError)
    try:
        return COMMANDS[args.command](args)
    except BrokenPipeError:  # `dnnsearch best NAME | head`: the reader has what it wanted
        return _reader_gone()
    except (*expected, optuna.exceptions.OptunaError, ValueError, OSError) as error:
        return _fail(error)
    except Exception as error:  # a bug: one line, the traceback with --debug
        if args.debug:
            traceback.print_exc()
        _say(f"dnnsearch: internal error: {type(error).__name__}: {_first_line(error)}")
        return 1


def _first_line(error: BaseException) -> str:
    return str(error).splitlines()[0] if str(error) else type(error).__name__


def _fail(error: BaseException) -> int:
    text = _first_line(error)
    if isinstance(error, FileNotFoundError) and error.filename:
        text = f"no such file: {error.filename}"
    _say(f"dnnsearch: error: {text}")
    return 2


def _say(text: str) -> None:
    """One line on stderr: no password, no control characters (from file names or data)."""
    from search import redact

    clean = "".join(c if c.isprintable() else "?" for c in redact(text))
    print(clean, file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
