"""What a user would run instead of dnnsearch on a table (bench_tables, bench_regression).

A tuned scikit-learn MLP pipeline, gradient boosting, a linear model:

- pipeline: ColumnTransformer (numbers: SimpleImputer(median, add_indicator) +
  StandardScaler; text: SimpleImputer(most_frequent) + OneHotEncoder(handle_unknown=
  "ignore")) + MLPClassifier / MLPRegressor (the regressor learns a standardized target,
  TransformedTargetRegressor, as a user who knows MLPs would have it), tuned by rounds of
  RandomizedSearchCV (2 candidates a round, 5 shuffled folds, stratified for classes,
  n_jobs=2) until the given budget has passed; the best candidate is refit on the training
  split (harness.budgeted_search). Its time includes the refit.
- hgb: HistGradientBoostingClassifier / Regressor with their defaults, text columns as pandas
  categories (categorical_features="from_dtype"), missing cells left to it.
- linear: LogisticRegression (C = 1) / RidgeCV (alpha by leave-one-out over 1e-3..1e3) in the
  same imputing, one-hot, scaling columns.

hgb and linear run on one OpenMP/BLAS thread: the 2 cores are shared with other processes,
and HistGradientBoosting's two OpenMP threads then took 35-81 s on penguins' 275 rows
(seconds on one thread); their scores do not depend on it.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import pandas as pd
from harness import Outcome, budgeted_search
from public_tables import CLASSIFICATION
from scipy.stats import loguniform
from sklearn.base import BaseEstimator
from sklearn.compose import ColumnTransformer, TransformedTargetRegressor
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression, RidgeCV
from sklearn.metrics import accuracy_score, r2_score, root_mean_squared_error
from sklearn.model_selection import KFold, StratifiedKFold
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from threadpoolctl import threadpool_limits

JOBS = 2
FOLDS = 5

MLP_SPACE = {
    "mlp__hidden_layer_sizes": [
        (16,),
        (32,),
        (64,),
        (128,),
        (256,),
        (32, 32),
        (64, 64),
        (128, 64),
        (64, 32, 16),
    ],
    "mlp__activation": ["relu", "tanh"],
    "mlp__alpha": loguniform(1e-6, 10.0),
    "mlp__learning_rate_init": loguniform(1e-4, 1e-1),
    "mlp__batch_size": [16, 32, 64, 128, 256],
    "mlp__max_iter": [100, 200, 400, 800],
    "mlp__early_stopping": [False, True],
}

Split = tuple[pd.DataFrame, pd.Series, pd.DataFrame, pd.Series]


def text_columns(X: pd.DataFrame) -> list[str]:
    """The columns pandas did not read as numbers: the categories.

    Args:
        X: a table's features.

    Returns:
        Their names.
    """
    return [str(c) for c in X.columns if not pd.api.types.is_numeric_dtype(X[c])]


def columns(X: pd.DataFrame) -> ColumnTransformer:
    """Impute, scale numbers and one-hot encode text, as a scikit-learn user would.

    Args:
        X: the training features (their dtypes choose each column's treatment).

    Returns:
        An unfitted ColumnTransformer.
    """
    text = text_columns(X)
    numeric = [str(c) for c in X.columns if str(c) not in text]
    numbers = make_pipeline(SimpleImputer(strategy="median", add_indicator=True), StandardScaler())
    categories = make_pipeline(
        SimpleImputer(strategy="most_frequent"), OneHotEncoder(handle_unknown="ignore")
    )
    return ColumnTransformer([("numeric", numbers, numeric), ("text", categories, text)])


def scores(task: str, y_true: pd.Series, y_pred: np.ndarray) -> dict[str, float]:
    """The test scores of a prediction: accuracy, or R^2 and RMSE.

    Args:
        task: classification or regression.
        y_true: the test targets.
        y_pred: the predictions.

    Returns:
        The scores by dnnsearch's metric names.
    """
    if task == CLASSIFICATION:
        return {"accuracy": float(accuracy_score(y_true, y_pred))}
    return {
        "r2": float(r2_score(y_true, y_pred)),
        "rmse": float(root_mean_squared_error(y_true, y_pred)),
    }


def _mlp_pipeline(task: str, X: pd.DataFrame, seed: int) -> BaseEstimator:
    if task == CLASSIFICATION:
        return Pipeline([("columns", columns(X)), ("mlp", MLPClassifier(random_state=seed))])
    model = Pipeline([("columns", columns(X)), ("mlp", MLPRegressor(random_state=seed))])
    return TransformedTargetRegressor(model, transformer=StandardScaler())


def tuned_pipeline(task: str, split: Split, budget: float, seed: int) -> Outcome:
    """The MLP pipeline tuned for `budget` seconds, refit, and scored on the test split.

    Args:
        task: classification or regression.
        split: X_train, y_train, X_test, y_test.
        budget: seconds of search.
        seed: the folds', the candidates' and the networks' random state.

    Returns:
        Its test scores, wall time (refit included), candidates and best parameters.
    """
    X, y, X_test, y_test = split
    classes = task == CLASSIFICATION
    model = _mlp_pipeline(task, X, seed)
    space: dict[str, Any] = MLP_SPACE
    if not classes:
        space = {f"regressor__{key}": value for key, value in MLP_SPACE.items()}
    splitter = StratifiedKFold if classes else KFold
    start = time.perf_counter()
    fitted, candidates, best = budgeted_search(
        model,
        space,
        X,
        y,
        budget=budget,
        cv=splitter(FOLDS, shuffle=True, random_state=seed),
        scoring="accuracy" if classes else "r2",
        jobs=JOBS,
        seed=seed,
    )
    result = scores(task, y_test, fitted.predict(X_test))
    note = ", ".join(f"{key.rsplit('__', 1)[1]} {_short(value)}" for key, value in best.items())
    return Outcome(result, time.perf_counter() - start, candidates, note=note)


def _short(value: Any) -> str:
    return f"{value:.3g}" if isinstance(value, float) else str(value)


def boosting(task: str, split: Split, seed: int) -> Outcome:
    """HistGradientBoosting with its defaults, text columns as categories.

    Args:
        task: classification or regression.
        split: X_train, y_train, X_test, y_test.
        seed: its random_state.

    Returns:
        Its test scores and wall time.
    """
    X, y, X_test, y_test = split
    X, X_test = X.copy(), X_test.copy()
    for column in text_columns(X):  # the training split's categories; others become missing
        kind = pd.CategoricalDtype(sorted(X[column].dropna().unique()))
        X[column], X_test[column] = X[column].astype(kind), X_test[column].astype(kind)
    kind = (
        HistGradientBoostingClassifier if task == CLASSIFICATION else HistGradientBoostingRegressor
    )
    start = time.perf_counter()
    model = kind(categorical_features="from_dtype", random_state=seed).fit(X, y)
    return Outcome(scores(task, y_test, model.predict(X_test)), time.perf_counter() - start)


def linear(task: str, split: Split, seed: int) -> Outcome:
    """Logistic regression or ridge in the pipeline's columns.

    Args:
        task: classification or regression.
        split: X_train, y_train, X_test, y_test.
        seed: the logistic regression's random_state.

    Returns:
        Its test scores and wall time.
    """
    X, y, X_test, y_test = split
    if task == CLASSIFICATION:
        last: BaseEstimator = LogisticRegression(max_iter=2000, random_state=seed)
    else:
        last = RidgeCV(alphas=np.logspace(-3, 3, 13))
    start = time.perf_counter()
    with threadpool_limits(1):
        model = make_pipeline(columns(X), last).fit(X, y)
        result = scores(task, y_test, model.predict(X_test))
    return Outcome(result, time.perf_counter() - start)
