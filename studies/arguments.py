"""The command line's grammar: each command's arguments, help and example, as one table.

`build_parser` makes an argparse parser from `COMMANDS`; `studies.cli` runs what it parses. A
bad argument is one line on stderr and exit code 2 (`Parser.error`), with no usage block.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

LONG_TIMEOUT = 600.0  # `run --long`: as many trials as fit in ten minutes


class Parser(argparse.ArgumentParser):
    """argparse that reports a bad argument in one line, without the usage block."""

    def error(self, message: str) -> None:  # type: ignore[override]
        """Print `dnnsearch: error: <message> (see --help)` and exit with code 2."""
        print(f"{self.prog}: error: {message} (see --help)", file=sys.stderr)
        raise SystemExit(2)


def _read(convert: Callable[[str], Any], text: str, what: str) -> Any:
    """`convert(text)`, or argparse's one-line refusal naming the value (not this function)."""
    try:
        return convert(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be {what}, got {text!r}") from None


def _positive_int(text: str) -> int:
    value = _read(int, text, "a whole number >= 1")
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {text}")
    return value


def _non_negative_int(text: str) -> int:
    value = _read(int, text, "a whole number >= 0")
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {text}")
    return value


def _positive_float(text: str) -> float:
    value = _read(float, text, "a number > 0")
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be > 0, got {text}")
    return value


def _path(text: str) -> Path:
    """A file or folder named on the command line: not an empty string (`Path('')` is `.`)."""
    return Path(_text(text))


def _text(text: str) -> str:
    """A value that names something (a path, a storage): an empty one is refused, not a default."""
    if not text.strip():
        raise argparse.ArgumentTypeError(f"must not be empty, got {text!r}")
    return text


class Argument(NamedTuple):
    """One argument of a command: its names and `add_argument`'s keywords."""

    names: tuple[str, ...]
    options: dict[str, Any]


def arg(*names: str, **options: Any) -> Argument:
    """An `Argument` (`arg("--trials", type=int, help=...)`)."""
    return Argument(names, options)


class Command(NamedTuple):
    """A command: what it does (its help), an example of it, its arguments."""

    help: str
    example: str
    arguments: tuple[Argument, ...]


NAME = arg("name", metavar="NAME")
STORAGE = arg(
    "--storage", type=_text, help="storage URL or journal file (default: runs/NAME/journal.log)"
)
PG = "postgresql://user:pw@db:5432/optuna"
ARTIFACTS = arg(
    "--artifacts",
    metavar="PATH|s3://BUCKET/PREFIX",
    help="where trial networks and the final model are kept, for every machine: a shared folder "
    "or an S3 bucket (credentials from the environment); stored with the study, so given once "
    "(default: the study's own folder, runs/NAME/)",
)

COMMANDS: dict[str, Command] = {
    "run": Command(
        "run (or resume) a study: a built-in name or a TOML file",
        "examples:\n  dnnsearch run digits\n  dnnsearch run my_study.toml --trials 100 --jobs 2\n"
        "  dnnsearch run my_study.toml --timeout 300  # as many trials as fit in 5 minutes\n"
        "  dnnsearch run digits --long          # ten minutes\n"
        f"  dnnsearch run digits --storage {PG}",
        (
            arg("study", metavar="STUDY"),
            arg(
                "--trials",
                type=_positive_int,
                help="trials to add (default: the study's n_trials, or as many as its timeout "
                "allows); replaces the study file's timeout unless --timeout is given",
            ),
            arg(
                "--jobs", type=_positive_int, help="worker processes (default: the machine's cores)"
            ),
            STORAGE,
            arg("--study-name", help="store the study under this name"),
            arg("--seed", type=_non_negative_int, help="seed of the splits, sampler and weights"),
            arg(
                "--timeout",
                type=_positive_float,
                metavar="SECONDS",
                help="stop starting trials after this long",
            ),
            arg(
                "--long",
                action="store_true",
                help=f"a long search: as many trials as fit in {LONG_TIMEOUT:.0f} s",
            ),
            ARTIFACTS,
            arg("--quiet", action="store_true", help="no progress lines"),
        ),
    ),
    "worker": Command(
        "join a stored study as one more worker (any machine)",
        f"example:\n  dnnsearch worker digits --storage {PG} --artifacts s3://bucket/studies",
        (
            NAME,
            arg("--storage", type=_text, required=True, help="the study's storage URL"),
            arg("--trials", type=_positive_int, help="run at most this many trials here"),
            ARTIFACTS,
            arg("--quiet", action="store_true", help="no progress lines"),
        ),
    ),
    "best": Command(
        "print the best configuration of a study",
        "examples:\n  dnnsearch best digits\n  dnnsearch best digits --format python > best.py",
        (NAME, STORAGE, arg("--format", choices=("json", "python"), default="json")),
    ),
    "predict": Command(
        "score a CSV or .npz file with a study's final model (the one `best` describes)",
        "examples:\n"
        "  dnnsearch predict penguins new.csv --proba   # writes new.predictions.csv\n"
        "  dnnsearch predict penguins new.csv --id tag --out - | head\n"
        "  dnnsearch predict digits new.npz --out digits_new.csv\n\n"
        "A CSV's columns are read as training read them (by name, in any order; others are\n"
        "ignored; a missing one is refused). The output has one row per input row: its line\n"
        "(`line`; `row` for an .npz) or --id, `prediction`, and with --proba `proba_<class>`.\n"
        "If the data hold the study's target column, the scores of the task's metrics are\n"
        "printed too. Cells are written as read (no escaping of `=` for spreadsheets).",
        (
            NAME,
            arg("data_file", metavar="DATA", type=_path, help="a CSV file, or an .npz holding X"),
            arg(
                "--out",
                type=_text,
                metavar="FILE",
                help="the CSV file to write, whole or not at all (default: DATA's name with "
                "the suffix .predictions.csv, in the current folder); - for standard output",
            ),
            arg("--proba", action="store_true", help="add each class's probability"),
            arg("--id", metavar="COLUMN", help="key the rows by this CSV column, not by line"),
            STORAGE,
            arg(
                "--chunk-rows",
                type=_positive_int,
                default=100_000,
                metavar="N",
                help="rows read and written at a time, a multiple of 25000 (default: 100000)",
            ),
            arg("--quiet", action="store_true", help="no progress bar"),
        ),
    ),
    "export": Command(
        "export a study's final model to ONNX (and its table encoding beside it)",
        "examples:\n"
        "  dnnsearch export digits --format onnx --out digits.onnx\n"
        "  dnnsearch export penguins --format onnx --out penguins.onnx --dtype float32\n"
        "    # also writes penguins.inputs.json: the table's encoding, X's columns\n\n"
        'Needs the onnx package: pip install "dnnsearch[onnx]".',
        (
            NAME,
            arg("--format", choices=("onnx",), required=True, help="the exchange format"),
            arg("--out", type=_path, required=True, metavar="FILE", help="the model file to write"),
            arg(
                "--dtype",
                choices=("float32", "float64"),
                help="the layers' precision (default: the model's own)",
            ),
            STORAGE,
        ),
    ),
    "report": Command(
        "write a study's report (md, html, csv, png)",
        "example:\n  dnnsearch report digits --out report_digits/",
        (NAME, STORAGE, arg("--out", type=_path, help="output folder (default: runs/NAME/report)")),
    ),
    "compare": Command(
        "compare several studies side by side",
        "example:\n  dnnsearch compare digits_tpe digits_random --out compare/",
        (
            arg("names", metavar="NAME", nargs="+"),
            arg(
                "--storage",
                type=_text,
                help="storage of all the studies (default: each one's own file)",
            ),
            arg("--out", type=_path, help="output folder (default: runs/compare)"),
        ),
    ),
    "studies": Command("list the built-in studies", "example:\n  dnnsearch studies", ()),
    "repair": Command(
        "keep a backup of a damaged journal, then drop what cannot be read",
        "example:\n  dnnsearch repair digits    # after 'line 12 is not a journal record'",
        (
            NAME,
            arg("--storage", type=_text, help="the journal file (default: runs/NAME/journal.log)"),
        ),
    ),
}


def build_parser() -> Parser:
    """The `dnnsearch` parser: `--debug`, then one subcommand of `COMMANDS`."""
    parser = Parser(
        prog="dnnsearch",
        description="Tune a deep network's hyperparameters and understand the result.",
    )
    parser.add_argument(
        "--debug", action="store_true", help="show the traceback of an internal error"
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    commands.required = True
    for name, command in COMMANDS.items():
        sub = commands.add_parser(
            name,
            help=command.help,
            description=command.help,
            epilog=command.example,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        for argument in command.arguments:
            sub.add_argument(*argument.names, **argument.options)
    return parser
