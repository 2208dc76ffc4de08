"""reports.ensemble: the final model when it is an ensemble of the best trials (hand-made
records, never trained): its tables, its section of the report, its CSVs, a damaged record."""

from __future__ import annotations

import dataclasses
import math

import pandas as pd
import pytest

from reports import (
    EnsembleError,
    FinalEnsemble,
    ensemble_members_table,
    ensemble_parameters_table,
    ensemble_scores_table,
    final_ensemble,
    load_study_data,
    study_report,
)
from reports.blocks import Stored
from reports.ensemble import intro_block, members_block, parameters_block

ENSEMBLE_CSVS = {"ensemble", "ensemble_scores", "ensemble_parameters"}
HEADING = "The final model: an ensemble of 3 trials"


@pytest.fixture
def ensemble_data(make_study, journal, stopping):
    """The `ensemble` study read back: trials 0, 1, 3 and 5 complete (1 the best), members
    1, 3, 0 with weights 0.5, 0.3, 0.2, validation 0.95, test accuracy 0.93."""
    make_study("ensemble", stopping.rows, final=stopping.ensemble)
    return load_study_data("ensemble", journal)


def with_record(info, **fields):
    """The info with its stored final model changed (a hand-made record)."""
    record = dataclasses.replace(info.best_test, **fields)
    return dataclasses.replace(info, best_test=record)


# Reading the record ---------------------------------------------------------------------------


def test_the_stored_ensemble_is_read(ensemble_data):
    info, trials, _ = ensemble_data
    assert final_ensemble(trials, info) == FinalEnsemble(
        best_trial=1, members=(1, 3, 0), weights=(0.5, 0.3, 0.2), validation=0.95, test=0.93
    )


def test_a_single_network_is_no_ensemble(make_study, journal, stopping):
    make_study("stopped", stopping.rows)
    info, trials, _ = load_study_data("stopped", journal)
    assert final_ensemble(trials, info) is None
    assert final_ensemble(trials, dataclasses.replace(info, best_test=None)) is None


def test_a_record_of_another_best_trial_is_not_the_final_model(ensemble_data):
    """Read while a run goes on, once trial 3 were the best: as `search.best_config` reads it."""
    info, trials, _ = ensemble_data
    assert final_ensemble(trials, with_record(info, trial=3)) is None


@pytest.mark.parametrize(
    ("members", "weights", "reason"),
    [
        ((1, 3), (0.5,), "it has 2 members but 1 weights"),
        ((1, 3), (math.nan, 0.5), "its weights are not finite non-negative numbers"),
        ((1, 3), (math.inf, 0.5), "its weights are not finite non-negative numbers"),
        ((1, 3), (1.5, -0.5), "its weights are not finite non-negative numbers"),
        ((1, 3), (0.0, 0.0), "its weights are not finite non-negative numbers"),
        ((1, 3), ("0.5", 0.5), "its weights are not finite non-negative numbers"),
        ((1, 2), (0.5, 0.5), "its member 2 is not a complete trial of the study"),  # pruned
        ((1, 99), (0.5, 0.5), "its member 2 is not a complete trial of the study"),
        (("1", 3), (0.5, 0.5), "its member 1 is not a complete trial of the study"),
        ((1, 3, 1), (0.4, 0.3, 0.3), "trial 1 is a member twice"),
    ],
)
def test_a_damaged_record_raises_with_its_reason(ensemble_data, members, weights, reason):
    info, trials, _ = ensemble_data
    with pytest.raises(EnsembleError, match=f"^{reason}$"):
        final_ensemble(trials, with_record(info, members=members, weights=weights))


def test_members_that_search_could_not_read_raise(ensemble_data):
    """`search.record` drops members and weights that are not lists of one length: the
    record then looks like a single network's, but the study stored an ensemble."""
    info, trials, _ = ensemble_data
    damaged = with_record(info, members=(), weights=())
    with pytest.raises(EnsembleError, match="not a list of trial numbers"):
        final_ensemble(trials, damaged)
    with pytest.raises(EnsembleError):
        final_ensemble(trials, dataclasses.replace(damaged, best_test=None))
    assert final_ensemble(trials, dataclasses.replace(damaged, ensemble_stored=False)) is None


# Tables ---------------------------------------------------------------------------------------


def test_members_table(ensemble_data):
    info, trials, _ = ensemble_data
    table = ensemble_members_table(trials, info, final_ensemble(trials, info))
    assert list(table.columns[:6]) == [
        "trial",
        "weight",
        "validation_accuracy",
        "params_learning_rate",
        "params_num_iterations",
        "best_iteration",  # beside the iterations it was trained for
    ]
    assert table.columns[-1] == "n_parameters"
    assert table["trial"].tolist() == [1, 3, 0]  # as stored: best first
    assert table["weight"].tolist() == [0.5, 0.3, 0.2]
    assert table["validation_accuracy"].tolist() == [0.92, 0.88, 0.80]
    assert table["best_iteration"].tolist() == [100, 150, 50]
    assert table["params_n_hidden"].tolist() == [2, 3, 1]
    assert table["params_n_1"].tolist() == [16, 32, 8]
    assert table["params_activation"].tolist() == ["tanh", "relu", "relu"]
    assert table["params_optimizer"].tolist() == ["adam"] * 3
    assert table["n_parameters"].tolist() == [225, 833, 49]


def test_members_table_without_best_iterations(make_study, journal, stopping):
    make_study("old", final=stopping.ensemble)  # trials stored before early stopping
    info, trials, _ = load_study_data("old", journal)
    table = ensemble_members_table(trials, info, final_ensemble(trials, info))
    assert "best_iteration" not in table and table["trial"].tolist() == [1, 3, 0]


def test_scores_table_sets_the_ensemble_beside_the_best_single_trial(ensemble_data):
    info, trials, _ = ensemble_data
    table = ensemble_scores_table(trials, info, final_ensemble(trials, info))
    assert table.to_dict("list") == {
        "model": ["ensemble of 3 trials", "best single trial, trial 1"],
        "validation_accuracy": [0.95, 0.92],
        "test_accuracy": [0.93, "not scored"],  # never made up
    }


def test_scores_not_stored_are_said_so(ensemble_data):
    """An ensemble of a study without test data, and a validation score that is not a number."""
    info, trials, _ = ensemble_data
    bare = with_record(info, test_accuracy=None, test_scores={}, validation=math.nan)
    ensemble = final_ensemble(trials, bare)
    assert math.isnan(ensemble.test) and math.isnan(ensemble.validation)
    table = ensemble_scores_table(trials, bare, ensemble)
    assert table["validation_accuracy"].tolist() == ["not recorded", 0.92]
    assert table["test_accuracy"].tolist() == ["not scored", "not scored"]


def test_scores_by_the_study_metric(ensemble_data):
    info, trials, _ = ensemble_data
    by_loss = dataclasses.replace(info, spec={**info.spec, "metric": "log_loss"})
    table = ensemble_scores_table(trials, by_loss, final_ensemble(trials, by_loss))
    assert list(table.columns) == ["model", "validation_log_loss", "test_log_loss"]
    assert table["test_log_loss"].tolist() == [0.21, "not scored"]


def test_parameters_table_has_each_members_layers(ensemble_data):
    info, trials, _ = ensemble_data
    table = ensemble_parameters_table(trials, info, final_ensemble(trials, info))
    assert list(table.columns) == [
        "trial",
        "layer",
        "units",
        "W_shape",
        "b_shape",
        "activation",
        "n_parameters",
    ]
    assert table["trial"].tolist() == [1] * 4 + [3] * 5 + [0] * 3
    totals = table[table["layer"] == "total"]
    assert totals["n_parameters"].tolist() == [225, 833, 49]
    assert table["W_shape"].tolist()[4:6] == ["(32, 4)", "(16, 32)"]  # trial 3's
    assert table["activation"].tolist()[:3] == ["tanh", "tanh", "sigmoid"]


def test_parameters_table_skips_a_member_without_readable_sizes(ensemble_data):
    info, trials, _ = ensemble_data
    ensemble = final_ensemble(trials, info)
    damaged = trials.assign(layer_dims=[[4, "x", 1]] * len(trials))
    table = ensemble_parameters_table(damaged, info, ensemble)
    assert table.empty and list(table.columns)[:2] == ["trial", "layer"]


def test_the_text_names_folds_and_counts_their_networks(ensemble_data):
    info, trials, _ = ensemble_data
    ensemble = final_ensemble(trials, info)
    parameters = ensemble_parameters_table(trials, info, ensemble)
    folded = dataclasses.replace(info, spec={**info.spec, "cv_folds": 5})
    text = "".join(map(str, intro_block(folded, ensemble).pieces))
    assert "ensemble of 3 of the study's best trials (each its 5 fold networks" in text
    assert "1107 over the members." in "".join(parameters_block(info, parameters).pieces)
    assert "(5535 in all over their 5 fold networks each)" in "".join(
        parameters_block(folded, parameters).pieces
    )


def test_the_text_says_how_the_ensemble_was_chosen_and_scored(ensemble_data):
    info, trials, _ = ensemble_data
    ensemble = final_ensemble(trials, info)
    text = "".join(map(str, intro_block(info, ensemble).pieces))
    assert "trial 1, by log loss (smooth where" in text  # how search compares probabilities
    assert "class probabilities" in text and "scored once on the test data" in text
    regression = dataclasses.replace(info, spec={**info.spec, "task": "regression"})
    pieces = intro_block(regression, ensemble._replace(test=math.nan)).pieces
    text = "".join(p.text if isinstance(p, Stored) else p for p in pieces)
    assert "trial 1, by accuracy." in text and "predicted values" in text
    assert "It has no test score stored." in text and "scored once" not in text


def test_the_members_order_is_said_by_the_measure_that_ranked_them(ensemble_data):
    info, _, _ = ensemble_data
    classes = "".join(map(str, members_block(info, pd.DataFrame()).pieces))
    assert "Its members, lowest validation log loss first:" in classes  # search.ensemble.library
    regression = dataclasses.replace(info, spec={**info.spec, "task": "regression"})
    pieces = members_block(regression, pd.DataFrame()).pieces
    text = "".join(p.text if isinstance(p, Stored) else p for p in pieces)
    assert "Its members, best first:" in text and "log loss" not in text


# The report -----------------------------------------------------------------------------------


def section(markdown: str) -> str:
    """The final model's section of a report.md."""
    start = markdown.index("## The final model")
    return markdown[start : markdown.index("## Use the model")]


def test_report_has_a_section_on_the_final_ensemble(written):
    markdown = (written["ensemble"] / "report.md").read_text(encoding="utf-8")
    headings = [line for line in markdown.splitlines() if line.startswith("## ")]
    at = headings.index(f"## {HEADING}")
    assert headings[at - 1] == "## Parameters: what the best network learned"
    assert headings[at + 1 : at + 3] == ["## Use the model", "## Figures"]
    text = section(markdown)
    assert "ensemble of 3 of the study's best trials" in text
    assert "than the best single trial, trial 1" in text
    assert "| ensemble of 3 trials | 0.95 | 0.93 |" in text
    assert "| best single trial, trial 1 | 0.92 | not scored |" in text
    assert "| 3 | 0.3 | 0.88 | 0.05 | 200 | 150 | 3 | 32 | 16 | 8 | relu |" in text
    assert "| 3 | total | 57 |  |  |  | 833 |" in text
    assert "(`best_iteration`)" in text and "1107 over the members." in text


def test_report_html_shows_the_same_section(written):
    page = (written["ensemble"] / "report.html").read_text(encoding="utf-8")
    at = page.index(f"<h2>{HEADING}</h2>")
    assert page.index("<h2>Parameters: what the best network learned</h2>") < at
    assert at < page.index("<h2>Use the model</h2>") < page.index("<h2>Figures</h2>")
    part = page[at : page.index("<h2>Use the model</h2>")]
    assert part.count("<table") == 3 and "<td>not scored</td>" in part
    assert "<th>validation_accuracy</th>" in part and "<th>best_iteration</th>" in part
    assert "<code>best_iteration</code>" in part


def test_report_writes_the_ensembles_csvs(written, make_study, journal, stopping):
    out = written["ensemble"]
    members = pd.read_csv(out / "ensemble.csv")
    assert members["trial"].tolist() == [1, 3, 0]
    assert members["weight"].tolist() == [0.5, 0.3, 0.2]
    assert members["best_iteration"].tolist() == [100, 150, 50]
    scores = pd.read_csv(out / "ensemble_scores.csv")
    assert scores["test_accuracy"].tolist() == ["0.93", "not scored"]
    parameters = pd.read_csv(out / "ensemble_parameters.csv")
    assert parameters.loc[parameters["layer"] == "total", "n_parameters"].tolist() == [225, 833, 49]
    summary = pd.read_csv(out / "summary.csv").iloc[0]
    assert summary["test_accuracy"] == 0.93 and summary["test_log_loss"] == 0.21  # the final model


def test_report_says_where_the_final_model_lives_and_how_to_use_it(written):
    markdown = (written["ensemble"] / "report.md").read_text(encoding="utf-8")
    text = markdown[markdown.index("## Use the model") : markdown.index("## Figures")]
    assert "The final model is an ensemble of trials 1, 3, 0, saved as " in text
    assert "`runs/ensemble/artifacts/ensemble.npz`" in text
    journal = written["journal"]
    assert f"`dnnsearch predict ensemble DATA.csv --proba --storage {journal}`" in text
    assert f"`dnnsearch export ensemble --format onnx --out ensemble.onnx --storage {journal}`" in (
        text
    )
    python = f"from search import best_config; best_config('ensemble', {str(journal)!r})"
    assert f"`{python}.load_network()`" in text


def test_a_damaged_ensemble_is_not_called_one_network_in_the_use_section(written):
    markdown = (written["damaged"] / "report.md").read_text(encoding="utf-8")
    use = markdown[markdown.index("## Use the model") : markdown.index("## Figures")]
    assert "The final model is an ensemble whose record is not readable (see above)" in use
    assert "trial 1's network" not in use


def test_a_damaged_record_leaves_the_section_out_with_a_note(written):
    out = written["damaged"]
    markdown = (out / "report.md").read_text(encoding="utf-8")
    text = section(markdown)
    assert text.startswith("## The final model\n")
    assert "is an ensemble whose record is not readable" in text
    assert "this section is left out" in text and "|" not in text  # no table
    assert not {f"{name}.csv" for name in ENSEMBLE_CSVS} & {p.name for p in out.iterdir()}
    assert "## Trials" in markdown and (out / "learned_parameters.csv").is_file()
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "<h2>The final model</h2>" in page and "not readable" in page


def test_a_single_networks_report_is_what_it_was(written):
    """No ensemble section, no ensemble CSV, the same headings as before there were ensembles
    but "Use the model"; with early stopping only the trials' best iterations and the curves'
    caption are new."""
    for name in ("toy", "stopped", "none"):
        out = written[name]
        assert not {f"{n}.csv" for n in ENSEMBLE_CSVS} & {p.name for p in out.iterdir()}
        markdown = (out / "report.md").read_text(encoding="utf-8")
        # the one new section, how to use the final model, where there is one (not in "none")
        assert ("## Use the model" in markdown) == (name != "none"), name
        if name != "none":
            use = markdown[markdown.index("## Use the model") : markdown.index("## Figures")]
            assert "The final model is trial 1's network. Score" in use
            markdown = markdown.replace(use, "")
        assert "final model" not in markdown.lower()
    toy = (written["toy"] / "report.md").read_text(encoding="utf-8")
    stopped = (written["stopped"] / "report.md").read_text(encoding="utf-8")
    assert "A dot marks each trial's best report" in stopped and "A dot marks" not in toy
    assert "best_iteration" not in pd.read_csv(written["toy"] / "trials.csv")
    assert pd.read_csv(written["stopped"] / "trials.csv")["best_iteration"].tolist()[:2] == [
        50,
        100,
    ]


def test_report_object_tables(written):
    report = study_report("ensemble", str(written["journal"]))
    assert ENSEMBLE_CSVS <= set(report.tables)
    assert report.tables["ensemble"]["trial"].tolist() == [1, 3, 0]
    assert not ENSEMBLE_CSVS & set(study_report("damaged", str(written["journal"])).tables)


# A comparison ---------------------------------------------------------------------------------


def test_comparison_says_whether_each_final_model_is_an_ensemble(written):
    table = pd.read_csv(written["ensemble_compare"] / "comparison.csv", keep_default_na=False)
    assert table["study"].tolist() == ["toy", "stopped", "ensemble", "damaged", "none_complete"]
    assert table["final_model"].tolist() == [
        "single network",
        "single network",
        "ensemble of 3 trials",
        "ensemble (record not readable)",
        "",  # no complete trial: no final model
    ]
    columns = list(table.columns)
    assert columns.index("final_model") == columns.index("best_value") + 1
    assert columns.index("final_model") == columns.index("test_accuracy") - 1
    markdown = (written["ensemble_compare"] / "report.md").read_text(encoding="utf-8")
    assert "| best\\_value | final\\_model | test\\_accuracy |" in markdown
    assert "| ensemble of 3 trials |" in markdown


def test_an_ensemble_of_one_trial_says_so(ensemble_data):
    from reports.ensemble import final_model_text

    info, trials, _ = ensemble_data
    one = with_record(info, members=(1,), weights=(1.0,))
    assert final_model_text(trials, one) == "ensemble of 1 trial"
    assert final_model_text(trials, info) == "ensemble of 3 trials"
    assert final_model_text(trials.iloc[0:0], info) == ""
