"""Studies of raw tables and of regressions, end to end through `run_study` (no CLI).

A table's encoder and feature scaling must be learned from each trial's training part only:
the leak tests plant values in the validation and test rows that would move a median, a
category list or a mean if those rows were looked at.
"""

from __future__ import annotations

import io
import json

import numpy as np
import pandas as pd
import pytest

import dnn
from dnn.tables import TableEncoder
from search import StudySpec, best_config, open_existing_study, run_study, test_predictions
from search.data import Dataset, shuffled_folds, shuffled_split, split_dataset
from search.folds import SMALL_DATA, default_folds, default_metric
from search.objective import Objective
from search.prepare import prepare, split_data
from search.progress import opening_lines
from search.record import StudyRecord, TrialRecord
from search.spec import SpecError
from search.summary import DataSummary, describe_data
from search.tasks import task_named

SPACE = {
    "learning_rate": {"low": 0.01, "high": 0.3, "log": True},
    "num_iterations": {"low": 20, "high": 40, "step": 20},
    "n_hidden": {"low": 1, "high": 1},
    "n_units": {"low": 4, "high": 8},
    "optimizer": "adam",
}


def table(m: int = 300, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    """A raw table: a numeric column with empty cells, a text category with empty cells and a
    rare level, a boolean, an id; the label depends on the category and the number."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "customer_id": np.arange(1000, 1000 + m),
            "age": rng.normal(40, 10, m).round(1),
            "plan": rng.choice(["basic", "plus", "pro"], m),
            "paperless": rng.choice([True, False], m),
        }
    )
    frame.loc[rng.random(m) < 0.1, "age"] = np.nan
    frame.loc[rng.random(m) < 0.05, "plan"] = None
    frame.loc[3, "plan"] = "legacy"  # a level seen once: pooled
    churn = (frame["plan"] == "basic") | (frame["age"].fillna(40) > 48)
    return frame, np.where(churn, "yes", "no")


def spec_of(tmp_path, name: str = "churn", **overrides) -> StudySpec:
    raw = {
        "name": name,
        "dataset": "churn.csv",
        "target": "churn",
        "n_trials": 3,
        "report_every": 10,
        "storage": str(tmp_path / "journal.log"),
        "space": SPACE,
        **overrides,
    }
    return StudySpec.from_dict(raw)


def test_a_table_study_runs_and_its_best_network_predicts_raw_rows(tmp_path):
    frame, y = table()
    stream = io.StringIO()
    result = run_study(spec_of(tmp_path), lambda spec: Dataset(frame, y), progress=stream)
    first, second, *rest = stream.getvalue().splitlines()
    assert first.startswith("study 'churn' on churn.csv: binary classification of 'churn', ")
    assert first.endswith(
        f"5-fold cross-validation (fewer than {SMALL_DATA:,} examples; cv_folds = 0 for one split)"
    )
    assert "encoded from 4 columns (1 numeric, 2 categorical, 1 dropped)" in second
    assert "metric log_loss (fewer than 1,000); " in second
    assert any("customer_id" in line and "identifier" in line for line in rest)
    assert result.test_accuracy is not None and result.test_accuracy > 0.6
    net = best_config("churn", spec_of(tmp_path).storage).load_network()
    rows = frame.iloc[:20].copy()
    shuffled = rows[["paperless", "plan", "customer_id", "age"]]  # another column order
    assert (net.predict(shuffled) == net.predict(rows)).all()
    odd = rows.assign(plan=["martian"] * 10 + [None] * 10, age=np.nan)  # unseen and missing
    assert set(net.predict(odd)) <= {"no", "yes"}


def test_best_config_builds_an_estimator_that_takes_the_raw_table(tmp_path):
    frame, y = table()
    spec = spec_of(tmp_path, categorical=["paperless"], drop=["customer_id"])
    run_study(spec, lambda spec: Dataset(frame, y), progress=None)
    config = best_config(spec.name, spec.storage)
    assert config.hyperparameters["categorical"] == ["paperless"]
    assert config.hyperparameters["drop"] == ["customer_id"]
    net = config.build().fit(frame, y)
    assert isinstance(net, dnn.DeepNetwork)
    assert net.score(frame, y) > 0.6


def test_no_statistic_comes_from_validation_or_test_rows(tmp_path):
    """Validation and test rows get ages of 10,000 and a category of their own: a median, a
    mean or a category list learned from them would show it."""
    frame, y = table(m=400)
    spec = spec_of(tmp_path, cv_folds=0)
    splits = split_dataset(
        Dataset(frame, y), (spec.validation_fraction, spec.test_fraction), 0, spec.problem
    )
    train_ids = set(splits.X_train["customer_id"])
    poisoned = frame.copy()
    outside = ~poisoned["customer_id"].isin(train_ids)
    poisoned.loc[outside, "age"] = 10_000.0
    poisoned.loc[outside, "plan"] = "leaked"
    run_study(spec, lambda spec: Dataset(poisoned, y), progress=None)
    study = open_existing_study(spec.name, spec.storage)
    trained = [t for t in study.trials if TrialRecord.from_trial(t).params_path]
    assert trained
    train_part = poisoned[poisoned["customer_id"].isin(train_ids)]
    for trial in trained:
        net = dnn.load(TrialRecord.from_trial(trial).params_path)
        state = net.encoder_.to_state()
        age = next(c for c in state["columns"] if c["name"] == "age")
        plan = next(c for c in state["columns"] if c["name"] == "plan")
        assert age["median"] == train_part["age"].median()
        assert "leaked" not in plan["categories"]
        if "edges" in age:  # numeric_bins: the bins are the training ages' quantiles
            assert age["edges"][-1] == train_part["age"].max() < 100
            continue
        age_column = net.encoder_.feature_names_.index("age")
        assert net.x_mean_[age_column] < 100  # the scaling saw training ages only


def test_each_fold_fits_its_own_encoder(tmp_path):
    frame, y = table(m=200)
    spec = spec_of(tmp_path, cv_folds=3)
    splits = split_data(spec, lambda spec: Dataset(frame, y))
    folds = spec.problem.folds(splits, 3, spec.seed)
    medians = {float(fold.X_train["age"].median()) for fold in folds}
    assert len(medians) > 1  # the folds' training parts differ, so would their encoders
    objective = Objective(spec, splits, tmp_path / "artifacts")
    fold_zero = TableEncoder().fit(objective.splits.X_train)  # what trial networks learn there
    assert objective.n_x(0) == len(fold_zero.feature_names_) > 4
    assert all(isinstance(f.X_train, pd.DataFrame) for f in objective.folds)
    # a trial's fold networks, as the objective builds them, each learn their fold's median
    for fold in objective.folds:
        net = spec.problem.network_class()(hidden_layers=[4], num_iterations=2, seed=0)
        net.fit(fold.X_train, fold.y_train)
        age = next(c for c in net.encoder_.to_state()["columns"] if c["name"] == "age")
        assert age["median"] == fold.X_train["age"].median()


def test_the_data_summary_describes_columns_and_classes(tmp_path):
    frame, y = table()
    spec = spec_of(tmp_path).replace(cv_folds=0)
    splits = split_data(spec, lambda spec: Dataset(frame, y))
    record, warnings = describe_data(spec, splits)
    summary = record.to_attr()
    json.dumps(summary, allow_nan=False)  # stored as JSON
    assert DataSummary.read(summary) == record  # and read back as it was
    kinds = {c["name"]: c["kind"] for c in summary["columns"]}
    assert kinds == {
        "customer_id": "dropped",
        "age": "numeric",
        "plan": "categorical",
        "paperless": "categorical",
    }
    assert summary["target"] == {
        "name": "churn",
        "classes": {
            k: int(v)
            for k, v in zip(
                *np.unique(splits.y_train.tolist() + splits.y_val.tolist(), return_counts=True),
                strict=True,
            )
        },
    }
    assert summary["examples"] == len(splits.y_train) + len(splits.y_val)
    assert summary["validation"] == "one 20% validation split"
    assert len(warnings) == 1 and "customer_id" in warnings[0]


def test_the_summary_is_stored_with_the_study(tmp_path):
    frame, y = table()
    spec = spec_of(tmp_path, cv_folds=0)
    run_study(spec, lambda spec: Dataset(frame, y), progress=None)
    stored = StudyRecord.of(open_existing_study(spec.name, spec.storage)).data_summary
    assert stored is not None and stored["n_x"] > 4 and stored["task"] == "classification"


def test_a_test_table_that_the_networks_cannot_read_fails_before_anything_is_stored(tmp_path):
    frame, y = table()
    test = frame.iloc[:30].astype({"age": object})
    test.loc[5, "age"] = "forty"
    spec = spec_of(tmp_path)
    with pytest.raises(ValueError, match="age"):
        run_study(spec, lambda spec: Dataset(frame, y, test, y[:30]), progress=None)
    assert not (tmp_path / "journal.log").exists()


# -- cross-validation by the data's size --------------------------------------------------


@pytest.mark.parametrize(
    ("timeout", "n_examples", "folds"),
    [(None, 1_438, 0), (60, 1_438, 0), (299, 1_438, 0), (300, 1_438, 5), (600, 4_999, 5),
     (600, 5_000, 0), (600, 999, 5), (60, 999, 5)],
)  # fmt: skip
def test_a_long_budget_pays_for_k_fold_on_more_examples(timeout, n_examples, folds):
    """`run digits --long`: 600 s on 1,438 examples validates by 5-fold, a minute by one split."""
    assert default_folds(n_examples, timeout) == folds
    spec = StudySpec.from_dict({"name": "a", "dataset": "digits", "timeout": timeout or 30})
    expected = folds if timeout else default_folds(n_examples, 30)
    assert spec.decided(n_examples).cv_folds == expected


def test_folds_are_decided_by_size_unless_the_file_says():
    assert default_folds(SMALL_DATA - 1) == 5 and default_folds(SMALL_DATA) == 0
    spec = StudySpec.from_dict({"name": "a", "dataset": "digits"})
    assert spec.cv_folds is None
    assert spec.decided(100).cv_folds == 5
    assert spec.decided(100, stored={"name": "a"}).cv_folds == 0  # an old study: one split
    assert spec.decided(100, stored={"cv_folds": 3}).cv_folds == 3
    assert spec.replace(cv_folds=0).decided(100).cv_folds == 0
    with pytest.raises(SpecError, match="cv_folds"):
        spec.replace(cv_folds=1)


def test_the_metric_is_decided_by_size_unless_the_file_says():
    """Log loss ranks classification trials below SMALL_DATA examples, accuracy from it on; a
    metric the file names, or the one a resumed study was stored with, holds at any size."""
    classes, values = task_named("classification"), task_named("regression")
    assert default_metric(classes, SMALL_DATA - 1) == "log_loss"
    assert default_metric(classes, SMALL_DATA) == "accuracy"
    assert default_metric(values, 10) == default_metric(values, 10 * SMALL_DATA) == "r2"
    spec = StudySpec.from_dict({"name": "a", "dataset": "digits"})
    assert spec.decided(SMALL_DATA - 1).metric == "log_loss"
    assert spec.decided(SMALL_DATA).metric == "accuracy"
    assert not spec.decided(SMALL_DATA).metric_by_default  # decided: a resume must keep it
    named = StudySpec.from_dict({"name": "a", "dataset": "digits", "metric": "accuracy"})
    assert named.decided(100).metric == "accuracy"
    assert spec.decided(SMALL_DATA, stored={"metric": "log_loss"}).metric == "log_loss"
    assert spec.decided(100, stored={"metric": "accuracy"}).metric == "accuracy"


@pytest.mark.parametrize("rows", [1_200, 1_300])
def test_a_run_ranks_by_the_metric_of_its_training_and_validation_size(tmp_path, rows):
    """`prepare` decides the metric on the examples trials learn and are scored on (not the test
    rows): 1,200 rows leave fewer than SMALL_DATA of them, 1,300 rows more."""
    frame, y = table(rows)
    prepared = prepare(spec_of(tmp_path), lambda spec: Dataset(frame, y))
    n_examples = len(prepared.splits.y_train) + len(prepared.splits.y_val)
    assert (n_examples < SMALL_DATA) == (rows == 1_200)
    assert prepared.spec.metric == ("log_loss" if n_examples < SMALL_DATA else "accuracy")
    why = "log_loss (fewer than 1,000)" if rows == 1_200 else "accuracy (1,000 or more)"
    lines = opening_lines(
        prepared.spec, prepared.summary, prepared.chosen, [], prepared.metric_chosen
    )
    second = lines[1]
    assert f"metric {why}; " in second  # the run's second line says why
    run_study(prepared.spec.replace(n_trials=1), lambda spec: Dataset(frame, y), progress=None)
    again = prepare(spec_of(tmp_path), lambda spec: Dataset(frame, y))  # resumed: its own
    assert not again.metric_chosen and again.spec.metric == prepared.spec.metric


def test_a_resumed_study_keeps_its_validation(tmp_path):
    frame, y = table()
    spec = spec_of(tmp_path, cv_folds=0)
    run_study(spec, lambda spec: Dataset(frame, y), progress=None)
    again = spec_of(tmp_path)  # the same file without the key: the study's own choice holds
    stored = StudyRecord.of(open_existing_study(spec.name, spec.storage)).spec
    assert again.decided(len(y), stored).cv_folds == 0
    run_study(again, lambda spec: Dataset(frame, y), progress=None)


# -- regression ---------------------------------------------------------------------------


def regression_data(m: int = 300, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(m, 3))
    return x, 3 * x[:, 0] - 2 * x[:, 1] ** 2 + 0.1 * rng.normal(size=m) + 50


def test_a_regression_study_tunes_scores_and_hands_back_a_regressor(tmp_path):
    x, y = regression_data()
    spec = spec_of(tmp_path, name="reg", dataset="reg", task="regression", n_trials=4, cv_folds=0)
    assert spec.metric == "r2" and spec.direction == "maximize"
    result = run_study(spec, lambda spec: (x, y), progress=None)
    assert set(result.test_scores) == {"rmse", "mae", "r2"} and result.test_accuracy is None
    config = best_config("reg", spec.storage)
    assert config.task == "regression" and "DeepNetworkRegressor(" in config.to_python()
    net = config.load_network()
    assert isinstance(net, dnn.DeepNetworkRegressor)
    y_true, y_pred = test_predictions(open_existing_study("reg", spec.storage))
    splits = split_data(spec, lambda spec: (x, y))
    np.testing.assert_array_equal(y_true, splits.y_test)
    np.testing.assert_allclose(y_pred, net.predict(splits.X_test))
    r2 = 1 - np.sum((y_pred - y_true) ** 2) / np.sum((y_true - y_true.mean()) ** 2)
    assert result.test_scores["r2"] == pytest.approx(r2)
    assert isinstance(config.build(), dnn.DeepNetworkRegressor)


@pytest.mark.parametrize("metric", ["rmse", "mae"])
def test_a_regression_can_minimize_an_error(tmp_path, metric):
    x, y = regression_data()
    spec = spec_of(tmp_path, name=metric, dataset="reg", task="regression", metric=metric)
    assert spec.direction == "minimize"
    result = run_study(spec.replace(cv_folds=3), lambda spec: (x, y), progress=None)
    study = open_existing_study(metric, spec.storage)
    assert study.direction.name == "MINIMIZE"
    assert result.best_value == min(t.value for t in study.trials if t.value is not None)


def test_regression_splits_are_a_seeded_shuffle_and_folds_cover_every_row():
    x, y = regression_data(m=101)
    a = shuffled_split(x, y, 0.2, 0.2, seed=4)
    b = shuffled_split(x, y, 0.2, 0.2, seed=4)
    np.testing.assert_array_equal(a.y_val, b.y_val)
    assert (len(a.y_train), len(a.y_val), len(a.y_test)) == (61, 20, 20)
    folds = shuffled_folds(a, 4, seed=1)
    validated = np.sort(np.concatenate([f.y_val for f in folds]))
    np.testing.assert_array_equal(validated, np.sort(np.concatenate([a.y_train, a.y_val])))


@pytest.mark.parametrize(
    ("y", "message"),
    [
        (np.array(["1.5", "x"] * 50, dtype=object), "y row 1 is 'x', not a number"),
        (np.full(100, 2.0), "constant"),
        (np.r_[np.arange(99.0), np.nan], "row 99"),
    ],
)
def test_bad_regression_targets_are_one_line_each(tmp_path, y, message):
    x = np.random.default_rng(0).normal(size=(100, 2))
    spec = spec_of(tmp_path, name="bad", dataset="reg", task="regression")
    with pytest.raises(ValueError, match=message) as error:
        run_study(spec, lambda spec: (x, y), progress=None)
    assert "\n" not in str(error.value)
    assert not (tmp_path / "journal.log").exists()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"task": "regression", "metric": "accuracy"}, "classification metric"),
        ({"metric": "r2"}, "regression metric"),
        ({"task": "ranking"}, "task"),
        ({"drop": ["churn"]}, "target column"),
        ({"drop": ["a"], "categorical": ["a"]}, "both"),
        ({"drop": "a"}, "list"),
        ({"dtype": "float16"}, "dtype"),
    ],
)
def test_bad_task_keys_name_the_key(tmp_path, overrides, message):
    with pytest.raises(SpecError, match=message) as error:
        spec_of(tmp_path, **overrides)
    assert "\n" not in str(error.value)


def test_a_table_the_encoder_refuses_is_one_line_naming_the_data_set(tmp_path):
    frame, y = table(m=2400)
    frame["code"] = [f"k{i % 240}" for i in range(2400)]  # 240 levels seen 10 times each
    refused = r"^dataset churn.csv: column 'code' has 2\d\d categories \(more than 200\)"
    with pytest.raises(ValueError, match=refused) as error:
        run_study(spec_of(tmp_path), lambda spec: Dataset(frame, y), progress=None)
    assert "\n" not in str(error.value) and "max_levels" not in str(error.value)
    assert not (tmp_path / "journal.log").exists()


def test_the_default_space_bins_a_tables_numbers_and_not_an_arrays(tmp_path):
    from search.prepare import prepare

    frame, labels = table(m=200)
    y = np.arange(200.0)  # a regression's target
    raw = {"name": "churn", "dataset": "churn.csv", "target": "churn", "n_trials": 1}
    spec = StudySpec.from_dict({**raw, "storage": str(tmp_path / "a.log"), "task": "regression"})
    assert prepare(spec, lambda s: Dataset(frame, y)).spec.space.to_dict()["numeric_bins"] == [
        0,
        16,
    ]
    classes = StudySpec.from_dict({**raw, "storage": str(tmp_path / "b.log")})
    assert (
        "numeric_bins" not in prepare(classes, lambda s: Dataset(frame, labels)).spec.space.tuned()
    )
    numbers = frame[["age"]].fillna(40.0).to_numpy()
    assert "numeric_bins" not in prepare(spec, lambda s: (numbers, y)).spec.space.tuned()
    one_split = spec.replace(cv_folds=0)  # bins only where trials are cross-validated
    assert "numeric_bins" not in prepare(one_split, lambda s: Dataset(frame, y)).spec.space.tuned()
    wide = pd.concat(
        [frame, pd.DataFrame(np.ones((200, 64)) * np.arange(200)[:, None] % 7)], axis=1
    )
    wide.columns = [str(c) for c in wide.columns]
    assert "numeric_bins" not in prepare(spec, lambda s: Dataset(wide, y)).spec.space.tuned()


def test_no_bins_where_their_names_clash_or_their_values_are_too_many(tmp_path, monkeypatch):
    from search import tasks
    from search.prepare import prepare

    frame, _ = table(m=200)
    y = np.arange(200.0)
    raw = {"name": "churn", "dataset": "churn.csv", "target": "churn", "n_trials": 1}
    spec = StudySpec.from_dict({**raw, "storage": str(tmp_path / "a.log"), "task": "regression"})
    assert "numeric_bins" in prepare(spec, lambda s: Dataset(frame, y)).spec.space.tuned()
    clash = frame.assign(**{"age[3/16]": frame["age"] * 2})  # age's third bin's name
    assert "numeric_bins" not in prepare(spec, lambda s: Dataset(clash, y)).spec.space.tuned()
    monkeypatch.setattr(tasks, "BINNED_VALUES_UP_TO", 159 * 16)  # fewer than 160 rows x 16
    assert "numeric_bins" not in prepare(spec, lambda s: Dataset(frame, y)).spec.space.tuned()


def test_bins_asked_of_an_array_are_a_spec_error(tmp_path):
    from search.prepare import prepare

    frame, y = table(m=200)
    raw = {"name": "churn", "dataset": "churn.csv", "target": "churn", "n_trials": 1}
    spec = StudySpec.from_dict(
        {**raw, "storage": str(tmp_path / "a.log"), "space": {"numeric_bins": [0, 8]}}
    )
    numbers = frame[["age"]].fillna(40.0).to_numpy()
    with pytest.raises(SpecError, match="^space: numeric_bins bins the numeric columns of a table"):
        prepare(spec, lambda s: (numbers, y))
    assert not (tmp_path / "a.log").exists()  # refused before anything is stored


def test_a_binned_trial_records_its_encoded_width(tmp_path):
    frame, y = table(m=200)
    spec = spec_of(tmp_path, space={**SPACE, "numeric_bins": 8}, cv_folds=0)
    run_study(spec, lambda spec: Dataset(frame, y), progress=None)
    trial = open_existing_study(spec.name, spec.storage).trials[0]
    record = TrialRecord.from_trial(trial)
    net = dnn.load(record.params_path)
    assert net.encoder_.bins == 8 and any(n.startswith("age[") for n in net.encoder_.feature_names_)
    assert (
        record.layer_dims[0] == len(net.encoder_.feature_names_) == net.parameters_["W1"].shape[1]
    )
