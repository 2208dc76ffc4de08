"""The report's section "Use the model": what the final model is, where, how to use it.

The same commands as `dnnsearch best` prints (`search.progress.use_commands`), so that a reader
of the report can score new data or export the model without going back to the terminal.
"""

from __future__ import annotations

from reports.blocks import Block, Stored, fill, heading, paragraph
from reports.load import StudyInfo
from search import default_storage, redact
from search.progress import use_commands


def final_model_sentence(info: StudyInfo) -> list[str | Stored]:
    """What the final model is and where it is kept, as paragraph pieces (stored text escaped).

    An ensemble of trials (or one whose record is not readable: `reports.ensemble` says why),
    a refit of the best trial's configuration, or the best trial's own network; where the
    final model is a file of its own (an ensemble, a refit), its artifact id in the study's
    store or its path.

    Args:
        info: the study's facts, with its stored final model (`best_test`).

    Returns:
        The paragraph's pieces, empty when no final model is stored.
    """
    test = info.best_test
    if test is None:
        return []
    if test.members:
        what = "an ensemble of trials " + ", ".join(str(member) for member in test.members)
    elif info.ensemble_stored:  # members or weights stored but not readable
        what = "an ensemble whose record is not readable (see above)"
    elif test.refit:
        what = f"trial {test.trial}'s configuration retrained on train + validation"
    else:
        what = f"trial {test.trial}'s network"
    pieces: list[str | Stored] = [f"The final model is {what}"]
    if test.params_artifact and info.artifact_store:
        pieces += [", kept in the artifact store ", Stored(info.artifact_store, code=True)]
        pieces += [" as ", Stored(test.params_artifact, code=True)]
    elif test.params_path:
        pieces += [", saved as ", Stored(test.params_path, code=True)]
    return [*pieces, ". "]


def use_blocks(info: StudyInfo) -> list[Block]:
    """The section "Use the model": the final model, the `predict` and `export` commands, Python.

    Args:
        info: the study's facts.

    Returns:
        A heading and a paragraph; nothing for a study with no final model yet (no run has
        finished scoring it).
    """
    what = final_model_sentence(info)
    if not what:
        return []
    own = info.storage in ("", redact(default_storage(info.name)))
    storage = None if own else info.storage
    predict, export = use_commands(info.name, storage, info.problem.has_classes)
    where = repr(info.name) if own else f"{info.name!r}, {info.storage!r}"
    python = f"from search import best_config; best_config({where}).load_network()"
    usage = fill(
        "Score a CSV or `.npz` file with it: {predict}; export it to ONNX: {export}; "
        "load it in Python: {python}.",
        predict=Stored(predict, code=True),
        export=Stored(export, code=True),
        python=Stored(python, code=True),
    )
    return [heading("Use the model"), paragraph(*what, *usage.pieces)]
